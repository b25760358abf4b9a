"""Exports through the API: a job, a manifest, downloadable files, pseudonymized by default."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.api.conftest import Service
from tests.service_support import campaign_article


@pytest.fixture
def ingested(service: Service) -> Service:
    service.post("/v1/articles", {"articles": [campaign_article()]})
    return service


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl", "graphml"])
def test_export_formats(ingested: Service, fmt: str) -> None:
    response = ingested.post("/v1/exports", {"format": fmt}, role="viewer")
    assert response.status_code == 202
    location = response.headers["location"]
    assert location.startswith("/v1/exports/")
    export = ingested.wait(location)
    assert export["status"] == "succeeded", export
    assert export["pseudonymized"] is True and export["manifest"]["format"] == fmt
    names = [f["name"] for f in export["files"]]
    assert names[1] == "clusters.jsonl" and len(names) == 2
    for entry in export["files"]:
        download = ingested.get(entry["url"])
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == entry["sha256"]
        assert b"sock1" not in download.content
    manifest = ingested.get(f"{location}/files/manifest.json").json()
    assert manifest == export["manifest"]


def test_clear_author_ids_need_admin(ingested: Service) -> None:
    refused = ingested.post(
        "/v1/exports", {"format": "jsonl", "pseudonymize": False}, role="moderator"
    )
    assert refused.status_code == 403
    accepted = ingested.post(
        "/v1/exports", {"format": "jsonl", "pseudonymize": False}, role="admin"
    )
    export = ingested.wait(accepted.headers["location"])
    rows = ingested.get(export["files"][0]["url"]).text.splitlines()
    assert {json.loads(r)["author"] for r in rows} >= {"sock0", "reader0"}
    audit = ingested.get("/v1/audit?action=export.", role="admin").json()["events"]
    assert audit[0]["details"]["pseudonymized"] is False


def test_export_filters_and_pseudonym_stability(ingested: Service) -> None:
    first = ingested.wait(
        ingested.post(
            "/v1/exports", {"format": "jsonl", "filters": {"flagged": True}}, role="viewer"
        ).headers["location"]
    )
    second = ingested.wait(
        ingested.post(
            "/v1/exports", {"format": "jsonl", "filters": {"stance": "oppose"}}, role="viewer"
        ).headers["location"]
    )
    rows_first = [json.loads(r) for r in ingested.get(first["files"][0]["url"]).text.splitlines()]
    rows_second = [json.loads(r) for r in ingested.get(second["files"][0]["url"]).text.splitlines()]
    assert len(rows_first) == 4 and {r["author"] for r in rows_first} == {
        r["author"] for r in rows_second
    }
    assert first["manifest"]["pseudonym_key_id"] == second["manifest"]["pseudonym_key_id"]


def test_unknown_export_file(ingested: Service) -> None:
    export = ingested.wait(
        ingested.post("/v1/exports", {"format": "csv"}, role="viewer").headers["location"]
    )
    assert ingested.get(f"/v1/exports/{export['export_id']}/files/secret.txt").status_code == 404
    assert (
        ingested.get(f"/v1/exports/{export['export_id']}/files/comments.parquet").status_code == 404
    )


def test_bad_export_request(ingested: Service) -> None:
    assert ingested.post("/v1/exports", {"format": "xlsx"}, role="viewer").status_code == 422
    naive = {"format": "csv", "filters": {"since": "2024-01-01T00:00:00"}}
    assert ingested.post("/v1/exports", naive, role="viewer").status_code == 422
