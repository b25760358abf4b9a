"""The append-only audit log: who did what, when, on which evidence, with which models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from analyzer.storage import reviews
from api.deps import Limit, Moderator, Offset, SettingsDep, StoreDep
from api.schemas import AuditEventOut, AuditOut

router = APIRouter(prefix="/v1", tags=["review"])


@router.get("/audit", response_model=AuditOut, summary="Audit history (moderator and admin)")
def read_audit(
    *,
    _key: Moderator,
    store: StoreDep,
    settings: SettingsDep,
    target_type: Annotated[str | None, Query(max_length=16)] = None,
    target_id: Annotated[str | None, Query(max_length=255)] = None,
    actor_key_id: Annotated[str | None, Query(max_length=32)] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Action prefix, e.g. 'decision.'")
    ] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    newest_first: bool = True,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditOut:
    limit = min(limit, settings.api.max_page_size)
    filters = reviews.AuditFilter(
        target_type=target_type,
        target_id=target_id,
        actor_key_id=actor_key_id,
        action_prefix=action,
        since=since,
        until=until,
    )
    with store.reading() as session:
        total, events = reviews.list_audit(
            session, filters, limit=limit, offset=offset, newest_first=newest_first
        )
    return AuditOut(
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
        events=[
            AuditEventOut(
                event_id=e.event_id,
                occurred_at=e.occurred_at,
                actor_name=e.actor_name,
                actor_role=e.actor_role,
                actor_key_id=e.actor_key_id,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                decision_id=e.decision_id,
                request_id=e.request_id,
                evidence=dict(e.evidence),
                model_versions=dict(e.model_versions),
                details=dict(e.details),
            )
            for e in events
        ],
    )
