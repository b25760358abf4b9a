"""Loaders and the label mapping onto support / oppose / neutral / unrelated + questioning."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analyzer.errors import DataError
from analyzer.model import StanceLabel
from analyzer.stance.datasets import (
    ARC_LABELS,
    RUMOUREVAL_LABELS,
    MappedLabel,
    load_arc,
    load_rumoureval,
    map_label,
    split_by_group,
    to_sdqc,
)
from tests.stance.synthetic import write_stance_data

SUP, OPP, NEU, UNR = (
    StanceLabel.SUPPORT,
    StanceLabel.OPPOSE,
    StanceLabel.NEUTRAL,
    StanceLabel.UNRELATED,
)


@pytest.mark.parametrize(
    ("dataset", "raw", "label", "questioning"),
    [
        ("rumoureval2019", "support", SUP, False),
        ("rumoureval2019", "deny", OPP, False),
        ("rumoureval2019", "query", NEU, True),
        ("rumoureval2019", "comment", NEU, False),
        ("rumoureval2019", " Query ", NEU, True),
        ("arc", "agree", SUP, False),
        ("arc", "disagree", OPP, False),
        ("arc", "discuss", NEU, False),
        ("arc", "unrelated", UNR, False),
        ("arc", "UNRELATED", UNR, False),
    ],
    ids=lambda v: str(v).strip() if isinstance(v, str) else None,
)
def test_label_mapping(dataset: str, raw: str, label: StanceLabel, questioning: bool) -> None:
    assert map_label(dataset, raw) == MappedLabel(label, questioning)


def test_every_source_label_is_mapped_and_only_rumoureval_query_questions() -> None:
    assert set(RUMOUREVAL_LABELS) == {"support", "deny", "query", "comment"}
    assert set(ARC_LABELS) == {"agree", "disagree", "discuss", "unrelated"}
    questioning = [raw for raw, m in {**RUMOUREVAL_LABELS, **ARC_LABELS}.items() if m.questioning]
    assert questioning == ["query"]


@pytest.mark.parametrize(
    ("dataset", "raw"), [("rumoureval2019", "agree"), ("arc", "deny"), ("arc", "")]
)
def test_unknown_label_names_the_place_and_the_valid_labels(dataset: str, raw: str) -> None:
    with pytest.raises(DataError) as caught:
        map_label(dataset, raw, where="x.csv, line 7")
    assert "x.csv, line 7" in str(caught.value)
    assert caught.value.hint is not None and "valid labels" in caught.value.hint


def test_unknown_dataset_is_rejected() -> None:
    with pytest.raises(DataError, match="unknown stance dataset 'ruw'"):
        map_label("ruw", "FAVOR")


@pytest.mark.parametrize(
    ("label", "questioning", "sdqc"),
    [
        (SUP, False, "support"),
        (SUP, True, "support"),
        (OPP, False, "deny"),
        (OPP, True, "deny"),
        (NEU, True, "query"),
        (NEU, False, "comment"),
        (UNR, True, "query"),
        (UNR, False, "comment"),
    ],
)
def test_to_sdqc(label: StanceLabel, questioning: bool, sdqc: str) -> None:
    assert to_sdqc(label, questioning) == sdqc


def test_rumoureval_loader_uses_the_source_post_as_context(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    train = load_rumoureval(data, "train")
    assert train.split == "train"
    assert len(train) == 4 * (1 + 16 + 1)  # source + 16 replies + 1 deleted, per thread
    first_reply = train.is_reply.index(True)
    assert train.contexts[first_reply] == train.comments[0]  # the thread's source post
    assert train.raw_labels[first_reply] == "support"
    replies = train.replies()
    assert all(replies.is_reply) and len(replies) == 4 * 17
    with_text = replies.with_text()
    assert "[deleted]" not in with_text.comments and len(with_text) == 4 * 16
    query = with_text.raw_labels.index("query")
    assert with_text.labels[query] is NEU and with_text.questioning[query]


def test_arc_loader_joins_bodies_and_drops_duplicate_train_rows(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    train, test = load_arc(data, "train"), load_arc(data, "test")
    assert len(train) == 5 * 12 * 2  # the planted duplicate row is gone
    assert len(test) == 12 * 2
    assert train.comments[0].endswith("That is my view on it.")
    assert set(train.labels) == {SUP, OPP, NEU, UNR}
    assert not any(train.questioning)


def test_arc_loader_reports_a_missing_body(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    with (data / "arc" / "arc_stances_test.csv").open("a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(("Some claim", "424242", "agree"))
    with pytest.raises(DataError, match="424242"):
        load_arc(data, "test")


def test_a_bad_label_names_file_and_line(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    path = data / "arc" / "arc_stances_test.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",maybe"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'maybe' at .*arc_stances_test.csv, line 4"):
        load_arc(data, "test")


def test_missing_file_says_where_the_data_should_be(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_rumoureval(tmp_path, "train")
    assert "rumoureval2019_subtaskA.csv" in str(caught.value)
    assert caught.value.hint is not None and "shared/data/stance" in caught.value.hint


def test_missing_column_is_named(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    path = data / "rumoureval2019" / "rumoureval2019_subtaskA.csv"
    path.write_text("split,text,label\ntrain,hello,comment\n", encoding="utf-8")
    with pytest.raises(DataError, match="lacks column"):
        load_rumoureval(data, "train")


def test_unknown_split_is_rejected(tmp_path: Path) -> None:
    data = write_stance_data(tmp_path)
    with pytest.raises(DataError, match="no rows with split 'validation'"):
        load_rumoureval(data, "validation")  # type: ignore[arg-type]


def test_split_by_group_keeps_groups_whole_and_is_deterministic(tmp_path: Path) -> None:
    pairs = load_arc(write_stance_data(tmp_path), "train")
    fit, held = split_by_group(pairs, held_out_fraction=0.25, seed=13)
    again_fit, again_held = split_by_group(pairs, held_out_fraction=0.25, seed=13)
    assert (fit, held) == (again_fit, again_held)
    assert not set(fit.group_ids) & set(held.group_ids)
    assert len(fit) + len(held) == len(pairs)
    assert len(set(held.group_ids)) == round(len(set(pairs.group_ids)) * 0.25)
    _, other_held = split_by_group(pairs, held_out_fraction=0.25, seed=14)
    assert set(other_held.group_ids) != set(held.group_ids)


@pytest.mark.shared_data
def test_real_data_row_counts_match_provenance(shared_dir: Path) -> None:
    data = shared_dir / "data" / "stance"
    counts = {split: len(load_rumoureval(data, split)) for split in ("train", "dev", "test")}
    assert counts == {"train": 5217, "dev": 1485, "test": 1827}
    assert len(load_rumoureval(data, "test").replies()) == 1746
    assert len(load_arc(data, "train")) == 14233 - 134
    assert len(load_arc(data, "test")) == 3559
