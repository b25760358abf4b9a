"""burst 1.1: one-sided stance influx on top of the rate test."""

from __future__ import annotations

from analyzer.config import BurstParams
from analyzer.coordination.burst import BurstDetector, stance_influx
from analyzer.model import EvidenceKind, StanceLabel
from tests.builders import detection_input, make_comment, make_stance
from tests.coordination import threads


def run(scenario: threads.Scenario) -> list:  # type: ignore[type-arg]
    stance = {cid: make_stance(cid, label) for cid, label in scenario.stance.items()}
    return BurstDetector(BurstParams()).detect(detection_input(scenario.comments, stance=stance))


def test_one_sided_burst_names_only_that_side_and_flags() -> None:
    scenario = threads.burst()
    [signal] = run(scenario)
    assert set(signal.comment_ids) == scenario.planted
    assert signal.score >= 0.5
    assert "oppose went from 36% of the article's other comments to 100% of the burst" in (
        signal.summary
    )
    influx = signal.evidence[1]
    assert influx.kind is EvidenceKind.COMMENT_GROUP and influx.similarity == 1.0


def test_diverse_burst_keeps_the_rate_score() -> None:
    [signal] = run(threads.diverse_burst())
    assert signal.score < 0.5 and len(signal.evidence) == 1


def test_influx_needs_a_shift_against_the_rest_of_the_thread() -> None:
    burst = [make_comment(f"b{i}", author=f"u{i}", minutes=i) for i in range(6)]
    rest = [make_comment(f"r{i}", author=f"v{i}", minutes=100 + i) for i in range(10)]
    opposed = {c.comment_id: make_stance(c.comment_id, StanceLabel.OPPOSE) for c in burst + rest}
    assert stance_influx(burst, rest, opposed, BurstParams()) is None  # oppose was already 100%
    fresh = stance_influx(burst, [], opposed, BurstParams())
    assert fresh is not None and fresh.share_outside == 0.5  # no other comments: 50/50 prior
