"""Per-article summary: stance shares with 95% Wilson intervals, stance over time, and the
organic vs coordinated split, computed from one stored run."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from analyzer.model import StanceLabel
from analyzer.storage.errors import NotFoundError
from analyzer.storage.results import resolve_run
from analyzer.storage.tables import (
    ClusterArticleRow,
    CommentRow,
    CoordinationResultRow,
    StanceResultRow,
)

Z_95 = 1.959963984540054


class Bucket(StrEnum):
    AUTO = "auto"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


BUCKET_SECONDS = {Bucket.HOUR: 3600, Bucket.DAY: 86400, Bucket.WEEK: 7 * 86400}


@dataclass(frozen=True, slots=True)
class StanceShare:
    label: StanceLabel
    count: int
    share: float
    ci_low: float  # 95% Wilson score interval
    ci_high: float


@dataclass(frozen=True, slots=True)
class TimeBucket:
    started_at: datetime
    ended_at: datetime
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Split:
    comment_count: int
    stance_counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    article_id: str
    run_id: str
    comment_count: int
    questioning_count: int
    stance: tuple[StanceShare, ...]
    bucket: Bucket
    over_time: tuple[TimeBucket, ...]
    undated_count: int
    organic: Split
    coordinated: Split
    cluster_count: int


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when there are no trials."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    center = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


def stance_shares(labels: Sequence[str]) -> tuple[StanceShare, ...]:
    counts = Counter(labels)
    total = len(labels)
    shares = []
    for label in StanceLabel:
        count = counts.get(str(label), 0)
        low, high = wilson_interval(count, total)
        shares.append(StanceShare(label, count, count / total if total else 0.0, low, high))
    return tuple(shares)


def choose_bucket(times: Sequence[datetime], requested: Bucket) -> Bucket:
    if requested is not Bucket.AUTO:
        return requested
    if len(times) < 2:
        return Bucket.HOUR
    span = (max(times) - min(times)).total_seconds()
    if span <= 2 * 86400:
        return Bucket.HOUR
    if span <= 60 * 86400:
        return Bucket.DAY
    return Bucket.WEEK


def _floor(moment: datetime, seconds: int) -> datetime:
    epoch = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday, so weeks start on Mondays
    steps = math.floor((moment - epoch).total_seconds() / seconds)
    return epoch + timedelta(seconds=steps * seconds)


def over_time(timed: Sequence[tuple[datetime, str]], bucket: Bucket) -> tuple[TimeBucket, ...]:
    """Stance counts per time bucket, with empty buckets filled in between first and last."""
    if not timed or bucket is Bucket.AUTO:
        return ()
    seconds = BUCKET_SECONDS[bucket]
    counts: dict[datetime, Counter[str]] = {}
    for moment, label in timed:
        counts.setdefault(_floor(moment, seconds), Counter())[label] += 1
    start, end = min(counts), max(counts)
    buckets = []
    current = start
    while current <= end:
        found = counts.get(current, Counter())
        buckets.append(
            TimeBucket(
                started_at=current,
                ended_at=current + timedelta(seconds=seconds),
                counts={str(label): found.get(str(label), 0) for label in StanceLabel},
            )
        )
        current += timedelta(seconds=seconds)
    return tuple(buckets)


MAX_BUCKETS = 2000


def summarize_article(
    session: Session, article_id: str, *, run_id: str | None = None, bucket: Bucket = Bucket.AUTO
) -> ArticleSummary:
    _, resolved = resolve_run(session, article_id, run_id)
    if resolved is None:
        raise NotFoundError(
            "analysis of article",
            article_id,
            hint="the article has no analysis run yet; ingest comments or start a reanalyze job",
        )
    rows = session.execute(
        select(
            StanceResultRow.label,
            StanceResultRow.questioning,
            CoordinationResultRow.flagged,
            CommentRow.created_at,
        )
        .join(CommentRow, CommentRow.comment_id == StanceResultRow.comment_id)
        .join(
            CoordinationResultRow,
            and_(
                CoordinationResultRow.comment_id == StanceResultRow.comment_id,
                CoordinationResultRow.run_id == StanceResultRow.run_id,
            ),
        )
        .where(StanceResultRow.run_id == resolved, StanceResultRow.article_id == article_id)
    ).all()
    labels = [r.label for r in rows]
    timed = [(r.created_at, r.label) for r in rows if r.created_at is not None]
    chosen = choose_bucket([t for t, _ in timed], bucket)
    if timed and chosen is not Bucket.AUTO:
        span = (max(t for t, _ in timed) - min(t for t, _ in timed)).total_seconds()
        if span / BUCKET_SECONDS[chosen] > MAX_BUCKETS:
            chosen = Bucket.WEEK if chosen is not Bucket.WEEK else chosen
    clusters = session.scalar(
        select(func.count())
        .select_from(ClusterArticleRow)
        .where(ClusterArticleRow.run_id == resolved, ClusterArticleRow.article_id == article_id)
    )

    def split(flagged: bool) -> Split:
        chosen_labels = [r.label for r in rows if bool(r.flagged) is flagged]
        counts = Counter(chosen_labels)
        return Split(len(chosen_labels), {str(s): counts.get(str(s), 0) for s in StanceLabel})

    return ArticleSummary(
        article_id=article_id,
        run_id=resolved,
        comment_count=len(rows),
        questioning_count=sum(1 for r in rows if r.questioning),
        stance=stance_shares(labels),
        bucket=chosen,
        over_time=over_time(timed, chosen),
        undated_count=len(rows) - len(timed),
        organic=split(False),
        coordinated=split(True),
        cluster_count=int(clusters or 0),
    )
