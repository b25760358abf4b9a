"""Results -> the documented output contract (docs/output-format.md): JSONL, JSON, CSV, Parquet.

Every writer streams article by article, so output size does not multiply memory use.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from analyzer.model import (
    AnalysisResult,
    ArticleReport,
    Cluster,
    CommentAnalysis,
    Evidence,
    RecordIssue,
    ReplyAgreement,
    RunInfo,
    Signal,
    SkippedSignal,
    StanceLabel,
    StanceResult,
    TargetStance,
)

SCHEMA_VERSION = "1.0"


class OutputFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def evidence_record(evidence: Evidence) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": str(evidence.kind), "summary": evidence.summary}
    optional: dict[str, Any] = {
        "comment_ids": list(evidence.comment_ids),
        "authors": list(evidence.authors),
        "article_ids": list(evidence.article_ids),
        "shared_text": evidence.shared_text,
        "similarity": evidence.similarity,
        "weight": evidence.weight,
        "started_at": _time(evidence.started_at),
        "ended_at": _time(evidence.ended_at),
    }
    if evidence.span is not None:
        optional["span"] = {
            "start": evidence.span.start,
            "end": evidence.span.end,
            "text": evidence.span.text,
            "unit": evidence.span.unit,
        }
    # Omit empty fields: each evidence kind fills only the ones that apply to it.
    record.update({k: v for k, v in optional.items() if v not in (None, [])})
    return record


def stance_record(stance: StanceResult) -> dict[str, Any]:
    return {
        "label": str(stance.label),
        "confidence": stance.confidence,
        "scores": dict(stance.scores),
        "questioning": stance.questioning,
        "questioning_score": stance.questioning_score,
        "evidence": [evidence_record(e) for e in stance.evidence],
        "model": stance.model,
        "abstained": stance.abstained,
        "language": stance.language,
        "supported": stance.supported,
        "unsupported_reason": stance.unsupported_reason,
        "targets": [target_stance_record(t) for t in stance.targets],
        "reply_agreement": (
            None if stance.reply_agreement is None else agreement_record(stance.reply_agreement)
        ),
    }


def target_stance_record(target: TargetStance) -> dict[str, Any]:
    return {
        "target": target.target,
        "label": str(target.label),
        "confidence": target.confidence,
        "scores": dict(target.scores),
        "basis": target.basis,
        "source": target.source,
        "evidence": [evidence_record(e) for e in target.evidence],
        "model": target.model,
    }


def agreement_record(agreement: ReplyAgreement) -> dict[str, Any]:
    return {
        "parent_id": agreement.parent_id,
        "label": str(agreement.label),
        "confidence": agreement.confidence,
        "scores": dict(agreement.scores),
        "evidence": [evidence_record(e) for e in agreement.evidence],
        "model": agreement.model,
    }


def signal_record(signal: Signal) -> dict[str, Any]:
    return {
        "detector": signal.detector,
        "detector_version": signal.detector_version,
        "score": signal.score,
        "summary": signal.summary,
        "comment_ids": list(signal.comment_ids),
        "evidence": [evidence_record(e) for e in signal.evidence],
    }


def comment_record(analysis: CommentAnalysis, run_id: str) -> dict[str, Any]:
    """One comment in the JSONL contract."""
    comment, coordination = analysis.comment, analysis.coordination
    return {
        "comment_id": comment.comment_id,
        "article_id": comment.article_id,
        "author": comment.author,
        "parent_id": comment.parent_id,
        "created_at": _time(comment.created_at),
        "text": comment.text,
        "stance": stance_record(analysis.stance),
        "coordination": {
            "flagged": coordination.flagged,
            "score": coordination.score,
            "cluster_id": coordination.cluster_id,
            "signals": [signal_record(s) for s in coordination.signals],
        },
        "run_id": run_id,
    }


def cluster_record(
    cluster: Cluster, stance_labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One cluster. ``stance_counts`` (its stance split: member comments per stance label) is
    the cluster's own; for a cluster built without one, it is counted from ``stance_labels``
    (comment id -> label) when given, else null."""
    return {
        "cluster_id": cluster.cluster_id,
        "score": cluster.score,
        "summary": cluster.summary,
        "comment_ids": list(cluster.comment_ids),
        "authors": list(cluster.authors),
        "article_ids": list(cluster.article_ids),
        "detectors": list(cluster.detectors),
        "started_at": _time(cluster.started_at),
        "ended_at": _time(cluster.ended_at),
        "time_span_seconds": (
            (cluster.ended_at - cluster.started_at).total_seconds()
            if cluster.started_at is not None and cluster.ended_at is not None
            else None
        ),
        "stance_counts": _cluster_stance_counts(cluster, stance_labels),
        "signals": [signal_record(s) for s in cluster.signals],
    }


