"""SQLAlchemy 2 ORM tables. The Alembic migrations in ``migrations/`` create exactly these.

Results are keyed by ``run_id``: a rescore adds rows for a new run and never rewrites old ones,
so every result stays queryable next to the model versions that produced it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 255


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores naive values) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONValue = JSON().with_variant(JSONB(), "postgresql")
# For optional JSON: Python None is stored as SQL NULL (as rows from before the column read),
# not as the JSON value null, so "IS NULL" finds every row without one.
NullableJSONValue = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONValue,
        Any: JSONValue,
    }


def _id() -> Any:
    return String(ID_LENGTH)


class ArticleRow(Base):
    __tablename__ = "articles"

    article_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONValue, default=dict)
    ingested_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The run whose results the API shows by default; older runs stay queryable by run_id.
    latest_run_id: Mapped[str | None] = mapped_column(_id())


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_position", "article_id", "position"),)

    comment_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    article_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("articles.article_id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)  # arrival order within the article
    author: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime | None]
    parent_id: Mapped[str | None] = mapped_column(_id())
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONValue, default=dict)
    ingested_at: Mapped[datetime]


class AnalysisRunRow(Base):
    """One pipeline run: its RunInfo plus why it ran."""

    __tablename__ = "analysis_runs"

    run_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # ingest | append | reanalyze | analyze
    package_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    settings_hash: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    components: Mapped[Any] = mapped_column(JSONValue)  # [{kind, name, version, checksum}]
    issues: Mapped[Any] = mapped_column(JSONValue)  # record issues found while ingesting
    skipped_signals: Mapped[Any] = mapped_column(JSONValue)  # run-wide skipped signals
    article_count: Mapped[int] = mapped_column(Integer)
    comment_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(_id())


class RunArticleRow(Base):
    __tablename__ = "run_articles"

    run_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("analysis_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    skipped_signals: Mapped[Any] = mapped_column(JSONValue)  # [{signal, reason, article_id}]


class StanceResultRow(Base):
    __tablename__ = "stance_results"
    __table_args__ = (Index("ix_stance_results_run_article", "run_id", "article_id"),)

    run_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("analysis_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("comments.comment_id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[str] = mapped_column(_id())
    label: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    questioning: Mapped[bool] = mapped_column(Boolean)
    questioning_score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[Any] = mapped_column(JSONValue)
    model: Mapped[str] = mapped_column(String(128))  # "name@version"
    # Added in revision 0002; the server defaults are StanceResult's, for rows stored before it.
    abstained: Mapped[bool] = mapped_column(Boolean, server_default=false())
    language: Mapped[str | None] = mapped_column(String(16))
    supported: Mapped[bool] = mapped_column(Boolean, server_default=true())
    unsupported_reason: Mapped[str | None] = mapped_column(Text)
    targets: Mapped[Any] = mapped_column(JSONValue, server_default=sql_text("'[]'"))  # records
    reply_agreement: Mapped[Any | None] = mapped_column(NullableJSONValue)  # a record or NULL


class CoordinationResultRow(Base):
    __tablename__ = "coordination_results"
    __table_args__ = (Index("ix_coordination_results_run_article", "run_id", "article_id"),)

    run_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("analysis_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("comments.comment_id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[str] = mapped_column(_id())
    flagged: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    cluster_id: Mapped[str | None] = mapped_column(_id())
    signal_indexes: Mapped[Any] = mapped_column(JSONValue)  # into signals of the same run


class SignalRow(Base):
    __tablename__ = "signals"

    run_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("analysis_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    signal_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    detector: Mapped[str] = mapped_column(String(128))
    detector_version: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text)
    comment_ids: Mapped[Any] = mapped_column(JSONValue)
    evidence: Mapped[Any] = mapped_column(JSONValue)


class ClusterRow(Base):
    __tablename__ = "clusters"

    run_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("analysis_runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    cluster_id: Mapped[str] = mapped_column(_id(), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text)
    authors: Mapped[Any] = mapped_column(JSONValue)
    article_ids: Mapped[Any] = mapped_column(JSONValue)
    detectors: Mapped[Any] = mapped_column(JSONValue)
    signal_indexes: Mapped[Any] = mapped_column(JSONValue)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    comment_count: Mapped[int] = mapped_column(Integer)


class ClusterMemberRow(Base):
    __tablename__ = "cluster_members"

    run_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    comment_id: Mapped[str] = mapped_column(
        _id(), ForeignKey("comments.comment_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)  # order within Cluster.comment_ids


class ClusterArticleRow(Base):
    __tablename__ = "cluster_articles"

    run_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    cluster_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    article_id: Mapped[str] = mapped_column(_id(), primary_key=True, index=True)


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_target", "target_type", "target_id"),)

    decision_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))  # comment | cluster | author
    target_id: Mapped[str] = mapped_column(_id())
    action: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    appeal_of: Mapped[str | None] = mapped_column(
        _id(), ForeignKey("decisions.decision_id"), index=True
    )
    run_id: Mapped[str | None] = mapped_column(_id())
    created_at: Mapped[datetime]
    actor_key_id: Mapped[str | None] = mapped_column(_id())
    actor_name: Mapped[str] = mapped_column(String(255))


class AuditEventRow(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the first migration)."""

    __tablename__ = "audit_events"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor_key_id: Mapped[str | None] = mapped_column(_id())
    actor_name: Mapped[str] = mapped_column(String(255))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(_id(), index=True)
    decision_id: Mapped[str | None] = mapped_column(_id())
    request_id: Mapped[str | None] = mapped_column(String(64))
    evidence: Mapped[Any] = mapped_column(JSONValue)
    model_versions: Mapped[Any] = mapped_column(JSONValue)
    details: Mapped[Any] = mapped_column(JSONValue)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256(salt + secret), hex
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class JobRow(Base):
    __tablename__ = "jobs"

    job_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(_id())
    params: Mapped[Any] = mapped_column(JSONValue)
    result: Mapped[Any | None] = mapped_column(JSONValue)
    error: Mapped[Any | None] = mapped_column(JSONValue)


class ExportRow(Base):
    __tablename__ = "exports"

    export_id: Mapped[str] = mapped_column(_id(), primary_key=True)
    job_id: Mapped[str] = mapped_column(_id(), ForeignKey("jobs.job_id"))
    format: Mapped[str] = mapped_column(String(16))
    filters: Mapped[Any] = mapped_column(JSONValue)
    pseudonymized: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(_id())
    directory: Mapped[str] = mapped_column(Text)
    manifest: Mapped[Any | None] = mapped_column(JSONValue)


class DeploymentValueRow(Base):
    """Per-deployment values generated on first start (e.g. the pseudonym salt)."""

    __tablename__ = "deployment_values"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
