"""Malformed JSON, wrong types, oversized bodies, unknown ids and routes: all problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.keys import create_key
from api.app import create_app
from tests.api.conftest import Service, ServiceFactory
from tests.service_support import campaign_article, sqlite_url

PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}


def _assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert set(body) >= PROBLEM_FIELDS and body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:comment-analyzer:problem:{code}"
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return body


@pytest.mark.parametrize(
    "raw",
    [b"{bad json", b"", b"[1, 2", b'{"articles": [}'],
    ids=["garbage", "empty", "truncated", "broken-array"],
)
def test_malformed_json(service: Service, raw: bytes) -> None:
    response = service.client.post(
        "/v1/articles",
        content=raw,
        headers={**service.headers("moderator"), "Content-Type": "application/json"},
    )
    if raw == b"":
        _assert_problem(response, 422, "validation_failed")  # no body at all: body is required
    else:
        body = _assert_problem(response, 422, "malformed_json")
        assert "not valid JSON" in str(body["detail"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"articles": "nope"}, "body.articles"),
        ({"articles": [{"article_id": 12}]}, "body.articles.0.article_id"),
        (
            {"articles": [{"article_id": "a", "comments": [{"comment_id": "c"}]}]},
            "body.articles.0.comments.0.text",
        ),
        (
            {"articles": [{"article_id": "a", "comments": [{"comment_id": "c", "text": 5}]}]},
            "body.articles.0.comments.0.text",
        ),
        ({"articles": [], "unexpected": 1}, "body.unexpected"),
        ([1, 2, 3], "body"),
    ],
    ids=["not-a-list", "int-id", "missing-text", "int-text", "extra-field", "not-an-object"],
)
def test_wrong_types_name_the_field(service: Service, payload: object, field: str) -> None:
    body = _assert_problem(service.post("/v1/articles", payload), 422, "validation_failed")
    errors: list[dict[str, str]] = body["errors"]  # type: ignore[assignment]
    assert field in [e["field"] for e in errors]


@pytest.fixture
def small(make_service: ServiceFactory) -> Service:
    return make_service(max_body_bytes=2_000)


def test_oversized_body_by_content_length(small: Service) -> None:
    article = {"article_id": "big", "text": "x" * 3_000}
    body = _assert_problem(
        small.post("/v1/articles", {"articles": [article]}), 413, "payload_too_large"
    )
    assert "2000 bytes" in str(body["detail"])


def test_oversized_chunked_body(small: Service) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"articles": ['
        for _ in range(100):
            yield b'{"article_id": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},'
        yield b'{"article_id": "end"}]}'

    response = small.client.post(
        "/v1/articles",
        content=chunks(),
        headers={**small.headers("moderator"), "Content-Type": "application/json"},
    )
    _assert_problem(response, 413, "payload_too_large")


def test_body_under_the_limit_passes(small: Service) -> None:
    assert small.post("/v1/articles", {"articles": [{"article_id": "tiny"}]}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v1/articles/missing",
        "/v1/articles/missing/summary",
        "/v1/clusters/cl-missing",
        "/v1/jobs/missing",
        "/v1/exports/missing",
        "/v1/exports/missing/files/comments.csv",
        "/v1/decisions/missing",
        "/v1/articles/a1?run_id=not-a-run",
    ],
)
def test_unknown_ids(service: Service, path: str) -> None:
    service.post("/v1/articles", {"articles": [campaign_article()]})
    _assert_problem(service.get(path), 404, "not_found")


def test_unknown_route_and_method(service: Service) -> None:
    _assert_problem(service.get("/v1/nothing-here"), 404, "not_found")
    _assert_problem(
        service.client.put("/v1/articles", headers=service.headers("admin")),
        405,
        "method_not_allowed",
    )


@pytest.mark.parametrize(
    "query",
    ["stance=maybe", "limit=0", "limit=abc", "order=random", "flagged=perhaps"],
)
def test_bad_query_parameters(service: Service, query: str) -> None:
    body = _assert_problem(service.get(f"/v1/articles/a1?{query}"), 422, "validation_failed")
    assert str(body["errors"][0]["field"]).startswith("query.")  # type: ignore[index]


def test_naive_times_in_queries_are_refused(service: Service) -> None:
    _assert_problem(
        service.get("/v1/audit?since=2024-01-01T00:00:00", role="admin"), 422, "validation_failed"
    )
    assert service.get("/v1/audit?since=2024-01-01T00:00:00Z", role="admin").status_code == 200


def test_analyze_with_an_invalid_article_is_refused(service: Service) -> None:
    body = _assert_problem(
        service.post("/v1/analyze", {"article_id": "", "comments": []}), 422, "invalid_request"
    )
    assert "article_id is empty" in str(body["detail"])


def test_append_needs_at_least_one_comment(service: Service) -> None:
    _assert_problem(
        service.post("/v1/articles/a1/comments", {"comments": []}), 422, "validation_failed"
    )


class _BrokenPipeline:
    """A pipeline whose run fails the way a bug would."""

    def __init__(self, inner: Pipeline) -> None:
        self.components = inner.components

    def run(self, corpus: object) -> None:
        raise RuntimeError("secret internal detail")


def test_unexpected_errors_are_problems_without_a_trace(
    tmp_path: Path, shared_pipeline: Pipeline
) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api=ApiParams(export_dir=tmp_path))
    broken = _BrokenPipeline(shared_pipeline)
    app = create_app(settings, pipeline_factory=lambda _s: broken)  # type: ignore[arg-type,return-value]
    with TestClient(app, raise_server_exceptions=False) as client:
        _, key = create_key(app.state.store, "viewer", "v")
        response = client.post(
            "/v1/analyze",
            json=campaign_article(),
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "boom-1"},
        )
    body = _assert_problem(response, 500, "internal_error")
    assert "secret internal detail" not in response.text and "RuntimeError" not in response.text
    assert "boom-1" in str(body["detail"]) and body["request_id"] == "boom-1"
