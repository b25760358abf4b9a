"""Domain types. Frozen and slotted: results are built once and never edited in place.

Conventions (see docs/output-format.md): ids are ``str`` in ``*_id`` fields, times are
timezone-aware UTC in ``*_at`` fields, every ``score`` is in [0, 1] with higher meaning more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

EMPTY_METADATA: Mapping[str, str] = MappingProxyType({})
EMPTY_COUNTS: Mapping[str, int] = MappingProxyType({})


class StanceLabel(StrEnum):
    """Stance of a comment toward the article it sits under."""

    SUPPORT = "support"
    OPPOSE = "oppose"
    NEUTRAL = "neutral"
    UNRELATED = "unrelated"


class TargetStanceLabel(StrEnum):
    """Stance of a comment toward a named target (a country, a person, an organisation)."""

    FAVOR = "favor"
    AGAINST = "against"
    NONE = "none"


class AgreementLabel(StrEnum):
    """Whether a reply agrees with the comment it replies to."""

    AGREE = "agree"
    DISAGREE = "disagree"
    NEUTRAL = "neutral"


class Severity(StrEnum):
    ERROR = "error"  # the record was dropped
    WARNING = "warning"  # the record was kept, but something about it is off


class Requirement(StrEnum):
    """What a component needs from the data; the pipeline skips it, with a reason, when absent."""

    TEXT = "text"
    AUTHORS = "authors"
    TIMESTAMPS = "timestamps"
    MULTIPLE_ARTICLES = "multiple_articles"
    AUTHOR_METADATA = "author_metadata"  # account creation time in Comment.metadata


class EvidenceKind(StrEnum):
    TEXT_SPAN = "text_span"  # a span of one comment's text that drove a decision
    SHARED_TEXT = "shared_text"  # text that several comments have in common
    COMMENT_GROUP = "comment_group"  # a set of comments/accounts that behave alike
    TIME_WINDOW = "time_window"  # an interval with an unusual comment rate
    ARTICLE_PASSAGE = "article_passage"  # article text the comment was judged against
    CALIBRATION = "calibration"  # a score took a calibration other than the model's default
    RELEVANCE = "relevance"  # how close a comment came to its article's text


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    title: str = ""
    text: str = ""
    url: str | None = None
    published_at: datetime | None = None
    metadata: Mapping[str, str] = field(default_factory=lambda: EMPTY_METADATA)


@dataclass(frozen=True, slots=True)
class Comment:
    comment_id: str
    article_id: str
    text: str
    author: str | None = None
    created_at: datetime | None = None
    parent_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=lambda: EMPTY_METADATA)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into one comment's text."""

    start: int
    end: int
    text: str
    unit: str = "char"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One machine-checkable fact behind a score; ``summary`` says it in words."""

    kind: EvidenceKind
    summary: str
    comment_ids: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    span: Span | None = None
    shared_text: str | None = None
    similarity: float | None = None
    weight: float | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TargetStance:
    """A comment's stance toward one named target, and how it was reached.

    ``basis`` says where the label comes from: ``mention`` (the comment names the target or an
    alias), ``coreference`` (a pronoun taken to mean it), ``relation`` (the comment's stance
    toward a related target, through a declared or article-derived relation),
    ``article_transfer`` (the comment's stance toward the article times the article's stance
    toward the target) or ``none`` (nothing in the comment bears on it).
    """

    target: str
    label: TargetStanceLabel
    confidence: float
    scores: Mapping[str, float]  # favor / against / none; they sum to 1
    basis: str
    evidence: tuple[Evidence, ...]
    source: str  # "user" (a configured target) or "article" (extracted from the article)
    model: str  # "name@version"


@dataclass(frozen=True, slots=True)
class ReplyAgreement:
    """A reply's agreement with its parent comment."""

    parent_id: str
    label: AgreementLabel
    confidence: float
    scores: Mapping[str, float]  # agree / disagree / neutral; they sum to 1
    evidence: tuple[Evidence, ...]
    model: str  # "name@version"


