"""Articles: ingest, append comments, read them back annotated, and summarize."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from analyzer.export import cluster_record, comment_record, run_info_record, skipped_record
from analyzer.model import StanceLabel
from analyzer.storage import corpus as stored_corpus
from analyzer.storage import results
from analyzer.storage.jobs import JobKind, JobStatus
from analyzer.storage.summary import Bucket, summarize_article
from api.convert import article_record, iso
from api.deps import (
    JobsDep,
    Limit,
    MetricsDep,
    Moderator,
    Offset,
    PipelineDep,
    RequestId,
    SettingsDep,
    StoreDep,
    Viewer,
    actor_of,
)
from api.ingestion import append_payload, comment_total, ingest_payload
from api.schemas import (
    AppendRequest,
    AppendResponse,
    ArticleList,
    ArticleListItem,
    ArticleView,
    IngestRequest,
    IngestResponse,
    JobAccepted,
    SplitOut,
    StanceShareOut,
    SummaryOut,
    TimeBucketOut,
)

router = APIRouter(prefix="/v1/articles", tags=["articles"])

ArticleId = Annotated[str, Path(min_length=1, max_length=255, description="The article's id.")]
RunId = Annotated[
    str | None,
    Query(max_length=255, description="Read this run's results instead of the latest."),
]


def accepted(job_id: str, kind: JobKind) -> JSONResponse:
    """``202 Accepted`` pointing at the job to poll."""
    location = f"/v1/jobs/{job_id}"
    body = JobAccepted(job_id=job_id, kind=kind, status=JobStatus.QUEUED, location=location)
    return JSONResponse(
        body.model_dump(mode="json"), status_code=202, headers={"Location": location}
    )


@router.post(
    "",
    summary="Ingest articles with their comments (idempotent by id)",
    response_model=IngestResponse,
    responses={202: {"model": JobAccepted, "description": "A large batch, queued as a job."}},
)
def ingest_articles(
    *,
    payload: IngestRequest,
    key: Moderator,
    store: StoreDep,
    pipeline: PipelineDep,
    settings: SettingsDep,
    jobs: JobsDep,
    metrics: MetricsDep,
    request_id: RequestId,
) -> Any:
    """Stores new articles and comments, then analyzes every article the request changed, as
    one run. Re-sending the same batch stores nothing twice and starts no run. Invalid items are
    listed in `errors`; the rest is stored. Batches with more comments than
    `sync_max_comments` are queued: `202` with a job to poll at `GET /v1/jobs/{id}`."""
    actor = actor_of(key)
    body = payload.model_dump(mode="json")
    if comment_total(payload) > settings.api.sync_max_comments:
        params = {"payload": body, "actor": _actor_json(actor), "request_id": request_id}
        job = jobs.enqueue(JobKind.INGEST, params, key.key_id)
        return accepted(job.job_id, JobKind.INGEST)
    return ingest_payload(
        store, pipeline, settings, actor, body, request_id=request_id, metrics=metrics
    )


def _actor_json(actor: Any) -> dict[str, Any]:
    return {"name": actor.name, "role": actor.role, "key_id": actor.key_id}


@router.get("", response_model=ArticleList, summary="Stored articles, newest first")
def list_articles(
    *, _key: Viewer, store: StoreDep, settings: SettingsDep, limit: Limit = 50, offset: Offset = 0
) -> ArticleList:
    limit = min(limit, settings.api.max_page_size)
    with store.reading() as session:
        total, rows = stored_corpus.list_articles(session, limit=limit, offset=offset)
    return ArticleList(
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
        articles=[
            ArticleListItem(
                article_id=r.article.article_id,
                title=r.article.title,
                url=r.article.url,
                published_at=iso(r.article.published_at),
                comment_count=r.comment_count,
                latest_run_id=r.latest_run_id,
                ingested_at=r.ingested_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ],
    )


@router.get(
    "/{article_id}",
    response_model=ArticleView,
    summary="The article beside its analyzed comments",
)
def read_article(
    *,
    article_id: ArticleId,
    _key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    stance: Annotated[StanceLabel | None, Query(description="Only this stance.")] = None,
    flagged: Annotated[bool | None, Query(description="Only (un)flagged comments.")] = None,
    questioning: Annotated[bool | None, Query(description="Only (non-)questioning.")] = None,
    author: Annotated[str | None, Query(max_length=255, description="Only this author.")] = None,
    order: Annotated[results.CommentOrder, Query(description="Sort order.")] = (
        results.CommentOrder.POSITION
    ),
    run_id: RunId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Each comment follows the JSONL output contract (stance, flags, cluster link, signals);
    `clusters` holds the evidence of every cluster the comments link to and `skipped_signals`
    what the data could not support."""
    limit = min(limit, settings.api.max_page_size)
    filters = results.CommentFilter(
        stance=stance, flagged=flagged, author=author, questioning=questioning
    )
    with store.reading() as session:
        article, resolved = results.resolve_run(session, article_id, run_id)
        stored = stored_corpus.get_article(session, article_id)
        comment_count = stored.comment_count if stored else 0
        body: dict[str, Any] = {
            "article": article_record(article),
            "comment_count": comment_count,
            "run_id": resolved,
            "run_info": None,
            "comments": [],
            "clusters": [],
            "skipped_signals": [],
            "total": 0,
            "limit": limit,
            "offset": offset,
            "next_offset": None,
        }
        if resolved is not None:
            total, page = results.comment_page(
                session,
                article_id,
                resolved,
                filters=filters,
                order=order,
                limit=limit,
                offset=offset,
            )
            body["run_info"] = run_info_record(results.get_run(session, resolved).run_info)
            body["comments"] = [comment_record(a, resolved) for a in page]
            body["clusters"] = [
                cluster_record(c) for c in results.article_clusters(session, article_id, resolved)
            ]
            body["skipped_signals"] = [
                skipped_record(s) for s in results.skipped_signals(session, article_id, resolved)
            ]
            body["total"] = total
            body["next_offset"] = offset + limit if offset + limit < total else None
    return JSONResponse(body)


