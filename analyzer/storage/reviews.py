"""Moderation decisions, appeals and the append-only audit log.

Every decision writes one audit event in the same transaction, with a snapshot of the evidence
the moderator saw and the versions of the models that produced it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from analyzer.export import cluster_record, comment_record
from analyzer.storage.codec import components_from_records, model_versions
from analyzer.storage.corpus import comment_from_row
from analyzer.storage.errors import ConflictError, NotFoundError
from analyzer.storage.results import get_cluster, member_analyses
from analyzer.storage.tables import (
    AnalysisRunRow,
    ArticleRow,
    AuditEventRow,
    CommentRow,
    CoordinationResultRow,
    DecisionRow,
    StanceResultRow,
)

AUTHOR_SNAPSHOT_COMMENTS = 200  # an author's evidence snapshot lists at most this many comments


class TargetType(StrEnum):
    COMMENT = "comment"
    CLUSTER = "cluster"
    AUTHOR = "author"


class Action(StrEnum):
    APPROVE = "approve"  # nothing wrong: keep it up
    REMOVE = "remove"  # take the comment(s) down
    ESCALATE = "escalate"  # hand to a senior moderator / legal
    LABEL_COORDINATED = "label_coordinated"  # confirmed campaign, keep for research
    SUSPEND_AUTHOR = "suspend_author"
    REINSTATE = "reinstate"  # undo an earlier decision (usually on appeal)


class ReasonCode(StrEnum):
    COORDINATED_INAUTHENTIC = "coordinated_inauthentic"
    SPAM = "spam"
    DUPLICATE_CONTENT = "duplicate_content"
    HARASSMENT = "harassment"
    OFF_TOPIC = "off_topic"
    FALSE_POSITIVE = "false_positive"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_REJECTED = "appeal_rejected"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: an API key (or the command line, with ``key_id`` None)."""

    name: str
    role: str
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    target_type: TargetType
    target_id: str
    action: Action
    reason_code: ReasonCode
    note: str = ""
    appeal_of: str | None = None  # the decision this one reviews


@dataclass(frozen=True, slots=True)
class Decision:
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


@dataclass(frozen=True, slots=True)
class AuditEvent:
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
    evidence: Mapping[str, Any]
    model_versions: Mapping[str, str]
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """One item of a (bulk) decision request: the decision, or why it was refused."""

    index: int
    decision: Decision | None = None
    error: NotFoundError | ConflictError | None = None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    evidence: dict[str, Any]
    run_id: str | None
    model_versions: dict[str, str]


def _run_versions(session: Session, run_id: str | None) -> dict[str, str]:
    if run_id is None:
        return {}
    row = session.get(AnalysisRunRow, run_id)
    return model_versions(components_from_records(row.components)) if row else {}


def _snapshot(session: Session, target_type: TargetType, target_id: str) -> _Snapshot:
    """What the moderator is deciding on, as the latest results show it."""
    if target_type is TargetType.COMMENT:
        comment = session.get(CommentRow, target_id)
        if comment is None:
            raise NotFoundError("comment", target_id)
        article = session.get(ArticleRow, comment.article_id)
        run_id = article.latest_run_id if article else None
        analyses = member_analyses(session, run_id, [target_id]) if run_id else ()
        if analyses:
            evidence = comment_record(analyses[0], run_id or "")
        else:
            evidence = {"comment_id": target_id, "text": comment_from_row(comment).text}
        return _Snapshot(evidence, run_id, _run_versions(session, run_id))
    if target_type is TargetType.CLUSTER:
        cluster, run_id = get_cluster(session, target_id)
        return _Snapshot(cluster_record(cluster), run_id, _run_versions(session, run_id))
    return _author_snapshot(session, target_id)


def _author_snapshot(session: Session, author: str) -> _Snapshot:
    total = session.scalar(
        select(func.count()).select_from(CommentRow).where(CommentRow.author == author)
    )
    if not total:
        raise NotFoundError("author", author, hint="no stored comment has this author")
    rows = session.execute(
        select(
            CommentRow.comment_id,
            CommentRow.article_id,
            StanceResultRow.label,
            CoordinationResultRow.flagged,
            CoordinationResultRow.cluster_id,
            ArticleRow.latest_run_id,
        )
        .join(ArticleRow, ArticleRow.article_id == CommentRow.article_id)
        .outerjoin(
            StanceResultRow,
            and_(
                StanceResultRow.comment_id == CommentRow.comment_id,
                StanceResultRow.run_id == ArticleRow.latest_run_id,
            ),
        )
        .outerjoin(
            CoordinationResultRow,
            and_(
                CoordinationResultRow.comment_id == CommentRow.comment_id,
                CoordinationResultRow.run_id == ArticleRow.latest_run_id,
            ),
        )
        .where(CommentRow.author == author)
        .order_by(CommentRow.article_id, CommentRow.position)
        .limit(AUTHOR_SNAPSHOT_COMMENTS)
    ).all()
    comments = [
        {
            "comment_id": r.comment_id,
            "article_id": r.article_id,
            "stance": r.label,
            "flagged": r.flagged,
            "cluster_id": r.cluster_id,
            "run_id": r.latest_run_id,
        }
        for r in rows
    ]
    runs = sorted({r.latest_run_id for r in rows if r.latest_run_id})
    versions: dict[str, str] = {}
    for run_id in runs:
        versions.update(_run_versions(session, run_id))
    evidence = {
        "author": author,
        "comment_count": int(total),
        "flagged_count": sum(1 for c in comments if c["flagged"]),
        "cluster_ids": sorted({c["cluster_id"] for c in comments if c["cluster_id"]}),
        "comments": comments,
    }
    return _Snapshot(evidence, runs[-1] if len(runs) == 1 else None, versions)


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        decision_id=row.decision_id,
        target_type=TargetType(row.target_type),
        target_id=row.target_id,
        action=Action(row.action),
        reason_code=ReasonCode(row.reason_code),
        note=row.note,
        appeal_of=row.appeal_of,
        run_id=row.run_id,
        created_at=row.created_at,
        actor_name=row.actor_name,
        actor_key_id=row.actor_key_id,
    )


