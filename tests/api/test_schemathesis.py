"""Property-based tests generated from the OpenAPI schema (schemathesis), in process (ASGI).

Every operation gets generated requests (valid and invalid) sent with an admin key to a
service that holds an analyzed article. Checks: no 5xx, and every status code, content type,
header and body is the one the schema documents. Bounded: a few examples per operation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.keys import create_key
from analyzer.storage.reviews import Actor
from api.app import create_app
from api.ingestion import ingest_payload
from tests.service_support import campaign_article, sqlite_url

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _settings(directory: Path, database_url: str | None = None) -> Settings:
    return Settings(
        database_url=database_url or sqlite_url(directory),
        api=ApiParams(export_dir=directory / "exports", rate_limit_per_minute=1_000_000),
    )


def _cases() -> list[tuple[str, GenerationMode]]:
    """(operation label, mode) pairs, from the schema of an app that is never started.
    Negative data needs something to break: operations without parameters or body get only
    positive cases."""
    schema = create_app(_settings(Path("unused"), "sqlite:///never-opened.db")).openapi()
    cases = []
    for path, operations in sorted(schema["paths"].items()):
        for method, operation in sorted(operations.items()):
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((label, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, shared_pipeline: Pipeline) -> tuple[Any, str]:
    directory = tmp_path_factory.mktemp("schemathesis")
    app: FastAPI = create_app(_settings(directory), pipeline_factory=lambda _s: shared_pipeline)
    # schemathesis starts the app's lifespan itself and keeps it running for the session.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    state = app.state
    _, key = create_key(state.store, "admin", "schemathesis")
    ingest_payload(
        state.store,
        state.pipeline,
        state.settings,
        Actor("schemathesis", "admin"),
        {"articles": [campaign_article()]},
        request_id=None,
        metrics=state.metrics,
    )
    return schema, key


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_operation_conforms_to_the_schema(
    api: tuple[Any, str], label: str, mode: GenerationMode
) -> None:
    schema, key = api
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} missing from the loaded schema"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

    check()
