"""Offsets, temperature, decisions and ECE on synthetic logits."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.errors import DataError
from analyzer.stance.calibration import (
    COMMENT,
    DENY,
    LONG_COMMENT_MIN_GAIN,
    QUERY,
    SUPPORT,
    UNRELATED,
    calibration_report,
    claim_polarity,
    fit_long_comment_calibration,
    fit_offsets,
    fit_offsets_for,
    fit_temperature,
    macro_f1,
    product_calibration,
    product_scores,
    questioning_scores,
    related_macro_f1,
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


def test_offsets_for_another_objective_move_only_the_tuned_classes() -> None:
    rng = np.random.default_rng(1)
    gold = [0] * 40 + [1] * 40 + [2] * 40  # agree, disagree, discuss
    logits = rng.normal(size=(len(gold), 5))
    for i, g in enumerate(gold):
        logits[i, (SUPPORT, DENY, COMMENT)[g]] += 1.5
    logits[:, COMMENT] -= 3.0  # the model starves "neutral"
    before = related_macro_f1(softmax(logits), gold)
    offsets = fit_offsets_for(
        logits, lambda p: related_macro_f1(p, gold), tuned=(SUPPORT, DENY, COMMENT)
    )
    assert related_macro_f1(softmax(logits + offsets), gold) > before + 0.1
    assert offsets[COMMENT] > 1.0
    assert offsets[QUERY] == 0.0
    assert offsets[UNRELATED] == 0.0


def test_related_score_counts_a_predicted_unrelated_as_wrong() -> None:
    gold = [0, 1, 2]
    right = np.eye(5)[[SUPPORT, DENY, COMMENT]] * 5
    assert related_macro_f1(softmax(right), gold) == 1.0
    query_for_discuss = np.eye(5)[[SUPPORT, DENY, QUERY]] * 5  # query is neutral too
    assert related_macro_f1(softmax(query_for_discuss), gold) == 1.0
    unrelated = np.eye(5)[[SUPPORT, DENY, UNRELATED]] * 5
    assert related_macro_f1(softmax(unrelated), gold) == pytest.approx(2 / 3)


def test_product_calibration_scores_the_top_product_label() -> None:
    proba5 = np.array(
        [
            [0.7, 0.1, 0.1, 0.1, 0.0],  # support, 0.7
            [0.1, 0.1, 0.3, 0.5, 0.0],  # neutral (query + comment), 0.8
        ]
    )
    assert product_calibration(proba5, [0, 2]).ece == pytest.approx(0.25)  # right, 0.7 and 0.8
    assert product_calibration(proba5, [1, 2]).ece == pytest.approx(0.45)  # 0.7 wrong, 0.8 right


def long_comment_pairs(
    neutral_bias: float, seed: int = 2
) -> tuple[np.ndarray, list[int], list[int], list[str]]:
    """ARC-like related pairs from 8 debates whose ``comment`` logit is off by ``neutral_bias``."""
    rng = np.random.default_rng(seed)
    related = [0] * 80 + [1] * 80 + [2] * 80  # agree, disagree, discuss
    gold5 = [(SUPPORT, DENY, COMMENT)[g] for g in related]
    logits = rng.normal(size=(len(related), 5))
    logits[np.arange(len(related)), gold5] += 1.5
    logits[:, COMMENT] += neutral_bias
    debates = [f"debate-{i % 8}" for i in range(len(related))]
    return logits, related, gold5, debates


def test_long_comment_fit_shifts_only_comment_and_is_used_when_it_helps() -> None:
    logits, related, gold5, debates = long_comment_pairs(neutral_bias=-3.0)
    default = [0.3, -0.2, 0.5, 0.0, 0.0]
    # Fitted on short replies: neutral starved and overconfident on long comments.
    fitted = fit_long_comment_calibration(
        logits, related, gold5, debates, default_offsets=default, default_temperature=0.4
    )
    changed = [c for c in range(5) if fitted.offsets[c] != pytest.approx(default[c])]
    assert changed == [COMMENT] and fitted.offsets[COMMENT] > 1.0
    assert fitted.folds == 4
    assert fitted.gain >= LONG_COMMENT_MIN_GAIN and fitted.ece < fitted.default_ece
    assert fitted.applied and fitted.summary().endswith(": used")


def test_long_comment_fit_is_not_used_when_the_default_already_fits() -> None:
    logits, related, gold5, debates = long_comment_pairs(neutral_bias=0.0)
    temperature = fit_temperature(logits, gold5)
    fitted = fit_long_comment_calibration(
        logits, related, gold5, debates, default_offsets=[0.0] * 5, default_temperature=temperature
    )
    assert fitted.gain < LONG_COMMENT_MIN_GAIN
    assert not fitted.applied
    assert "not used" in fitted.summary()


def test_long_comment_fit_needs_two_debates() -> None:
    logits, related, gold5, _ = long_comment_pairs(neutral_bias=-3.0)
    with pytest.raises(DataError, match="at least 2 debates"):
        fit_long_comment_calibration(
            logits,
            related,
            gold5,
            ["one"] * len(related),
            default_offsets=[0.0] * 5,
            default_temperature=1.0,
        )


def test_claim_polarity_tells_a_claim_reader_from_a_tone_reader() -> None:
    gold = [0, 0, 1, 1, 2]  # agree, agree, disagree, disagree, discuss
    as_given = np.eye(5)[[SUPPORT, SUPPORT, DENY, DENY, COMMENT]] * 5
    reader = claim_polarity(
        softmax(as_given), softmax(np.eye(5)[[DENY, DENY, SUPPORT, SUPPORT, COMMENT]] * 5), gold
    )
    assert reader.related_macro_f1 == reader.negated_related_macro_f1 == 1.0
    assert (reader.polar, reader.swapped) == (4, 4)
    tone = claim_polarity(softmax(as_given), softmax(as_given), gold)  # ignores the claim
    assert tone.swapped == 0 and tone.negated_related_macro_f1 < 0.5
    assert "0 of 4 support/oppose decisions swapped" in tone.summary()
