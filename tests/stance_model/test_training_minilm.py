"""The GPU grid's pieces that run without a GPU: recipe selection, loss options, weight files."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR
from analyzer.stance.training_minilm import (
    SHIPPED_CONFIG,
    _loss_function,
    _recipe_key,
    _save_chunks,
    load_chunks,
    select_runs,
)

torch = pytest.importorskip("torch")


def _run(index: int, raw: float, tuned: float, **overrides: Any) -> dict[str, Any]:
    config = replace(SHIPPED_CONFIG, **overrides)
    return {
        "index": index,
        "config": asdict(config),
        "recipe": _recipe_key(config),
        "dev_macro_f1": raw,
        "dev_macro_f1_tuned": tuned,
    }


def test_select_picks_the_recipe_by_its_mean_not_its_luckiest_seed() -> None:
    runs = [
        # one lucky seed, weak on average
        _run(0, 0.53, 0.54, max_length=64, oversample=3, seed=1),
        _run(1, 0.44, 0.45, max_length=64, oversample=3, seed=2),
        _run(2, 0.43, 0.44, max_length=64, oversample=3, seed=3),
        # steady
        _run(3, 0.48, 0.49, max_length=64, seed=1),
        _run(4, 0.47, 0.51, max_length=64, seed=2),
        _run(5, 0.47, 0.48, max_length=64, seed=3),
        # another length is chosen separately
        _run(6, 0.40, 0.41, seed=1),
    ]
    chosen = select_runs(runs)
    assert set(chosen) == {64, 128}
    assert chosen[64]["index"] == 4  # steady recipe, its best seed after offsets
    assert chosen[64]["seeds"] == 3
    assert chosen[64]["recipe_mean_dev"] == pytest.approx((0.48 + 0.47 + 0.47) / 3)
    assert chosen[128]["index"] == 6


def test_recipe_key_ignores_only_the_seed() -> None:
    assert _recipe_key(replace(SHIPPED_CONFIG, seed=7)) == _recipe_key(SHIPPED_CONFIG)
    assert _recipe_key(replace(SHIPPED_CONFIG, focal_gamma=2.0)) != _recipe_key(SHIPPED_CONFIG)


def test_plain_loss_is_weighted_cross_entropy() -> None:
    weights = torch.tensor([2.0, 1.0, 0.5])
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.1, 0.2, 0.3], [0.0, 3.0, 0.0]])
    targets = torch.tensor([0, 2, 1])
    expected = torch.nn.functional.cross_entropy(logits, targets, weight=weights)
    assert _loss_function(SHIPPED_CONFIG, weights)(logits, targets).item() == pytest.approx(
        expected.item()
    )


def test_focal_loss_discounts_easy_examples_more_than_hard_ones() -> None:
    weights = torch.ones(3)
    focal = _loss_function(replace(SHIPPED_CONFIG, focal_gamma=2.0), weights)
    plain = _loss_function(SHIPPED_CONFIG, weights)
    targets = torch.tensor([0])
    easy = torch.tensor([[4.0, 0.0, 0.0]])  # p(true) ~ 0.96
    hard = torch.tensor([[0.0, 2.0, 0.0]])  # p(true) ~ 0.11
    easy_ratio = focal(easy, targets).item() / plain(easy, targets).item()
    hard_ratio = focal(hard, targets).item() / plain(hard, targets).item()
    p_easy = torch.softmax(easy, -1)[0, 0].item()
    assert easy_ratio == pytest.approx((1 - p_easy) ** 2)
    assert easy_ratio < 0.01
    assert 0.5 < hard_ratio < 1.0


def test_weight_chunks_round_trip_under_the_size_limit(tmp_path: Path) -> None:
    state = {"big": torch.arange(5_000_000, dtype=torch.float32), "n": torch.tensor([3])}
    names = _save_chunks({"config": {"seed": 1}, "state": state}, tmp_path, "weights")
    assert len(names) == 2  # 20 MB in files of at most 16 MB
    assert all((tmp_path / n).stat().st_size <= 16_000_000 for n in names)
    payload = load_chunks(tmp_path, "weights")
    assert payload["config"] == {"seed": 1}
    assert torch.equal(payload["state"]["big"], state["big"])
    with pytest.raises(FileNotFoundError, match=r"no other\.part"):
        load_chunks(tmp_path, "other")


def test_shipped_graph_has_fused_quantized_attention() -> None:
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(DEFAULT_MODEL_DIR / "model.int8.onnx"), load_external_data=False).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("QAttention") == 6  # one per layer: the export let onnxruntime fuse it
    assert ops.count("SkipLayerNormalization") == 12
