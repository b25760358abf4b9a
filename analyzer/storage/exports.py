"""Research exports of stored results: Parquet, CSV, JSONL or GraphML, plus a manifest.

Author ids are replaced by ``anon-<hmac>`` pseudonyms (HMAC-SHA256 with a per-deployment salt)
unless an admin asks for clear ids: the same author gets the same pseudonym in every export of
one deployment, so exports can be joined, but not reversed without the salt.

Every export directory holds the data file, ``clusters.jsonl`` and ``manifest.json`` (schema
version, model versions, settings hashes, filters, row counts and sha256 checksums).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

import analyzer
from analyzer.checksums import sha256_file
from analyzer.export import (
    FLAT_COLUMNS,
    SCHEMA_VERSION,
    cluster_record,
    comment_record,
    flat_rows,
)
from analyzer.model import (
    AnalysisResult,
    ArticleReport,
    Cluster,
    CommentAnalysis,
    Evidence,
    Signal,
    StanceLabel,
)
from analyzer.storage.codec import model_versions, parse_time
from analyzer.storage.jobs import get_export, set_export_manifest
from analyzer.storage.results import load_report
from analyzer.storage.store import Store
from analyzer.storage.tables import ArticleRow

MANIFEST_NAME = "manifest.json"
CLUSTERS_NAME = "clusters.jsonl"


class ExportFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"
    GRAPHML = "graphml"


DATA_FILE = {
    ExportFormat.PARQUET: "comments.parquet",
    ExportFormat.CSV: "comments.csv",
    ExportFormat.JSONL: "comments.jsonl",
    ExportFormat.GRAPHML: "accounts.graphml",
}


@dataclass(frozen=True, slots=True)
class ExportFilters:
    article_ids: tuple[str, ...] | None = None
    stance: StanceLabel | None = None
    flagged: bool | None = None
    since: datetime | None = None  # comment created_at >= since
    until: datetime | None = None  # comment created_at < until

    def to_json(self) -> dict[str, Any]:
        return {
            "article_ids": list(self.article_ids) if self.article_ids is not None else None,
            "stance": str(self.stance) if self.stance else None,
            "flagged": self.flagged,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExportFilters:
        ids = data.get("article_ids")
        return cls(
            article_ids=tuple(ids) if ids is not None else None,
            stance=StanceLabel(data["stance"]) if data.get("stance") else None,
            flagged=data.get("flagged"),
            since=parse_time(data.get("since")),
            until=parse_time(data.get("until")),
        )

    def keeps(self, analysis: CommentAnalysis) -> bool:
        if self.stance is not None and analysis.stance.label is not self.stance:
            return False
        if self.flagged is not None and analysis.coordination.flagged is not self.flagged:
            return False
        created = analysis.comment.created_at
        if self.since is not None and (created is None or created < self.since):
            return False
        return not (self.until is not None and (created is None or created >= self.until))


class Pseudonymizer:
    def __init__(self, salt: bytes) -> None:
        self._salt = salt
        self.key_id = hashlib.sha256(b"pseudonym-key-id:" + salt).hexdigest()[:12]

    def author(self, author: str | None) -> str | None:
        if author is None:
            return None
        digest = hmac.new(self._salt, author.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"anon-{digest[:16]}"

    def authors(self, authors: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a for a in (self.author(x) for x in authors) if a is not None)

    def evidence(self, evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
        return tuple(
            replace(e, authors=self.authors(e.authors)) if e.authors else e for e in evidence
        )

    def signal(self, signal: Signal) -> Signal:
        return replace(signal, evidence=self.evidence(signal.evidence))

    def analysis(self, analysis: CommentAnalysis) -> CommentAnalysis:
        return CommentAnalysis(
            comment=replace(analysis.comment, author=self.author(analysis.comment.author)),
            stance=replace(analysis.stance, evidence=self.evidence(analysis.stance.evidence)),
            coordination=replace(
                analysis.coordination,
                signals=tuple(self.signal(s) for s in analysis.coordination.signals),
            ),
        )

    def cluster(self, cluster: Cluster) -> Cluster:
        return replace(
            cluster,
            authors=self.authors(cluster.authors),
            signals=tuple(self.signal(s) for s in cluster.signals),
        )


def _article_ids(session: Session, filters: ExportFilters) -> list[str]:
    query = select(ArticleRow.article_id).where(ArticleRow.latest_run_id.is_not(None))
    if filters.article_ids is not None:
        query = query.where(ArticleRow.article_id.in_(filters.article_ids))
    return list(session.scalars(query.order_by(ArticleRow.article_id)))


def _reports(
    store: Store, filters: ExportFilters, pseudonymizer: Pseudonymizer | None
) -> Iterator[ArticleReport]:
    """Each exported article's latest report, filtered and pseudonymized, one at a time."""
    with store.reading() as session:
        article_ids = _article_ids(session, filters)
    for article_id in article_ids:
        with store.reading() as session:
            report = load_report(session, article_id)
        comments = tuple(a for a in report.comments if filters.keeps(a))
        clusters = report.clusters
        if pseudonymizer is not None:
            comments = tuple(pseudonymizer.analysis(a) for a in comments)
            clusters = tuple(pseudonymizer.cluster(c) for c in clusters)
        yield replace(report, comments=comments, clusters=clusters)


