"""Wire models: what goes over HTTP. Kept apart from analyzer/model.py so the wire format can
evolve without touching the core; each response is built from a domain type.

Per-comment responses follow the CLI's JSONL contract exactly (``analyzer.export``):
``CommentRecord`` documents that shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from analyzer.model import AgreementLabel, StanceLabel, TargetStanceLabel
from analyzer.storage.exports import ExportFormat
from analyzer.storage.jobs import JobKind, JobStatus
from analyzer.storage.keys import Role
from analyzer.storage.reviews import Action, ReasonCode, TargetType

ID_DESCRIPTION = "1 to 255 characters"
TIME_DESCRIPTION = "ISO-8601 with a timezone, e.g. 2024-05-01T09:30:00Z"


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- requests


class CommentIn(WireModel):
    comment_id: str = Field(description=f"Unique across all articles; {ID_DESCRIPTION}.")
    text: str = Field(description="The comment text; must not be empty.")
    article_id: str | None = Field(
        None, description="Required for top-level comments; optional when nested in an article."
    )
    author: str | None = Field(None, description="Account name or id.")
    created_at: str | None = Field(None, description=TIME_DESCRIPTION)
    parent_id: str | None = Field(None, description="The comment this one replies to.")
    metadata: dict[str, str] = Field(default_factory=dict, description="Free-form string fields.")


class ArticleIn(WireModel):
    article_id: str = Field(description=ID_DESCRIPTION)
    title: str = ""
    text: str = ""
    url: str | None = None
    published_at: str | None = Field(None, description=TIME_DESCRIPTION)
    metadata: dict[str, str] = Field(default_factory=dict)
    comments: list[CommentIn] = Field(default_factory=list)


EXAMPLE_ARTICLE: dict[str, Any] = {
    "article_id": "a-1",
    "title": "City council approves new bike lanes",
    "text": "The council voted 7-2 on Tuesday to add protected bike lanes downtown.",
    "comments": [
        {
            "comment_id": "c-1",
            "author": "maria",
            "text": "Finally, this will make my commute so much safer.",
            "created_at": "2024-05-01T09:30:00Z",
        },
        {
            "comment_id": "c-2",
            "author": "tom",
            "text": "A waste of money, nobody bikes in winter.",
            "created_at": "2024-05-01T09:42:00Z",
        },
    ],
}


class IngestRequest(WireModel):
    """Same fields as the CLI's JSON input: articles with nested comments, and/or top-level
    comments that name their ``article_id``."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"articles": [EXAMPLE_ARTICLE]}]}
    )

    articles: list[ArticleIn] = Field(default_factory=list)
    comments: list[CommentIn] = Field(default_factory=list)


class AppendRequest(WireModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "comments": [
                        {"comment_id": "c-3", "author": "lee", "text": "Good news for families."}
                    ]
                }
            ]
        },
    )

    comments: list[CommentIn] = Field(min_length=1)


class AnalyzeRequest(ArticleIn):
    """One article with its comments, analyzed without storing anything (unless ``store``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_ARTICLE]})


class HookArticleIn(WireModel):
    """The article a checked comment sits under; its title and text let quotes of it be
    told from copies. Optional: the service also uses the stored article."""

    title: str = ""
    text: str = ""
    url: str | None = None
    published_at: str | None = Field(None, description=TIME_DESCRIPTION)


class HookCheckRequest(WireModel):
    """One new comment, for the moderation hook."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "comment_id": "c-981",
                    "article_id": "a-1",
                    "author": "harbourview_dan",
                    "text": "This bike lane plan is a total waste of taxpayer money.",
                    "created_at": "2024-05-01T09:31:00Z",
                }
            ]
        },
    )

    comment_id: str = Field(description=ID_DESCRIPTION)
    article_id: str = Field(description=ID_DESCRIPTION)
    text: str = Field(description="The comment text; must not be empty.")
    author: str | None = Field(None, description="Account name or id.")
    created_at: str | None = Field(
        None, description=f"{TIME_DESCRIPTION}; default: when the service received it."
    )
    parent_id: str | None = Field(None, description="The comment this one replies to.")
    metadata: dict[str, str] = Field(default_factory=dict)
    article: HookArticleIn | None = Field(
        None, description="The article's title and text (default: the stored article, if any)."
    )
    record: bool = Field(
        True,
        description=(
            "Keep the comment in the rolling window for the comments after it; false checks "
            "it without remembering it (a dry run)."
        ),
    )


