"""Background jobs and exports, as rows: the service's job runner moves them through states."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.storage.errors import NotFoundError
from analyzer.storage.tables import DeploymentValueRow, ExportRow, JobRow


class JobKind(StrEnum):
    INGEST = "ingest"  # a large POST /v1/articles
    APPEND = "append"  # a large POST /v1/articles/{id}/comments
    REANALYZE = "reanalyze"  # re-run stored articles (new model, cross-article coordination)
    EXPORT = "export"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str | None
    params: Mapping[str, Any]
    result: Mapping[str, Any] | None
    error: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class ExportRecord:
    export_id: str
    job: Job
    format: str
    filters: Mapping[str, Any]
    pseudonymized: bool
    created_at: datetime
    created_by: str | None
    directory: str
    manifest: Mapping[str, Any] | None


def _job(row: JobRow) -> Job:
    return Job(
        job_id=row.job_id,
        kind=JobKind(row.kind),
        status=JobStatus(row.status),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        created_by=row.created_by,
        params=row.params,
        result=row.result,
        error=row.error,
    )


def create_job(
    session: Session, kind: JobKind, params: Mapping[str, Any], created_by: str | None
) -> Job:
    row = JobRow(
        job_id=uuid.uuid4().hex,
        kind=str(kind),
        status=str(JobStatus.QUEUED),
        created_at=datetime.now(UTC),
        started_at=None,
        finished_at=None,
        created_by=created_by,
        params=dict(params),
        result=None,
        error=None,
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: str) -> Job:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError("job", job_id)
    return _job(row)


def start_job(session: Session, job_id: str) -> Job:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError("job", job_id)
    row.status = str(JobStatus.RUNNING)
    row.started_at = datetime.now(UTC)
    return _job(row)


def finish_job(
    session: Session,
    job_id: str,
    *,
    result: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
) -> Job:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError("job", job_id)
    row.status = str(JobStatus.FAILED if error is not None else JobStatus.SUCCEEDED)
    row.finished_at = datetime.now(UTC)
    row.result = dict(result) if result is not None else None
    row.error = dict(error) if error is not None else None
    return _job(row)


def unfinished_jobs(session: Session) -> list[Job]:
    """Jobs a previous process left queued or running, oldest first (to resume at start-up)."""
    query = (
        select(JobRow)
        .where(JobRow.status.in_([str(JobStatus.QUEUED), str(JobStatus.RUNNING)]))
        .order_by(JobRow.created_at)
    )
    return [_job(row) for row in session.scalars(query)]


def create_export(
    session: Session,
    *,
    format: str,
    filters: Mapping[str, Any],
    pseudonymized: bool,
    created_by: str | None,
    export_root: str,
) -> ExportRecord:
    export_id = uuid.uuid4().hex
    job = create_job(session, JobKind.EXPORT, {"export_id": export_id}, created_by)
    row = ExportRow(
        export_id=export_id,
        job_id=job.job_id,
        format=format,
        filters=dict(filters),
        pseudonymized=pseudonymized,
        created_at=job.created_at,
        created_by=created_by,
        directory=f"{export_root.rstrip('/')}/{export_id}",
        manifest=None,
    )
    session.add(row)
    session.flush()
    return _export(row, job)


def _export(row: ExportRow, job: Job) -> ExportRecord:
    return ExportRecord(
        export_id=row.export_id,
        job=job,
        format=row.format,
        filters=row.filters,
        pseudonymized=row.pseudonymized,
        created_at=row.created_at,
        created_by=row.created_by,
        directory=row.directory,
        manifest=row.manifest,
    )


def get_export(session: Session, export_id: str) -> ExportRecord:
    row = session.get(ExportRow, export_id)
    if row is None:
        raise NotFoundError("export", export_id)
    return _export(row, get_job(session, row.job_id))


def set_export_manifest(session: Session, export_id: str, manifest: Mapping[str, Any]) -> None:
    row = session.get(ExportRow, export_id)
    if row is None:
        raise NotFoundError("export", export_id)
    row.manifest = dict(manifest)


def deployment_secret(session: Session, name: str, *, nbytes: int = 32) -> str:
    """A random value generated once per deployment and kept in the database."""
    row = session.get(DeploymentValueRow, name)
    if row is None:
        row = DeploymentValueRow(
            name=name, value=secrets.token_hex(nbytes), created_at=datetime.now(UTC)
        )
        session.add(row)
        session.flush()
    return row.value
