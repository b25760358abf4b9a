"""Background jobs: poll a queued batch, start a reanalysis."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from analyzer.storage import jobs as stored_jobs
from analyzer.storage.jobs import JobKind
from api.deps import JobsDep, Moderator, RequestId, StoreDep, Viewer, actor_of
from api.routers.articles import accepted
from api.schemas import JobAccepted, JobOut, ReanalyzeIn

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut, summary="A job's status and result")
def read_job(
    job_id: Annotated[str, Path(min_length=1, max_length=255)], _key: Viewer, store: StoreDep
) -> JobOut:
    with store.reading() as session:
        job = stored_jobs.get_job(session, job_id)
    return JobOut(
        job_id=job.job_id,
        kind=job.kind,
        status=job.status,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=dict(job.result) if job.result is not None else None,
        error=dict(job.error) if job.error is not None else None,
    )


@router.post(
    "/reanalyze",
    status_code=202,
    response_model=JobAccepted,
    summary="Re-run the pipeline over stored articles (all by default) as one new run",
)
def start_reanalysis(
    payload: ReanalyzeIn, key: Moderator, jobs: JobsDep, request_id: RequestId
) -> Any:
    """Use after a model upgrade, or to find coordination across articles that were ingested
    in separate requests. Old runs stay queryable by run id."""
    actor = actor_of(key)
    params = {
        "article_ids": payload.article_ids,
        "actor": {"name": actor.name, "role": actor.role, "key_id": actor.key_id},
        "request_id": request_id,
    }
    job = jobs.enqueue(JobKind.REANALYZE, params, key.key_id)
    return accepted(job.job_id, JobKind.REANALYZE)
