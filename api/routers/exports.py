"""Research exports (Parquet, CSV, JSONL, GraphML) with a manifest; built by a job."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, JSONResponse

from analyzer.storage import jobs as stored_jobs
from analyzer.storage.errors import NotFoundError
from analyzer.storage.exports import CLUSTERS_NAME, DATA_FILE, MANIFEST_NAME, ExportFilters
from analyzer.storage.keys import Role
from analyzer.storage.reviews import append_audit
from api.deps import JobsDep, RequestId, StoreDep, Viewer, actor_of
from api.errors import PermissionDeniedError
from api.jobs import export_root
from api.routers.articles import accepted
from api.schemas import ExportIn, ExportOut, JobAccepted

router = APIRouter(prefix="/v1/exports", tags=["exports"])

ExportId = Annotated[str, Path(min_length=1, max_length=255)]


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    summary="Start an export (pseudonymized unless an admin asks otherwise)",
)
def create_export(
    payload: ExportIn, key: Viewer, store: StoreDep, jobs: JobsDep, request_id: RequestId
) -> Any:
    """Writes the latest results of the matching articles. Author ids become
    `anon-<hmac>` pseudonyms (HMAC-SHA256 with a per-deployment salt) unless `pseudonymize`
    is false, which needs the admin role. Poll `GET /v1/exports/{id}` for the manifest."""
    if not payload.pseudonymize and not key.role.allows(Role.ADMIN):
        raise PermissionDeniedError(
            f"exports with clear author ids need the admin role; key {key.key_id} has {key.role}",
            hint="leave pseudonymize=true",
        )
    filters = ExportFilters(
        article_ids=tuple(payload.filters.article_ids)
        if payload.filters.article_ids is not None
        else None,
        stance=payload.filters.stance,
        flagged=payload.filters.flagged,
        since=payload.filters.since,
        until=payload.filters.until,
    )
    with store.transaction() as session:
        record = stored_jobs.create_export(
            session,
            format=str(payload.format),
            filters=filters.to_json(),
            pseudonymized=payload.pseudonymize,
            created_by=key.key_id,
            export_root=str(export_root(jobs.settings)),
        )
        append_audit(
            session,
            actor_of(key),
            action="export.create",
            target_type="export",
            target_id=record.export_id,
            request_id=request_id,
            details={
                "format": str(payload.format),
                "filters": filters.to_json(),
                "pseudonymized": payload.pseudonymize,
            },
        )
    jobs.submit(record.job.job_id)
    response = accepted(record.job.job_id, record.job.kind)
    response.headers["Location"] = f"/v1/exports/{record.export_id}"
    body = {
        "job_id": record.job.job_id,
        "kind": str(record.job.kind),
        "status": str(record.job.status),
        "location": f"/v1/exports/{record.export_id}",
    }
    return JSONResponse(body, status_code=202, headers={"Location": body["location"]})


def _files(record: stored_jobs.ExportRecord) -> list[dict[str, Any]]:
    if not record.manifest:
        return []
    return [
        {
            "name": f["name"],
            "rows": f["rows"],
            "bytes": f["bytes"],
            "sha256": f["sha256"],
            "url": f"/v1/exports/{record.export_id}/files/{f['name']}",
        }
        for f in record.manifest.get("files", [])
    ]


@router.get("/{export_id}", response_model=ExportOut, summary="Export status, manifest and files")
def read_export(export_id: ExportId, _key: Viewer, store: StoreDep) -> ExportOut:
    with store.reading() as session:
        record = stored_jobs.get_export(session, export_id)
    return ExportOut(
        export_id=record.export_id,
        job_id=record.job.job_id,
        status=record.job.status,
        format=record.format,
        filters=dict(record.filters),
        pseudonymized=record.pseudonymized,
        created_at=record.created_at,
        manifest=dict(record.manifest) if record.manifest else None,
        files=_files(record),
        error=dict(record.job.error) if record.job.error else None,
    )


_DOWNLOADABLE = {*DATA_FILE.values(), CLUSTERS_NAME, MANIFEST_NAME}


@router.get(
    "/{export_id}/files/{name}",
    summary="Download one file of a finished export",
    response_class=FileResponse,
    responses={
        200: {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        }
    },
)
def download_export_file(
    export_id: ExportId,
    name: Annotated[str, Path(min_length=1, max_length=64)],
    _key: Viewer,
    store: StoreDep,
) -> FileResponse:
    with store.reading() as session:
        record = stored_jobs.get_export(session, export_id)
    listed = {f["name"] for f in (record.manifest or {}).get("files", [])} | {MANIFEST_NAME}
    if record.manifest is None or name not in listed or name not in _DOWNLOADABLE:
        raise NotFoundError(
            "export file", f"{export_id}/{name}", hint="list the files with GET /v1/exports/{id}"
        )
    path = FilePath(record.directory) / name
    if not path.is_file():
        raise NotFoundError("export file", f"{export_id}/{name}", hint="the file was removed")
    return FileResponse(path, filename=name, media_type="application/octet-stream")
