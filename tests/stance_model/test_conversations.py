"""ARC debate grouping and the leave-debate-out split."""

from __future__ import annotations

from analyzer.stance.conversations import arc_debate_groups, is_held_out_debate


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
