"""Every endpoint needs a key (except health), each role can do exactly its share,
keys can be revoked, and each key is rate limited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.keys import create_key, revoke_key
from api.app import create_app
from tests.api.conftest import ROLES, Service, ServiceFactory
from tests.service_support import campaign_article, sqlite_url

# method, path, body, least role that may call it (None: no key needed). {cluster}, {decision},
# {export}, {job} and {key} are ids the module fixture creates.
ENDPOINTS: list[tuple[str, str, Any, str | None]] = [
    ("GET", "/healthz", None, None),
    ("GET", "/readyz", None, None),
    ("GET", "/metrics", None, "viewer"),
    ("GET", "/v1/models", None, "viewer"),
    ("GET", "/v1/settings", None, "admin"),
    ("GET", "/v1/articles", None, "viewer"),
    ("POST", "/v1/articles", {"articles": [{"article_id": "x1"}]}, "moderator"),
    ("GET", "/v1/articles/a1", None, "viewer"),
    ("GET", "/v1/articles/a1/summary", None, "viewer"),
    (
        "POST",
        "/v1/articles/a1/comments",
        {"comments": [{"comment_id": "n", "text": "t"}]},
        "moderator",
    ),
    ("POST", "/v1/analyze", {"article_id": "s1", "comments": []}, "viewer"),
    ("POST", "/v1/analyze?store=true", {"article_id": "s2", "comments": []}, "moderator"),
    ("GET", "/v1/clusters", None, "viewer"),
    ("GET", "/v1/clusters/{cluster}", None, "viewer"),
    ("GET", "/v1/queue", None, "viewer"),
    (
        "POST",
        "/v1/decisions",
        {
            "target_type": "comment",
            "target_id": "c4",
            "action": "approve",
            "reason_code": "false_positive",
        },
        "moderator",
    ),
    ("GET", "/v1/decisions/{decision}", None, "viewer"),
    ("GET", "/v1/audit", None, "moderator"),
    ("POST", "/v1/exports", {"format": "jsonl"}, "viewer"),
    ("POST", "/v1/exports", {"format": "jsonl", "pseudonymize": False}, "admin"),
    ("GET", "/v1/exports/{export}", None, "viewer"),
    ("GET", "/v1/exports/{export}/files/manifest.json", None, "viewer"),
    ("POST", "/v1/jobs/reanalyze", {"article_ids": ["a1"]}, "moderator"),
    ("GET", "/v1/jobs/{job}", None, "viewer"),
    ("GET", "/v1/keys", None, "admin"),
    ("POST", "/v1/keys", {"name": "new", "role": "viewer"}, "admin"),
    ("DELETE", "/v1/keys/{key}", None, "admin"),
]


@pytest.fixture(scope="module")
def module_service(
    tmp_path_factory: pytest.TempPathFactory, shared_pipeline: Pipeline
) -> Iterator[Service]:
    directory = tmp_path_factory.mktemp("auth")
    settings = Settings(
        database_url=sqlite_url(directory), api=ApiParams(export_dir=directory / "exports")
    )
    app = create_app(settings, pipeline_factory=lambda _s: shared_pipeline)
    with TestClient(app) as client:
        keys = {role: create_key(app.state.store, role, role)[1] for role in ROLES}
        service = Service(app, client, keys)
        assert service.post("/v1/articles", {"articles": [campaign_article()]}).status_code == 200
        cluster = service.get("/v1/clusters").json()["clusters"][0]["cluster"]["cluster_id"]
        decision = service.post(
            "/v1/decisions",
            {
                "target_type": "cluster",
                "target_id": cluster,
                "action": "escalate",
                "reason_code": "other",
            },
        ).json()["decision_id"]
        export = service.wait(
            service.post("/v1/exports", {"format": "csv"}, role="viewer").headers["location"]
        )["export_id"]
        job = service.post("/v1/jobs/reanalyze", {}).json()["job_id"]
        service.wait(f"/v1/jobs/{job}")
        key, _ = create_key(app.state.store, "viewer", "to-revoke")
        service.ids = {
            "cluster": cluster,
            "decision": decision,
            "export": export,
            "job": job,
            "key": key,
        }
        yield service


def _call(service: Service, method: str, path: str, body: Any, role: str | None) -> Any:
    path = path.format(**service.ids)
    return service.client.request(method, path, json=body, headers=service.headers(role))


@pytest.mark.parametrize("role", [None, *ROLES], ids=lambda r: r or "no-key")
@pytest.mark.parametrize(
    ("method", "path", "body", "least"),
    ENDPOINTS,
    ids=[
        f"{m} {p}{' clear' if b and b.get('pseudonymize') is False else ''}"
        for m, p, b, _ in ENDPOINTS
    ],
)
def test_role_matrix(
    module_service: Service,
    *,
    method: str,
    path: str,
    body: Any,
    least: str | None,
    role: str | None,
) -> None:
    response = _call(module_service, method, path, body, role)
    if least is None:
        assert response.status_code == 200
        return
    if role is None:
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "missing_api_key"
        assert response.headers["www-authenticate"].startswith("Bearer")
    elif ROLES.index(role) < ROLES.index(least):
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["code"] == "forbidden" and least in problem["detail"]
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert response.status_code in (200, 201, 202), response.text


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer ca_000000000000_" + "A" * 43, id="unknown"),
        pytest.param("Bearer not-a-key", id="malformed"),
        pytest.param("Basic dXNlcjpwYXNz", id="wrong-scheme"),
    ],
)
def test_bad_keys(module_service: Service, header: str) -> None:
    response = module_service.client.get("/v1/models", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] in ("invalid_api_key", "missing_api_key")


def test_revoked_key_is_refused(service: Service) -> None:
    key_id, plaintext = create_key(service.store, "viewer", "temp")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert service.client.get("/v1/models", headers=headers).status_code == 200
    revoke_key(service.store, key_id)
    response = service.client.get("/v1/models", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"


def test_rate_limit_per_key(make_service: ServiceFactory) -> None:
    service = make_service(rate_limit_per_minute=3)
    statuses = [service.get("/v1/models").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = service.get("/v1/models")
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    assert service.get("/v1/models", role="admin").status_code == 200  # other keys unaffected
    assert service.client.get("/healthz").status_code == 200


def test_keys_api_creates_lists_and_revokes(service: Service) -> None:
    created = service.post("/v1/keys", {"name": "ci-bot", "role": "viewer"}, role="admin")
    assert created.status_code == 201
    body = created.json()
    headers = {"Authorization": f"Bearer {body['key']}"}
    assert service.client.get("/v1/models", headers=headers).status_code == 200
    listed = service.get("/v1/keys", role="admin").json()["keys"]
    assert "key" not in listed[0] and body["key_id"] in {k["key_id"] for k in listed}
    revoked = service.delete(f"/v1/keys/{body['key_id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert service.client.get("/v1/models", headers=headers).status_code == 401
    assert service.delete("/v1/keys/000000000000").status_code == 404
    actions = [e["action"] for e in service.get("/v1/audit", role="admin").json()["events"]]
    assert actions[:2] == ["key.revoke", "key.create"]


def test_keys_from_another_database_do_not_work(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    first, second = make_service(), make_service()
    headers = first.headers("admin")
    assert second.client.get("/v1/models", headers=headers).status_code == 401
