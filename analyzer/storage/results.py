"""Analysis results: written once per run, read back as the domain types the pipeline made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, insert, select, update
from sqlalchemy.orm import Session

from analyzer.model import (
    AnalysisResult,
    Article,
    ArticleReport,
    Cluster,
    CommentAnalysis,
    CoordinationResult,
    RunInfo,
    Signal,
    SkippedSignal,
    StanceLabel,
    StanceResult,
)
from analyzer.storage.codec import (
    agreement_from_record,
    agreement_to_record,
    components_from_records,
    components_to_records,
    evidence_records,
    evidence_tuple,
    signal_from_record,
    skipped_from_record,
    skipped_to_record,
    target_records,
    targets_tuple,
)
from analyzer.storage.corpus import article_from_row, chunks, comment_from_row
from analyzer.storage.errors import NotFoundError
from analyzer.storage.tables import (
    AnalysisRunRow,
    ArticleRow,
    ClusterArticleRow,
    ClusterMemberRow,
    ClusterRow,
    CommentRow,
    CoordinationResultRow,
    RunArticleRow,
    SignalRow,
    StanceResultRow,
)

STANCE_LABELS = tuple(label.value for label in StanceLabel)


class RunKind(StrEnum):
    INGEST = "ingest"  # articles posted to /v1/articles
    APPEND = "append"  # comments appended to one article
    REANALYZE = "reanalyze"  # a job re-running stored articles (e.g. a new model, cross-article)
    ANALYZE = "analyze"  # /v1/analyze with store=true


class CommentOrder(StrEnum):
    POSITION = "position"  # arrival order
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    COORDINATION_DESC = "-coordination_score"
    CONFIDENCE_DESC = "-stance_confidence"


@dataclass(frozen=True, slots=True)
class CommentFilter:
    stance: StanceLabel | None = None
    flagged: bool | None = None
    author: str | None = None
    questioning: bool | None = None


@dataclass(frozen=True, slots=True)
class StoredRun:
    run_info: RunInfo
    kind: RunKind
    finished_at: datetime
    article_count: int
    comment_count: int
    created_by: str | None


def save_result(
    session: Session,
    result: AnalysisResult,
    *,
    kind: RunKind,
    created_by: str | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Store every row of ``result`` under its run id and point its articles at this run.

    The comments must already be stored (``corpus.store_corpus``).
    """
    info = result.run_info
    run_id = info.run_id
    comment_count = sum(len(r.comments) for r in result.reports)
    session.add(
        AnalysisRunRow(
            run_id=run_id,
            kind=str(kind),
            package_version=info.package_version,
            started_at=info.started_at,
            finished_at=finished_at or datetime.now(UTC),
            settings_hash=info.settings_hash,
            settings=dict(info.settings),
            components=components_to_records(info.components),
            issues=[_issue(i) for i in result.issues],
            skipped_signals=[skipped_to_record(s) for s in result.skipped_signals],
            article_count=len(result.reports),
            comment_count=comment_count,
            created_by=created_by,
        )
    )
    session.flush()

    signal_index: dict[Signal, int] = {}

    def index_of(signal: Signal) -> int:
        if signal not in signal_index:
            signal_index[signal] = len(signal_index)
        return signal_index[signal]

    stance_rows: list[dict[str, Any]] = []
    coordination_rows: list[dict[str, Any]] = []
    for report in result.reports:
        article_id = report.article.article_id
        session.add(
            RunArticleRow(
                run_id=run_id,
                article_id=article_id,
                skipped_signals=[skipped_to_record(s) for s in report.skipped_signals],
            )
        )
        for analysis in report.comments:
            stance, coordination = analysis.stance, analysis.coordination
            stance_rows.append(
                {
                    "run_id": run_id,
                    "comment_id": analysis.comment.comment_id,
                    "article_id": article_id,
                    "label": str(stance.label),
                    "confidence": stance.confidence,
                    "scores": dict(stance.scores),
                    "questioning": stance.questioning,
                    "questioning_score": stance.questioning_score,
                    "evidence": evidence_records(stance.evidence),
                    "model": stance.model,
                    "abstained": stance.abstained,
                    "language": stance.language,
                    "supported": stance.supported,
                    "unsupported_reason": stance.unsupported_reason,
                    "targets": target_records(stance.targets),
                    "reply_agreement": agreement_to_record(stance.reply_agreement),
                }
            )
            coordination_rows.append(
                {
                    "run_id": run_id,
                    "comment_id": analysis.comment.comment_id,
                    "article_id": article_id,
                    "flagged": coordination.flagged,
                    "score": coordination.score,
                    "cluster_id": coordination.cluster_id,
                    "signal_indexes": [index_of(s) for s in coordination.signals],
                }
            )
    cluster_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    cluster_article_rows: list[dict[str, Any]] = []
    for cluster in result.clusters:
        cluster_rows.append(
            {
                "run_id": run_id,
                "cluster_id": cluster.cluster_id,
                "score": cluster.score,
                "summary": cluster.summary,
                "authors": list(cluster.authors),
                "article_ids": list(cluster.article_ids),
                "detectors": list(cluster.detectors),
                "signal_indexes": [index_of(s) for s in cluster.signals],
                "started_at": cluster.started_at,
                "ended_at": cluster.ended_at,
                "comment_count": len(cluster.comment_ids),
            }
        )
        member_rows.extend(
            {
                "run_id": run_id,
                "cluster_id": cluster.cluster_id,
                "comment_id": comment_id,
                "position": position,
            }
            for position, comment_id in enumerate(dict.fromkeys(cluster.comment_ids))
        )
        cluster_article_rows.extend(
            {"run_id": run_id, "cluster_id": cluster.cluster_id, "article_id": article_id}
            for article_id in dict.fromkeys(cluster.article_ids)
        )
    signal_rows = [
        {
            "run_id": run_id,
            "signal_index": index,
            "detector": signal.detector,
            "detector_version": signal.detector_version,
            "score": signal.score,
            "summary": signal.summary,
            "comment_ids": list(signal.comment_ids),
            "evidence": evidence_records(signal.evidence),
        }
        for signal, index in signal_index.items()
    ]
    session.flush()
    for table, rows in (
        (StanceResultRow, stance_rows),
        (CoordinationResultRow, coordination_rows),
        (SignalRow, signal_rows),
        (ClusterRow, cluster_rows),
        (ClusterMemberRow, member_rows),
        (ClusterArticleRow, cluster_article_rows),
    ):
        if rows:
            session.execute(insert(table), rows)
    article_ids = [r.article.article_id for r in result.reports]
    for chunk in chunks(article_ids):
        session.execute(
            update(ArticleRow).where(ArticleRow.article_id.in_(chunk)).values(latest_run_id=run_id)
        )


