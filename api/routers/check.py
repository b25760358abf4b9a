"""The moderation hook: one new comment checked against the comments seen recently.

Built for a comment platform's pre-publication hook (a budget of about 200 ms): no pipeline
run and no database write. The rolling window lives in this process (see
``analyzer.coordination.streaming``), so run the service with one worker, or route each
article's comments to the same worker, for every check to see the others.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from analyzer.export import evidence_record, signal_record, skipped_record
from analyzer.storage.corpus import article_from_row
from analyzer.storage.errors import InvalidRequestError
from analyzer.storage.tables import ArticleRow
from api.convert import iso, parse_items
from api.deps import HookDep, MetricsDep, Moderator, SettingsDep, StoreDep
from api.schemas import ArticleIn, CommentIn, HookCheckRequest, HookCheckResponse

router = APIRouter(prefix="/v1", tags=["moderation hook"])


@router.post(
    "/check",
    response_model=HookCheckResponse,
    summary="Check one new comment against the recent ones (moderation hook)",
)
def check_comment(
    *,
    payload: HookCheckRequest,
    _key: Moderator,
    hook: HookDep,
    store: StoreDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Any:
    """Near-duplicate text (the corpus `near_duplicate` rule, against the rolling window) and
    the article's comment rate (trailing window). `not_computed` lists the signals a single
    check cannot compute, with the reason; they run in corpus analysis (`POST /v1/articles`).
    Nothing is stored in the database."""
    started = time.perf_counter()
    article_in = ArticleIn(
        article_id=payload.article_id,
        **(payload.article.model_dump() if payload.article is not None else {}),
        comments=[
            CommentIn(
                comment_id=payload.comment_id,
                text=payload.text,
                author=payload.author,
                created_at=payload.created_at,
                parent_id=payload.parent_id,
                metadata=payload.metadata,
            )
        ],
    )
    parsed = parse_items([article_in], [], max_text_chars=settings.ingest.max_text_chars)
    if parsed.errors:
        error = parsed.errors[0]
        raise InvalidRequestError(
            f"{error.message} ({error.code})",
            hint="fix that field of the comment (see the OpenAPI schema)",
        )
    [comment] = parsed.corpus.comments
    if payload.article is not None:
        hook.register_article(parsed.corpus.articles[0])
    elif not hook.knows_article(payload.article_id):
        with store.reading() as session:
            row = session.get(ArticleRow, payload.article_id)
            if row is not None:
                hook.register_article(article_from_row(row))
    verdict = hook.check(comment, record=payload.record)
    metrics.comments_analyzed.labels("check").inc()
    body = {
        "comment_id": verdict.comment_id,
        "article_id": verdict.article_id,
        "flagged": verdict.flagged,
        "score": verdict.score,
        "summary": verdict.summary,
        "matched_comment_ids": list(verdict.matched_comment_ids),
        "matched_authors": list(verdict.matched_authors),
        "signals": [signal_record(s) for s in verdict.signals],
        "evidence": [evidence_record(e) for e in verdict.evidence],
        "not_computed": [skipped_record(s) for s in verdict.skipped_signals],
        "recorded": verdict.recorded,
        "checked_at": iso(verdict.checked_at),
        "window": {
            "comments": verdict.window_comments,
            "window_seconds": hook.window_seconds,
            "max_comments": hook.max_comments,
            "oldest_at": iso(hook.oldest_at()),
        },
        "elapsed_ms": round((time.perf_counter() - started) * 1000.0, 3),
    }
    return JSONResponse(body)
