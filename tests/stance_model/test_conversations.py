"""ARC debate grouping, the leave-debate-out split and the calibration slice."""

from __future__ import annotations

import csv
import math
import string
from pathlib import Path

import pytest

from analyzer.stance.conversations import (
    ARC_RELATED,
    CLASSES,
    StanceExamples,
    arc_calibration_rows,
    arc_debate_groups,
    arc_training_examples,
    is_calibration_debate,
    is_held_out_debate,
    load_arc_pairs,
    negated_claim,
    negation_twins,
)


def test_opposing_claims_of_a_debate_share_a_group() -> None:
    groups = arc_debate_groups(
        [
            "College should be free",
            "College should not be free",
            "Zoos are cruel",
            "Zoos are not cruel",
        ]
    )
    assert groups["College should be free"] == groups["College should not be free"]
    assert groups["Zoos are cruel"] == groups["Zoos are not cruel"]
    assert groups["Zoos are cruel"] != groups["College should be free"]


def test_held_out_flag_is_deterministic() -> None:
    ids = [f"debate-{i}" for i in range(200)]
    first = [is_held_out_debate(d) for d in ids]
    assert first == [is_held_out_debate(d) for d in ids]
    assert 0.1 < sum(first) / len(ids) < 0.3


def test_calibration_debates_are_a_deterministic_slice_apart_from_the_held_out_ones() -> None:
    ids = [f"debate-{i}" for i in range(400)]
    calibration = [is_calibration_debate(d) for d in ids]
    assert calibration == [is_calibration_debate(d) for d in ids]
    assert not any(c and is_held_out_debate(d) for c, d in zip(calibration, ids, strict=True))
    kept = [c for c, d in zip(calibration, ids, strict=True) if not is_held_out_debate(d)]
    assert 0.15 < sum(kept) / len(kept) < 0.35


def write_arc(root: Path, n_claims: int = 40) -> Path:
    """ARC files with one debate per claim (claims share no words); every comment is judged
    under its own claim and appears once more, as unrelated, under the next claim; a few
    comments are also judged (related) under a third claim."""
    letters = string.ascii_lowercase
    # Debates are grouped by the first five letters of claim words: no two claims share one.
    words = [letters[k % 26] * 3 + letters[k // 26] * 2 for k in range(n_claims)]
    claims = list(words)
    bodies, train = [], []
    body = 0
    for k, claim in enumerate(claims):
        for stance in ("agree", "disagree", "discuss"):
            body += 1
            bodies.append((body, f"comment {body} about {words[k]}, {stance}"))
            train.append((claim, body, stance))
            train.append((claims[(k + 1) % n_claims], body, "unrelated"))
            if body % 7 == 0:
                train.append((claims[(k + 2) % n_claims], body, "discuss"))
    (root / "arc").mkdir(parents=True)
    for name, header, rows in (
        ("arc_bodies.csv", ("Body ID", "articleBody"), bodies),
        ("arc_stances_train.csv", ("Headline", "Body ID", "Stance"), train),
        ("arc_stances_test.csv", ("Headline", "Body ID", "Stance"), train[:3]),
    ):
        with (root / "arc" / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return root


def test_recipes_can_keep_the_calibration_debates_out_of_training(tmp_path: Path) -> None:
    data = write_arc(tmp_path)
    pairs = load_arc_pairs(data, ("train",))
    everything = load_arc_pairs(data, ("train", "test"))
    calibration_claims = {
        claim for claim, flag in zip(pairs.claims, pairs.calibration, strict=True) if flag
    }
    assert calibration_claims, "the fixture needs at least one calibration debate"
    rows = arc_calibration_rows(pairs, everything)
    assert rows
    assert all(pairs.calibration[i] and pairs.stances[i] in ARC_RELATED for i in rows)
    held_bodies = everything.related_bodies(everything.held_out)
    assert not {pairs.body_ids[i] for i in rows} & held_bodies
    calibration_bodies = {pairs.bodies[i] for i in rows}

    usual = arc_training_examples(data, unrelated_per_related=math.inf, seed=1)
    kept_out = arc_training_examples(
        data, unrelated_per_related=math.inf, seed=1, exclude_calibration=True
    )
    assert set(usual.contexts) & calibration_claims
    assert not set(kept_out.contexts) & calibration_claims
    # A calibration comment is not trained on under any claim, not even as unrelated.
    assert set(usual.comments) & calibration_bodies
    assert not set(kept_out.comments) & calibration_bodies
    assert len(kept_out.comments) < len(usual.comments)


NEGATIONS = [
    ("Vaccination should be mandatory", "Vaccination should not be mandatory"),
    ("Nuclear power is not the answer", "Nuclear power is the answer"),
    ("Big banks aren\u2019t out of control", "Big banks are out of control"),
    ("Teachers don't need experience", "Teachers do need experience"),
    ("No, the laws should not be toughened", "the laws should be toughened"),
    ("Abolish birthright citizenship now", "Do not abolish birthright citizenship now"),
    (
        "Home schoolers deserve a tax break",
        "It is not true that home schoolers deserve a tax break",
    ),
    ("US troops belong in Syria", "It is not true that US troops belong in Syria"),
    ("Ruining", None),
]


@pytest.mark.parametrize(("claim", "negated"), NEGATIONS)
def test_a_claim_is_negated_with_the_fewest_changes(claim: str, negated: str | None) -> None:
    assert negated_claim(claim) == negated


def test_negation_twins_swap_support_and_deny_and_keep_the_rest() -> None:
    support, deny, comment, unrelated = (
        CLASSES.index(c) for c in ("support", "deny", "comment", "unrelated")
    )
    claims = (
        "Cities should ban cars",
        "Cities should ban cars",
        "Taxes are too high",
        "Ruining",
        "Taxes are too high",
    )
    examples = StanceExamples(
        contexts=claims,
        comments=(
            "Yes, ban them.",
            "Cars are freedom.",
            "It depends.",
            "Ruining it.",
            "Nice shoes.",
        ),
        parents=(None,) * 5,
        depths=(1,) * 5,
        targets=(support, deny, comment, support, unrelated),
        sources=("arc",) * 5,
        group_ids=("g1", "g2", "g3", "g4", "g5"),
    )
    twins = negation_twins(examples, 1.0, seed=0)
    assert len(twins) == 4  # the one-word claim has no safe negation
    by_comment = dict(
        zip(twins.comments, zip(twins.contexts, twins.targets, strict=True), strict=True)
    )
    assert by_comment["Yes, ban them."] == ("Cities should not ban cars", deny)
    assert by_comment["Cars are freedom."] == ("Cities should not ban cars", support)
    assert by_comment["It depends."] == ("Taxes are not too high", comment)
    assert by_comment["Nice shoes."] == ("Taxes are not too high", unrelated)
    assert set(twins.group_ids) <= set(examples.group_ids)  # same comment, same group
    half = negation_twins(examples, 0.5, seed=0)
    assert 0 < len(half) < len(twins) and set(half.comments) <= set(twins.comments)
    assert half.comments == negation_twins(examples, 0.5, seed=0).comments  # seeded
    assert negation_twins(examples, 0.0, seed=0).comments == ()