@dataclass(frozen=True, slots=True)
class StanceResult:
    comment_id: str
    label: StanceLabel
    confidence: float
    scores: Mapping[str, float]
    questioning: bool
    questioning_score: float
    evidence: tuple[Evidence, ...]
    model: str  # "name@version"
    # Added with the MiniLM model; the defaults describe a classifier that does not fill them.
    abstained: bool = False  # confidence below the configured threshold: route to a human
    language: str | None = None  # ISO 639-1 code, "und" if unidentified, None if not checked
    supported: bool = True  # False: the model does not handle this comment (see reason)
    unsupported_reason: str | None = None
    # Added with target stance and reply agreement (filled by the pipeline after the stance).
    targets: tuple[TargetStance, ...] = ()
    reply_agreement: ReplyAgreement | None = None  # None: not a reply within the batch


@dataclass(frozen=True, slots=True)
class Signal:
    """One detector's finding about a group of comments."""

    detector: str
    detector_version: str
    score: float
    summary: str
    comment_ids: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class SkippedSignal:
    """A signal the data could not support. ``article_id`` is None when it applies to the run."""

    name: str
    reason: str
    article_id: str | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    """Comments and accounts tied together by one or more signals: a candidate campaign."""

    cluster_id: str
    score: float
    summary: str
    comment_ids: tuple[str, ...]
    authors: tuple[str, ...]
    article_ids: tuple[str, ...]
    detectors: tuple[str, ...]
    signals: tuple[Signal, ...]
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # Member comments per stance label ("stance split"), every label present; empty when the
    # cluster was built without stance results.
    stance_counts: Mapping[str, int] = field(default_factory=lambda: EMPTY_COUNTS)


@dataclass(frozen=True, slots=True)
class CoordinationResult:
    """The per-comment view of coordination: whether it is flagged and which signals touch it."""

    comment_id: str
    flagged: bool
    score: float
    cluster_id: str | None
    signals: tuple[Signal, ...]


@dataclass(frozen=True, slots=True)
class CommentAnalysis:
    comment: Comment
    stance: StanceResult
    coordination: CoordinationResult


@dataclass(frozen=True, slots=True)
class ComponentInfo:
    # "stance", "stance_context", "stance_relevance", "stance_gate", "target_stance",
    # "reply_agreement", "detector"
    kind: str
    name: str
    version: str
    checksum: str | None = None  # sha256 of the model file, when the component loads one


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    package_version: str
    started_at: datetime
    components: tuple[ComponentInfo, ...]
    settings_hash: str
    settings: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class RecordIssue:
    """A problem with one input record (or a whole file, when ``location`` is None)."""

    source: str
    location: str | None
    field: str | None
    message: str
    severity: Severity
    record_id: str | None = None

    def describe(self) -> str:
        where = self.source + (f", {self.location}" if self.location else "")
        what = f" field '{self.field}'" if self.field else ""
        rid = f" (record {self.record_id})" if self.record_id else ""
        return f"{where}:{what}{rid} {self.message}"


@dataclass(frozen=True, slots=True)
class ArticleReport:
    article: Article
    comments: tuple[CommentAnalysis, ...]
    clusters: tuple[Cluster, ...]
    skipped_signals: tuple[SkippedSignal, ...]
    run_info: RunInfo


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """Everything one run produced: one report per article plus the clusters across articles."""

    reports: tuple[ArticleReport, ...]
    clusters: tuple[Cluster, ...]
    skipped_signals: tuple[SkippedSignal, ...]
    issues: tuple[RecordIssue, ...]
    run_info: RunInfo


@dataclass(frozen=True, slots=True)
class Corpus:
    """What ingestion produced: valid articles and comments, plus every problem it found."""

    articles: tuple[Article, ...]
    comments: tuple[Comment, ...]
    issues: tuple[RecordIssue, ...] = ()
