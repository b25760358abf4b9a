"""Initial schema: articles, comments, runs and results, reviews, audit, keys, jobs, exports.

The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 10:55:53.425803
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Keep in step with analyzer.storage.tables.JSONValue.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_APPEND_ONLY_MESSAGE = "audit_events is append-only"


def _create_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")


def upgrade() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("package_version", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settings_hash", sa.String(length=64), nullable=False),
        sa.Column("settings", JSON_TYPE, nullable=False),
        sa.Column("components", JSON_TYPE, nullable=False),
        sa.Column("issues", JSON_TYPE, nullable=False),
        sa.Column("skipped_signals", JSON_TYPE, nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "articles",
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("metadata", JSON_TYPE, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_run_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key_id", sa.String(length=255), nullable=True),
        sa.Column("actor_name", sa.String(length=255), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=True),
        sa.Column("target_id", sa.String(length=255), nullable=True),
        sa.Column("decision_id", sa.String(length=255), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("evidence", JSON_TYPE, nullable=False),
        sa.Column("model_versions", JSON_TYPE, nullable=False),
        sa.Column("details", JSON_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_audit_events_action", "audit_events", ["action"], unique=False)
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"], unique=False)
    op.create_index("ix_audit_events_target_id", "audit_events", ["target_id"], unique=False)

    op.create_table(
        "cluster_articles",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("cluster_id", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "cluster_id", "article_id"),
    )
    op.create_index(
        "ix_cluster_articles_article_id", "cluster_articles", ["article_id"], unique=False
    )

    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(length=255), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("appeal_of", sa.String(length=255), nullable=True),
        sa.Column("run_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key_id", sa.String(length=255), nullable=True),
        sa.Column("actor_name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_of"],
            ["decisions.decision_id"],
        ),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    op.create_index("ix_decisions_appeal_of", "decisions", ["appeal_of"], unique=False)
    op.create_index("ix_decisions_target", "decisions", ["target_type", "target_id"], unique=False)

    op.create_table(
        "deployment_values",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("params", JSON_TYPE, nullable=False),
        sa.Column("result", JSON_TYPE, nullable=True),
        sa.Column("error", JSON_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"], unique=False)

    op.create_table(
        "clusters",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("cluster_id", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("authors", JSON_TYPE, nullable=False),
        sa.Column("article_ids", JSON_TYPE, nullable=False),
        sa.Column("detectors", JSON_TYPE, nullable=False),
        sa.Column("signal_indexes", JSON_TYPE, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.run_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "cluster_id"),
    )
    op.create_index("ix_clusters_cluster_id", "clusters", ["cluster_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("comment_id", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_id", sa.String(length=255), nullable=True),
        sa.Column("metadata", JSON_TYPE, nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index(
        "ix_comments_article_position", "comments", ["article_id", "position"], unique=False
    )

    op.create_table(
        "exports",
        sa.Column("export_id", sa.String(length=255), nullable=False),
        sa.Column("job_id", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("filters", JSON_TYPE, nullable=False),
        sa.Column("pseudonymized", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("manifest", JSON_TYPE, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.job_id"],
        ),
        sa.PrimaryKeyConstraint("export_id"),
    )
    op.create_table(
        "run_articles",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.Column("skipped_signals", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.article_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.run_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "article_id"),
    )
    op.create_index("ix_run_articles_article_id", "run_articles", ["article_id"], unique=False)

    op.create_table(
        "signals",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("signal_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("detector", sa.String(length=128), nullable=False),
        sa.Column("detector_version", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("comment_ids", JSON_TYPE, nullable=False),
        sa.Column("evidence", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.run_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "signal_index"),
    )
    op.create_table(
        "cluster_members",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("cluster_id", sa.String(length=255), nullable=False),
        sa.Column("comment_id", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.comment_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "cluster_id", "comment_id"),
    )
    op.create_index(
        "ix_cluster_members_comment_id", "cluster_members", ["comment_id"], unique=False
    )

    op.create_table(
        "coordination_results",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("comment_id", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("cluster_id", sa.String(length=255), nullable=True),
        sa.Column("signal_indexes", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.comment_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.run_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "comment_id"),
    )
    op.create_index(
        "ix_coordination_results_run_article",
        "coordination_results",
        ["run_id", "article_id"],
        unique=False,
    )

    op.create_table(
        "stance_results",
        sa.Column("run_id", sa.String(length=255), nullable=False),
        sa.Column("comment_id", sa.String(length=255), nullable=False),
        sa.Column("article_id", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("scores", JSON_TYPE, nullable=False),
        sa.Column("questioning", sa.Boolean(), nullable=False),
        sa.Column("questioning_score", sa.Float(), nullable=False),
        sa.Column("evidence", JSON_TYPE, nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.comment_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.run_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "comment_id"),
    )
    op.create_index(
        "ix_stance_results_run_article", "stance_results", ["run_id", "article_id"], unique=False
    )
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_index("ix_stance_results_run_article", table_name="stance_results")

    op.drop_table("stance_results")
    op.drop_index("ix_coordination_results_run_article", table_name="coordination_results")

    op.drop_table("coordination_results")
    op.drop_index("ix_cluster_members_comment_id", table_name="cluster_members")

    op.drop_table("cluster_members")
    op.drop_table("signals")
    op.drop_index("ix_run_articles_article_id", table_name="run_articles")

    op.drop_table("run_articles")
    op.drop_table("exports")
    op.drop_index("ix_comments_article_position", table_name="comments")

    op.drop_table("comments")
    op.drop_index("ix_clusters_cluster_id", table_name="clusters")

    op.drop_table("clusters")
    op.drop_index("ix_jobs_status", table_name="jobs")

    op.drop_table("jobs")
    op.drop_table("deployment_values")
    op.drop_index("ix_decisions_target", table_name="decisions")
    op.drop_index("ix_decisions_appeal_of", table_name="decisions")

    op.drop_table("decisions")
    op.drop_index("ix_cluster_articles_article_id", table_name="cluster_articles")

    op.drop_table("cluster_articles")
    op.drop_index("ix_audit_events_target_id", table_name="audit_events")
    op.drop_index("ix_audit_events_occurred_at", table_name="audit_events")
    op.drop_index("ix_audit_events_action", table_name="audit_events")

    op.drop_table("audit_events")
    op.drop_table("articles")
    op.drop_table("api_keys")
    op.drop_table("analysis_runs")
