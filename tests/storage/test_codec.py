"""Evidence survives the JSON kept in the database, whatever its kind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyzer.model import Evidence, EvidenceKind, Span
from analyzer.storage.codec import evidence_records, evidence_tuple


@pytest.mark.parametrize("kind", list(EvidenceKind))
def test_every_evidence_kind_reads_back_equal(kind: EvidenceKind) -> None:
    evidence = Evidence(
        kind=kind,
        summary=f"a {kind} item",
        comment_ids=("c1", "c2"),
        authors=("a1",),
        article_ids=("art",),
        span=Span(0, 5, "hello"),
        shared_text="hello",
        similarity=0.5,
        weight=0.25,
        started_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        ended_at=datetime(2026, 1, 2, 3, 9, tzinfo=UTC),
    )
    assert evidence_tuple(evidence_records([evidence])) == (evidence,)
