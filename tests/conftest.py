"""Shared fixtures. Tests never touch the network; tests that need ../shared skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("COMMENT_ANALYZER_SHARED", REPO_ROOT.parent / "shared"))
SEED_PATH = SHARED_DIR / "seed" / "000_5294cc7cd41cbd58.txt"


@pytest.fixture(autouse=True)
def _isolated_settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's ANALYZER_* variables and .env out of tests."""
    for key in list(os.environ):
        if key.startswith("ANALYZER_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture
def seed_path(shared_dir: Path) -> Path:
    if not SEED_PATH.is_file():
        pytest.skip(f"seed article not found at {SEED_PATH}")
    return SEED_PATH