def _cluster_stance_counts(
    cluster: Cluster, stance_labels: Mapping[str, str] | None
) -> dict[str, int] | None:
    if cluster.stance_counts:
        return {str(label): int(cluster.stance_counts.get(label, 0)) for label in StanceLabel}
    if stance_labels is None:
        return None
    counts = {str(label): 0 for label in StanceLabel}
    for comment_id in dict.fromkeys(cluster.comment_ids):
        label = stance_labels.get(comment_id)
        if label is not None:
            counts[label] += 1
    return counts


def stance_labels(result: AnalysisResult) -> dict[str, str]:
    """comment id -> stance label, for the clusters' stance split."""
    return {a.comment.comment_id: str(a.stance.label) for r in result.reports for a in r.comments}


def skipped_record(skipped: SkippedSignal) -> dict[str, Any]:
    return {"signal": skipped.name, "reason": skipped.reason, "article_id": skipped.article_id}


def issue_record(issue: RecordIssue) -> dict[str, Any]:
    return {
        "severity": str(issue.severity),
        "source": issue.source,
        "location": issue.location,
        "field": issue.field,
        "record_id": issue.record_id,
        "message": issue.message,
    }


def run_info_record(run_info: RunInfo) -> dict[str, Any]:
    return {
        "run_id": run_info.run_id,
        "schema_version": SCHEMA_VERSION,
        "package_version": run_info.package_version,
        "started_at": _time(run_info.started_at),
        "components": [
            {"kind": c.kind, "name": c.name, "version": c.version, "checksum": c.checksum}
            for c in run_info.components
        ],
        "settings_hash": run_info.settings_hash,
        "settings": dict(run_info.settings),
    }


def stance_counts(report: ArticleReport) -> dict[str, int]:
    counts = {str(label): 0 for label in StanceLabel}
    for analysis in report.comments:
        counts[str(analysis.stance.label)] += 1
    return counts


def article_report_record(report: ArticleReport) -> dict[str, Any]:
    """One article in the JSON report: its text, its analyzed comments, clusters and skips."""
    article = report.article
    run_id = report.run_info.run_id
    return {
        "article": {
            "article_id": article.article_id,
            "title": article.title,
            "text": article.text,
            "url": article.url,
            "published_at": _time(article.published_at),
        },
        "stance_counts": stance_counts(report),
        "flagged_comments": sum(1 for a in report.comments if a.coordination.flagged),
        "comments": [comment_record(a, run_id) for a in report.comments],
        "clusters": [cluster_record(c) for c in report.clusters],
        "skipped_signals": [skipped_record(s) for s in report.skipped_signals],
        "run_info": {"run_id": run_id},
    }


def write_jsonl(result: AnalysisResult, out: Path | IO[str]) -> int:
    """One JSON object per comment; returns the number of rows written."""
    with _open(out) as stream:
        rows = 0
        for report in result.reports:
            for analysis in report.comments:
                stream.write(json.dumps(comment_record(analysis, report.run_info.run_id)))
                stream.write("\n")
                rows += 1
        return rows


def write_json(result: AnalysisResult, out: Path | IO[str]) -> int:
    """The per-article report document; written piecewise so large runs stream."""
    with _open(out) as stream:
        stream.write('{"run_info": ')
        stream.write(json.dumps(run_info_record(result.run_info)))
        stream.write(', "skipped_signals": ')
        stream.write(json.dumps([skipped_record(s) for s in result.skipped_signals]))
        stream.write(', "issues": ')
        stream.write(json.dumps([issue_record(i) for i in result.issues]))
        stream.write(', "clusters": ')
        labels = stance_labels(result)
        stream.write(json.dumps([cluster_record(c, labels) for c in result.clusters]))
        stream.write(', "articles": [')
        for index, report in enumerate(result.reports):
            if index:
                stream.write(", ")
            stream.write(json.dumps(article_report_record(report)))
        stream.write("]}\n")
        return sum(len(r.comments) for r in result.reports)