@router.get(
    "/{article_id}/summary",
    response_model=SummaryOut,
    summary="Stance shares with 95% intervals, stance over time, organic vs coordinated",
)
def article_summary(
    *,
    article_id: ArticleId,
    _key: Viewer,
    store: StoreDep,
    bucket: Annotated[Bucket, Query(description="Time bucket; auto picks by time span.")] = (
        Bucket.AUTO
    ),
    run_id: RunId = None,
) -> SummaryOut:
    with store.reading() as session:
        summary = summarize_article(session, article_id, run_id=run_id, bucket=bucket)
    return SummaryOut(
        article_id=summary.article_id,
        run_id=summary.run_id,
        comment_count=summary.comment_count,
        questioning_count=summary.questioning_count,
        stance=[
            StanceShareOut(
                label=s.label, count=s.count, share=s.share, ci_low=s.ci_low, ci_high=s.ci_high
            )
            for s in summary.stance
        ],
        bucket=str(summary.bucket),
        over_time=[
            TimeBucketOut(started_at=b.started_at, ended_at=b.ended_at, counts=b.counts)
            for b in summary.over_time
        ],
        undated_count=summary.undated_count,
        organic=SplitOut(
            comment_count=summary.organic.comment_count,
            stance_counts=summary.organic.stance_counts,
        ),
        coordinated=SplitOut(
            comment_count=summary.coordinated.comment_count,
            stance_counts=summary.coordinated.stance_counts,
        ),
        cluster_count=summary.cluster_count,
    )


@router.post(
    "/{article_id}/comments",
    response_model=AppendResponse,
    summary="Append comments to an article and re-analyze it",
    responses={202: {"model": JobAccepted, "description": "A large batch, queued as a job."}},
)
def append_comments(
    *,
    article_id: ArticleId,
    payload: AppendRequest,
    key: Moderator,
    store: StoreDep,
    pipeline: PipelineDep,
    settings: SettingsDep,
    jobs: JobsDep,
    metrics: MetricsDep,
    request_id: RequestId,
) -> Any:
    """Incremental analysis: the pipeline re-runs on this article's stored comments plus the
    new ones and stores a new run; `analyzed` holds the new comments' results (JSONL
    contract). Cross-article coordination is refreshed by a reanalyze job."""
    actor = actor_of(key)
    body = payload.model_dump(mode="json")
    if comment_total(payload) > settings.api.sync_max_comments:
        with store.reading() as session:
            results.resolve_run(session, article_id, None)  # 404 now, not in the job
        params = {
            "payload": body,
            "article_id": article_id,
            "actor": _actor_json(actor),
            "request_id": request_id,
        }
        job = jobs.enqueue(JobKind.APPEND, params, key.key_id)
        return accepted(job.job_id, JobKind.APPEND)
    return JSONResponse(
        append_payload(
            store,
            pipeline,
            settings,
            actor,
            article_id=article_id,
            payload=body,
            request_id=request_id,
            metrics=metrics,
        )
    )
