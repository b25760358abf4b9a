from __future__ import annotations

from typing import Any, ClassVar

import pytest

from analyzer.config import load_settings
from analyzer.coordination.base import DetectionInput
from analyzer.errors import UnknownComponentError
from analyzer.model import (
    ComponentInfo,
    Corpus,
    Evidence,
    EvidenceKind,
    Requirement,
    Signal,
)
from analyzer.pipeline import Pipeline
from tests.builders import NeutralStance, make_article, make_comment


class _PairDetector:
    """Links every two consecutive comments it is given; records what it saw."""

    name = "pairs"
    version = "1"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TIMESTAMPS})

    def __init__(self, params: Any = None) -> None:
        self.seen: list[str] = []

    def detect(self, data: DetectionInput) -> list[Signal]:
        self.seen.extend(c.comment_id for c in data.comments)
        ids = sorted(c.comment_id for c in data.comments)
        return [
            Signal(
                self.name,
                self.version,
                0.9,
                f"{a} and {b} look alike",
                (a, b),
                (Evidence(EvidenceKind.COMMENT_GROUP, "pair", comment_ids=(a, b)),),
            )
            for a, b in zip(ids[::2], ids[1::2], strict=False)
        ]


class _CrossArticleDetector(_PairDetector):
    name = "cross"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.MULTIPLE_ARTICLES})


def _pipeline(*detectors: Any) -> Pipeline:
    return Pipeline(load_settings(), NeutralStance(), detectors)  # type: ignore[arg-type]


def test_detector_runs_only_on_articles_that_have_what_it_requires() -> None:
    timed = [make_comment(f"t{i}", article_id="timed", minutes=i) for i in range(4)]
    untimed = [make_comment(f"u{i}", article_id="untimed") for i in range(3)]
    detector = _PairDetector()
    result = _pipeline(detector).run(Corpus((), (*timed, *untimed)))

    assert sorted(detector.seen) == ["t0", "t1", "t2", "t3"]
    reports = {r.article.article_id: r for r in result.reports}
    assert [s.name for s in reports["untimed"].skipped_signals] == ["pairs"]
    assert "no comment timestamps" in reports["untimed"].skipped_signals[0].reason
    assert reports["timed"].skipped_signals == ()
    assert result.skipped_signals == ()  # it ran somewhere, so not skipped for the run


def test_signal_skipped_everywhere_is_reported_for_the_run() -> None:
    comments = [make_comment(f"c{i}") for i in range(3)]
    result = _pipeline(_PairDetector()).run(Corpus((make_article(),), tuple(comments)))
    assert [(s.name, s.article_id) for s in result.skipped_signals] == [("pairs", None)]
    assert "(in any article)" in result.skipped_signals[0].reason


def test_single_article_skips_cross_article_detectors() -> None:
    comments = [make_comment(f"c{i}") for i in range(3)]
    result = _pipeline(_CrossArticleDetector()).run(Corpus((), tuple(comments)))
    assert result.skipped_signals[0].name == "cross"
    assert "only one article" in result.skipped_signals[0].reason
    assert result.reports[0].skipped_signals[0].article_id == "a1"


def test_reports_follow_input_order_and_include_articles_without_comments() -> None:
    articles = (make_article("first"), make_article("silent"), make_article("second"))
    comments = (
        make_comment("x", article_id="second", minutes=1),
        make_comment("y", article_id="first", minutes=2),
        make_comment("z", article_id="first", minutes=3),
    )
    result = _pipeline().run(Corpus(articles, comments))
    assert [r.article.article_id for r in result.reports] == ["first", "silent", "second"]
    assert [a.comment.comment_id for a in result.reports[0].comments] == ["y", "z"]
    assert result.reports[1].comments == ()


def test_signals_become_flags_and_clusters_per_comment() -> None:
    comments = tuple(make_comment(f"c{i}", minutes=i) for i in range(2))
    result = _pipeline(_PairDetector()).run(Corpus((), comments))
    report = result.reports[0]
    assert all(a.coordination.flagged for a in report.comments)
    assert len(result.clusters) == 1
    assert {a.coordination.cluster_id for a in report.comments} == {result.clusters[0].cluster_id}
    assert report.clusters == result.clusters


def test_run_info_records_components_and_settings() -> None:
    pipeline = _pipeline(_PairDetector())
    result = pipeline.run(Corpus((), (make_comment(),)))
    info = result.run_info
    assert info.settings_hash == pipeline.settings.digest()
    assert [(c.kind, c.name, c.version) for c in info.components] == [
        ("stance", "neutral", "0"),
        ("detector", "pairs", "1"),
    ]
    assert result.reports[0].run_info is info


def test_run_info_records_the_models_a_stance_classifier_loads_beside_its_own() -> None:
    class _WithEncoder(NeutralStance):
        def parts(self) -> tuple[ComponentInfo, ...]:
            return (ComponentInfo("stance_context", "encoder", "2", "ab" * 32),)

    pipeline = Pipeline(load_settings(), _WithEncoder(), (_PairDetector(),))  # type: ignore[arg-type]
    info = pipeline.run(Corpus((), (make_comment(),))).run_info
    assert [(c.kind, c.name, c.checksum) for c in info.components] == [
        ("stance", "neutral", None),
        ("stance_context", "encoder", "ab" * 32),
        ("detector", "pairs", None),
    ]


def test_empty_corpus_gives_empty_result() -> None:
    result = _pipeline(_PairDetector()).run(Corpus((), ()))
    assert result.reports == () and result.clusters == ()


def test_unknown_detector_in_settings_lists_the_known_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANALYZER_COORDINATION__DETECTORS", '["near_dupe"]')
    with pytest.raises(UnknownComponentError, match="near_dupe") as excinfo:
        Pipeline.from_settings(load_settings())
    assert "near_duplicate" in (excinfo.value.hint or "")


def test_default_pipeline_records_model_checksum() -> None:
    pipeline = Pipeline.from_settings(load_settings())
    stance = pipeline.components[0]
    assert stance.kind == "stance"
    assert stance.checksum is not None and len(stance.checksum) == 64
