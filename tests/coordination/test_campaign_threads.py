"""One test thread per campaign type is flagged by the right signal; organic look-alikes are not.

Every scenario is mixed into the same ordinary background discussion and run through every
detector but the embedding one, plus cluster assembly, exactly as the pipeline does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analyzer.config import CoordinationParams, SemanticParams
from analyzer.coordination.semantic import SemanticDetector
from analyzer.model import StanceLabel
from tests.coordination import threads


def _needs_encoder() -> None:
    reason = SemanticDetector(SemanticParams()).unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize(
    ("build", "detector"), list(threads.CAMPAIGNS.values()), ids=list(threads.CAMPAIGNS)
)
def test_campaign_is_flagged_by_its_signal(
    build: Callable[[], threads.Scenario], detector: str
) -> None:
    scenario = build()
    outcome = threads.run_detectors([*threads.background(), *scenario.comments], scenario.stance)
    flagged = outcome.flagged()
    assert scenario.planted <= flagged, f"missed: {sorted(scenario.planted - flagged)}"
    assert flagged == scenario.planted, f"flagged organic: {sorted(flagged - scenario.planted)}"
    threshold = CoordinationParams().flag_threshold
    for cid in scenario.planted:
        detectors = {s.detector for s in outcome.results[cid].signals if s.score >= threshold}
        assert detector in detectors, f"{cid} flagged by {detectors}, not {detector}"
    # One campaign, one cluster, with a summary a reviewer can act on.
    [cluster] = outcome.clusters
    assert set(cluster.comment_ids) == scenario.planted
    assert detector in cluster.detectors
    assert "Strongest evidence:" in cluster.summary and cluster.score >= threshold


@pytest.mark.parametrize("build", list(threads.LOOKALIKES.values()), ids=list(threads.LOOKALIKES))
def test_organic_lookalike_is_not_flagged(build: Callable[[], threads.Scenario]) -> None:
    scenario = build()
    outcome = threads.run_detectors([*threads.background(), *scenario.comments], scenario.stance)
    assert outcome.flagged() == set()
    assert outcome.clusters == ()


def test_the_background_alone_has_no_signal_at_all() -> None:
    outcome = threads.run_detectors(threads.background())
    assert outcome.signals == ()


def test_the_diverse_burst_is_reported_as_supporting_evidence_only() -> None:
    scenario = threads.diverse_burst()
    outcome = threads.run_detectors([*threads.background(), *scenario.comments], scenario.stance)
    [burst] = [s for s in outcome.signals if s.detector == "burst"]
    assert 0 < burst.score < CoordinationParams().flag_threshold
    assert "went from" not in burst.summary  # no one-sided influx


def test_all_campaigns_at_once_give_one_cluster_each() -> None:
    comments = list(threads.background())
    stance: dict[str, StanceLabel] = {}
    planted = []
    for build, _ in threads.CAMPAIGNS.values():
        scenario = build()
        comments.extend(scenario.comments)
        stance.update(scenario.stance)
        planted.append(scenario.planted)
    outcome = threads.run_detectors(comments, stance)
    assert {frozenset(c.comment_ids) for c in outcome.clusters} == set(planted)
    assert len(outcome.clusters) == len(planted)


@pytest.mark.slow
def test_paraphrase_campaign_is_flagged_by_semantic() -> None:
    _needs_encoder()
    scenario = threads.paraphrase()
    names = (*CoordinationParams().detectors, "semantic")
    outcome = threads.run_detectors([*threads.background(), *scenario.comments], detectors=names)
    assert outcome.flagged() == scenario.planted
    [cluster] = outcome.clusters
    assert cluster.detectors == ("semantic",)


@pytest.mark.slow
@pytest.mark.parametrize("build", list(threads.LOOKALIKES.values()), ids=list(threads.LOOKALIKES))
def test_organic_lookalike_is_not_flagged_with_semantic(
    build: Callable[[], threads.Scenario],
) -> None:
    _needs_encoder()
    scenario = build()
    names = (*CoordinationParams().detectors, "semantic")
    outcome = threads.run_detectors(
        [*threads.background(), *scenario.comments], scenario.stance, detectors=names
    )
    assert outcome.flagged() == set()
