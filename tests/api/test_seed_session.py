"""The README's curl session, in process: the seed article in, read back with annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app as cli
from tests.api.conftest import Service


@pytest.mark.shared_data
def test_seed_article_round_trip(service: Service, seed_path: Path, tmp_path: Path) -> None:
    payload_path = tmp_path / "seed.json"
    result = CliRunner().invoke(cli, ["payload", str(seed_path), "--out", str(payload_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(payload_path.read_text())

    ingested = service.post("/v1/articles", payload).json()
    assert ingested["comments"]["created"] == 5 and ingested["errors"] == []
    article_id = ingested["analyzed_article_ids"][0]

    view = service.get(f"/v1/articles/{article_id}").json()
    assert view["article"]["title"] and view["total"] == 5
    assert all(c["stance"]["label"] for c in view["comments"])
    skipped = {s["signal"]: s["reason"] for s in view["skipped_signals"]}
    assert "timestamps" in skipped["burst"]

    stateless = service.post("/v1/analyze", payload["articles"][0], role="viewer").json()
    assert [c["comment_id"] for c in stateless["comments"]] == [
        c["comment_id"] for c in view["comments"]
    ]