def _single(report: ArticleReport) -> AnalysisResult:
    """One report as a result, so the flat-row serializer uses that report's run id."""
    return AnalysisResult((report,), report.clusters, (), (), report.run_info)


@dataclass
class _Tally:
    rows: int = 0


def _write_comments(
    fmt: ExportFormat, reports: Iterator[ArticleReport], path: Path, tally: _Tally
) -> Iterator[ArticleReport]:
    """Write comment rows as reports stream past; yields each report on for the next writer."""
    if fmt is ExportFormat.PARQUET:
        yield from _write_parquet(reports, path, tally)
        return
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = (
            csv.DictWriter(stream, fieldnames=FLAT_COLUMNS) if fmt is ExportFormat.CSV else None
        )
        if writer is not None:
            writer.writeheader()
        for report in reports:
            _write_rows(stream, writer, report)
            tally.rows += len(report.comments)
            yield report


def _write_rows(stream: IO[str], writer: csv.DictWriter[str] | None, report: ArticleReport) -> None:
    if writer is not None:
        for row in flat_rows(_single(report)):
            writer.writerow(row)
        return
    for analysis in report.comments:
        stream.write(json.dumps(comment_record(analysis, report.run_info.run_id)))
        stream.write("\n")


def _parquet_schema() -> Any:
    # Same column types as analyzer.export.write_parquet.
    float_columns = {c for c in FLAT_COLUMNS if "score" in c or c.endswith("confidence")}
    bool_columns = {"stance_questioning", "coordination_flagged"}
    return pa.schema(
        [
            (
                name,
                pa.float64()
                if name in float_columns
                else pa.bool_()
                if name in bool_columns
                else pa.string(),
            )
            for name in FLAT_COLUMNS
        ]
    )


def _write_parquet(
    reports: Iterator[ArticleReport], path: Path, tally: _Tally
) -> Iterator[ArticleReport]:
    schema = _parquet_schema()
    with pq.ParquetWriter(str(path), schema) as writer:
        wrote = False
        for report in reports:
            rows = list(flat_rows(_single(report)))
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                wrote = True
            tally.rows += len(rows)
            yield report
        if not wrote:
            writer.write_table(pa.Table.from_pylist([], schema=schema))


