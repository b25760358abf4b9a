"""burst: planted bursts found with the right window; steady or untimed threads left alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.config import BurstParams
from analyzer.coordination.burst import BurstDetector, burst_score, poisson_log10_tail
from analyzer.model import Article, Comment, EvidenceKind, Signal
from tests.builders import at, detection_input, make_comment


def detect(comments: list[Comment], **params: object) -> list[Signal]:
    return BurstDetector(BurstParams.model_validate(params)).detect(detection_input(comments))


def slow_thread(hours: int = 48, every_minutes: float = 90) -> list[Comment]:
    count = int(hours * 60 / every_minutes)
    return [
        make_comment(f"slow{i:03d}", author=f"reader{i % 11}", minutes=i * every_minutes)
        for i in range(count)
    ]


def planted(start_minutes: float, count: int = 9, spacing_minutes: float = 0.5) -> list[Comment]:
    return [
        make_comment(
            f"burst{i}",
            author=f"brigade{i % 7}",
            minutes=start_minutes + i * spacing_minutes,
        )
        for i in range(count)
    ]


def test_a_burst_planted_in_a_slow_thread_is_found_with_its_window() -> None:
    burst = planted(start_minutes=20 * 60 + 7, count=9, spacing_minutes=0.5)
    [signal] = detect(slow_thread() + burst)
    assert signal.comment_ids == tuple(sorted(c.comment_id for c in burst))
    [window] = signal.evidence
    assert window.kind is EvidenceKind.TIME_WINDOW
    assert (window.started_at, window.ended_at) == (burst[0].created_at, burst[-1].created_at)
    assert window.article_ids == ("a1",)
    assert window.authors == tuple(sorted({c.author for c in burst if c.author}))
    assert window.weight is not None and window.weight > 10  # the rate ratio
    assert signal.summary.startswith("9 comments from 7 accounts in 4 minutes under article a1")
    assert "x the article's usual rate" in signal.summary
    assert 0.0 < signal.score < 1.0


def test_evenly_spaced_comments_have_no_burst() -> None:
    assert detect(slow_thread(hours=48, every_minutes=2)) == []


def test_comments_without_timestamps_are_ignored() -> None:
    untimed = [make_comment(f"c{i}", author=f"u{i}") for i in range(50)]
    assert detect(untimed) == []
    burst = planted(start_minutes=20 * 60 + 7)
    [signal] = detect(slow_thread() + burst + untimed)
    assert not any(cid.startswith("c") for cid in signal.comment_ids)


def test_the_launch_surge_is_not_a_burst_unless_asked() -> None:
    launch = planted(start_minutes=0, count=12, spacing_minutes=0.25)
    later = [make_comment(f"late{i}", minutes=60 + i * 120) for i in range(20)]
    assert detect(launch + later) == []
    [signal] = detect(launch + later, launch_seconds=0)
    assert set(signal.comment_ids) == {c.comment_id for c in launch}


def test_the_launch_period_counts_from_publication_when_known() -> None:
    later = [make_comment(f"late{i}", minutes=60 + i * 120) for i in range(20)]
    burst = planted(start_minutes=75, count=12, spacing_minutes=0.25)
    detector = BurstDetector(BurstParams())
    # First comment at minute 60: without a publication time the launch lasts until minute 90.
    assert detector.detect(detection_input(later + burst)) == []
    # Published at minute 40: the launch ended at minute 70, so the burst at 75 counts.
    article = Article(article_id="a1", title="Headline", published_at=at(40))
    assert len(detector.detect(detection_input(later + burst, [article]))) == 1


def test_too_few_comments_are_never_a_burst() -> None:
    burst = planted(start_minutes=20 * 60, count=4, spacing_minutes=0.1)
    assert detect(slow_thread() + burst) == []


def test_bursts_are_per_article() -> None:
    burst = [
        make_comment(f"b{i}", article_id=f"a{i % 3}", author=f"x{i}", minutes=20 * 60 + i * 0.3)
        for i in range(9)
    ]
    spread = [
        make_comment(f"s{a}{i}", article_id=f"a{a}", minutes=i * 90)
        for a in range(3)
        for i in range(30)
    ]
    assert detect(spread + burst) == []  # three comments per article is no burst


def test_two_separate_bursts_give_two_signals() -> None:
    first = planted(start_minutes=10 * 60, count=9)
    second = [
        make_comment(f"second{i}", author=f"y{i}", minutes=30 * 60 + i * 0.5) for i in range(9)
    ]
    signals = detect(slow_thread() + first + second)
    assert len(signals) == 2
    assert {s.comment_ids[0][:5] for s in signals} == {"burst", "secon"}


def test_poisson_tail_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    counts = np.array([1.0, 5.0, 9.0, 30.0, 120.0])
    expected = np.array([0.5, 1.0, 0.4, 3.0, 10.0])
    ours = poisson_log10_tail(counts, expected)
    reference = np.log10(stats.poisson.sf(counts - 1, expected))
    assert ours == pytest.approx(reference, rel=1e-9)


def test_score_rises_with_significance_and_stays_in_range() -> None:
    scores = [burst_score(p) for p in (0.0, -4.0, -10.0, -21.0, -40.0, -math.inf)]
    assert scores == sorted(scores)
    assert scores[0] == 0.0 and scores[-1] == 1.0
    assert burst_score(-21.0) == pytest.approx(0.5, abs=0.01)