class DecisionIn(WireModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "target_type": "cluster",
                    "target_id": "cl-0123456789ab",
                    "action": "label_coordinated",
                    "reason_code": "coordinated_inauthentic",
                    "note": "Same text from 6 new accounts within 4 minutes.",
                }
            ]
        },
    )

    target_type: TargetType
    target_id: str
    action: Action
    reason_code: ReasonCode
    note: str = Field("", max_length=5000)
    appeal_of: str | None = Field(
        None, description="The decision this one reviews (an appeal); same target required."
    )


class BulkDecisionIn(WireModel):
    decisions: list[DecisionIn] = Field(min_length=1, max_length=1000)


class ExportFiltersIn(WireModel):
    article_ids: list[str] | None = Field(None, max_length=10_000)
    stance: StanceLabel | None = None
    flagged: bool | None = None
    since: AwareDatetime | None = Field(None, description="Comments created at or after this time.")
    until: AwareDatetime | None = Field(None, description="Comments created before this time.")


class ExportIn(WireModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"format": "parquet", "filters": {"flagged": True}}]},
    )

    format: ExportFormat
    filters: ExportFiltersIn = Field(default_factory=ExportFiltersIn)
    pseudonymize: bool = Field(
        True, description="Replace author ids with salted-HMAC pseudonyms; false needs admin."
    )


class ReanalyzeIn(WireModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{}, {"article_ids": ["a-1"]}]}
    )

    article_ids: list[str] | None = Field(
        None, max_length=100_000, description="Articles to re-run; omit for all stored articles."
    )


class KeyIn(WireModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "alice", "role": "moderator"}]}
    )

    name: str = Field(min_length=1, max_length=255)
    role: Role


# ---------------------------------------------------------------- the output contract


class SpanOut(BaseModel):
    start: int
    end: int
    text: str
    unit: str


class EvidenceOut(BaseModel):
    kind: str
    summary: str
    comment_ids: list[str] | None = None
    authors: list[str] | None = None
    article_ids: list[str] | None = None
    span: SpanOut | None = None
    shared_text: str | None = None
    similarity: float | None = None
    weight: float | None = None
    started_at: str | None = None
    ended_at: str | None = None


class TargetStanceOut(BaseModel):
    target: str
    label: TargetStanceLabel
    confidence: float
    scores: dict[str, float] = Field(description="favor / against / none; they sum to 1")
    basis: str = Field(
        description="mention, coreference, relation, article_transfer or none: where the label "
        "comes from"
    )
    source: str = Field(description="user (a configured target) or article (extracted from it)")
    evidence: list[EvidenceOut]
    model: str = Field(description="name@version")


class ReplyAgreementOut(BaseModel):
    parent_id: str
    label: AgreementLabel
    confidence: float
    scores: dict[str, float] = Field(description="agree / disagree / neutral; they sum to 1")
    evidence: list[EvidenceOut]
    model: str = Field(description="name@version")


class StanceOut(BaseModel):
    label: StanceLabel
    confidence: float
    scores: dict[str, float]
    questioning: bool
    questioning_score: float
    evidence: list[EvidenceOut]
    model: str = Field(description="name@version")
    abstained: bool = Field(
        description="confidence below the configured threshold: route to a human"
    )
    language: str | None = Field(
        description='ISO 639-1 code, "und" if unidentified, null if not checked'
    )
    supported: bool = Field(description="false: the model does not handle this comment")
    unsupported_reason: str | None
    targets: list[TargetStanceOut] = Field(description="stance toward each named target")
    reply_agreement: ReplyAgreementOut | None = Field(
        description="agreement with the parent comment; null if not a reply within the batch"
    )


class SignalOut(BaseModel):
    detector: str
    detector_version: str
    score: float
    summary: str
    comment_ids: list[str]
    evidence: list[EvidenceOut]


class CoordinationOut(BaseModel):
    flagged: bool
    score: float
    cluster_id: str | None
    signals: list[SignalOut]


class CommentRecord(BaseModel):
    """One analyzed comment: the CLI's JSONL contract (docs/output-format.md)."""

    comment_id: str
    article_id: str
    author: str | None
    parent_id: str | None
    created_at: str | None
    text: str
    stance: StanceOut
    coordination: CoordinationOut
    run_id: str