def record_decisions(
    session: Session,
    requests: Sequence[DecisionRequest],
    actor: Actor,
    *,
    request_id: str | None = None,
) -> list[DecisionOutcome]:
    """Record each decision with its audit event; a bad item is refused on its own."""
    outcomes: list[DecisionOutcome] = []
    for index, request in enumerate(requests):
        try:
            decision = _record_one(session, request, actor, request_id)
        except (NotFoundError, ConflictError) as exc:
            outcomes.append(DecisionOutcome(index, error=exc))
        else:
            outcomes.append(DecisionOutcome(index, decision=decision))
    return outcomes


def _record_one(
    session: Session, request: DecisionRequest, actor: Actor, request_id: str | None
) -> Decision:
    if request.appeal_of is not None:
        contested = session.get(DecisionRow, request.appeal_of)
        if contested is None:
            raise NotFoundError(
                "decision", request.appeal_of, hint="appeal_of must name a decision"
            )
        if (contested.target_type, contested.target_id) != (
            str(request.target_type),
            request.target_id,
        ):
            raise ConflictError(
                f"appeal_of '{request.appeal_of}' decided {contested.target_type} "
                f"'{contested.target_id}', not {request.target_type} '{request.target_id}'",
                hint="an appeal must target the same comment, cluster or author",
            )
    snapshot = _snapshot(session, request.target_type, request.target_id)
    now = datetime.now(UTC)
    row = DecisionRow(
        decision_id=uuid.uuid4().hex,
        target_type=str(request.target_type),
        target_id=request.target_id,
        action=str(request.action),
        reason_code=str(request.reason_code),
        note=request.note,
        appeal_of=request.appeal_of,
        run_id=snapshot.run_id,
        created_at=now,
        actor_key_id=actor.key_id,
        actor_name=actor.name,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor,
        action=f"{'appeal' if request.appeal_of else 'decision'}.{request.action}",
        target_type=str(request.target_type),
        target_id=request.target_id,
        decision_id=row.decision_id,
        request_id=request_id,
        evidence=snapshot.evidence,
        model_versions=snapshot.model_versions,
        details={
            "reason_code": str(request.reason_code),
            "note": request.note,
            "appeal_of": request.appeal_of,
            "run_id": snapshot.run_id,
        },
        occurred_at=now,
    )
    return _decision(row)


def get_decision(session: Session, decision_id: str) -> tuple[Decision, list[Decision]]:
    """A decision and the appeals that contest it, oldest first."""
    row = session.get(DecisionRow, decision_id)
    if row is None:
        raise NotFoundError("decision", decision_id)
    appeals = session.scalars(
        select(DecisionRow)
        .where(DecisionRow.appeal_of == decision_id)
        .order_by(DecisionRow.created_at, DecisionRow.decision_id)
    )
    return _decision(row), [_decision(a) for a in appeals]


def decided_targets(session: Session) -> dict[tuple[str, str], Decision]:
    """The latest decision on each target (for hiding decided items from the queue)."""
    latest: dict[tuple[str, str], Decision] = {}
    for row in session.scalars(select(DecisionRow).order_by(DecisionRow.created_at)):
        latest[(row.target_type, row.target_id)] = _decision(row)
    return latest


def append_audit(
    session: Session,
    actor: Actor,
    *,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    decision_id: str | None = None,
    request_id: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    model_versions: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> None:
    session.add(
        AuditEventRow(
            occurred_at=occurred_at or datetime.now(UTC),
            actor_key_id=actor.key_id,
            actor_name=actor.name,
            actor_role=actor.role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            decision_id=decision_id,
            request_id=request_id,
            evidence=dict(evidence or {}),
            model_versions=dict(model_versions or {}),
            details=dict(details or {}),
        )
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    target_type: str | None = None
    target_id: str | None = None
    actor_key_id: str | None = None
    action_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_audit(
    session: Session, filters: AuditFilter, *, limit: int, offset: int, newest_first: bool = True
) -> tuple[int, list[AuditEvent]]:
    query = select(AuditEventRow)
    if filters.target_type is not None:
        query = query.where(AuditEventRow.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEventRow.target_id == filters.target_id)
    if filters.actor_key_id is not None:
        query = query.where(AuditEventRow.actor_key_id == filters.actor_key_id)
    if filters.action_prefix is not None:
        query = query.where(AuditEventRow.action.startswith(filters.action_prefix, autoescape=True))
    if filters.since is not None:
        query = query.where(AuditEventRow.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEventRow.occurred_at < filters.until)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = AuditEventRow.event_id.desc() if newest_first else AuditEventRow.event_id
    rows = session.scalars(query.order_by(order).limit(limit).offset(offset))
    return total, [
        AuditEvent(
            event_id=r.event_id,
            occurred_at=r.occurred_at,
            actor_name=r.actor_name,
            actor_role=r.actor_role,
            actor_key_id=r.actor_key_id,
            action=r.action,
            target_type=r.target_type,
            target_id=r.target_id,
            decision_id=r.decision_id,
            request_id=r.request_id,
            evidence=r.evidence,
            model_versions=r.model_versions,
            details=r.details,
        )
        for r in rows
    ]
