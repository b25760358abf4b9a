"""`comment-analyzer keys ...`, `db upgrade` and `payload`: the service's command line."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.config import ApiParams, Settings
from analyzer.pipeline import Pipeline
from analyzer.storage.keys import create_key, list_keys
from analyzer.storage.store import Store
from api.app import create_app
from tests.service_support import sqlite_url

runner = CliRunner()


def test_db_upgrade_and_keys(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    upgraded = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert upgraded.exit_code == 0, upgraded.output
    assert "revision 0002" in upgraded.output

    created = runner.invoke(
        app, ["keys", "create", "--role", "moderator", "--name", "alice", "--database-url", url]
    )
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip().splitlines()[-1]
    assert plaintext.startswith("ca_")

    listed = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert "alice" in listed.stdout and "moderator" in listed.stdout
    assert plaintext not in listed.stdout

    key_id = plaintext.split("_")[1]
    revoked = runner.invoke(app, ["keys", "revoke", key_id, "--database-url", url])
    assert revoked.exit_code == 0
    store = Store.connect(url)
    assert list_keys(store)[0].revoked_at is not None
    store.close()


def test_key_errors_exit_2(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    bad_role = runner.invoke(
        app, ["keys", "create", "--role", "root", "--name", "x", "--database-url", url]
    )
    assert bad_role.exit_code == 2 and "unknown role 'root'" in bad_role.output
    missing = runner.invoke(app, ["keys", "revoke", "000000000000", "--database-url", url])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad_url = runner.invoke(app, ["db", "upgrade", "--database-url", "mysql://x/y"])
    assert bad_url.exit_code == 2 and "unsupported database" in bad_url.output


def test_cli_key_works_against_the_api(tmp_path: Path, shared_pipeline: Pipeline) -> None:
    url = sqlite_url(tmp_path)
    created = runner.invoke(
        app, ["keys", "create", "--role", "viewer", "--name", "v", "--database-url", url]
    )
    plaintext = created.stdout.strip().splitlines()[-1]
    settings = Settings(database_url=url, api=ApiParams(export_dir=tmp_path / "x"))
    with TestClient(create_app(settings, pipeline_factory=lambda _s: shared_pipeline)) as client:
        response = client.get("/v1/models", headers={"Authorization": f"Bearer {plaintext}"})
        assert response.status_code == 200
        audit = client.get("/v1/audit", headers={"Authorization": f"Bearer {plaintext}"})
        assert audit.status_code == 403  # a viewer cannot read the audit log


def test_payload_turns_any_input_into_an_ingest_body(
    tmp_path: Path, shared_pipeline: Pipeline
) -> None:
    source = tmp_path / "input.jsonl"
    rows = [
        {
            "comment_id": "j1",
            "article_id": "art",
            "author": "a",
            "text": "I agree with this.",
            "created_at": "2024-05-01T09:00:00Z",
        },
        {"comment_id": "j2", "article_id": "art", "text": "What a waste."},
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "payload.json"
    result = runner.invoke(app, ["payload", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text())
    assert [c["comment_id"] for c in body["articles"][0]["comments"]] == ["j1", "j2"]
    assert body["articles"][0]["comments"][0]["created_at"] == "2024-05-01T09:00:00Z"
    settings = Settings(database_url=sqlite_url(tmp_path), api=ApiParams(export_dir=tmp_path / "x"))
    with TestClient(create_app(settings, pipeline_factory=lambda _s: shared_pipeline)) as client:
        _, key = create_key(client.app.state.store, "moderator", "m")  # type: ignore[attr-defined]
        response = client.post(
            "/v1/articles", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200 and response.json()["comments"]["created"] == 2
