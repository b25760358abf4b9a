"""The review queue, most urgent first (priority = severity × reach × coordination)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from analyzer.storage.review_queue import QueueStatus, build_queue
from api.deps import Limit, Offset, SettingsDep, StoreDep, Viewer
from api.routers.decisions import decision_out
from api.schemas import PriorityOut, QueueItemOut, QueueOut

router = APIRouter(prefix="/v1", tags=["review"])


@router.get("/queue", response_model=QueueOut, summary="Review queue ordered by priority")
def review_queue(
    *,
    _key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    status: Annotated[QueueStatus, Query(description="open: undecided or escalated.")] = (
        QueueStatus.OPEN
    ),
    article_id: Annotated[str | None, Query(max_length=255)] = None,
    target_type: Annotated[Literal["cluster", "comment"] | None, Query()] = None,
    min_priority: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QueueOut:
    """Items are current clusters and flagged comments outside any cluster.
    `priority.value = severity × reach × coordination`, each in [0, 1]: coordination is the
    detectors' score; reach = 1 − exp(−comments × articles / 10); severity =
    0.5 + 0.5 × |support − oppose| / comments (a group pushing one side ranks higher)."""
    limit = min(limit, settings.api.max_page_size)
    with store.reading() as session:
        items = build_queue(
            session,
            status=status,
            article_id=article_id,
            target_type=target_type,
            min_priority=min_priority,
        )
    page = items[offset : offset + limit]
    return QueueOut(
        total=len(items),
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < len(items) else None,
        items=[
            QueueItemOut(
                target_type="cluster" if item.target_type == "cluster" else "comment",
                target_id=item.target_id,
                run_id=item.run_id,
                priority=PriorityOut(
                    value=item.priority.value,
                    severity=item.priority.severity,
                    reach=item.priority.reach,
                    coordination=item.priority.coordination,
                ),
                summary=item.summary,
                article_ids=list(item.article_ids),
                comment_count=len(item.comment_ids),
                account_count=len(item.authors),
                stance_counts=item.stance_counts,
                latest_decision=decision_out(item.latest_decision)
                if item.latest_decision
                else None,
            )
            for item in page
        ],
    )
