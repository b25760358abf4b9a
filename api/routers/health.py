"""Liveness, readiness (no key needed) and Prometheus metrics (any key)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from analyzer.storage.store import Store
from api.deps import MetricsDep, PipelineDep, StoreDep, Viewer
from api.errors import NotReadyError
from api.schemas import ComponentOut, Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Models loaded, database reachable")
def readyz(store: StoreDep, pipeline: PipelineDep) -> Readiness:
    store.ping()
    revision = store.current_revision()
    if revision != Store.head_revision():
        raise NotReadyError(
            f"database schema is at revision {revision}, the code expects {Store.head_revision()}",
            hint="run `comment-analyzer db upgrade`",
        )
    return Readiness(
        status="ready",
        database=store.describe(),
        schema_revision=revision,
        components=[
            ComponentOut(kind=c.kind, name=c.name, version=c.version, checksum=c.checksum)
            for c in pipeline.components
        ],
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(_key: Viewer, metrics: MetricsDep) -> Response:
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
