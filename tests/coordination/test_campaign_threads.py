"""One test thread per campaign type is flagged by the right signal; organic look-alikes are not.

Every scenario is mixed into the same ordinary background discussion and run through every
detector but the embedding one, plus cluster assembly, exactly as the pipeline does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analyzer.config import CoordinationParams, SemanticParams
from analyzer.coordination.semantic import SemanticDetector
from analyzer.model import EvidenceKind, StanceLabel
from tests.builders import make_comment
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


def test_sibling_campaign_is_found_by_timing_not_text() -> None:
    scenario = threads.sibling()
    outcome = threads.run_detectors([*threads.background(), *scenario.comments])
    threshold = CoordinationParams().flag_threshold
    text_detectors = {"near_duplicate", "template"}
    assert not any(s.detector in text_detectors for s in outcome.signals)
    [signal] = [s for s in outcome.signals if s.detector == "co_burst"]
    assert signal.score >= threshold
    assert "4 accounts commented together in short bursts under 3 articles" in signal.summary
    windows = [e for e in signal.evidence if e.kind is EvidenceKind.TIME_WINDOW]
    assert [e.article_ids for e in windows] == [(a,) for a in threads.SIBLING_ARTICLES]
    assert all(e.similarity == 1.0 for e in windows)  # nobody else commented in those bursts


def test_a_one_off_account_in_the_burst_joins_through_shared_rare_terms() -> None:
    scenario = threads.sibling_with_a_one_off_account()
    outcome = threads.run_detectors([*threads.background(), *scenario.comments])
    assert outcome.flagged() == scenario.planted
    [cluster] = outcome.clusters
    assert "persona_oneoff" in cluster.authors
    [signal] = [s for s in outcome.signals if s.detector == "co_burst"]
    [shared] = [e for e in signal.evidence if e.kind is EvidenceKind.SHARED_TEXT]
    assert shared.shared_text == "#tunnelscam, kickbacks"
    assert "sib-oneoff" in shared.comment_ids and "persona_oneoff" in shared.authors


@pytest.mark.parametrize(
    "text",
    [
        "Kickbacks, I tell you.",  # one rare term is not enough
        "The mayor said the light rail line would open in 2027 #TunnelScam",  # article words
        "Honestly this is really something else, people.",  # common words only
    ],
    ids=["one_term", "article_words", "common_words"],
)
def test_a_bystander_without_two_distinctive_shared_terms_stays_out(text: str) -> None:
    scenario = threads.sibling()
    bystander = make_comment(
        "bystander",
        text,
        author="passerby",
        article_id=threads.SIBLING_ARTICLES[1],
        minutes=threads.SIBLING_STARTS[1] + 1.0,
    )
    outcome = threads.run_detectors([*threads.background(), *scenario.comments, bystander])
    assert outcome.flagged() == scenario.planted
