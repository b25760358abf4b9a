"""Training and evaluation on ../shared data (slow: minutes on 2 cores)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import ConfigError
from analyzer.stance.calibration import LONG_COMMENT_MIN_GAIN
from analyzer.stance.conversations import (
    CLASSES,
    arc_calibration_rows,
    arc_examples,
    arc_leave_debate_out,
    arc_training_examples,
    load_arc_pairs,
    load_rumoureval_posts,
)
from analyzer.stance.encoder import minilm_dir
from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR, MiniLMStanceModel
from analyzer.stance.relevance import DEFAULT_RELEVANCE_DIR, RelevanceCurve
from analyzer.stance.training_minilm import (
    SHIPPED_CONFIG,
    build_net,
    calibrate_model_dir,
    event_folds,
    load_fold_pool,
    teacher_logits,
    train_run,
    write_model_dir,
)
from analyzer.stance.training_minilm import main as training_minilm_main

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_leave_debate_out_never_overlaps_training(shared_dir: Path) -> None:
    data = shared_dir / "data" / "stance"
    held = arc_leave_debate_out(data)
    train = arc_training_examples(data, unrelated_per_related=0.5, seed=1)
    assert len(held) > 500
    assert not set(held.group_ids) & set(train.group_ids)  # no comment in both
    assert not set(held.contexts) & set(train.contexts)  # no claim in both


def test_rumoureval_replies_exclude_sources_and_empty_posts(shared_dir: Path) -> None:
    posts = load_rumoureval_posts(shared_dir / "data" / "stance", "dev")
    assert len(posts.all_post_ids) == 1485
    assert all(c.strip() for c in posts.examples.comments)
    assert CLASSES.index("unrelated") not in posts.examples.targets


def test_tiny_training_run_exports_a_loadable_calibrated_model(
    shared_dir: Path, tmp_path: Path
) -> None:
    data = shared_dir / "data" / "stance"
    config = replace(SHIPPED_CONFIG, epochs=1, max_length=32, use_arc=False)
    train = load_rumoureval_posts(data, "train").examples.subset(range(64))
    dev = load_rumoureval_posts(data, "dev").examples.subset(range(32))
    seen: list[tuple[str, int, int]] = []
    run = train_run(
        config,
        train,
        dev,
        device="cpu",
        encoder_dir=minilm_dir(),
        log=lambda _: None,
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert run.best_epoch == 1 and run.dev_logits.shape == (32, len(CLASSES))
    # 64 replies plus one more copy of each support/deny reply, in batches of 32
    batches = -(-run.examples_per_epoch // 32)
    assert run.examples_per_epoch > 64
    assert seen == [("epoch 1/1", k, batches) for k in range(1, batches + 1)]
    net = build_net(config, minilm_dir())
    net.load_state_dict(run.state)
    manifest = write_model_dir(
        net, config, data, tmp_path, encoder_dir=minilm_dir(), log=lambda _: None
    )
    assert manifest["temperature"] > 0
    model = MiniLMStanceModel(tmp_path)
    proba = model.proba(list(dev.segment_a()), list(dev.comments), dev.features())
    assert proba.shape == (32, 5)
    assert json.loads((tmp_path / "manifest.json").read_text())["dev"]["ece"] >= 0.0


def test_distilled_student_trains_on_the_shipped_teachers_logits_and_records_them(
    shared_dir: Path, tmp_path: Path
) -> None:
    data = shared_dir / "data" / "stance"
    config = replace(
        SHIPPED_CONFIG, epochs=1, max_length=32, use_arc=False, num_layers=2, distill_weight=0.5
    )
    train = load_rumoureval_posts(data, "train").examples.subset(range(32))
    dev = load_rumoureval_posts(data, "dev").examples.subset(range(8))
    teacher = teacher_logits(DEFAULT_MODEL_DIR, train)
    shipped = MiniLMStanceModel(DEFAULT_MODEL_DIR)
    assert teacher.version == shipped.manifest.version and teacher.sha256 == shipped.checksum
    expected = shipped.raw_logits(train.segment_a(), list(train.comments), train.features())
    np.testing.assert_allclose(teacher.for_examples(train), expected, atol=1e-5)
    with pytest.raises(ConfigError, match="needs teacher logits of shape"):
        train_run(config, train, dev, device="cpu", encoder_dir=minilm_dir(), teacher=None)
    run = train_run(
        config, train, dev, device="cpu", encoder_dir=minilm_dir(),
        teacher=teacher.for_examples(train), log=lambda _: None,
    )  # fmt: skip
    net = build_net(config, minilm_dir())
    net.load_state_dict(run.state)
    info = teacher.info()
    write_model_dir(
        net, config, data, tmp_path, encoder_dir=minilm_dir(), teacher=info, log=lambda _: None
    )
    training = json.loads((tmp_path / "manifest.json").read_text())["training"]
    assert training["teacher"] == info
    assert training["config"]["distill_weight"] == 0.5 and training["config"]["num_layers"] == 2
    assert MiniLMStanceModel(tmp_path).manifest.classes == shipped.manifest.classes


def test_frozen_embeddings_stay_pretrained_while_the_rest_learns(shared_dir: Path) -> None:
    data = shared_dir / "data" / "stance"
    config = replace(SHIPPED_CONFIG, epochs=1, max_length=32, use_arc=False, freeze_embeddings=True)
    train = load_rumoureval_posts(data, "train").examples.subset(range(32))
    dev = load_rumoureval_posts(data, "dev").examples.subset(range(8))
    run = train_run(config, train, dev, device="cpu", encoder_dir=minilm_dir(), log=lambda _: None)
    pretrained = build_net(config, minilm_dir()).state_dict()
    word = "encoder.embeddings.word_embeddings.weight"
    query = "encoder.encoder.layer.0.attention.self.query.weight"
    assert run.state[word].equal(pretrained[word])
    assert not run.state[query].equal(pretrained[query])


def test_evaluate_cli_writes_json_and_png(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app,
        [
            "evaluate", "stance", "--dataset", "rumoureval2019", "--split", "dev",
            "--model", "minilm_stance", "--data-dir", str(shared_dir / "data" / "stance"),
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "0.6187" in result.output
    payload = json.loads((out / "rumoureval2019-dev-minilm_stance.json").read_text())
    replies = payload["metrics"][0]
    assert replies["n"] == 1447 and replies["macro_f1"] > 0.45
    assert (out / "rumoureval2019-dev-minilm_stance.png").stat().st_size > 0


def test_fit_gate_writes_a_fast_profile_that_loads(shared_dir: Path, tmp_path: Path) -> None:
    from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR  # noqa: PLC0415
    from analyzer.stance.training_minilm import fit_gate  # noqa: PLC0415

    for item in DEFAULT_MODEL_DIR.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    before = json.loads((tmp_path / "manifest.json").read_text())
    manifest = fit_gate(shared_dir / "data" / "stance", tmp_path, max_length=64, log=lambda _: None)
    fast = manifest["fast"]
    assert fast["max_length"] == 64 and 0.0 < fast["gate"]["polar_below"] <= 0.2
    assert 0.0 < fast["dev"]["gate_decided_share"] < 1.0
    # The default profile is untouched.
    for key in ("max_length", "offsets", "temperature"):
        assert manifest[key] == before[key]
    assert MiniLMStanceModel(tmp_path, fast=True).gate is not None


def test_fold_pool_holds_train_and_dev_replies_with_whole_events(shared_dir: Path) -> None:
    data = shared_dir / "data" / "stance"
    pool = load_fold_pool(data)
    train, dev = (load_rumoureval_posts(data, split) for split in ("train", "dev"))
    assert len(pool) == len(train.examples) + len(dev.examples)  # test never pooled
    assert set(pool.platforms) == {"twitter", "reddit"}
    twitter_units = {u for u, p in zip(pool.units, pool.platforms, strict=True) if p == "twitter"}
    assert "twitter:charliehebdo" in twitter_units and len(twitter_units) == 9
    rows = zip(pool.units, pool.examples.group_ids, pool.platforms, strict=True)
    reddit = [(unit, group) for unit, group, platform in rows if platform == "reddit"]
    assert reddit and all(u == f"reddit:{g.removeprefix('re:')}" for u, g in reddit)
    folds = event_folds(pool.units, 3)
    owners = [{pool.units[i] for i in fold} for fold in folds]
    assert not owners[0] & owners[1] and not owners[1] & owners[2] and not owners[0] & owners[2]
    sizes = [len(fold) for fold in folds]
    assert max(sizes) - min(sizes) <= 0.02 * len(pool)


def test_event_fold_experiment_scores_each_fold_and_keeps_no_states(
    shared_dir: Path, tmp_path: Path
) -> None:
    grid = json.dumps([{"max_length": 16, "epochs": 1, "use_arc": False}])
    args = [
        "experiment", "--data-dir", str(shared_dir / "data" / "stance"), "--out", str(tmp_path),
        "--grid", grid, "--event-folds", "2", "--limit", "16", "--threads", "1",
    ]  # fmt: skip
    assert training_minilm_main(args) == 0
    (run,) = json.loads((tmp_path / "results0.json").read_text())
    assert run["event_folds"] == 2 and len(run["folds"]) == 2
    assert [f["held_out_replies"] for f in run["folds"]] == [16, 16]
    assert run["dev_macro_f1"] == pytest.approx(sum(f["macro_f1"] for f in run["folds"]) / 2)
    assert not list(tmp_path.glob("run*.pt"))
    oof = np.load(tmp_path / "run0.oof_logits.npy")
    assert oof.shape[1] == len(CLASSES) and int((~np.isnan(oof[:, 0])).sum()) == 32
    assert json.loads((tmp_path / "folds.json").read_text())["k"] == 2


def test_calibration_debates_never_overlap_training_or_the_held_out_ones(shared_dir: Path) -> None:
    data = shared_dir / "data" / "stance"
    pairs = load_arc_pairs(data, ("train",))
    rows = arc_calibration_rows(pairs, load_arc_pairs(data, ("train", "test")))
    assert len(rows) > 500
    train = arc_training_examples(data, unrelated_per_related=0.5, seed=1, exclude_calibration=True)
    held = arc_leave_debate_out(data)
    calibration = arc_examples(pairs, rows)
    for other in (train, held):
        assert not set(calibration.group_ids) & set(other.group_ids)  # no comment in both
        assert not set(calibration.contexts) & set(other.contexts)  # no claim in both


def test_a_recipe_without_the_calibration_debates_fits_and_judges_a_long_comment_calibration(
    shared_dir: Path, tmp_path: Path
) -> None:
    data = shared_dir / "data" / "stance"
    config = replace(
        SHIPPED_CONFIG, epochs=1, max_length=32, use_arc=False, arc_calibration_holdout=True
    )
    train = load_rumoureval_posts(data, "train").examples.subset(range(32))
    dev = load_rumoureval_posts(data, "dev").examples.subset(range(8))
    run = train_run(config, train, dev, device="cpu", encoder_dir=minilm_dir(), log=lambda _: None)
    net = build_net(config, minilm_dir())
    net.load_state_dict(run.state)
    manifest = write_model_dir(
        net, config, data, tmp_path, encoder_dir=minilm_dir(), log=lambda _: None
    )
    # A one-epoch toy may or may not earn its long-comment calibration; either way the
    # manifest says which, and the model follows it.
    used = "long_comments" in manifest
    long = manifest["long_comments" if used else "long_comments_rejected"]
    assert ("long_comments_rejected" in manifest) is not used
    assert long["min_chars"] == 281 and long["temperature"] > 0
    moved = [c for c in range(5) if long["offsets"][c] != manifest["offsets"][c]]
    assert moved in ([], [3])  # only comment shifts from the dev offsets
    checked = long["cross_validated"]
    for key in ("related_macro_f1", "default_calibration_related_macro_f1"):
        assert 0.0 <= checked[key] <= 1.0
    gain = checked["related_macro_f1"] - checked["default_calibration_related_macro_f1"]
    assert used is (
        gain >= LONG_COMMENT_MIN_GAIN and checked["ece"] < checked["default_calibration_ece"]
    )
    assert "calibration debates" in long["fitted_on"]
    model = MiniLMStanceModel(tmp_path)
    if used:
        assert model.long_comments is not None
        assert model.long_comments.offsets == tuple(long["offsets"])
    else:
        assert model.long_comments is None
    polarity = manifest["claim_polarity"]
    assert polarity["pairs"] > 500 and 0 <= polarity["swapped"] <= polarity["polar"]
    assert "with the claims negated" in polarity["summary"]
    # Refitting the dev offsets drops what was built on the old ones.
    refitted = calibrate_model_dir(tmp_path, data, log=lambda _: None)
    assert not {"long_comments", "long_comments_rejected", "claim_polarity"} & set(refitted)


def test_gpu_grid_script_trains_selects_and_ships_the_calibration_grid(
    shared_dir: Path, tmp_path: Path
) -> None:
    """The path a lent GPU runs (scripts/stance_gpu_grid.sh, then ``ship``), shrunk to CPU
    size: device time is scarce, so a broken step must show up here, not there."""
    data = shared_dir / "data" / "stance"
    repo = Path(__file__).resolve().parents[2]
    tiny = {"epochs": 1, "max_length": 32, "num_layers": 1}
    grid = [
        {**entry, **tiny}
        for entry in json.loads((repo / "scripts" / "stance_grid_calibration.json").read_text())[:2]
    ]
    grid_file = tmp_path / "grid.json"
    grid_file.write_text(json.dumps(grid))
    env = {
        **os.environ,
        "SHARDS": "2",
        "PYTHON": sys.executable,
        "DATA_DIR": str(data),
    }
    out = tmp_path / "grid"
    done = subprocess.run(
        ["bash", "scripts/stance_gpu_grid.sh", str(grid_file), "600", str(out), "--limit", "120"],
        cwd=repo,
        env=env,
        check=False,  # a failure is asserted below, with the script's stderr
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in (out / "runs").glob("results*.json")) == [
        "results0.json",
        "results1.json",
    ]
    selected = json.loads((out / "selected" / "results.json").read_text())
    assert len(selected["runs"]) == 2 and len(selected["recipes"]) == 2  # with and without twins
    stem = "weights32"
    assert selected["chosen"]["32"]["files"] == sorted(
        p.name for p in (out / "selected").glob(f"{stem}.part*")
    )
    model_dir = tmp_path / "model"
    training_minilm_main(
        [
            "ship",
            "--weights",
            str(out / "selected"),
            "--stem",
            stem,
            "--data-dir",
            str(data),
            "--out",
            str(model_dir),
            "--note",
            "test",
        ]
    )
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["training"]["config"]["arc_calibration_holdout"] is True
    assert ("long_comments" in manifest) != ("long_comments_rejected" in manifest)
    assert manifest["claim_polarity"]["pairs"] > 500
    model = MiniLMStanceModel(model_dir)
    dev = load_rumoureval_posts(data, "dev").examples.subset(range(4))
    assert model.proba(list(dev.segment_a()), list(dev.comments), dev.features()).shape == (4, 5)


def test_train_relevance_reproduces_the_shipped_curve(shared_dir: Path, tmp_path: Path) -> None:
    data_dir = str(shared_dir / "data" / "stance")
    result = CliRunner().invoke(
        app, ["train", "relevance", "--data-dir", data_dir, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "relevance curve written" in result.output
    fitted, shipped = RelevanceCurve.read(tmp_path), RelevanceCurve.read(DEFAULT_RELEVANCE_DIR)
    assert fitted.fitted_on == shipped.fitted_on
    for units in (1, 10, 45):
        assert float(fitted.threshold(units)) == pytest.approx(
            float(shipped.threshold(units)), abs=0.005
        )
    assert fitted.fit_metrics["related_called_unrelated"] <= 0.05
    assert (tmp_path / "MODEL_CARD.md").is_file()
