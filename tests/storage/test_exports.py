"""Exports: every format, pseudonymized author ids, a manifest with checksums."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest

from analyzer.pipeline import Pipeline
from analyzer.storage import workflows
from analyzer.storage.exports import ExportFilters, Pseudonymizer, write_export
from analyzer.storage.jobs import create_export
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from tests.service_support import campaign_corpus

SALT = b"test-salt-0123456789abcdef"


def _export(
    store: Store, root: Path, fmt: str, *, pseudonymized: bool = True, **filters: object
) -> tuple[Path, dict[str, object]]:
    with store.transaction() as session:
        record = create_export(
            session,
            format=fmt,
            filters=ExportFilters(**filters).to_json(),  # type: ignore[arg-type]
            pseudonymized=pseudonymized,
            created_by=None,
            export_root=str(root),
        )
    manifest = write_export(store, record.export_id, salt=SALT)
    return Path(record.directory), manifest


@pytest.fixture
def analyzed(store: Store, pipeline: Pipeline) -> Store:
    workflows.ingest(store, pipeline, campaign_corpus(), Actor("t", "moderator"))
    return store


def test_pseudonyms_are_stable_and_salted() -> None:
    first, other = Pseudonymizer(SALT), Pseudonymizer(b"another-salt-abcdef0123")
    assert first.author("sock1") == Pseudonymizer(SALT).author("sock1")
    assert first.author("sock1") != first.author("sock2")
    assert first.author("sock1") != other.author("sock1")
    assert (first.author("sock1") or "").startswith("anon-") and first.author(None) is None


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_comment_exports(analyzed: Store, tmp_path: Path, fmt: str) -> None:
    directory, manifest = _export(analyzed, tmp_path, fmt)
    data = directory / f"comments.{fmt}"
    if fmt == "jsonl":
        rows = [json.loads(line) for line in data.read_text().splitlines()]
    elif fmt == "csv":
        with data.open() as stream:
            rows = list(csv.DictReader(stream))
    else:
        rows = pq.read_table(data).to_pylist()
    assert len(rows) == 8
    authors = {r["author"] for r in rows}
    assert all(a.startswith("anon-") for a in authors) and "sock1" not in json.dumps(rows)
    files = {f["name"]: f for f in manifest["files"]}  # type: ignore[attr-defined]
    assert files[f"comments.{fmt}"]["rows"] == 8 and files["clusters.jsonl"]["rows"] == 1
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((directory / name).read_bytes()).hexdigest()
    assert json.loads((directory / "manifest.json").read_text()) == manifest
    assert manifest["schema_version"] and manifest["pseudonymized"] is True
    assert "keyword_test@1" in manifest["model_versions"]  # type: ignore[operator]
    assert len(manifest["settings_hashes"]) == 1  # type: ignore[arg-type]


def test_filters_and_clear_ids(analyzed: Store, tmp_path: Path) -> None:
    directory, manifest = _export(analyzed, tmp_path, "jsonl", pseudonymized=False, flagged=True)
    rows = [json.loads(line) for line in (directory / "comments.jsonl").read_text().splitlines()]
    assert sorted(r["author"] for r in rows) == ["sock0", "sock1", "sock2", "sock3"]
    assert manifest["filters"]["flagged"] is True  # type: ignore[index]
    _, empty = _export(analyzed, tmp_path, "csv", article_ids=("other",))
    assert empty["files"][0]["rows"] == 0  # type: ignore[index]


def test_graphml_links_accounts_in_one_cluster(analyzed: Store, tmp_path: Path) -> None:
    directory, _ = _export(analyzed, tmp_path, "graphml")
    graph = nx.read_graphml(directory / "accounts.graphml")
    accounts = [n for n, d in graph.nodes(data=True) if d["kind"] == "account"]
    assert len(accounts) == 8 and all(n.startswith("account:anon-") for n in accounts)
    same_cluster = [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] == "same_cluster"]
    assert len(same_cluster) == 6  # 4 campaign accounts, pairwise