def _issue(issue: Any) -> dict[str, Any]:
    return {
        "severity": str(issue.severity),
        "source": issue.source,
        "location": issue.location,
        "field": issue.field,
        "record_id": issue.record_id,
        "message": issue.message,
    }


def _run_info(row: AnalysisRunRow) -> RunInfo:
    return RunInfo(
        run_id=row.run_id,
        package_version=row.package_version,
        started_at=row.started_at,
        components=components_from_records(row.components),
        settings_hash=row.settings_hash,
        settings=dict(row.settings),
    )


def get_run(session: Session, run_id: str) -> StoredRun:
    row = session.get(AnalysisRunRow, run_id)
    if row is None:
        raise NotFoundError("run", run_id)
    return StoredRun(
        run_info=_run_info(row),
        kind=RunKind(row.kind),
        finished_at=row.finished_at,
        article_count=row.article_count,
        comment_count=row.comment_count,
        created_by=row.created_by,
    )


def resolve_run(
    session: Session, article_id: str, run_id: str | None
) -> tuple[Article, str | None]:
    """The article and the run to read: the one asked for (it must cover the article) or the
    latest. ``None`` when the article was never analyzed."""
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFoundError("article", article_id)
    if run_id is None:
        return article_from_row(row), row.latest_run_id
    covered = session.get(RunArticleRow, (run_id, article_id))
    if covered is None:
        raise NotFoundError(
            "run",
            run_id,
            hint=f"that run did not analyze article '{article_id}'; omit run_id for the latest",
        )
    return article_from_row(row), run_id


