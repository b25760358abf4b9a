"""The lexical gate in front of the MiniLM model: its file format, its decision, its inputs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from analyzer.errors import ModelError
from analyzer.stance.baseline import DEFAULT_MODEL_DIR as BASELINE_DIR
from analyzer.stance.baseline import TfidfBaselineClassifier, read_model, resolve_model_path
from analyzer.stance.cascade import (
    GATE_CLASSES,
    GATE_INPUTS,
    BaselineOutputs,
    LexicalGate,
    baseline_outputs,
    gate_inputs,
)
from analyzer.stance.features import FEATURE_NAMES
from tests.builders import make_article, make_comment


def make_gate(**overrides: Any) -> LexicalGate:
    n = len(GATE_INPUTS)
    gate = LexicalGate(
        mean=np.zeros(n),
        scale=np.ones(n),
        coef=np.zeros((len(GATE_CLASSES), n)),
        intercept=np.zeros(len(GATE_CLASSES)),
        polar_below=0.15,
        unrelated_below=0.5,
        temperature=1.0,
        baseline_sha256="0" * 64,
    )
    return replace(gate, **overrides)


def outputs(proba: list[list[float]], questioning: list[float]) -> BaselineOutputs:
    return BaselineOutputs(proba=np.asarray(proba), questioning=np.asarray(questioning))


def test_json_round_trip_keeps_the_arithmetic() -> None:
    rng = np.random.default_rng(0)
    gate = make_gate(
        coef=rng.normal(size=(4, len(GATE_INPUTS))), intercept=rng.normal(size=4), temperature=0.8
    )
    again = LexicalGate.from_json(gate.to_json(), source="test")
    inputs = rng.normal(size=(5, len(GATE_INPUTS)))
    np.testing.assert_allclose(again.proba(inputs), gate.proba(inputs), atol=1e-5)
    assert again.polar_below == gate.polar_below
    assert again.max_comment_chars is None
    limited = make_gate(max_comment_chars=280)
    assert LexicalGate.from_json(limited.to_json(), source="test").max_comment_chars == 280


def test_a_gate_saved_before_the_length_limit_loads_without_one() -> None:
    raw = make_gate().to_json()
    del raw["max_comment_chars"]
    assert LexicalGate.from_json(raw, source="test").max_comment_chars is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inputs": ["depth"]}, "differ from this code"),
        ({"coef": [[0.0]]}, "invalid"),
        ({"temperature": 0.0}, "invalid"),
        ({"mean": None}, "malformed"),
        ({"max_comment_chars": 0}, "must be positive"),
        ({"max_comment_chars": "280"}, "integer or null"),
    ],
    ids=["inputs", "coef-shape", "temperature", "mean-missing", "limit-zero", "limit-text"],
)
def test_malformed_gate_is_refused(change: dict[str, Any], message: str) -> None:
    raw = {**make_gate().to_json(), **change}
    with pytest.raises(ModelError, match=message) as info:
        LexicalGate.from_json(raw, source="manifest.json")
    assert "manifest.json" in str(info.value)


def test_gate_decides_only_clear_non_polar_related_comments() -> None:
    gate = make_gate(temperature=0.5)  # the threshold ignores the temperature
    proba = np.array(
        [
            [0.05, 0.05, 0.1, 0.8],  # plain comment: decided
            [0.30, 0.05, 0.1, 0.55],  # support plausible: encoder
            [0.05, 0.05, 0.1, 0.8],  # baseline thinks unrelated: encoder
        ]
    )
    lexical = outputs(
        [[0.1, 0.1, 0.7, 0.1], [0.1, 0.1, 0.7, 0.1], [0.1, 0.1, 0.2, 0.6]], [0.1, 0.1, 0.1]
    )
    assert gate.decides(np.log(proba), lexical, [40, 40, 40]).tolist() == [True, False, False]


def test_gate_leaves_comments_over_its_length_limit_to_the_encoder() -> None:
    proba = np.log(np.array([[0.05, 0.05, 0.1, 0.8]] * 3))
    lexical = outputs([[0.1, 0.1, 0.7, 0.1]] * 3, [0.1] * 3)
    chars = [40, 280, 281]
    assert make_gate().decides(proba, lexical, chars).tolist() == [True, True, True]
    limited = make_gate(max_comment_chars=280)
    assert limited.decides(proba, lexical, chars).tolist() == [True, True, False]


def test_gate_inputs_layout() -> None:
    lexical = outputs([[0.25, 0.25, 0.25, 0.25]], [0.5])
    row = gate_inputs(lexical, np.ones((1, len(FEATURE_NAMES))))[0]
    assert row.shape == (len(GATE_INPUTS),)
    np.testing.assert_allclose(row[:4], np.log(0.25))
    assert row[4] == pytest.approx(0.0)  # logit(0.5)
    np.testing.assert_allclose(row[5:], 1.0)


@pytest.mark.skipif(
    not (BASELINE_DIR / "model.skops").is_file(), reason="the shipped baseline is absent"
)
def test_baseline_outputs_match_the_baseline_classifier() -> None:
    model, checksum = read_model(resolve_model_path(None))
    article = make_article("a1", "Police confirm the bridge will close", "Work starts Monday.")
    comments = [
        make_comment("c1", "Is there any source for this?"),
        make_comment("c2", "This is fake, the bridge is not closing."),
        make_comment("c3", "No article for this one", article_id="missing"),
    ]
    articles = {"a1": article}
    mine = baseline_outputs(model, comments, articles)
    theirs = TfidfBaselineClassifier(model, checksum=checksum).predict(comments, articles)
    for row, result in enumerate(theirs):
        expected = [result.scores[k] for k in ("support", "oppose", "neutral", "unrelated")]
        np.testing.assert_allclose(mine.proba[row], expected, atol=1e-9)
        assert mine.questioning[row] == pytest.approx(result.questioning_score)
