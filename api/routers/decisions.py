"""Moderation decisions (single or bulk) and appeals; each one is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse

from analyzer.storage import reviews
from api.deps import Moderator, RequestId, StoreDep, Viewer, actor_of
from api.errors import problem_for
from api.schemas import (
    BulkDecisionIn,
    BulkDecisionOut,
    DecisionDetail,
    DecisionIn,
    DecisionOut,
    DecisionResult,
    Problem,
)

router = APIRouter(prefix="/v1/decisions", tags=["review"])


def decision_out(decision: reviews.Decision) -> DecisionOut:
    return DecisionOut(
        decision_id=decision.decision_id,
        target_type=decision.target_type,
        target_id=decision.target_id,
        action=decision.action,
        reason_code=decision.reason_code,
        note=decision.note,
        appeal_of=decision.appeal_of,
        run_id=decision.run_id,
        created_at=decision.created_at,
        actor_name=decision.actor_name,
        actor_key_id=decision.actor_key_id,
    )


def _request(item: DecisionIn) -> reviews.DecisionRequest:
    return reviews.DecisionRequest(
        target_type=item.target_type,
        target_id=item.target_id,
        action=item.action,
        reason_code=item.reason_code,
        note=item.note,
        appeal_of=item.appeal_of,
    )


@router.post(
    "",
    summary="Record a decision on a comment, cluster or author (or many at once)",
    status_code=201,
    response_model=DecisionOut,
    responses={
        200: {"model": BulkDecisionOut, "description": "Bulk: one result per item."},
    },
)
def create_decisions(
    payload: Annotated[DecisionIn | BulkDecisionIn, Body()],
    key: Moderator,
    store: StoreDep,
    request_id: RequestId,
) -> Any:
    """A single decision answers `201` with the decision (or a problem: `404` unknown target,
    `409` an appeal of a different target). A bulk request (`{"decisions": [...]}`) answers
    `200` with one result per item; a bad item does not stop the others. Set `appeal_of` to
    the id of the decision an appeal contests. Every decision writes an audit event with an
    evidence snapshot and model versions."""
    items = payload.decisions if isinstance(payload, BulkDecisionIn) else [payload]
    with store.transaction() as session:
        outcomes = reviews.record_decisions(
            session, [_request(i) for i in items], actor_of(key), request_id=request_id
        )
    if isinstance(payload, DecisionIn):
        outcome = outcomes[0]
        if outcome.error is not None:
            return problem_for(outcome.error)
        assert outcome.decision is not None
        return JSONResponse(decision_out(outcome.decision).model_dump(mode="json"), status_code=201)
    results = []
    for outcome in outcomes:
        if outcome.decision is not None:
            results.append(
                DecisionResult(
                    index=outcome.index, status="recorded", decision=decision_out(outcome.decision)
                )
            )
        else:
            assert outcome.error is not None
            error = problem_for(outcome.error)
            results.append(
                DecisionResult(
                    index=outcome.index,
                    status="rejected",
                    error=Problem.model_validate_json(bytes(error.body)),
                )
            )
    body = BulkDecisionOut(
        recorded=sum(1 for r in results if r.status == "recorded"),
        rejected=sum(1 for r in results if r.status == "rejected"),
        results=results,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200)


@router.get(
    "/{decision_id}",
    response_model=DecisionDetail,
    summary="A decision, the decision it appeals and the appeals against it",
)
def read_decision(
    decision_id: Annotated[str, Path(min_length=1, max_length=255)],
    _key: Viewer,
    store: StoreDep,
) -> DecisionDetail:
    with store.reading() as session:
        decision, appeals = reviews.get_decision(session, decision_id)
        contests = (
            reviews.get_decision(session, decision.appeal_of)[0] if decision.appeal_of else None
        )
    return DecisionDetail(
        decision=decision_out(decision),
        appeals=[decision_out(a) for a in appeals],
        contests=decision_out(contests) if contests else None,
    )