def _filtered(
    query: Select[CommentRow, StanceResultRow, CoordinationResultRow], filters: CommentFilter
) -> Select[CommentRow, StanceResultRow, CoordinationResultRow]:
    conditions: list[ColumnElement[bool]] = []
    if filters.stance is not None:
        conditions.append(StanceResultRow.label == str(filters.stance))
    if filters.flagged is not None:
        conditions.append(CoordinationResultRow.flagged.is_(filters.flagged))
    if filters.questioning is not None:
        conditions.append(StanceResultRow.questioning.is_(filters.questioning))
    if filters.author is not None:
        conditions.append(CommentRow.author == filters.author)
    return query.where(*conditions) if conditions else query


_ORDERING: dict[CommentOrder, tuple[Any, ...]] = {
    CommentOrder.POSITION: (CommentRow.position,),
    CommentOrder.CREATED_AT: (CommentRow.created_at.is_(None), CommentRow.created_at),
    CommentOrder.CREATED_AT_DESC: (CommentRow.created_at.is_(None), CommentRow.created_at.desc()),
    CommentOrder.COORDINATION_DESC: (CoordinationResultRow.score.desc(),),
    CommentOrder.CONFIDENCE_DESC: (StanceResultRow.confidence.desc(),),
}


def comment_page(
    session: Session,
    article_id: str,
    run_id: str,
    *,
    filters: CommentFilter = CommentFilter(),
    order: CommentOrder = CommentOrder.POSITION,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, tuple[CommentAnalysis, ...]]:
    """One page of an article's analyzed comments from ``run_id``, and the filtered total."""
    joined = _joined(run_id).where(CommentRow.article_id == article_id)
    joined = _filtered(joined, filters)
    total = int(session.scalar(select(func.count()).select_from(joined.subquery())) or 0)
    query = joined.order_by(*_ORDERING[order], CommentRow.position).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return total, _analyses(session, run_id, session.execute(query).all())


def _joined(run_id: str) -> Select[CommentRow, StanceResultRow, CoordinationResultRow]:
    """Comments joined with their stance and coordination results from ``run_id``."""
    return (
        select(CommentRow, StanceResultRow, CoordinationResultRow)
        .join(
            StanceResultRow,
            and_(
                StanceResultRow.comment_id == CommentRow.comment_id,
                StanceResultRow.run_id == run_id,
            ),
        )
        .join(
            CoordinationResultRow,
            and_(
                CoordinationResultRow.comment_id == CommentRow.comment_id,
                CoordinationResultRow.run_id == run_id,
            ),
        )
    )


def _analyses(session: Session, run_id: str, rows: Sequence[Any]) -> tuple[CommentAnalysis, ...]:
    signals = _signals(session, run_id, {i for _, _, c in rows for i in c.signal_indexes})
    return tuple(
        CommentAnalysis(
            comment=comment_from_row(comment),
            stance=_stance(stance),
            coordination=CoordinationResult(
                comment_id=coordination.comment_id,
                flagged=coordination.flagged,
                score=coordination.score,
                cluster_id=coordination.cluster_id,
                signals=tuple(signals[i] for i in coordination.signal_indexes),
            ),
        )
        for comment, stance, coordination in rows
    )


