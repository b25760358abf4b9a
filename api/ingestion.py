"""Ingest and append as request payload -> stored run -> response body.

Shared by the endpoints (small batches, answered at once) and the job runner (large batches).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from analyzer.config import Settings
from analyzer.export import comment_record
from analyzer.storage import workflows
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from api.convert import counts, outcome_errors, parse_items, rejected_count
from api.schemas import AppendRequest, AppendResponse, IngestRequest, IngestResponse

if TYPE_CHECKING:
    from analyzer.pipeline import Pipeline
    from api.middleware import Metrics


def comment_total(payload: IngestRequest | AppendRequest) -> int:
    nested = (
        sum(len(a.comments) for a in payload.articles) if isinstance(payload, IngestRequest) else 0
    )
    return nested + len(payload.comments)


def ingest_payload(
    store: Store,
    pipeline: Pipeline,
    settings: Settings,
    actor: Actor,
    payload: Mapping[str, Any],
    *,
    request_id: str | None,
    metrics: Metrics,
) -> dict[str, Any]:
    request = IngestRequest.model_validate(payload)
    parsed = parse_items(
        request.articles, request.comments, max_text_chars=settings.ingest.max_text_chars
    )
    stored = workflows.ingest(store, pipeline, parsed.corpus, actor, request_id=request_id)
    errors = [*parsed.errors, *outcome_errors(stored.outcome, parsed)]
    analyzed = stored.result
    if analyzed is not None:
        metrics.comments_analyzed.labels("ingest").inc(
            sum(len(r.comments) for r in analyzed.reports)
        )
    response = IngestResponse(
        run_id=analyzed.run_info.run_id if analyzed else None,
        articles=counts(stored.outcome.articles, rejected_count(parsed.errors, "article")),
        comments=counts(stored.outcome.comments, rejected_count(parsed.errors, "comment")),
        errors=errors,
        analyzed_article_ids=list(stored.outcome.changed_article_ids) if analyzed else [],
    )
    return response.model_dump(mode="json")


def append_payload(
    store: Store,
    pipeline: Pipeline,
    settings: Settings,
    actor: Actor,
    *,
    article_id: str,
    payload: Mapping[str, Any],
    request_id: str | None,
    metrics: Metrics,
) -> dict[str, Any]:
    request = AppendRequest.model_validate(payload)
    parsed = parse_items(
        (),
        request.comments,
        max_text_chars=settings.ingest.max_text_chars,
        comment_article_id=article_id,
    )
    stored = workflows.append(
        store, pipeline, article_id, parsed.corpus.comments, actor, request_id=request_id
    )
    errors = [*parsed.errors, *outcome_errors(stored.outcome, parsed)]
    analyzed: list[dict[str, Any]] = []
    result = stored.result
    if result is not None:
        created = {o.record_id for o in stored.outcome.comments if o.status == "created"}
        run_id = result.run_info.run_id
        for report in result.reports:
            analyzed.extend(
                comment_record(a, run_id)
                for a in report.comments
                if a.comment.comment_id in created
            )
        metrics.comments_analyzed.labels("append").inc(sum(len(r.comments) for r in result.reports))
    response = AppendResponse(
        run_id=result.run_info.run_id if result else None,
        articles=counts((), 0),
        comments=counts(stored.outcome.comments, rejected_count(parsed.errors, "comment")),
        errors=errors,
        analyzed_article_ids=list(stored.outcome.changed_article_ids) if result else [],
        analyzed=[],
    )
    body = response.model_dump(mode="json")
    body["analyzed"] = analyzed  # the contract records, exactly as analyzer.export made them
    return body
