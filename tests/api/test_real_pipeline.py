"""The service on the real, shipped pipeline (baseline stance model + detectors): the other
API tests use a keyword classifier so they can assert exact labels."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from analyzer.config import ApiParams, Settings
from analyzer.storage.keys import create_key
from api.app import create_app
from tests.service_support import campaign_article, sqlite_url


def test_analyze_with_the_default_pipeline(tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api=ApiParams(export_dir=tmp_path))
    app = create_app(settings)  # the lifespan builds Pipeline.from_settings(settings)
    with TestClient(app) as client:
        _, key = create_key(app.state.store, "moderator", "m")
        headers = {"Authorization": f"Bearer {key}"}
        models = client.get("/v1/models", headers=headers).json()
        stance = models["components"][0]
        assert stance["kind"] == "stance" and stance["name"] == settings.stance.model
        response = client.post("/v1/analyze", json=campaign_article(), headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert len(body["comments"]) == 8
        labels = {"support", "oppose", "neutral", "unrelated"}
        for record in body["comments"]:
            assert record["stance"]["label"] in labels
            assert 0.0 <= record["stance"]["confidence"] <= 1.0
            assert record["stance"]["model"] == f"{stance['name']}@{stance['version']}"
        flagged = {c["comment_id"] for c in body["comments"] if c["coordination"]["flagged"]}
        assert flagged == {"c0", "c1", "c2", "c3"}  # the planted copy-paste campaign
