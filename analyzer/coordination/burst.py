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
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtrc

from analyzer.config import BurstParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import describe_duration, plural
from analyzer.model import Comment, Evidence, EvidenceKind, Requirement, Signal

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
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TIMESTAMPS})

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
                found.append(
                    self._signal(article_id, comments[burst.first : burst.last + 1], burst)
                )
        return found

    def _signal(self, article_id: str, members: Sequence[Comment], burst: Burst) -> Signal:
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
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=burst_score(burst.log10_p),
            summary=summary,
            comment_ids=comment_ids,
            evidence=(evidence,),
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
