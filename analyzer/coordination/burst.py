"""Comment-rate bursts under one article, measured against that article's own rate.

For every article with timestamps (comments without one are ignored here):

1. A window of ``window_seconds`` starts at each comment. Its count ``k`` is compared with a
   Poisson expectation ``lambda = rate x window_seconds``. ``rate`` is the article's own rate
   *around* the window: comments within ``context_seconds`` before and after it (clipped to
   the article's first and last comment, the window itself excluded) per second, over at least
   one window of time, and never below ``min_baseline_per_window`` comments per window, so a
   thread that is otherwise silent does not turn a handful of comments into a burst. A local
   rather than a whole-thread rate, because news threads slow down for hours after
   publication: against the whole-thread rate every busy first hour looks like a burst.
2. A window is significant when ``k >= min_comments`` and ``P(X >= k | lambda) <= max_p_value``.
   Overlapping significant windows merge into one region.
3. Each region is trimmed to its core: comments are dropped from either end while that makes
   the region more significant, where a region of extent ``d`` expects ``rate x max(d, 60 s)``.
   This keeps the quiet comments that happened to fall in the same window out of the burst.

**Launch period.** Windows that start within ``launch_seconds`` (default 30 minutes) of the
article going live (its ``published_at``, else its first comment) are not tested. Every thread
opens with a natural surge, and rate alone cannot tell it from a brigade: on the real
RumourEval threads (8,439 replies, 446 threads, all organic) 118 of 144 bursts found with no
launch period started in the first window; with 30 minutes, 21 bursts remain (3.6% of
replies). A brigade right after publication has to be caught by what the comments say (text,
stance influx), not by timing.

**Score.** ``score = 1 - exp(-z / 30)`` with ``z = -log10(p)``: 0.12 at the default p = 1e-4,
0.28 at 1e-10, 0.5 at about 1e-21 and 0.74 at 1e-40. The most significant organic burst on
those RumourEval threads had p = 1e-17.6 (score 0.44): a burst alone reaches the default flag
threshold of 0.5 only when it is stronger than anything seen in organic threads there. A burst
says nothing about who posted; it supports the signals that look at the comments themselves.

Evidence is one ``TIME_WINDOW`` whose ``weight`` is the **rate ratio** (comments per minute
inside the burst over the article's rate around it) and whose ``similarity`` is left empty.

**One-sided stance influx** (version 1.1). When the comments carry stance results, each burst
is also checked for an influx of one side: among the burst's comments labelled support or
oppose, the majority side's share ``s_in`` is compared with its share among the article's other
labelled comments, ``s_out = (n_side + 1) / (n_labelled + 2)`` (so an article with no other
labelled comments counts as 50/50). An influx needs ``influx_min_comments`` comments of that
side, ``s_in >= influx_min_share`` and ``s_in - s_out >= influx_min_shift``. Then the signal
names only that side's comments in the burst (the others are the thread going on as usual),
adds a ``COMMENT_GROUP`` evidence item ("oppose went from 30% to 75% in 20 minutes") and scores

``score = max(rate score, 0.5 + 0.45 x (s_in - s_out) x (1 - 0.5 ** k))`` with
``k = n_side - influx_min_comments + 1``

so a one-sided burst reaches the flag threshold on its own, and a burst whose comments are
diverse (the organic look-alike: many people reacting to news, on both sides) stays a
supporting signal at its rate score.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtrc

from analyzer.config import BurstParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import describe_duration, plural
from analyzer.model import (
    Comment,
    Evidence,
    EvidenceKind,
    Requirement,
    Signal,
    StanceLabel,
    StanceResult,
)

MIN_BURST_SECONDS = 60.0  # shortest extent a burst is assumed to cover (same-second posts)
SCORE_SCALE = 30.0  # z = -log10(p) at which the score reaches 1 - 1/e


def burst_score(log10_p: float) -> float:
    """Map the Poisson tail probability (as log10) to [0, 1], rising with significance."""
    if math.isnan(log10_p):
        return 0.0
    return 1.0 - math.exp(-max(0.0, -log10_p) / SCORE_SCALE)


def poisson_log10_tail(
    count: NDArray[np.float64], expected: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log10 P(X >= count) for X ~ Poisson(expected), elementwise; -inf when it underflows."""
    with np.errstate(divide="ignore"):
        tail: NDArray[np.float64] = np.log10(pdtrc(count - 1, expected))
    return tail


@dataclass(frozen=True, slots=True)
class Burst:
    """One burst in an article's time-sorted comments."""

    first: int  # index of its first comment
    last: int  # index of its last comment (inclusive)
    log10_p: float  # log10 of the Poisson tail probability
    rate_ratio: float  # comments per second inside over the article's rate around it