FLAT_COLUMNS = (
    "comment_id",
    "article_id",
    "author",
    "parent_id",
    "created_at",
    "text",
    "stance_label",
    "stance_confidence",
    *(f"stance_score_{label}" for label in StanceLabel),
    "stance_questioning",
    "stance_questioning_score",
    "stance_evidence",
    "stance_model",
    "coordination_flagged",
    "coordination_score",
    "coordination_cluster_id",
    "coordination_detectors",
    "coordination_summaries",
    "coordination_signals",
    "run_id",
)


def flat_rows(result: AnalysisResult) -> Iterator[dict[str, Any]]:
    """The same fields as the JSONL contract, flattened; nested lists are JSON strings."""
    for report in result.reports:
        run_id = report.run_info.run_id  # stored results may mix runs, one per article
        for analysis in report.comments:
            record = comment_record(analysis, run_id)
            stance, coordination = record["stance"], record["coordination"]
            signals = coordination["signals"]
            yield {
                "comment_id": record["comment_id"],
                "article_id": record["article_id"],
                "author": record["author"],
                "parent_id": record["parent_id"],
                "created_at": record["created_at"],
                "text": record["text"],
                "stance_label": stance["label"],
                "stance_confidence": stance["confidence"],
                **{
                    f"stance_score_{label}": _score(stance["scores"], str(label))
                    for label in StanceLabel
                },
                "stance_questioning": stance["questioning"],
                "stance_questioning_score": stance["questioning_score"],
                "stance_evidence": json.dumps(stance["evidence"]),
                "stance_model": stance["model"],
                "coordination_flagged": coordination["flagged"],
                "coordination_score": coordination["score"],
                "coordination_cluster_id": coordination["cluster_id"],
                "coordination_detectors": ";".join(s["detector"] for s in signals),
                "coordination_summaries": " | ".join(s["summary"] for s in signals),
                "coordination_signals": json.dumps(signals),
                "run_id": run_id,
            }


def _score(scores: Mapping[str, float], label: str) -> float:
    return float(scores.get(label, 0.0))


def write_csv(result: AnalysisResult, out: Path | IO[str]) -> int:
    with _open(out) as stream:
        writer = csv.DictWriter(stream, fieldnames=FLAT_COLUMNS)
        writer.writeheader()
        rows = 0
        for row in flat_rows(result):
            writer.writerow(row)
            rows += 1
        return rows


def write_parquet(result: AnalysisResult, out: Path, batch_rows: int = 50_000) -> int:
    import pyarrow as pa  # noqa: PLC0415 - only Parquet output needs it
    import pyarrow.parquet as pq  # noqa: PLC0415

    float_columns = {c for c in FLAT_COLUMNS if "score" in c or c.endswith("confidence")}
    bool_columns = {"stance_questioning", "coordination_flagged"}
    schema = pa.schema(
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
    rows = 0
    with pq.ParquetWriter(str(out), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in flat_rows(result):
            batch.append(row)
            if len(batch) >= batch_rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                rows += len(batch)
                batch = []
        if batch or rows == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            rows += len(batch)
    return rows


def write_result(result: AnalysisResult, fmt: OutputFormat, out: Path | IO[str]) -> int:
    """Write ``result`` in ``fmt``; returns the number of comment rows written."""
    if fmt is OutputFormat.PARQUET:
        if not isinstance(out, Path):
            raise ValueError("parquet output needs a file path, not a stream")
        return write_parquet(result, out)
    writers = {
        OutputFormat.JSONL: write_jsonl,
        OutputFormat.JSON: write_json,
        OutputFormat.CSV: write_csv,
    }
    return writers[fmt](result, out)


@contextmanager
def _open(out: Path | IO[str]) -> Iterator[IO[str]]:
    """A path is opened (and closed) here; a stream belongs to the caller and stays open."""
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as stream:
            yield stream
    else:
        yield out