def _stance(row: StanceResultRow) -> StanceResult:
    return StanceResult(
        comment_id=row.comment_id,
        label=StanceLabel(row.label),
        confidence=row.confidence,
        scores=dict(row.scores),
        questioning=row.questioning,
        questioning_score=row.questioning_score,
        evidence=evidence_tuple(row.evidence),
        model=row.model,
        abstained=row.abstained,
        language=row.language,
        supported=row.supported,
        unsupported_reason=row.unsupported_reason,
        targets=targets_tuple(row.targets),
        reply_agreement=agreement_from_record(row.reply_agreement),
    )


def _signal(row: SignalRow) -> Signal:
    return signal_from_record(
        {
            "detector": row.detector,
            "detector_version": row.detector_version,
            "score": row.score,
            "summary": row.summary,
            "comment_ids": row.comment_ids,
            "evidence": row.evidence,
        }
    )


def _signals(session: Session, run_id: str, indexes: set[int]) -> dict[int, Signal]:
    found: dict[int, Signal] = {}
    ordered = sorted(indexes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(SignalRow).where(
            SignalRow.run_id == run_id, SignalRow.signal_index.in_(chunk)
        )
        found.update({row.signal_index: _signal(row) for row in session.scalars(query)})
    return found


def _clusters(session: Session, rows: Sequence[ClusterRow]) -> list[Cluster]:
    """Domain clusters for ``rows`` (which may come from several runs)."""
    clusters: list[Cluster] = []
    by_run: dict[str, list[ClusterRow]] = {}
    for row in rows:
        by_run.setdefault(row.run_id, []).append(row)
    built: dict[tuple[str, str], Cluster] = {}
    for run_id, run_rows in by_run.items():
        signals = _signals(session, run_id, {i for r in run_rows for i in r.signal_indexes})
        members: dict[str, list[str]] = {}
        # The stance split is read from the members' stored stance results (the same run), so
        # runs stored before clusters carried one get it too.
        split: dict[str, dict[str, int]] = {}
        ids = [r.cluster_id for r in run_rows]
        for chunk in chunks(ids):
            query = (
                select(
                    ClusterMemberRow.cluster_id, ClusterMemberRow.comment_id, StanceResultRow.label
                )
                .outerjoin(
                    StanceResultRow,
                    and_(
                        StanceResultRow.run_id == ClusterMemberRow.run_id,
                        StanceResultRow.comment_id == ClusterMemberRow.comment_id,
                    ),
                )
                .where(ClusterMemberRow.run_id == run_id, ClusterMemberRow.cluster_id.in_(chunk))
                .order_by(ClusterMemberRow.cluster_id, ClusterMemberRow.position)
            )
            for cluster_id, comment_id, label in session.execute(query):
                members.setdefault(cluster_id, []).append(comment_id)
                counts = split.setdefault(cluster_id, dict.fromkeys(STANCE_LABELS, 0))
                if label in counts:
                    counts[label] += 1
        for row in run_rows:
            built[(run_id, row.cluster_id)] = Cluster(
                cluster_id=row.cluster_id,
                score=row.score,
                summary=row.summary,
                comment_ids=tuple(members.get(row.cluster_id, ())),
                authors=tuple(row.authors),
                article_ids=tuple(row.article_ids),
                detectors=tuple(row.detectors),
                signals=tuple(signals[i] for i in row.signal_indexes),
                started_at=row.started_at,
                ended_at=row.ended_at,
                stance_counts=MappingProxyType(
                    split.get(row.cluster_id, dict.fromkeys(STANCE_LABELS, 0))
                ),
            )
    for row in rows:
        clusters.append(built[(row.run_id, row.cluster_id)])
    return clusters


def article_clusters(session: Session, article_id: str, run_id: str) -> tuple[Cluster, ...]:
    query = (
        select(ClusterRow)
        .join(
            ClusterArticleRow,
            and_(
                ClusterArticleRow.run_id == ClusterRow.run_id,
                ClusterArticleRow.cluster_id == ClusterRow.cluster_id,
            ),
        )
        .where(ClusterRow.run_id == run_id, ClusterArticleRow.article_id == article_id)
        .order_by(ClusterRow.score.desc(), ClusterRow.cluster_id)
    )
    return tuple(_clusters(session, list(session.scalars(query))))


def skipped_signals(session: Session, article_id: str, run_id: str) -> tuple[SkippedSignal, ...]:
    row = session.get(RunArticleRow, (run_id, article_id))
    return tuple(skipped_from_record(r) for r in row.skipped_signals) if row else ()


def load_report(session: Session, article_id: str, run_id: str | None = None) -> ArticleReport:
    """The full report of one article from ``run_id`` (default: its latest run)."""
    article, resolved = resolve_run(session, article_id, run_id)
    if resolved is None:
        raise NotFoundError(
            "analysis of article",
            article_id,
            hint="the article has no analysis run yet; ingest comments or start a reanalyze job",
        )
    _, comments = comment_page(session, article_id, resolved)
    return ArticleReport(
        article=article,
        comments=comments,
        clusters=article_clusters(session, article_id, resolved),
        skipped_signals=skipped_signals(session, article_id, resolved),
        run_info=get_run(session, resolved).run_info,
    )


def _current_clusters_query() -> Select[ClusterRow]:
    """Clusters from the latest run of at least one of their articles."""
    current = (
        select(ClusterArticleRow.run_id, ClusterArticleRow.cluster_id)
        .join(ArticleRow, ArticleRow.article_id == ClusterArticleRow.article_id)
        .where(ArticleRow.latest_run_id == ClusterArticleRow.run_id)
        .distinct()
        .subquery()
    )
    return select(ClusterRow).join(
        current,
        and_(current.c.run_id == ClusterRow.run_id, current.c.cluster_id == ClusterRow.cluster_id),
    )


def list_clusters(
    session: Session,
    *,
    article_id: str | None = None,
    min_score: float = 0.0,
    detector: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[Cluster], list[str]]:
    """Current clusters, best first; also returns each cluster's run id."""
    query = _current_clusters_query().where(ClusterRow.score >= min_score)
    if article_id is not None:
        query = query.where(
            select(ClusterArticleRow.article_id)
            .where(
                ClusterArticleRow.run_id == ClusterRow.run_id,
                ClusterArticleRow.cluster_id == ClusterRow.cluster_id,
                ClusterArticleRow.article_id == article_id,
            )
            .exists()
        )
    rows = list(session.scalars(query.order_by(ClusterRow.score.desc(), ClusterRow.cluster_id)))
    if detector is not None:
        rows = [r for r in rows if detector in r.detectors]
    total = len(rows)
    page = rows[offset : offset + limit if limit is not None else None]
    return total, _clusters(session, page), [r.run_id for r in page]


def get_cluster(
    session: Session, cluster_id: str, run_id: str | None = None
) -> tuple[Cluster, str]:
    """A cluster as of ``run_id``, or its most recent run; with that run id."""
    query = select(ClusterRow).where(ClusterRow.cluster_id == cluster_id)
    if run_id is not None:
        query = query.where(ClusterRow.run_id == run_id)
    query = query.join(AnalysisRunRow, AnalysisRunRow.run_id == ClusterRow.run_id).order_by(
        AnalysisRunRow.finished_at.desc()
    )
    row = session.scalars(query.limit(1)).first()
    if row is None:
        raise NotFoundError("cluster", cluster_id)
    return _clusters(session, [row])[0], row.run_id


def member_analyses(
    session: Session, run_id: str, comment_ids: Sequence[str]
) -> tuple[CommentAnalysis, ...]:
    """The analyzed comments ``comment_ids`` from ``run_id``, in the given order."""
    found: dict[str, CommentAnalysis] = {}
    for chunk in chunks(list(comment_ids)):
        rows = session.execute(_joined(run_id).where(CommentRow.comment_id.in_(chunk))).all()
        found.update({a.comment.comment_id: a for a in _analyses(session, run_id, rows)})
    return tuple(found[c] for c in comment_ids if c in found)
