"""Stance shares with Wilson intervals, stance over time, organic vs coordinated split."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analyzer.pipeline import Pipeline
from analyzer.storage import workflows
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from analyzer.storage.summary import Bucket, summarize_article, wilson_interval
from tests.service_support import campaign_corpus


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Reference values: Wilson score interval, z = 1.96 (e.g. statsmodels proportion_confint).
        pytest.param(4, 8, 0.2152, 0.7848, id="half"),
        pytest.param(0, 10, 0.0, 0.2775, id="none"),
        pytest.param(10, 10, 0.7225, 1.0, id="all"),
        pytest.param(1, 100, 0.0018, 0.0545, id="rare"),
        pytest.param(0, 0, 0.0, 1.0, id="no-data"),
    ],
)
def test_wilson_interval(successes: int, trials: int, low: float, high: float) -> None:
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=1e-4)


def test_article_summary(store: Store, pipeline: Pipeline) -> None:
    workflows.ingest(store, pipeline, campaign_corpus(), Actor("t", "moderator"))
    with store.reading() as session:
        summary = summarize_article(session, "a1")
        daily = summarize_article(session, "a1", bucket=Bucket.DAY)
    shares = {str(s.label): (s.count, s.share) for s in summary.stance}
    assert shares["oppose"] == (4, 0.5)
    assert shares["support"] == (2, 0.25)  # "safer", "agree"
    assert sum(count for count, _ in shares.values()) == 8
    assert summary.coordinated.comment_count == 4
    assert summary.coordinated.stance_counts["oppose"] == 4
    assert summary.organic.comment_count == 4
    assert summary.cluster_count == 1 and summary.questioning_count == 1
    assert summary.bucket is Bucket.HOUR and summary.undated_count == 0
    # 09:00 to 13:00 by the hour: 5 buckets, empty hours included
    assert [b.started_at.hour for b in summary.over_time] == [9, 10, 11, 12, 13]
    assert [sum(b.counts.values()) for b in summary.over_time] == [4, 1, 1, 1, 1]
    assert [b.started_at for b in daily.over_time] == [datetime(2024, 5, 1, tzinfo=UTC)]
