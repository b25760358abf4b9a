"""The shipped demo through the default pipeline: flags must match the planted campaigns exactly."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from analyzer.cli import DEMO_DIR, DEMO_LABELS
from analyzer.config import load_settings
from analyzer.ingest import read_corpus
from analyzer.model import AnalysisResult, CommentAnalysis
from analyzer.pipeline import Pipeline


@pytest.fixture(scope="module")
def demo_result() -> AnalysisResult:
    corpus = read_corpus([DEMO_DIR])
    assert corpus.issues == ()
    return Pipeline.from_settings(load_settings()).run(corpus)


@pytest.fixture(scope="module")
def planted() -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = defaultdict(set)
    with DEMO_LABELS.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            kinds[row["coordination"]].add(row["comment_id"])
    return kinds


def _analyses(result: AnalysisResult) -> list[CommentAnalysis]:
    return [a for report in result.reports for a in report.comments]


def test_every_labelled_comment_is_analyzed(
    demo_result: AnalysisResult, planted: dict[str, set[str]]
) -> None:
    analyzed = {a.comment.comment_id for a in _analyses(demo_result)}
    assert analyzed == set().union(*planted.values())
    assert len(demo_result.reports) == 6


def test_flags_are_exactly_the_planted_copy_paste_campaign(
    demo_result: AnalysisResult, planted: dict[str, set[str]]
) -> None:
    flagged = {a.comment.comment_id for a in _analyses(demo_result) if a.coordination.flagged}
    assert flagged == planted["copy_paste"]


def test_copy_paste_campaign_is_one_cluster_with_evidence(
    demo_result: AnalysisResult, planted: dict[str, set[str]]
) -> None:
    (cluster,) = demo_result.clusters
    assert set(cluster.comment_ids) == planted["copy_paste"]
    assert len(cluster.authors) == 5 and len(cluster.article_ids) == 2
    assert "near_duplicate" in cluster.detectors
    near_duplicate = [s for s in cluster.signals if s.detector == "near_duplicate"]
    assert near_duplicate and all(s.evidence and s.summary for s in near_duplicate)


def test_burst_signal_lands_exactly_on_the_planted_burst(
    demo_result: AnalysisResult, planted: dict[str, set[str]]
) -> None:
    in_burst = {
        a.comment.comment_id
        for a in _analyses(demo_result)
        if any(s.detector == "burst" for s in a.coordination.signals)
    }
    assert in_burst == planted["burst"]


def test_seed_style_article_reports_timing_signals_as_skipped(demo_result: AnalysisResult) -> None:
    (text_report,) = [r for r in demo_result.reports if r.article.article_id.startswith("norvania")]
    skipped = {s.name: s.reason for s in text_report.skipped_signals}
    assert "timestamps" in skipped["burst"]
