"""The relatedness curve: fitting, prior shift, rescoring, the file and its checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from analyzer.checksums import sha256_file
from analyzer.coordination.sentence_encoder import DEFAULT_SENTENCE_MODEL_DIR
from analyzer.errors import ModelError
from analyzer.stance.relevance import (
    CURVE_FILE,
    DEFAULT_RELEVANCE_DIR,
    RelevanceCurve,
    curve_checksum,
    fit_relevance_curve,
    with_relevance,
)


def synthetic_pairs(seed: int = 0, size: int = 4000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best-of-n cosines: unrelated comments score low on any one unit, but the best of many
    units scores higher by chance, as on real articles."""
    rng = np.random.default_rng(seed)
    units = rng.choice([1, 3, 10, 30], size=size)
    unrelated = rng.random(size) < 0.7
    similarities = np.array(
        [
            rng.normal(0.05, 0.08, n).max() if u else rng.normal(0.45, 0.12)
            for n, u in zip(units, unrelated, strict=True)
        ]
    )
    return similarities, units, unrelated


def fit(prior: float) -> RelevanceCurve:
    s, n, y = synthetic_pairs()
    return fit_relevance_curve(
        s, n, y, prior=prior, fitted_on="synthetic", sentence_model_sha256="x"
    )


def test_at_the_training_share_the_curve_is_the_plain_logistic_regression() -> None:
    s, n, y = synthetic_pairs()
    curve = fit(float(y.mean()))
    reference = LogisticRegression(C=1e6).fit(np.c_[s, np.log(n)], y)
    expected = reference.predict_proba(np.c_[s, np.log(n)])[:, 1]
    assert np.allclose(curve.probability(s, n), expected, atol=1e-6)


def test_a_lower_prior_moves_the_odds_by_exactly_the_prior_ratio() -> None:
    s, n, y = synthetic_pairs()
    high, low = fit(float(y.mean())), fit(0.1)
    p_high, p_low = high.probability(s, n), low.probability(s, n)
    odds_ratio = (p_low / (1 - p_low)) / (p_high / (1 - p_high))
    expected = (0.1 / 0.9) / (y.mean() / (1 - y.mean()))
    assert np.allclose(odds_ratio, expected)
    assert (low.threshold(10) < high.threshold(10)).all()


def test_threshold_is_where_off_topic_and_on_topic_are_equally_likely() -> None:
    curve = fit(0.16)
    for units in (1, 3, 10, 45):
        assert curve.probability(curve.threshold(units), units) == pytest.approx(0.5)


def test_longer_articles_need_a_higher_similarity() -> None:
    curve = fit(0.16)
    assert curve.units_slope > 0
    assert curve.threshold(1) < curve.threshold(10) < curve.threshold(45)


def test_fit_metrics_count_what_the_threshold_does_on_the_fitting_pairs() -> None:
    s, n, y = synthetic_pairs()
    curve = fit(0.16)
    below = s < curve.threshold(n)
    assert curve.fit_metrics["pairs_unrelated"] == y.sum()
    assert curve.fit_metrics["related_called_unrelated"] == pytest.approx(
        below[~y].mean(), abs=1e-6
    )
    assert curve.fit_metrics["unrelated_recall"] == pytest.approx(below[y].mean(), abs=1e-6)


def test_fit_needs_both_kinds_of_pairs() -> None:
    with pytest.raises(ValueError, match="related and unrelated"):
        fit_relevance_curve(
            [0.1, 0.2], [1, 1], [True, True], prior=0.2, fitted_on="", sentence_model_sha256=""
        )


def test_rescoring_gives_unrelated_its_probability_and_keeps_the_others_proportions() -> None:
    scores = np.array([[0.6, 0.2, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]])
    out = with_relevance(scores, 3, np.array([0.3, 0.0]))
    assert np.allclose(out.sum(axis=1), 1.0)
    assert out[0, 3] == 0.3 and out[1, 3] == 0.0
    assert np.allclose(out[0, :3] / out[0, :3].sum(), np.array([0.6, 0.2, 0.1]) / 0.9)
    assert np.allclose(out[1, :3] / out[1, :3].sum(), np.array([0.1, 0.1, 0.7]) / 0.9)
    assert out[0].argmax() == 0 and out[1].argmax() == 2
    # Below the threshold (g > 1/2) nothing else can win.
    assert with_relevance(scores, 3, np.array([0.51, 0.51])).argmax(axis=1).tolist() == [3, 3]


def test_rescoring_a_model_sure_of_unrelated_spreads_the_rest_evenly() -> None:
    out = with_relevance(np.array([[0.0, 0.0, 0.0, 1.0]]), 3, np.array([0.1]))
    assert np.allclose(out, [[0.3, 0.3, 0.3, 0.1]])


def test_the_curve_reads_back_equal(tmp_path: Path) -> None:
    curve = fit(0.16)
    curve.write(tmp_path)
    assert RelevanceCurve.read(tmp_path) == curve
    stored = json.loads((tmp_path / CURVE_FILE).read_text())
    assert stored["threshold_by_units"]["10"] == pytest.approx(float(curve.threshold(10)), abs=1e-6)


def test_a_missing_curve_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as info:
        RelevanceCurve.read(tmp_path)
    assert "train relevance" in str(info.value.hint)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "is not a version-1"),
        ({"slope": 3.0}, "slope must be negative"),
        ({"prior": 1.5}, "prior in"),
    ],
)
def test_a_bad_curve_file_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    fit(0.16).write(tmp_path)
    raw = json.loads((tmp_path / CURVE_FILE).read_text())
    (tmp_path / CURVE_FILE).write_text(json.dumps({**raw, **change}))
    with pytest.raises(ModelError, match=message):
        RelevanceCurve.read(tmp_path)


def test_a_curve_file_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    (tmp_path / CURVE_FILE).write_text("[1, 2]")
    with pytest.raises(ModelError, match=r"is not a version-1 .*found \[1, 2\]"):
        RelevanceCurve.read(tmp_path)


def test_a_curve_missing_a_field_names_it(tmp_path: Path) -> None:
    fit(0.16).write(tmp_path)
    raw = json.loads((tmp_path / CURVE_FILE).read_text())
    del raw["units_slope"]
    (tmp_path / CURVE_FILE).write_text(json.dumps(raw))
    with pytest.raises(ModelError, match="units_slope"):
        RelevanceCurve.read(tmp_path)


def test_another_sentence_encoder_is_refused() -> None:
    curve = fit(0.16)
    curve.check_encoder("x", where="here")
    with pytest.raises(ModelError, match="another scale"):
        curve.check_encoder("y" * 64, where="stance.relevance_check")


def test_the_shipped_curve_names_the_shipped_encoder_and_its_card_its_checksum() -> None:
    curve = RelevanceCurve.read(DEFAULT_RELEVANCE_DIR)
    assert curve.sentence_model_sha256 == sha256_file(
        DEFAULT_SENTENCE_MODEL_DIR / "model.int8.onnx"
    )
    assert curve.prior == pytest.approx(580 / 3599)
    assert curve.threshold(1) < curve.threshold(45)
    card = (DEFAULT_RELEVANCE_DIR / "MODEL_CARD.md").read_text()
    assert curve_checksum(DEFAULT_RELEVANCE_DIR) in card
    # The card's claim, read from the fit: at most 5% of related ARC pairs called unrelated.
    assert curve.fit_metrics["related_called_unrelated"] <= 0.05
    assert not math.isnan(curve.fit_metrics["auc"])
