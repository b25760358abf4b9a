"""Domain values <-> the JSON kept in the database.

The JSON form of evidence, signals, target stances and reply agreements is the output
contract's (``analyzer.export``), so what the API reads back is byte-for-byte what the pipeline
produced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from analyzer.export import agreement_record, evidence_record, signal_record, target_stance_record
from analyzer.model import (
    AgreementLabel,
    ComponentInfo,
    Evidence,
    EvidenceKind,
    ReplyAgreement,
    Signal,
    SkippedSignal,
    Span,
    TargetStance,
    TargetStanceLabel,
)


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def evidence_from_record(record: Mapping[str, Any]) -> Evidence:
    span = record.get("span")
    return Evidence(
        kind=EvidenceKind(record["kind"]),
        summary=record["summary"],
        comment_ids=tuple(record.get("comment_ids", ())),
        authors=tuple(record.get("authors", ())),
        article_ids=tuple(record.get("article_ids", ())),
        span=Span(span["start"], span["end"], span["text"], span.get("unit", "char"))
        if span
        else None,
        shared_text=record.get("shared_text"),
        similarity=record.get("similarity"),
        weight=record.get("weight"),
        started_at=parse_time(record.get("started_at")),
        ended_at=parse_time(record.get("ended_at")),
    )


def evidence_records(evidence: Sequence[Evidence]) -> list[dict[str, Any]]:
    return [evidence_record(e) for e in evidence]


def evidence_tuple(records: Sequence[Mapping[str, Any]]) -> tuple[Evidence, ...]:
    return tuple(evidence_from_record(r) for r in records)


def target_records(targets: Sequence[TargetStance]) -> list[dict[str, Any]]:
    return [target_stance_record(t) for t in targets]


def target_from_record(record: Mapping[str, Any]) -> TargetStance:
    return TargetStance(
        target=record["target"],
        label=TargetStanceLabel(record["label"]),
        confidence=float(record["confidence"]),
        scores=dict(record["scores"]),
        basis=record["basis"],
        evidence=evidence_tuple(record["evidence"]),
        source=record["source"],
        model=record["model"],
    )


def targets_tuple(records: Sequence[Mapping[str, Any]]) -> tuple[TargetStance, ...]:
    return tuple(target_from_record(r) for r in records)


def agreement_to_record(agreement: ReplyAgreement | None) -> dict[str, Any] | None:
    return None if agreement is None else agreement_record(agreement)


def agreement_from_record(record: Mapping[str, Any] | None) -> ReplyAgreement | None:
    if record is None:
        return None
    return ReplyAgreement(
        parent_id=record["parent_id"],
        label=AgreementLabel(record["label"]),
        confidence=float(record["confidence"]),
        scores=dict(record["scores"]),
        evidence=evidence_tuple(record["evidence"]),
        model=record["model"],
    )


def signal_to_record(signal: Signal) -> dict[str, Any]:
    return signal_record(signal)


def signal_from_record(record: Mapping[str, Any]) -> Signal:
    return Signal(
        detector=record["detector"],
        detector_version=record["detector_version"],
        score=float(record["score"]),
        summary=record["summary"],
        comment_ids=tuple(record["comment_ids"]),
        evidence=evidence_tuple(record["evidence"]),
    )


def skipped_to_record(skipped: SkippedSignal) -> dict[str, Any]:
    return {"name": skipped.name, "reason": skipped.reason, "article_id": skipped.article_id}


def skipped_from_record(record: Mapping[str, Any]) -> SkippedSignal:
    return SkippedSignal(record["name"], record["reason"], record.get("article_id"))


def components_to_records(components: Sequence[ComponentInfo]) -> list[dict[str, Any]]:
    return [
        {"kind": c.kind, "name": c.name, "version": c.version, "checksum": c.checksum}
        for c in components
    ]


def components_from_records(records: Sequence[Mapping[str, Any]]) -> tuple[ComponentInfo, ...]:
    return tuple(
        ComponentInfo(r["kind"], r["name"], r["version"], r.get("checksum")) for r in records
    )


def model_versions(components: Sequence[ComponentInfo]) -> dict[str, str]:
    """``{"stance": "name@version", "detector:burst": "burst@1", ...}`` for audit records."""
    versions: dict[str, str] = {}
    for component in components:
        key = component.kind if component.kind == "stance" else f"{component.kind}:{component.name}"
        versions[key] = f"{component.name}@{component.version}"
    return versions
