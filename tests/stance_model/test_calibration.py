"""Offsets, temperature, decisions and ECE on synthetic logits."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.stance.calibration import (
    COMMENT,
    DENY,
    QUERY,
    SUPPORT,
    UNRELATED,
    calibration_report,
    fit_offsets,
    fit_temperature,
    macro_f1,
    product_scores,
    questioning_scores,
    sdqc_decisions,
    softmax,
)


def test_product_scores_sum_to_one_and_merge_query_with_comment() -> None:
    proba = softmax(np.array([[0.0, 0.0, 2.0, 2.0, 0.0], [3.0, 0.0, 0.0, 0.0, 0.0]]))
    scores = product_scores(proba)
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert scores[0].argmax() == 2  # neutral = query + comment
    assert questioning_scores(proba)[0] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("logits", "expected"),
    [
        ([5, 0, 0, 0, 0], SUPPORT),
        ([0, 5, 0, 0, 0], DENY),
        ([0, 0, 5, 0, 0], QUERY),
        ([0, 0, 0, 5, 0], COMMENT),
        ([0, 0, 0, 1, 5], COMMENT),  # unrelated (not asking) is scored as SDQC comment
    ],
)
def test_sdqc_decision(logits: list[float], expected: int) -> None:
    assert sdqc_decisions(softmax(np.array([logits], dtype=float))) == [expected]


def test_offsets_recover_an_under_predicted_class() -> None:
    rng = np.random.default_rng(0)
    gold = [SUPPORT] * 30 + [COMMENT] * 170 + [DENY] * 30 + [QUERY] * 30
    logits = rng.normal(size=(len(gold), 5))
    for i, g in enumerate(gold):
        logits[i, g] += 1.5
    logits[:, COMMENT] += 2.0  # the model over-predicts the majority class
    before = macro_f1(gold, sdqc_decisions(softmax(logits)), 4)
    offsets = fit_offsets(logits, gold)
    after = macro_f1(gold, sdqc_decisions(softmax(logits + offsets)), 4)
    assert after > before + 0.05
    assert offsets[UNRELATED] == 0.0


def test_temperature_fixes_overconfidence() -> None:
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 5, size=2000)
    logits = rng.normal(size=(2000, 5))
    logits[np.arange(2000), gold] += 1.0
    overconfident = logits * 6.0
    temperature = fit_temperature(overconfident, gold.tolist())
    assert temperature > 3.0

    def ece(values: np.ndarray) -> float:
        proba = softmax(values)
        return calibration_report(proba.max(1).tolist(), (proba.argmax(1) == gold).tolist()).ece

    assert ece(overconfident / temperature) < ece(overconfident) / 2


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    report = calibration_report([0.75] * 4, [True, True, True, False])
    assert report.ece == pytest.approx(0.0)
    assert sum(b.count for b in report.bins) == 4