class _ArticleTimes:
    """One article's timestamps (seconds, sorted) and its baseline-rate arithmetic."""

    def __init__(self, times: NDArray[np.float64], params: BurstParams) -> None:
        self.times = times
        self.n = len(times)
        self.window = params.window_seconds
        self.context = math.inf if params.context_seconds is None else params.context_seconds
        self.floor_rate = params.min_baseline_per_window / params.window_seconds
        self.min_extent = min(MIN_BURST_SECONDS, params.window_seconds)

    def rate_outside(
        self, start: NDArray[np.float64], end: NDArray[np.float64], count: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Comments per second around ``[start, end]``: within ``context_seconds`` on either
        side, clipped to the article's first and last comment, the interval itself excluded.
        At least one window of time is assumed, and the floor rate applies."""
        t = self.times
        lo = np.maximum(start - self.context, t[0])
        hi = np.minimum(end + self.context, t[-1])
        around = np.searchsorted(t, hi, side="right") - np.searchsorted(t, lo, side="left")
        inside = np.minimum(end, t[-1]) - np.maximum(start, t[0])
        seconds = np.maximum((hi - lo) - np.maximum(inside, 0.0), self.window)
        rate: NDArray[np.float64] = np.maximum((around - count) / seconds, self.floor_rate)
        return rate

    def log10_p(self, first: int, last: int) -> float:
        """Significance of comments ``first..last`` taken as one interval of their own extent."""
        count = np.array([last - first + 1], dtype=np.float64)
        start, end = np.array([self.times[first]]), np.array([self.times[last]])
        extent = np.maximum(end - start, self.min_extent)
        expected = self.rate_outside(start, end, count) * extent
        return float(poisson_log10_tail(count, expected)[0])

    def rate_ratio(self, first: int, last: int) -> float:
        count = float(last - first + 1)
        start, end = self.times[first], self.times[last]
        extent = max(float(end - start), self.min_extent)
        baseline = self.rate_outside(np.array([start]), np.array([end]), np.array([count]))[0]
        return float(count / extent / baseline)


def find_bursts(
    times: NDArray[np.float64], params: BurstParams, started_at: float | None = None
) -> list[Burst]:
    """Bursts in one article's sorted timestamps (seconds).

    ``started_at`` is when the article went live (default: its first comment); windows that
    start within ``launch_seconds`` of it are not tested.
    """
    if len(times) < params.min_comments:
        return []
    launch_end = min(times[0], times[0] if started_at is None else started_at)
    launch_end += params.launch_seconds
    article = _ArticleTimes(times, params)
    ends = np.searchsorted(times, times + params.window_seconds, side="right")
    counts = (ends - np.arange(len(times))).astype(np.float64)
    rate = article.rate_outside(times, times + params.window_seconds, counts)
    expected = rate * params.window_seconds
    candidate = (counts >= params.min_comments) & (times >= launch_end)
    log10_p = np.full(len(times), 0.0)
    log10_p[candidate] = poisson_log10_tail(counts[candidate], expected[candidate])
    significant = np.flatnonzero(candidate & (log10_p <= math.log10(params.max_p_value)))
    bursts: list[Burst] = []
    for region_first, region_last in _merge(significant, ends):
        first, last, p = _trim(article, region_first, region_last, params.min_comments)
        if p <= math.log10(params.max_p_value):
            bursts.append(Burst(first, last, p, article.rate_ratio(first, last)))
    return bursts


def _merge(starts: NDArray[np.int64], ends: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Union of overlapping windows ``[start, ends[start])`` as inclusive index ranges."""
    regions: list[tuple[int, int]] = []
    for start in starts.tolist():
        end = int(ends[start]) - 1
        if regions and start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], end))
        else:
            regions.append((start, end))
    return regions


def _trim(
    article: _ArticleTimes, first: int, last: int, min_comments: int
) -> tuple[int, int, float]:
    """Drop comments from either end while that makes the interval more significant."""
    best = article.log10_p(first, last)
    while last - first + 1 > min_comments:
        options = [
            (article.log10_p(first + 1, last), first + 1, last),
            (article.log10_p(first, last - 1), first, last - 1),
        ]
        p, new_first, new_last = min(options)
        if p >= best:
            break
        best, first, last = p, new_first, new_last
    return first, last, best


