"""Background jobs: one worker thread per process, jobs persisted as rows.

A job's input is stored with it, so jobs left queued or running by a stopped process are
resumed at the next start (every job kind is idempotent: ingest by id, a reanalyze or export
simply runs again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.config import Settings
from analyzer.errors import AnalyzerError
from analyzer.storage import workflows
from analyzer.storage.exports import write_export
from analyzer.storage.jobs import (
    Job,
    JobKind,
    create_job,
    finish_job,
    start_job,
    unfinished_jobs,
)
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from api.errors import status_for
from api.ingestion import append_payload, ingest_payload

if TYPE_CHECKING:
    from analyzer.pipeline import Pipeline
    from api.middleware import Metrics

log = logging.getLogger("api.jobs")


class JobRunner:
    def __init__(
        self,
        store: Store,
        pipeline: Pipeline,
        settings: Settings,
        metrics: Metrics,
        salt: bytes,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.metrics = metrics
        self.salt = salt
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer-jobs")
        self._handlers: dict[JobKind, Callable[[Job], Mapping[str, Any]]] = {
            JobKind.INGEST: self._ingest,
            JobKind.APPEND: self._append,
            JobKind.REANALYZE: self._reanalyze,
            JobKind.EXPORT: self._export,
        }

    def enqueue(self, kind: JobKind, params: Mapping[str, Any], created_by: str | None) -> Job:
        with self.store.transaction() as session:
            job = create_job(session, kind, params, created_by)
        self.submit(job.job_id)
        return job

    def submit(self, job_id: str) -> Future[None]:
        return self._executor.submit(self.run, job_id)

    def resume(self) -> int:
        with self.store.reading() as session:
            pending = unfinished_jobs(session)
        for job in pending:
            log.info("resuming job %s (%s, was %s)", job.job_id, job.kind, job.status)
            self.submit(job.job_id)
        return len(pending)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)

    def run(self, job_id: str) -> None:
        with self.store.transaction() as session:
            job = start_job(session, job_id)
        result: Mapping[str, Any] | None = None
        error: dict[str, Any] | None = None
        try:
            result = self._handlers[job.kind](job)
        except AnalyzerError as exc:
            status, title = status_for(exc)
            error = {"status": status, "title": title, "code": exc.code, "detail": exc.message}
            if exc.hint:
                error["hint"] = exc.hint
        except Exception:  # a job must end as "failed", not vanish with its thread
            log.exception("job %s (%s) crashed", job_id, job.kind)
            error = {
                "status": 500,
                "title": "Internal server error",
                "code": "internal_error",
                "detail": f"job {job_id} failed unexpectedly; see the server log",
            }
        with self.store.transaction() as session:
            finished = finish_job(session, job_id, result=result, error=error)
        self.metrics.jobs.labels(str(finished.kind), str(finished.status)).inc()

    def _actor(self, job: Job) -> Actor:
        actor = job.params.get("actor") or {}
        return Actor(
            name=str(actor.get("name", "job")),
            role=str(actor.get("role", "")),
            key_id=actor.get("key_id"),
        )

    def _ingest(self, job: Job) -> Mapping[str, Any]:
        return ingest_payload(
            self.store,
            self.pipeline,
            self.settings,
            self._actor(job),
            job.params["payload"],
            request_id=job.params.get("request_id"),
            metrics=self.metrics,
        )

    def _append(self, job: Job) -> Mapping[str, Any]:
        return append_payload(
            self.store,
            self.pipeline,
            self.settings,
            self._actor(job),
            article_id=job.params["article_id"],
            payload=job.params["payload"],
            request_id=job.params.get("request_id"),
            metrics=self.metrics,
        )

    def _reanalyze(self, job: Job) -> Mapping[str, Any]:
        ids = job.params.get("article_ids")
        result = workflows.reanalyze(
            self.store,
            self.pipeline,
            self._actor(job),
            article_ids=ids,
            request_id=job.params.get("request_id"),
        )
        comments = sum(len(r.comments) for r in result.reports)
        self.metrics.comments_analyzed.labels("reanalyze").inc(comments)
        return {
            "run_id": result.run_info.run_id,
            "article_count": len(result.reports),
            "comment_count": comments,
            "cluster_count": len(result.clusters),
        }

    def _export(self, job: Job) -> Mapping[str, Any]:
        export_id = job.params["export_id"]
        manifest = write_export(self.store, export_id, salt=self.salt)
        return {"export_id": export_id, "files": [f["name"] for f in manifest["files"]]}


def export_root(settings: Settings) -> Path:
    return settings.api.export_dir.expanduser().resolve()
