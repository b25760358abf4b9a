"""The GPU grid's pieces that run without a GPU: recipe selection, event folds, loss options,
weight files."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analyzer.errors import ConfigError, ModelError
from analyzer.stance.conversations import StanceExamples
from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR
from analyzer.stance.training_minilm import (
    SHIPPED_CONFIG,
    TeacherLabels,
    _distillation_loss,
    _fold_result,
    _loss_function,
    _recipe_key,
    _save_chunks,
    build_net,
    calibrate_long_comments,
    check_claim_polarity,
    class_weights,
    event_folds,
    example_keys,
    fold_unit,
    labelling_pool,
    load_chunks,
    main,
    refuse_leaking_teacher,
    sdqc_macro_f1,
    select_runs,
    teacher_without_calibration_debates,
    train_and_ship,
    training_examples,
    tuned_macro_f1,
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


def test_distillation_loss_is_zero_on_the_teacher_and_pulls_towards_it() -> None:
    distill = _distillation_loss(replace(SHIPPED_CONFIG, distill_temperature=2.0))
    teacher = torch.tensor([[3.0, 0.0, -1.0], [0.0, 0.5, 2.0]])
    assert distill(teacher.clone(), teacher).item() == pytest.approx(0.0, abs=1e-6)
    student = torch.zeros_like(teacher, requires_grad=True)
    loss = distill(student, teacher)
    loss.backward()
    assert loss.item() > 0
    # Gradient descent raises the logits the teacher ranks first.
    assert student.grad is not None
    assert (-student.grad).argmax(1).tolist() == teacher.argmax(1).tolist()


def test_distillation_loss_keeps_its_scale_across_temperatures() -> None:
    # The T^2 factor: small logit gaps give gradients of about the same size at any T.
    teacher = torch.tensor([[0.2, 0.0, -0.2]])
    grads = []
    for t in (1.0, 4.0):
        student = torch.zeros_like(teacher, requires_grad=True)
        _distillation_loss(replace(SHIPPED_CONFIG, distill_temperature=t))(
            student, teacher
        ).backward()
        assert student.grad is not None
        grads.append(student.grad.abs().sum().item())
    assert grads[1] == pytest.approx(grads[0], rel=0.05)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"distill_weight": 1.0}, "distill_weight must be in"),
        ({"distill_weight": -0.1}, "distill_weight must be in"),
        ({"distill_temperature": 0.0}, "distill_temperature must be > 0"),
        ({"arc_negation_twins": 1.5}, "arc_negation_twins must be in"),
    ],
)
def test_recipe_settings_are_validated(overrides: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        replace(SHIPPED_CONFIG, **overrides)


@pytest.mark.parametrize(
    ("distill_weight", "teacher_dir"), [(0.5, None), (0.0, Path("data/models/minilm_stance"))]
)
def test_train_and_ship_wants_a_teacher_exactly_when_distilling(
    tmp_path: Path, distill_weight: float, teacher_dir: Path | None
) -> None:
    config = replace(SHIPPED_CONFIG, distill_weight=distill_weight)
    with pytest.raises(ConfigError, match="teacher_dir"):
        train_and_ship(tmp_path, tmp_path / "out", config=config, teacher_dir=teacher_dir)
    assert not (tmp_path / "out").exists()


def _examples(comments: list[str], depths: list[int]) -> StanceExamples:
    n = len(comments)
    return StanceExamples(
        contexts=("the claim",) * n,
        comments=tuple(comments),
        parents=(None,) * n,
        depths=tuple(depths),
        targets=(3,) * n,
        sources=("rumoureval2019",) * n,
        group_ids=tuple(str(i) for i in range(n)),
    )


def test_teacher_labels_round_trip_and_follow_the_students_order(tmp_path: Path) -> None:
    labelled = _examples(["yes", "no way", "why?"], [1, 1, 2])
    logits = np.arange(15, dtype=np.float32).reshape(3, 5)
    labels = TeacherLabels(tuple(example_keys(labelled)), logits, "1.3.0", "ab" * 32)
    labels.save(tmp_path / "teacher")  # the name given, with or without a suffix
    assert [p.name for p in tmp_path.iterdir()] == ["teacher"]
    loaded = TeacherLabels.load(tmp_path / "teacher")
    assert loaded.info() == {"version": "1.3.0", "sha256": "ab" * 32}
    # A recipe's training set is a reordered subset, with repeats.
    student = _examples(["why?", "yes", "why?"], [2, 1, 2])
    np.testing.assert_array_equal(loaded.for_examples(student), logits[[2, 0, 2]])


def test_teacher_labels_name_the_first_unlabelled_pair() -> None:
    labelled = _examples(["yes"], [1])
    labels = TeacherLabels(tuple(example_keys(labelled)), np.zeros((1, 5), np.float32), "v", "s")
    # Same text at another depth is another pair: its features differ.
    with pytest.raises(ConfigError, match=r"1 of 2 training pairs .* example 1, comment 'yes'"):
        labels.for_examples(_examples(["yes", "yes"], [1, 2]))


def test_teacher_labels_reject_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="cannot read teacher labels"):
        TeacherLabels.load(tmp_path / "bad.npz")


@pytest.mark.parametrize(
    ("extra", "grid", "message"),
    [
        ([], [{"distill_weight": 0.5}], "no --teacher"),
        (["--event-folds", "3", "--teacher", "x"], [{}], "cannot be scored on event folds"),
        (["--event-folds", "3"], [{"distill_weight": 0.5}], "cannot be scored on event folds"),
    ],
)
def test_experiment_refuses_distillation_it_cannot_run_or_score(
    tmp_path: Path, extra: list[str], grid: list[dict[str, float]], message: str
) -> None:
    args = ["experiment", "--data-dir", str(tmp_path), "--out", str(tmp_path / "runs")]
    with pytest.raises(ConfigError, match=message):
        main([*args, "--grid", json.dumps(grid), *extra])
    assert not list((tmp_path / "runs").glob("*"))


def _labels_file(path: Path, *, without_calibration_debates: bool) -> Path:
    labelled = _examples(["yes"], [1])
    TeacherLabels(
        tuple(example_keys(labelled)),
        np.zeros((1, 5), np.float32),
        "9.9.9",
        "cd" * 32,
        without_calibration_debates=without_calibration_debates,
    ).save(path)
    return path


def test_teacher_labels_remember_whether_the_teacher_kept_the_calibration_debates_out(
    tmp_path: Path,
) -> None:
    kept_out = _labels_file(tmp_path / "a.npz", without_calibration_debates=True)
    assert TeacherLabels.load(kept_out).without_calibration_debates
    assert teacher_without_calibration_debates(kept_out)
    # Labels written before the flag existed came from teachers trained on every debate.
    with np.load(kept_out) as data:
        old = {k: data[k] for k in ("keys", "logits", "version", "sha256")}
    with (tmp_path / "old.npz").open("wb") as handle:
        np.savez_compressed(handle, **old)
    assert not TeacherLabels.load(tmp_path / "old.npz").without_calibration_debates
    assert not teacher_without_calibration_debates(DEFAULT_MODEL_DIR)  # 1.3.0 saw them


HOLDOUT_STUDENT = {"arc_calibration_holdout": True, "distill_weight": 0.5}


def test_a_student_keeping_the_calibration_debates_out_refuses_a_teacher_that_saw_them(
    tmp_path: Path,
) -> None:
    saw_them = _labels_file(tmp_path / "saw.npz", without_calibration_debates=False)
    student = replace(SHIPPED_CONFIG, **HOLDOUT_STUDENT)
    with pytest.raises(ConfigError, match="trained on ARC's calibration debates") as info:
        train_and_ship(tmp_path, tmp_path / "out", config=student, teacher_dir=saw_them)
    assert "arc_calibration_holdout" in (info.value.hint or "")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="1 recipe"):
        main(
            [
                "experiment",
                "--data-dir",
                str(tmp_path),
                "--out",
                str(tmp_path / "runs"),
                "--grid",
                json.dumps([{}, HOLDOUT_STUDENT]),
                "--teacher",
                str(DEFAULT_MODEL_DIR),
            ]
        )
    assert not list((tmp_path / "runs").glob("*"))
    # Without the holdout, or from a teacher that kept the debates out, nothing leaks.
    refuse_leaking_teacher(saw_them, [replace(SHIPPED_CONFIG, distill_weight=0.5)])
    kept_out = _labels_file(tmp_path / "kept.npz", without_calibration_debates=True)
    refuse_leaking_teacher(kept_out, [student])


def test_weight_chunks_round_trip_under_the_size_limit(tmp_path: Path) -> None:
    state = {"big": torch.arange(5_000_000, dtype=torch.float32), "n": torch.tensor([3])}
    teacher = {"version": "1.3.0", "sha256": "ab" * 32}  # `ship` records it in the manifest
    names = _save_chunks(
        {"config": {"seed": 1}, "teacher": teacher, "state": state}, tmp_path, "weights"
    )
    assert len(names) == 2  # 20 MB in files of at most 16 MB
    assert all((tmp_path / n).stat().st_size <= 16_000_000 for n in names)
    payload = load_chunks(tmp_path, "weights")
    assert payload["config"] == {"seed": 1} and payload["teacher"] == teacher
    assert torch.equal(payload["state"]["big"], state["big"])
    with pytest.raises(FileNotFoundError, match=r"no other\.part"):
        load_chunks(tmp_path, "other")


def test_shipped_graph_has_fused_quantized_attention() -> None:
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(str(DEFAULT_MODEL_DIR / "model.int8.onnx"), load_external_data=False).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("QAttention") == 6  # one per layer: the export let onnxruntime fuse it
    assert ops.count("SkipLayerNormalization") == 12


# -- event-held-out folds -------------------------------------------------------------------------


def _events(sizes: dict[str, int]) -> list[str]:
    """Interleaved example events, so a fold cannot be a run of neighbouring indices by luck."""
    pending = dict(sizes)
    events: list[str] = []
    while pending:
        for event in list(pending):
            events.append(event)
            pending[event] -= 1
            if not pending[event]:
                del pending[event]
    return events


def test_event_folds_put_the_largest_event_first_into_the_smallest_fold() -> None:
    events = _events({"a": 5, "b": 4, "c": 3, "d": 2, "e": 1})
    folds = event_folds(events, 2)
    # a -> fold 1 (5); b -> fold 2 (4); c -> fold 2 (7); d -> fold 1 (7); e -> fold 1 on the tie
    assert [sorted({events[i] for i in fold}) for fold in folds] == [["a", "d", "e"], ["b", "c"]]
    assert [len(fold) for fold in folds] == [8, 7]


@pytest.mark.parametrize("k", [2, 3, 5])
def test_event_folds_keep_events_whole_and_cover_every_example_once(k: int) -> None:
    sizes = {f"event-{n}": 1 + (n * 37) % 23 for n in range(17)}
    events = _events(sizes)
    folds = event_folds(events, k)
    assert len(folds) == k
    assert sorted(i for fold in folds for i in fold) == list(range(len(events)))
    assert all(fold == sorted(fold) for fold in folds)
    owners = [{events[i] for i in fold} for fold in folds]
    assert all(not a & b for n, a in enumerate(owners) for b in owners[n + 1 :])
    # Greedy largest-first: folds differ by at most the largest event.
    lengths = [len(fold) for fold in folds]
    assert max(lengths) - min(lengths) <= max(sizes.values())


def test_event_folds_do_not_depend_on_the_order_of_the_examples() -> None:
    events = _events({"x": 6, "y": 5, "z": 5, "w": 2, "v": 2})
    order = list(reversed(range(len(events))))
    shuffled = [events[i] for i in order]

    def grouped(evts: list[str], folds: list[list[int]]) -> list[set[str]]:
        return [{evts[i] for i in fold} for fold in folds]

    assert event_folds(events, 3) == event_folds(list(events), 3)
    assert grouped(events, event_folds(events, 3)) == grouped(shuffled, event_folds(shuffled, 3))


@pytest.mark.parametrize(
    ("k", "message"),
    [(1, "at least 2"), (4, "3 event")],
    ids=["one-fold", "more-folds-than-events"],
)
def test_event_folds_reject_impossible_k(k: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        event_folds(["a", "b", "c", "a"], k)


@pytest.mark.parametrize(
    ("platform", "event", "group", "unit"),
    [
        ("twitter", "ferguson", "re:1234", "twitter:ferguson"),
        ("reddit", "AskReddit", "re:7abc", "reddit:7abc"),
    ],
    ids=["twitter-holds-out-the-event", "reddit-holds-out-the-thread"],
)
def test_fold_unit(platform: str, event: str, group: str, unit: str) -> None:
    assert fold_unit(platform, event, group) == unit


def _fold(number: int, raw: float, tuned: float, history: list[float]) -> dict[str, Any]:
    return {
        "fold": number,
        "held_out_replies": 100,
        "train_examples": 900,
        "examples_per_epoch": 1000 + number,
        "best_epoch": int(np.argmax(history)) + 1,
        "macro_f1": raw,
        "macro_f1_tuned": tuned,
        "history": history,
        "seconds": 10.0,
    }


def test_fold_result_reports_the_mean_curve_that_select_ranks_by() -> None:
    steady = _fold_result(
        0,
        replace(SHIPPED_CONFIG, max_length=64, seed=1),
        [_fold(1, 0.50, 0.52, [0.45, 0.50, 0.48]), _fold(2, 0.46, 0.47, [0.46, 0.44, 0.45])],
    )
    assert steady["dev_macro_f1"] == pytest.approx(0.47)  # the mean curve's best epoch
    assert steady["dev_macro_f1_tuned"] == pytest.approx(0.495)
    assert steady["history"] == pytest.approx([0.455, 0.47, 0.465])
    assert steady["best_epoch"] == 2  # best mean curve, though fold 2 peaked at epoch 1
    assert steady["event_folds"] == 2 and steady["seconds"] == 20.0
    assert steady["examples_per_epoch"] == 1002  # mean of 1001 and 1002, rounded half to even
    lucky = _fold_result(
        1,
        replace(SHIPPED_CONFIG, max_length=64, oversample=3, seed=1),
        [_fold(1, 0.60, 0.61, [0.6]), _fold(2, 0.30, 0.31, [0.3])],
    )
    chosen = select_runs([steady, lucky])
    assert chosen[64]["index"] == 0
    assert chosen[64]["recipe_mean_dev"] == pytest.approx(0.47)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"max_length": 64, "epochs": 3},
            "comment-analyzer train stance --seed 2 --epochs 3 --max-length 64",
        ),
        (
            {"num_layers": 4},
            "comment-analyzer train stance --seed 2 --epochs 5 --max-length 128 --num-layers 4",
        ),
        ({"focal_gamma": 2.0}, 'experiment --grid \'[{"focal_gamma": 2.0, "seed": 2}]\''),
    ],
    ids=["cli-knobs-only", "num-layers", "other-knobs"],
)
def test_select_tells_how_to_retrain_a_recipe_chosen_on_folds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], overrides: dict[str, Any], expected: str
) -> None:
    config = replace(SHIPPED_CONFIG, seed=2, **overrides)
    run = _fold_result(3, config, [_fold(1, 0.5, 0.5, [0.5]), _fold(2, 0.4, 0.4, [0.4])])
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "results0.json").write_text(json.dumps([run]))
    assert main(["select", "--runs", str(runs), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "2 event-held-out folds: no weights were kept" in printed
    assert expected in printed
    assert not list((tmp_path / "out").glob("weights*"))
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written["chosen"][str(config.max_length)]["files"] == []


def test_sdqc_macro_f1_scores_a_predicted_unrelated_as_comment() -> None:
    gold = [0, 1, 2, 3]
    assert sdqc_macro_f1(gold, [0, 1, 2, 4]) == pytest.approx(1.0)
    assert sdqc_macro_f1(gold, [0, 1, 2, 2]) < 1.0


def test_tuned_macro_f1_fits_offsets_that_recover_a_biased_class() -> None:
    # Every support reply is scored just below comment: only an offset can recover them.
    gold = [0] * 10 + [1] * 10 + [2] * 10 + [3] * 30
    logits = np.full((60, 5), -4.0)
    for row, label in enumerate(gold):
        logits[row, label] = 2.0
    logits[:10, 0], logits[:10, 3] = 1.0, 1.5
    raw = sdqc_macro_f1(gold, logits.argmax(axis=1).tolist())
    assert raw < 0.8
    assert tuned_macro_f1(logits, gold) == pytest.approx(1.0)


def test_num_layers_keeps_the_lowest_encoder_layers() -> None:
    from analyzer.stance.encoder import minilm_dir  # noqa: PLC0415

    pytest.importorskip("transformers")
    try:
        encoder_dir = minilm_dir()
    except ModelError as exc:
        pytest.skip(str(exc))
    full = build_net(SHIPPED_CONFIG, encoder_dir)
    small = build_net(replace(SHIPPED_CONFIG, num_layers=2), encoder_dir)
    assert len(small.encoder.encoder.layer) == small.encoder.config.num_hidden_layers == 2
    for kept, original in zip(
        small.encoder.encoder.layer, full.encoder.encoder.layer, strict=False
    ):
        for a, b in zip(kept.parameters(), original.parameters(), strict=True):
            assert torch.equal(a, b)
    with pytest.raises(ValueError, match="num_layers must be 1-6"):
        build_net(replace(SHIPPED_CONFIG, num_layers=7), encoder_dir)


@pytest.mark.parametrize(
    "grid_file", sorted((Path(__file__).parents[2] / "scripts").glob("stance_grid_*.json"))
)
def test_shipped_grid_files_hold_valid_recipes(grid_file: Path) -> None:
    # A typo in a grid would only surface on the lent GPU, after its start-up minutes.
    grid = json.loads(grid_file.read_text(encoding="utf-8"))
    assert grid and all(isinstance(entry, dict) for entry in grid)
    configs = [replace(SHIPPED_CONFIG, **entry) for entry in grid]
    assert len({asdict(c)["seed"] for c in configs}) >= 2  # seed-major: several seeds
    assert len(configs) == len({json.dumps(asdict(c), sort_keys=True) for c in configs})


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"seed": 2, "arc_unrelated_per_related": 1.0},
        {"seed": 3, "arc_negation_twins": 0.5, "arc_calibration_holdout": True},
    ],
)
def test_the_labelling_pool_covers_every_recipes_training_pairs(
    shared_dir: Path, overrides: dict[str, Any]
) -> None:
    data = shared_dir / "data" / "stance"
    pool = set(example_keys(labelling_pool(data)))
    train = training_examples(data, replace(SHIPPED_CONFIG, **overrides))
    assert set(example_keys(train)) <= pool


@pytest.mark.parametrize("step", [calibrate_long_comments, check_claim_polarity])
def test_calibration_debate_steps_refuse_a_model_trained_on_those_debates(
    tmp_path: Path, step: Any
) -> None:
    for item in DEFAULT_MODEL_DIR.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    with pytest.raises(ConfigError, match="trained on ARC's calibration debates") as info:
        step(tmp_path, tmp_path / "no-data-needed")
    assert "arc_calibration_holdout" in (info.value.hint or "")


def test_class_weights_need_rumoureval_replies_unless_equal() -> None:
    arc_only = replace(_examples(["yes", "no"], [1, 1]), sources=("arc", "arc"))
    with pytest.raises(ConfigError, match="the training set has none") as info:
        class_weights(arc_only, power=0.5)
    assert "class_weight_power to 0" in (info.value.hint or "")
    np.testing.assert_array_equal(class_weights(arc_only, power=0.0), np.ones(5, np.float32))
