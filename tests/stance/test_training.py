"""Metrics, calibration helpers and the end-to-end training run that ships the model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from analyzer.config import StanceParams
from analyzer.model import StanceLabel
from analyzer.stance.baseline import TfidfBaselineClassifier
from analyzer.stance.training import (
    TrainingConfig,
    best_f1_threshold,
    classification_metrics,
    expected_calibration_error,
    fit_temperature,
    train_stance_baseline,
)
from tests.builders import make_article, make_comment
from tests.stance.synthetic import write_stance_data


def test_classification_metrics_by_hand() -> None:
    gold = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "c", "c"]
    m = classification_metrics("toy", gold, predicted, ["a", "b", "c"])
    by_label = {c.label: c for c in m.per_class}
    assert m.n == 6 and m.accuracy == pytest.approx(4 / 6)
    assert by_label["a"].precision == 1.0 and by_label["a"].recall == pytest.approx(2 / 3)
    assert by_label["b"].f1 == pytest.approx(0.5)
    assert by_label["c"].precision == 0.5 and by_label["c"].support == 1
    assert m.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert m.confusion == ((2, 1, 0), (0, 1, 1), (0, 0, 1))
    assert m.ece is None


def test_macro_average_can_leave_out_a_class_that_is_never_gold() -> None:
    gold = ["a", "b"]
    m = classification_metrics("toy", gold, ["a", "x"], ["a", "b", "x"], averaged=["a", "b"])
    assert m.macro_f1 == pytest.approx(0.5)
    assert m.confusion[1] == (0, 0, 1), "the wrong 'x' call still shows"


@pytest.mark.parametrize(
    ("confidence", "correct", "ece"),
    [
        ([0.9] * 10, [True] * 9 + [False], 0.0),
        ([1.0] * 4, [True, True, False, False], 0.5),
        ([0.25, 0.25, 0.95, 0.95], [False, True, True, True], 0.25 * 0.5 + 0.05 * 0.5),
        ([], [], 0.0),
    ],
    ids=["calibrated", "overconfident", "two-bins", "empty"],
)
def test_expected_calibration_error(
    confidence: list[float], correct: list[bool], ece: float
) -> None:
    value = expected_calibration_error(np.array(confidence), np.array(correct, dtype=bool))
    assert value == pytest.approx(ece)


def test_fit_temperature_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(20_000, 4))
    true_proba = np.exp(logits / 2.0)
    true_proba /= true_proba.sum(axis=1, keepdims=True)
    gold = np.array([rng.choice(4, p=p) for p in true_proba])
    assert fit_temperature(logits, gold) == pytest.approx(2.0, rel=0.08)


def test_best_f1_threshold_separates_clean_scores() -> None:
    scores = np.array([0.05, 0.1, 0.2, 0.3, 0.6, 0.7])
    gold = np.array([False, False, False, True, True, True])
    assert best_f1_threshold(scores, gold) == pytest.approx(0.3)


def test_training_run_writes_a_loadable_verified_model(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path / "data")
    config = TrainingConfig(min_df=1, c_grid=(1.0, 10.0))
    messages: list[str] = []
    report = train_stance_baseline(
        data, tmp_path / "out", seed=5, on_progress=messages.append, config=config
    )

    assert report.model_path == tmp_path / "out" / "model.skops"
    digest = hashlib.sha256(report.model_path.read_bytes()).hexdigest()
    assert report.checksum == digest
    assert report.checksum_path.read_text(encoding="utf-8") == f"{digest}  model.skops\n"
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    assert manifest["sha256"] == digest
    assert manifest["labels"] == ["support", "oppose", "neutral", "unrelated"]
    assert manifest["training_data"]["label_mapping"]["rumoureval2019"]["query"] == {
        "label": "neutral",
        "questioning": True,
    }
    assert set(manifest["test_metrics"]) >= {
        "RumourEval test replies (SDQC)",
        "RumourEval test all posts (SDQC)",
        "ARC test",
    }
    card = report.card_path.read_text(encoding="utf-8")
    for heading in ("## Training data and licences", "## Test results", "## Known failure"):
        assert heading in card
    assert digest in card and "CC BY 4.0" in card and "Apache-2.0" in card

    assert [row.setting for row in report.selection] == ["C=1", "C=10"]
    settings = [row.setting for row in report.feature_comparison]
    assert settings[0] == "comment words only" and settings[3] == "+ context words (shipped)"
    assert settings[4] == "shipped + length (left out)"
    assert set(report.dev_metrics) >= {"RumourEval dev replies (SDQC)", "ARC held-out"}
    confusion = report.test_metrics["ARC test"].confusion
    assert sum(map(sum, confusion)) == report.test_metrics["ARC test"].n
    assert all(speed > 0 for speed in report.comments_per_second.values())
    assert any("fitting C=1" in m for m in messages) and messages[-1].startswith("done")
    assert "sha256" in report.summary()

    classifier = TfidfBaselineClassifier.from_params(StanceParams(model_path=report.model_path))
    assert classifier.checksum == digest
    article = {"a1": make_article("a1", "The old factory will close next spring")}
    (result,) = classifier.predict(
        [make_comment("c1", "This factory claim is a lie and a hoax.")], article
    )
    assert result.label is StanceLabel.OPPOSE


def test_training_is_deterministic(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path / "data")
    config = TrainingConfig(min_df=1, c_grid=(3.0,), compare_features=False)
    first = train_stance_baseline(data, tmp_path / "one", config=config)
    second = train_stance_baseline(data, tmp_path / "two", config=config)
    assert first.checksum == second.checksum
    assert first.model_path.read_bytes() == second.model_path.read_bytes()


@pytest.mark.slow
@pytest.mark.shared_data
def test_full_training_on_the_shared_stance_data(shared_dir: Path, tmp_path: Path) -> None:
    report = train_stance_baseline(shared_dir / "data" / "stance", tmp_path / "model")
    replies = report.test_metrics["RumourEval test replies (SDQC)"]
    assert replies.n == 1746
    assert 0.30 < replies.macro_f1 < 0.70
    assert report.test_metrics["ARC test"].n == 3559
    assert report.dev_metrics["ARC held-out"].macro_f1 > 0.35
    assert report.model_path.stat().st_size < 5_000_000
    classifier = TfidfBaselineClassifier.from_params(StanceParams(model_path=report.model_path))
    assert classifier.checksum == report.checksum
