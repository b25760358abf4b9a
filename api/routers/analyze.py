"""Stateless analysis for moderators' tools: one article and its comments in, the JSONL
contract out. Nothing is stored unless ``store=true`` (which needs the moderator role)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from analyzer.export import (
    cluster_record,
    comment_record,
    issue_record,
    run_info_record,
    skipped_record,
)
from analyzer.model import Corpus
from analyzer.storage import workflows
from analyzer.storage.errors import InvalidRequestError
from analyzer.storage.keys import Role
from analyzer.storage.results import RunKind
from api.convert import article_record, outcome_errors, parse_items
from api.deps import MetricsDep, PipelineDep, RequestId, SettingsDep, StoreDep, Viewer, actor_of
from api.errors import PermissionDeniedError
from api.schemas import AnalyzeRequest, AnalyzeResponse

router = APIRouter(prefix="/v1", tags=["analyze"])


@router.post("/analyze", response_model=AnalyzeResponse, summary="Analyze one article, statelessly")
def analyze(
    *,
    payload: AnalyzeRequest,
    key: Viewer,
    pipeline: PipelineDep,
    store: StoreDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    request_id: RequestId,
    store_result: Annotated[
        bool,
        Query(alias="store", description="Also store the article, comments and run (moderator)."),
    ] = False,
) -> Any:
    """`comments` holds one object per comment in the CLI's JSONL contract; invalid comments
    are listed in `errors` and the rest are analyzed."""
    if store_result and not key.role.allows(Role.MODERATOR):
        raise PermissionDeniedError(
            f"store=true needs the moderator role; key {key.key_id} has {key.role}",
            hint="drop store=true to analyze without storing",
        )
    article = payload.model_copy(update={"comments": []})
    parsed = parse_items(
        [article],
        [],
        max_text_chars=settings.ingest.max_text_chars,
    )
    if parsed.errors:  # the article itself is invalid: nothing to analyze
        raise InvalidRequestError(
            parsed.errors[0].message, hint="fix the article fields (see the OpenAPI schema)"
        )
    comments = parse_items(
        [],
        payload.comments,
        max_text_chars=settings.ingest.max_text_chars,
        comment_article_id=payload.article_id,
    )
    corpus = Corpus(articles=parsed.corpus.articles, comments=comments.corpus.comments)
    errors = list(comments.errors)
    if store_result:
        stored = workflows.ingest(
            store, pipeline, corpus, actor_of(key), kind=RunKind.ANALYZE, request_id=request_id
        )
        errors.extend(outcome_errors(stored.outcome, comments))
        result = stored.result
        if result is None:  # an exact re-send: analyze again, store no duplicate run
            result = pipeline.run(corpus)
    else:
        result = pipeline.run(corpus)
    sent = {c.comment_id for c in corpus.comments}
    metrics.comments_analyzed.labels("analyze").inc(len(corpus.comments))
    run_id = result.run_info.run_id
    report = next(r for r in result.reports if r.article.article_id == payload.article_id)
    body = {
        "run_id": run_id,
        "stored": store_result,
        "article": article_record(report.article),
        "comments": [
            comment_record(a, run_id) for a in report.comments if a.comment.comment_id in sent
        ],
        "clusters": [cluster_record(c) for c in report.clusters],
        "skipped_signals": [
            skipped_record(s) for s in (*result.skipped_signals, *report.skipped_signals)
        ],
        "issues": [issue_record(i) for i in result.issues],
        "errors": [e.model_dump(mode="json") for e in errors],
        "run_info": run_info_record(result.run_info),
    }
    return JSONResponse(body)
