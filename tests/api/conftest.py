"""A running service per test (or per module): the app from ``create_app`` with its lifespan,
a fresh SQLite store, one API key per role, and the keyword test pipeline."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.keys import create_key
from analyzer.storage.store import Store
from api.app import create_app
from tests.service_support import keyword_pipeline, sqlite_url

ROLES = ("viewer", "moderator", "admin")


@dataclass
class Service:
    app: FastAPI
    client: TestClient
    keys: dict[str, str]  # role -> plaintext key
    ids: dict[str, str] = field(default_factory=dict)  # records a test set up, by kind

    @property
    def store(self) -> Store:
        store: Store = self.app.state.store
        return store

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"} if role else {}

    def get(
        self, path: str, role: str | None = "viewer", headers: dict[str, str] | None = None
    ) -> Any:
        return self.client.get(path, headers={**self.headers(role), **(headers or {})})

    def post(
        self,
        path: str,
        body: Any = None,
        role: str | None = "moderator",
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.post(path, json=body, headers={**self.headers(role), **(headers or {})})

    def delete(self, path: str, role: str | None = "admin") -> Any:
        return self.client.delete(path, headers=self.headers(role))

    def wait(self, location: str, timeout_seconds: float = 60.0) -> dict[str, Any]:
        """Poll a job or export until it finishes; a busy 2-core box can take a while."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            body: dict[str, Any] = self.get(location).json()
            if body["status"] in ("succeeded", "failed"):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{location} still {body['status']!r} after {timeout_seconds:.0f} s"
                )
            time.sleep(0.02)


@pytest.fixture(scope="session")
def shared_pipeline() -> Pipeline:
    return keyword_pipeline()


ServiceFactory = Callable[..., Service]


@pytest.fixture
def make_service(tmp_path: Path, shared_pipeline: Pipeline) -> Iterator[ServiceFactory]:
    stack: list[TestClient] = []

    def build(**api: Any) -> Service:
        api.setdefault("export_dir", tmp_path / "exports")
        directory = tmp_path / f"db{len(stack)}"
        directory.mkdir()
        settings = Settings(database_url=sqlite_url(directory), api=ApiParams(**api))
        app = create_app(settings, pipeline_factory=lambda _settings: shared_pipeline)
        client = TestClient(app)
        client.__enter__()
        stack.append(client)
        keys = {role: create_key(app.state.store, role, f"{role}-key")[1] for role in ROLES}
        return Service(app, client, keys)

    yield build
    for client in reversed(stack):
        client.__exit__(None, None, None)


@pytest.fixture
def service(make_service: ServiceFactory) -> Service:
    return make_service()
