"""Health, readiness, metrics, request ids and JSON logs, CORS, settings, models, jobs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.jobs import JobKind, create_job, get_job
from api.app import create_app
from api.middleware import JsonFormatter
from tests.api.conftest import Service, ServiceFactory
from tests.service_support import campaign_article, sqlite_url


def test_health_and_readiness(service: Service) -> None:
    assert service.client.get("/healthz").json() == {"status": "ok"}
    ready = service.client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["schema_revision"] == "0002"
    assert [c["name"] for c in ready["components"]] == ["keyword_test", "near_duplicate", "burst"]


def test_readiness_fails_when_the_schema_is_behind(service: Service) -> None:
    service.store.downgrade("base")
    response = service.client.get("/readyz")
    assert response.status_code == 503 and response.json()["code"] == "not_ready"
    assert "db upgrade" in response.json()["hint"]


def test_metrics(service: Service) -> None:
    service.post("/v1/articles", {"articles": [campaign_article()]})
    service.get("/v1/articles/a1")
    service.get("/v1/articles/missing")
    text = service.get("/metrics").text
    assert (
        'comment_analyzer_http_requests_total{method="GET",'
        'route="/v1/articles/{article_id}",status="200"} 1.0' in text
    )
    assert 'route="/v1/articles/{article_id}",status="404"} 1.0' in text
    assert 'comment_analyzer_comments_analyzed_total{endpoint="ingest"} 8.0' in text
    assert "comment_analyzer_http_request_duration_seconds_bucket" in text


def test_request_ids_are_echoed_or_made(service: Service) -> None:
    given = service.get("/v1/models", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = service.get("/v1/models", headers={"X-Request-ID": "bad id with spaces"})
    assert (
        made.headers["x-request-id"] != "bad id with spaces"
        and len(made.headers["x-request-id"]) == 32
    )
    problem = service.get("/v1/articles/missing", headers={"X-Request-ID": "trace-9"}).json()
    assert problem["request_id"] == "trace-9"


def test_access_log_is_json_with_request_id(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="api.access"):
        service.get("/v1/models", headers={"X-Request-ID": "log-1"})
    record = next(r for r in caplog.records if getattr(r, "request_id", None) == "log-1")
    line = json.loads(JsonFormatter().format(record))
    assert line["status"] == 200 and line["route"] == "/v1/models" and line["key_id"]
    assert line["duration_ms"] >= 0 and line["logger"] == "api.access"


def test_cors_is_off_by_default(service: Service) -> None:
    response = service.client.options(
        "/v1/models",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_cors_when_configured(make_service: ServiceFactory) -> None:
    service = make_service(cors_origins=("https://newsroom.example",))
    response = service.client.options(
        "/v1/models",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.headers["access-control-allow-origin"] == "https://newsroom.example"
    other = service.client.options(
        "/v1/models",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_models_and_settings(make_service: ServiceFactory) -> None:
    service = make_service(pseudonym_salt="a-very-secret-salt-value")
    models = service.get("/v1/models").json()
    assert [c["kind"] for c in models["components"]] == ["stance", "detector", "detector"]
    assert len(models["settings_hash"]) == 64
    settings = service.get("/v1/settings", role="admin").json()
    assert settings["settings_hash"] == models["settings_hash"]
    assert "a-very-secret-salt-value" not in json.dumps(settings)
    assert settings["api"]["pseudonym_salt"] == "**********"
    assert "database_url" not in settings["analysis"]


def test_reanalyze_job(service: Service) -> None:
    first = service.post("/v1/articles", {"articles": [campaign_article()]}).json()
    response = service.post("/v1/jobs/reanalyze", {})
    assert response.status_code == 202
    job = service.wait(response.json()["location"])
    assert job["status"] == "succeeded" and job["result"]["article_count"] == 1
    assert job["result"]["run_id"] != first["run_id"]
    assert service.get("/v1/articles/a1").json()["run_id"] == job["result"]["run_id"]
    missing = service.wait(
        service.post("/v1/jobs/reanalyze", {"article_ids": ["nope"]}).json()["location"]
    )
    assert missing["status"] == "failed" and missing["error"]["code"] == "not_found"


def test_unfinished_jobs_resume_at_start(tmp_path: Path, shared_pipeline: Pipeline) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api=ApiParams(export_dir=tmp_path / "x"))
    app = create_app(settings, pipeline_factory=lambda _s: shared_pipeline)
    # A queued job, as a process that died before running it leaves one.
    with TestClient(app), app.state.store.transaction() as session:
        job = create_job(
            session,
            JobKind.INGEST,
            {"payload": {"articles": [campaign_article()]}, "actor": {"name": "t"}},
            None,
        )
    restarted = create_app(settings, pipeline_factory=lambda _s: shared_pipeline)
    with TestClient(restarted):
        pass  # shutting down waits for the job runner
    with restarted.state.store.reading() as session:
        finished = get_job(session, job.job_id)
    assert finished.status == "succeeded" and finished.result["comments"]["created"] == 8  # type: ignore[index]


def test_pseudonym_salt_persists_across_restarts(tmp_path: Path, shared_pipeline: Pipeline) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api=ApiParams(export_dir=tmp_path / "x"))
    salts = []
    for _ in range(2):
        app = create_app(settings, pipeline_factory=lambda _s: shared_pipeline)
        with TestClient(app):
            salts.append(app.state.jobs.salt)
    assert salts[0] == salts[1] and len(salts[0]) == 64


def test_openapi_documents_problems_examples_and_security(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    ingest = schema["paths"]["/v1/articles"]["post"]
    assert "application/problem+json" in ingest["responses"]["422"]["content"]
    assert "Retry-After" in ingest["responses"]["429"]["headers"]
    assert ingest["security"] == [{"ApiKey": []}]
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            refs = [body["schema"], *body["schema"].get("anyOf", [])]
            names = [r["$ref"].rsplit("/", 1)[1] for r in refs if "$ref" in r]
            assert names, f"{method} {path}: request body has no named schema"
            assert any("examples" in components[n] for n in names), f"{method} {path}"
    assert "security" not in schema["paths"]["/healthz"]["get"]
