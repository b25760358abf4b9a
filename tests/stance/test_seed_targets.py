"""The seed article's target stance, through the analyze path users run (issue 4's bar).

Mariposa, Muchacha and Africa favor Russia / the Union State / Lukashenka (whichever they name
or imply); Comandante is against them ("They ... their factories ... Hypocrisy!": the article's
main subject, Belarus); Bermudez is neutral analysis. Checked with both shipped stance models:
target stance must not depend on which one judges the article stance.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from analyzer.config import load_settings
from analyzer.ingest import read_corpus
from analyzer.model import CommentAnalysis, TargetStanceLabel
from analyzer.pipeline import analyze
from tests.conftest import SEED_PATH

pytestmark = pytest.mark.shared_data

SIDE = {"Russia", "Union State", "Lukashenka", "Belarus"}  # the article's allied side
EXPECTED = {
    "Mariposa": ("Union State", TargetStanceLabel.FAVOR),
    "Muchacha": ("Lukashenka", TargetStanceLabel.FAVOR),
    "Africa": ("Russia", TargetStanceLabel.FAVOR),
    "Comandante": ("Belarus", TargetStanceLabel.AGAINST),
}
MODELS = [
    "tfidf_baseline",
    pytest.param(
        "minilm_stance",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("onnxruntime") is None, reason="needs the stance extra"
        ),
    ),
]


@pytest.fixture(scope="module", params=MODELS)
def seed_comments(request: pytest.FixtureRequest) -> dict[str, CommentAnalysis]:
    if not Path(SEED_PATH).is_file():
        pytest.skip(f"seed article not found at {SEED_PATH}")
    settings = load_settings(stance={"model": request.param}, coordination={"detectors": ()})
    result = analyze(read_corpus([str(SEED_PATH)]), settings)
    return {str(a.comment.author): a for r in result.reports for a in r.comments}


def test_the_article_targets_are_extracted(seed_comments: dict[str, CommentAnalysis]) -> None:
    names = {t.target for t in seed_comments["Mariposa"].stance.targets}
    assert names >= SIDE
    assert all(t.source == "article" for t in seed_comments["Mariposa"].stance.targets)


@pytest.mark.parametrize("author", sorted(EXPECTED))
def test_seed_target_stance(seed_comments: dict[str, CommentAnalysis], author: str) -> None:
    target, label = EXPECTED[author]
    results = {t.target: t for t in seed_comments[author].stance.targets}
    assert results[target].label is label
    assert results[target].evidence, "a favor/against label carries its evidence"
    span = results[target].evidence[0].span
    assert span is not None
    assert seed_comments[author].comment.text[span.start : span.end] == span.text
    opposite = (
        TargetStanceLabel.AGAINST if label is TargetStanceLabel.FAVOR else TargetStanceLabel.FAVOR
    )
    # Never the other way round toward any target of the same side.
    assert not [t for t in SIDE if results[t].label is opposite]


def test_comandante_is_read_through_the_pronoun(seed_comments: dict[str, CommentAnalysis]) -> None:
    belarus = next(t for t in seed_comments["Comandante"].stance.targets if t.target == "Belarus")
    assert belarus.basis == "coreference"


def test_bermudez_is_neutral_analysis(seed_comments: dict[str, CommentAnalysis]) -> None:
    labels = {t.target: t.label for t in seed_comments["Bermudez"].stance.targets}
    assert set(labels.values()) == {TargetStanceLabel.NONE}
