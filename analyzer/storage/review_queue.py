"""The review queue: current clusters and lone flagged comments, most urgent first.

    priority = severity × reach × coordination, each factor in [0, 1]

- coordination: the cluster's score (a lone flagged comment: its coordination score), i.e. how
  sure the detectors are that this is coordinated.
- reach: 1 − exp(−comments × articles / 10): how much of the comment sections it occupies;
  10 comments under one article give 0.63, 30 give 0.95; spreading over articles multiplies.
- severity: 0.5 + 0.5 × |support − oppose| / comments with a stance: a group pushing one side
  of the story (a campaign) is worse than a group that is split or off topic (0.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from analyzer.model import StanceLabel
from analyzer.storage.corpus import chunks
from analyzer.storage.results import list_clusters
from analyzer.storage.reviews import Decision, decided_targets
from analyzer.storage.tables import (
    ArticleRow,
    CommentRow,
    CoordinationResultRow,
    StanceResultRow,
)

REACH_SCALE = 10.0


class QueueStatus(StrEnum):
    OPEN = "open"  # no decision yet, or the latest decision escalated it
    DECIDED = "decided"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Priority:
    severity: float
    reach: float
    coordination: float

    @property
    def value(self) -> float:
        return self.severity * self.reach * self.coordination


@dataclass(frozen=True, slots=True)
class QueueItem:
    target_type: str  # "cluster" | "comment"
    target_id: str
    run_id: str
    priority: Priority
    summary: str
    article_ids: tuple[str, ...]
    comment_ids: tuple[str, ...]
    authors: tuple[str, ...]
    stance_counts: dict[str, int]
    latest_decision: Decision | None


def priority_of(stance_labels: Sequence[str], article_count: int, coordination: float) -> Priority:
    support = sum(1 for label in stance_labels if label == StanceLabel.SUPPORT)
    oppose = sum(1 for label in stance_labels if label == StanceLabel.OPPOSE)
    skew = abs(support - oppose) / len(stance_labels) if stance_labels else 0.0
    reach = 1.0 - math.exp(-(len(stance_labels) * max(article_count, 1)) / REACH_SCALE)
    return Priority(
        severity=0.5 + 0.5 * skew, reach=reach, coordination=min(max(coordination, 0.0), 1.0)
    )


def _labels(session: Session, run_id: str, comment_ids: Sequence[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for chunk in chunks(list(comment_ids)):
        query = select(StanceResultRow.comment_id, StanceResultRow.label).where(
            StanceResultRow.run_id == run_id, StanceResultRow.comment_id.in_(chunk)
        )
        labels.update({comment_id: label for comment_id, label in session.execute(query)})
    return labels


def _counts(labels: Sequence[str]) -> dict[str, int]:
    return {str(s): sum(1 for label in labels if label == s) for s in StanceLabel}


def build_queue(
    session: Session,
    *,
    status: QueueStatus = QueueStatus.OPEN,
    article_id: str | None = None,
    target_type: str | None = None,
    min_priority: float = 0.0,
) -> list[QueueItem]:
    decisions = decided_targets(session)
    items: list[QueueItem] = []
    if target_type in (None, "cluster"):
        _, clusters, run_ids = list_clusters(session, article_id=article_id)
        for cluster, run_id in zip(clusters, run_ids, strict=True):
            labels = list(_labels(session, run_id, cluster.comment_ids).values())
            items.append(
                QueueItem(
                    target_type="cluster",
                    target_id=cluster.cluster_id,
                    run_id=run_id,
                    priority=priority_of(labels, len(cluster.article_ids), cluster.score),
                    summary=cluster.summary,
                    article_ids=cluster.article_ids,
                    comment_ids=cluster.comment_ids,
                    authors=cluster.authors,
                    stance_counts=_counts(labels),
                    latest_decision=decisions.get(("cluster", cluster.cluster_id)),
                )
            )
    if target_type in (None, "comment"):
        items.extend(_lone_flagged(session, article_id, decisions))
    kept = [
        item
        for item in items
        if item.priority.value >= min_priority and _status_matches(item, status)
    ]
    kept.sort(key=lambda i: (-i.priority.value, i.target_type, i.target_id))
    return kept


def _status_matches(item: QueueItem, status: QueueStatus) -> bool:
    if status is QueueStatus.ALL:
        return True
    decision = item.latest_decision
    is_open = decision is None or decision.action == "escalate"
    return is_open if status is QueueStatus.OPEN else not is_open


def _lone_flagged(
    session: Session, article_id: str | None, decisions: dict[tuple[str, str], Decision]
) -> list[QueueItem]:
    """Flagged comments outside any cluster (e.g. a detector that scores single comments)."""
    query = (
        select(CoordinationResultRow, StanceResultRow.label, CommentRow.author)
        .join(
            ArticleRow,
            and_(
                ArticleRow.article_id == CoordinationResultRow.article_id,
                ArticleRow.latest_run_id == CoordinationResultRow.run_id,
            ),
        )
        .join(
            StanceResultRow,
            and_(
                StanceResultRow.run_id == CoordinationResultRow.run_id,
                StanceResultRow.comment_id == CoordinationResultRow.comment_id,
            ),
        )
        .join(CommentRow, CommentRow.comment_id == CoordinationResultRow.comment_id)
        .where(CoordinationResultRow.flagged.is_(True), CoordinationResultRow.cluster_id.is_(None))
    )
    if article_id is not None:
        query = query.where(CoordinationResultRow.article_id == article_id)
    items = []
    for coordination, label, author in session.execute(query):
        items.append(
            QueueItem(
                target_type="comment",
                target_id=coordination.comment_id,
                run_id=coordination.run_id,
                priority=priority_of([label], 1, coordination.score),
                summary=f"Comment flagged with coordination score {coordination.score:.2f}.",
                article_ids=(coordination.article_id,),
                comment_ids=(coordination.comment_id,),
                authors=(author,) if author else (),
                stance_counts=_counts([label]),
                latest_decision=decisions.get(("comment", coordination.comment_id)),
            )
        )
    return items
