"""Every storage test runs on SQLite and on PostgreSQL; the PostgreSQL run skips unless
COMMENT_ANALYZER_TEST_POSTGRES_URL is set (``bash .ci/start-postgres.sh`` prints one)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.pipeline import Pipeline
from analyzer.storage.store import Store
from tests.service_support import POSTGRES_URL_ENV, keyword_pipeline, postgres_store, sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        sqlite = Store.connect(sqlite_url(tmp_path))
        yield sqlite
        sqlite.close()
        return
    if not os.environ.get(POSTGRES_URL_ENV):
        pytest.skip(f"{POSTGRES_URL_ENV} is not set (run: bash .ci/start-postgres.sh)")
    yield from postgres_store()


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return keyword_pipeline()