def _account_graph(reports: list[ArticleReport]) -> Any:
    """Accounts and articles: an account-article edge per commenting account (weighted by
    comments), and an account-account edge for accounts that share a cluster."""
    graph = nx.Graph()
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for report in reports:
        article_node = f"article:{report.article.article_id}"
        graph.add_node(article_node, kind="article", title=report.article.title)
        per_author: Counter[str] = Counter()
        flagged: Counter[str] = Counter()
        for analysis in report.comments:
            author = analysis.comment.author
            if author is None:
                continue
            per_author[author] += 1
            flagged[author] += int(analysis.coordination.flagged)
        for author, count in per_author.items():
            node = f"account:{author}"
            if node not in graph:
                graph.add_node(node, kind="account", comments=0, flagged_comments=0)
            graph.nodes[node]["comments"] += count
            graph.nodes[node]["flagged_comments"] += flagged[author]
            graph.add_edge(node, article_node, kind="commented", weight=count)
        for cluster in report.clusters:
            members = sorted(set(cluster.authors))
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    shared[(first, second)].add(cluster.cluster_id)
    for (first, second), cluster_ids in sorted(shared.items()):
        for author in (first, second):
            if f"account:{author}" not in graph:
                graph.add_node(f"account:{author}", kind="account", comments=0, flagged_comments=0)
        graph.add_edge(
            f"account:{first}",
            f"account:{second}",
            kind="same_cluster",
            weight=len(cluster_ids),
            cluster_ids=";".join(sorted(cluster_ids)),
        )
    return graph


def write_export(store: Store, export_id: str, *, salt: bytes) -> dict[str, Any]:
    """Write the files of export ``export_id`` and store its manifest; returns the manifest."""
    with store.reading() as session:
        record = get_export(session, export_id)
    fmt = ExportFormat(record.format)
    filters = ExportFilters.from_json(record.filters)
    pseudonymizer = Pseudonymizer(salt) if record.pseudonymized else None
    directory = Path(record.directory)
    directory.mkdir(parents=True, exist_ok=True)

    tally = _Tally()
    seen: list[ArticleReport] = []
    clusters: dict[str, Cluster] = {}
    data_path = directory / DATA_FILE[fmt]
    reports = _reports(store, filters, pseudonymizer)
    if fmt is ExportFormat.GRAPHML:
        kept = list(reports)
        graph = _account_graph(kept)
        nx.write_graphml(graph, data_path)
        tally.rows = graph.number_of_nodes()
        seen = kept
    else:
        for report in _write_comments(fmt, reports, data_path, tally):
            seen.append(replace(report, comments=()))  # keep run info and clusters, not rows
    for report in seen:
        for cluster in report.clusters:
            clusters.setdefault(cluster.cluster_id, cluster)
    clusters_path = directory / CLUSTERS_NAME
    with clusters_path.open("w", encoding="utf-8") as stream:
        for cluster in sorted(clusters.values(), key=lambda c: (-c.score, c.cluster_id)):
            stream.write(json.dumps(cluster_record(cluster)))
            stream.write("\n")

    runs = {r.run_info.run_id: r.run_info for r in seen}
    versions = sorted(
        {f"{name}@{v}" for info in runs.values() for name, v in _name_versions(info.components)}
    )
    manifest: dict[str, Any] = {
        "export_id": export_id,
        "schema_version": SCHEMA_VERSION,
        "package_version": analyzer.__version__,
        "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "format": str(fmt),
        "filters": filters.to_json(),
        "pseudonymized": record.pseudonymized,
        "pseudonym_key_id": pseudonymizer.key_id if pseudonymizer else None,
        "article_count": len(seen),
        "model_versions": versions,
        "settings_hashes": sorted({info.settings_hash for info in runs.values()}),
        "runs": [
            {
                "run_id": info.run_id,
                "started_at": info.started_at.isoformat().replace("+00:00", "Z"),
                "settings_hash": info.settings_hash,
                "components": model_versions(info.components),
            }
            for info in sorted(runs.values(), key=lambda i: i.started_at)
        ],
        "files": [
            {
                "name": path.name,
                "rows": rows,
                "row_kind": kind,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
            for path, rows, kind in (
                (data_path, tally.rows, "node" if fmt is ExportFormat.GRAPHML else "comment"),
                (clusters_path, len(clusters), "cluster"),
            )
        ],
    }
    (directory / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    with store.transaction() as session:
        set_export_manifest(session, export_id, manifest)
    return manifest


def _name_versions(components: Any) -> Iterator[tuple[str, str]]:
    for component in components:
        yield component.name, component.version