@DETECTORS.register("burst")
class BurstDetector:
    """Windows in which an article received comments far faster than it usually does."""

    name: ClassVar[str] = "burst"
    version: ClassVar[str] = "1.1.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TIMESTAMPS})
    role: ClassVar[str] = "supporting"

    def __init__(self, params: BurstParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        by_article: dict[str, dict[str, Comment]] = defaultdict(dict)
        for comment in sorted(data.comments, key=lambda c: c.comment_id):
            if comment.created_at is not None:
                by_article[comment.article_id].setdefault(comment.comment_id, comment)
        found: list[Signal] = []
        for article_id in sorted(by_article):
            comments = sorted(
                by_article[article_id].values(),
                key=lambda c: (_seconds(c.created_at), c.comment_id),
            )
            times = np.array([_seconds(c.created_at) for c in comments], dtype=np.float64)
            article = data.articles.get(article_id)
            published = None if article is None else article.published_at
            started_at = None if published is None else published.timestamp()
            for burst in find_bursts(times, self.params, started_at):
                members = comments[burst.first : burst.last + 1]
                outside = comments[: burst.first] + comments[burst.last + 1 :]
                influx = stance_influx(members, outside, data.stance, self.params)
                found.append(self._signal(article_id, members, burst, influx))
        return found

    def _signal(
        self,
        article_id: str,
        members: Sequence[Comment],
        burst: Burst,
        influx: StanceInflux | None = None,
    ) -> Signal:
        comment_ids = tuple(sorted(c.comment_id for c in members))
        authors = tuple(sorted({c.author for c in members if c.author}))
        started_at = members[0].created_at
        ended_at = members[-1].created_at
        assert started_at is not None and ended_at is not None
        extent = (ended_at - started_at).total_seconds()
        accounts = f" from {plural(len(authors), 'account')}" if authors else ""
        summary = (
            f"{plural(len(members), 'comment')}{accounts} in "
            f"{describe_duration(max(extent, 1.0))} under article {article_id}, "
            f"{_ratio_text(burst.rate_ratio)} the article's usual rate"
        )
        evidence = Evidence(
            kind=EvidenceKind.TIME_WINDOW,
            summary=(
                f"{plural(len(members), 'comment')} between {started_at:%Y-%m-%d %H:%M:%S} and "
                f"{ended_at:%Y-%m-%d %H:%M:%S} UTC; Poisson tail probability "
                f"{_p_text(burst.log10_p)} under the article's own rate; weight is the rate "
                f"ratio ({burst.rate_ratio:.1f})"
            ),
            comment_ids=comment_ids,
            authors=authors,
            article_ids=(article_id,),
            weight=burst.rate_ratio,
            started_at=started_at,
            ended_at=ended_at,
        )
        score = burst_score(burst.log10_p)
        if influx is None:
            return Signal(
                detector=self.name,
                detector_version=self.version,
                score=score,
                summary=summary,
                comment_ids=comment_ids,
                evidence=(evidence,),
            )
        side_ids = tuple(sorted(c.comment_id for c in influx.comments))
        change = (
            f"{influx.side} went from {influx.share_outside:.0%} of the article's other "
            f"comments to {influx.share_inside:.0%} of the burst "
            f"({influx.side_count} of {influx.labelled} labelled) in "
            f"{describe_duration(max(extent, 1.0))}"
        )
        influx_evidence = Evidence(
            kind=EvidenceKind.COMMENT_GROUP,
            summary=(
                f"one-sided influx: {change}; similarity is the burst share, weight the shift"
            ),
            comment_ids=side_ids,
            authors=tuple(sorted({c.author for c in influx.comments if c.author})),
            article_ids=(article_id,),
            similarity=influx.share_inside,
            weight=influx.shift,
            started_at=started_at,
            ended_at=ended_at,
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=max(score, influx.score),
            summary=f"{summary}; {change}",
            comment_ids=side_ids,
            evidence=(evidence, influx_evidence),
        )


@dataclass(frozen=True, slots=True)
class StanceInflux:
    """A burst dominated by one stance that is rarer in the rest of the thread."""

    side: str
    comments: tuple[Comment, ...]
    side_count: int
    labelled: int
    share_inside: float
    share_outside: float
    score: float

    @property
    def shift(self) -> float:
        return self.share_inside - self.share_outside


_SIDES = (StanceLabel.SUPPORT, StanceLabel.OPPOSE)


def stance_influx(
    burst: Sequence[Comment],
    outside: Sequence[Comment],
    stance: Mapping[str, StanceResult],
    params: BurstParams,
) -> StanceInflux | None:
    """The one-sided influx in ``burst`` against the article's ``outside`` comments, if any."""

    def labels(comments: Sequence[Comment]) -> list[tuple[Comment, StanceLabel]]:
        found = []
        for comment in comments:
            result = stance.get(comment.comment_id)
            if result is not None and result.label in _SIDES and result.supported:
                found.append((comment, result.label))
        return found

    inside = labels(burst)
    if not inside:
        return None
    counts = {side: sum(1 for _, label in inside if label is side) for side in _SIDES}
    side = max(_SIDES, key=lambda s: (counts[s], s.value))
    if counts[side] < params.influx_min_comments:
        return None
    share_inside = counts[side] / len(inside)
    rest = labels(outside)
    share_outside = (sum(1 for _, label in rest if label is side) + 1) / (len(rest) + 2)
    shift = share_inside - share_outside
    if share_inside < params.influx_min_share or shift < params.influx_min_shift:
        return None
    steps = counts[side] - params.influx_min_comments + 1
    return StanceInflux(
        side=side.value,
        comments=tuple(c for c, label in inside if label is side),
        side_count=counts[side],
        labelled=len(inside),
        share_inside=share_inside,
        share_outside=share_outside,
        score=0.5 + 0.45 * shift * (1.0 - 0.5**steps),
    )


def _seconds(moment: datetime | None) -> float:
    assert moment is not None
    return moment.timestamp()


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def _p_text(log10_p: float) -> str:
    if math.isinf(log10_p):
        return "below 1e-300"
    return f"{10**log10_p:.1e}" if log10_p > -300 else f"1e{log10_p:.0f}"