class ClusterRecord(BaseModel):
    cluster_id: str
    score: float
    summary: str
    comment_ids: list[str]
    authors: list[str]
    article_ids: list[str]
    detectors: list[str]
    started_at: str | None
    ended_at: str | None
    time_span_seconds: float | None = None
    stance_counts: dict[str, int] | None = Field(
        None,
        description=(
            "Stance split: member comments per stance label, e.g. "
            '{"support": 7, "oppose": 0, "neutral": 1, "unrelated": 0}.'
        ),
    )
    signals: list[SignalOut]


class SkippedOut(BaseModel):
    signal: str
    reason: str
    article_id: str | None


class IssueOut(BaseModel):
    severity: str
    source: str
    location: str | None
    field: str | None
    record_id: str | None
    message: str


class ComponentOut(BaseModel):
    kind: str
    name: str
    version: str
    checksum: str | None


class RunInfoOut(BaseModel):
    run_id: str
    schema_version: str
    package_version: str
    started_at: str | None
    components: list[ComponentOut]
    settings_hash: str
    settings: dict[str, Any]


class ArticleOut(BaseModel):
    article_id: str
    title: str
    text: str
    url: str | None
    published_at: str | None


# ---------------------------------------------------------------- responses


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` is for people."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    hint: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class ItemError(BaseModel):
    kind: Literal["article", "comment"]
    id: str
    article_id: str | None
    code: str
    message: str
    location: str = Field(description="Where in the request, e.g. articles[0].comments[3].")


class ItemCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class IngestResponse(BaseModel):
    run_id: str | None = Field(
        description="The analysis run this request started; null when nothing changed."
    )
    articles: ItemCounts
    comments: ItemCounts
    errors: list[ItemError]
    analyzed_article_ids: list[str]


class AppendResponse(IngestResponse):
    analyzed: list[CommentRecord] = Field(
        description="The appended comments as analyzed in the new run (the JSONL contract)."
    )


class JobAccepted(BaseModel):
    job_id: str
    kind: JobKind
    status: JobStatus
    location: str


class JobOut(BaseModel):
    job_id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None


class AnalyzeResponse(BaseModel):
    run_id: str
    stored: bool
    article: ArticleOut
    comments: list[CommentRecord]
    clusters: list[ClusterRecord]
    skipped_signals: list[SkippedOut]
    issues: list[IssueOut]
    errors: list[ItemError]
    run_info: RunInfoOut


class HookWindowOut(BaseModel):
    comments: int = Field(description="Comments the rolling window holds after this check.")
    window_seconds: float
    max_comments: int
    oldest_at: str | None


class HookCheckResponse(BaseModel):
    """The hook's verdict on one comment, against the comments recently seen."""

    comment_id: str
    article_id: str
    flagged: bool = Field(description="score reached coordination.flag_threshold.")
    score: float = Field(description="Highest score among the signals computed, [0, 1].")
    summary: str = Field(description="One sentence a moderator can act on.")
    matched_comment_ids: list[str] = Field(
        description="Held comments near-identical to this one, directly or through others."
    )
    matched_authors: list[str]
    signals: list[SignalOut]
    evidence: list[EvidenceOut]
    not_computed: list[SkippedOut] = Field(
        description="Signals not computed in hook mode, and why (see corpus analysis for them)."
    )
    recorded: bool = Field(description="The comment is now in the rolling window.")
    checked_at: str = Field(description="The time the comment was placed at.")
    window: HookWindowOut
    elapsed_ms: float = Field(description="Time the check took inside the service.")


class ArticleListItem(BaseModel):
    article_id: str
    title: str
    url: str | None
    published_at: str | None
    comment_count: int
    latest_run_id: str | None
    ingested_at: datetime
    updated_at: datetime


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    next_offset: int | None


class ArticleList(Page):
    articles: list[ArticleListItem]


class ArticleView(Page):
    """The article text beside its comments, each with stance, flags and cluster links."""

    article: ArticleOut
    comment_count: int
    run_id: str | None
    run_info: RunInfoOut | None
    comments: list[CommentRecord]
    clusters: list[ClusterRecord]
    skipped_signals: list[SkippedOut]


class StanceShareOut(BaseModel):
    label: StanceLabel
    count: int
    share: float
    ci_low: float = Field(description="95% Wilson score interval, lower bound")
    ci_high: float


class TimeBucketOut(BaseModel):
    started_at: datetime
    ended_at: datetime
    counts: dict[str, int]


class SplitOut(BaseModel):
    comment_count: int
    stance_counts: dict[str, int]


class SummaryOut(BaseModel):
    article_id: str
    run_id: str
    comment_count: int
    questioning_count: int
    stance: list[StanceShareOut]
    bucket: str
    over_time: list[TimeBucketOut]
    undated_count: int = Field(description="Comments without a timestamp (not in over_time).")
    organic: SplitOut
    coordinated: SplitOut
    cluster_count: int


class ClusterListItem(BaseModel):
    cluster: ClusterRecord
    run_id: str


class ClusterList(Page):
    clusters: list[ClusterListItem]


class AccountOut(BaseModel):
    author: str
    comment_count: int
    article_ids: list[str]


class ClusterArticleOut(BaseModel):
    article_id: str
    title: str
    url: str | None
    comment_count: int


class DiffOp(BaseModel):
    op: Literal["equal", "insert", "delete", "replace"]
    text: str = Field(description="This comment's words (for delete: the shared text's words).")


class MemberDiff(BaseModel):
    comment_id: str
    similarity: float = Field(description="Word-level similarity to the shared text, [0, 1].")
    ops: list[DiffOp]


class SharedTextOut(BaseModel):
    text: str = Field(description="The most common member text (the campaign's template).")
    diffs: list[MemberDiff]


class TimeSpanOut(BaseModel):
    started_at: str | None
    ended_at: str | None
    seconds: float | None


class ClusterPacket(BaseModel):
    """Everything a reviewer needs to judge one cluster."""

    cluster_id: str
    run_id: str
    summary: str
    score: float
    cluster: ClusterRecord
    members: list[CommentRecord]
    accounts: list[AccountOut]
    articles: list[ClusterArticleOut]
    shared_text: SharedTextOut
    time_span: TimeSpanOut
    stance_split: dict[str, int]
    signals: list[SignalOut]


class PriorityOut(BaseModel):
    value: float = Field(description="severity × reach × coordination")
    severity: float
    reach: float
    coordination: float


class DecisionOut(BaseModel):
    decision_id: str
    target_type: TargetType
    target_id: str
    action: Action
    reason_code: ReasonCode
    note: str
    appeal_of: str | None
    run_id: str | None
    created_at: datetime
    actor_name: str
    actor_key_id: str | None


class QueueItemOut(BaseModel):
    target_type: Literal["cluster", "comment"]
    target_id: str
    run_id: str
    priority: PriorityOut
    summary: str
    article_ids: list[str]
    comment_count: int
    account_count: int
    stance_counts: dict[str, int]
    latest_decision: DecisionOut | None


class QueueOut(Page):
    items: list[QueueItemOut]


class DecisionResult(BaseModel):
    index: int
    status: Literal["recorded", "rejected"]
    decision: DecisionOut | None = None
    error: Problem | None = None


class BulkDecisionOut(BaseModel):
    recorded: int
    rejected: int
    results: list[DecisionResult]


class DecisionDetail(BaseModel):
    decision: DecisionOut
    appeals: list[DecisionOut]
    contests: DecisionOut | None = Field(description="The decision this one appeals, if any.")


class AuditEventOut(BaseModel):
    event_id: int
    occurred_at: datetime
    actor_name: str
    actor_role: str
    actor_key_id: str | None
    action: str
    target_type: str | None
    target_id: str | None
    decision_id: str | None
    request_id: str | None
    evidence: dict[str, Any]
    model_versions: dict[str, str]
    details: dict[str, Any]


class AuditOut(Page):
    events: list[AuditEventOut]


class ExportFileOut(BaseModel):
    name: str
    rows: int
    bytes: int
    sha256: str
    url: str


class ExportOut(BaseModel):
    export_id: str
    job_id: str
    status: JobStatus
    format: ExportFormat
    filters: dict[str, Any]
    pseudonymized: bool
    created_at: datetime
    manifest: dict[str, Any] | None
    files: list[ExportFileOut]
    error: dict[str, Any] | None


class ModelsOut(BaseModel):
    package_version: str
    schema_version: str
    settings_hash: str
    components: list[ComponentOut]


class KeyOut(BaseModel):
    key_id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key; shown once, store it now.")


class KeyList(BaseModel):
    keys: list[KeyOut]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: str
    schema_revision: str | None
    components: list[ComponentOut]


class SettingsOut(BaseModel):
    analysis: dict[str, Any]
    api: dict[str, Any]
    database: str
    settings_hash: str
