"""Cluster assembly: signals that share comments become one candidate campaign.

A cluster is a connected component of comments, where two comments are connected when one
signal (with a score above zero) names both. Its score is the highest score among its signals:
scores from different detectors are not independent evidence that could be added up, and the
strongest single finding is what a reviewer checks first. Each comment's coordination score is
likewise the highest score of the signals that name it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from analyzer.model import Cluster, Comment, CoordinationResult, Signal


class UnionFind:
    """Disjoint sets over the integers ``0..n-1`` (path halving, union by size)."""

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))
        self._size = [1] * n

    def find(self, item: int) -> int:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]

    def groups(self) -> list[list[int]]:
        """Every set with two or more members, each sorted, ordered by smallest member."""
        members: dict[int, list[int]] = defaultdict(list)
        for item in range(len(self._parent)):
            members[self.find(item)].append(item)
        return sorted((m for m in members.values() if len(m) > 1), key=lambda m: m[0])


def describe_duration(seconds: float) -> str:
    """'45 seconds', '3 minutes', '2.5 hours', '4 days': rounded for a sentence."""
    if seconds < 90:
        value, unit = round(seconds), "second"
    elif seconds < 90 * 60:
        value, unit = round(seconds / 60), "minute"
    elif seconds < 36 * 3600:
        hours = seconds / 3600
        return f"{hours:.1f} hours" if hours < 10 else f"{round(hours)} hours"
    else:
        value, unit = round(seconds / 86400), "day"
    return f"{value} {unit}{'' if value == 1 else 's'}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def cluster_id_for(comment_ids: Iterable[str]) -> str:
    """Stable id: the same member comments give the same id in any run and any input order."""
    digest = hashlib.sha256("\n".join(sorted(comment_ids)).encode("utf-8")).hexdigest()
    return f"cl-{digest[:12]}"


def _signal_sort_key(signal: Signal) -> tuple[str, tuple[str, ...], float, str]:
    return (signal.detector, signal.comment_ids, -signal.score, signal.summary)


def assemble(
    signals: Sequence[Signal], comments: Sequence[Comment], flag_threshold: float
) -> tuple[tuple[Cluster, ...], dict[str, CoordinationResult]]:
    """Group comments tied by signals into clusters and give every comment its result.

    Only signals with a score above zero form clusters. Every comment in ``comments`` gets a
    :class:`CoordinationResult`: ``score`` is the highest score of the signals naming it (0.0
    when none does), ``flagged`` is ``score >= flag_threshold``, ``cluster_id`` is its cluster
    (None when no positive signal names it). The output does not depend on the order of
    ``signals`` or ``comments``.
    """
    by_id = {c.comment_id: c for c in comments}
    unknown = sorted({cid for s in signals for cid in s.comment_ids if cid not in by_id})
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ValueError(
            f"signals name {len(unknown)} comment id(s) that are not among the comments "
            f"passed to assemble: {shown}; pass every comment the detectors saw"
        )
    ordered_signals = sorted(signals, key=_signal_sort_key)
    touching: dict[str, list[Signal]] = defaultdict(list)
    for signal in ordered_signals:
        for cid in dict.fromkeys(signal.comment_ids):
            touching[cid].append(signal)

    positive = [s for s in ordered_signals if s.score > 0 and s.comment_ids]
    ids = sorted({cid for s in positive for cid in s.comment_ids})
    index = {cid: i for i, cid in enumerate(ids)}
    sets = UnionFind(len(ids))
    for signal in positive:
        first = index[signal.comment_ids[0]]
        for cid in signal.comment_ids[1:]:
            sets.union(first, index[cid])
    components: dict[int, list[str]] = defaultdict(list)
    for cid in ids:
        components[sets.find(index[cid])].append(cid)
    signals_of: dict[int, list[Signal]] = defaultdict(list)
    for signal in positive:
        signals_of[sets.find(index[signal.comment_ids[0]])].append(signal)

    clusters: list[Cluster] = []
    cluster_of: dict[str, str] = {}
    for root, member_ids in components.items():
        members = [by_id[cid] for cid in member_ids]
        cluster = _build_cluster(members, tuple(signals_of[root]))
        clusters.append(cluster)
        for cid in member_ids:
            cluster_of[cid] = cluster.cluster_id
    clusters.sort(key=lambda c: (-c.score, c.cluster_id))

    results: dict[str, CoordinationResult] = {}
    for cid in sorted(by_id):
        own = tuple(touching.get(cid, ()))
        score = max((s.score for s in own), default=0.0)
        results[cid] = CoordinationResult(
            comment_id=cid,
            flagged=score >= flag_threshold,
            score=score,
            cluster_id=cluster_of.get(cid),
            signals=own,
        )
    return tuple(clusters), results


def _build_cluster(members: Sequence[Comment], signals: tuple[Signal, ...]) -> Cluster:
    comment_ids = tuple(sorted(c.comment_id for c in members))
    authors = tuple(sorted({c.author for c in members if c.author}))
    article_ids = tuple(sorted({c.article_id for c in members}))
    detectors = tuple(sorted({s.detector for s in signals}))
    times = sorted(c.created_at for c in members if c.created_at is not None)
    started_at: datetime | None = times[0] if times else None
    ended_at: datetime | None = times[-1] if times else None
    score = max(s.score for s in signals)

    if started_at is not None and ended_at is not None:
        span = (ended_at - started_at).total_seconds()
        when = (
            f"between {started_at:%Y-%m-%d %H:%M} and {ended_at:%Y-%m-%d %H:%M} UTC "
            f"({describe_duration(span)})"
        )
        if len(times) < len(members):
            when += f"; {plural(len(members) - len(times), 'comment')} without a timestamp"
    else:
        when = "with no timestamps"
    strongest = ", ".join(
        f"{d} ({max(s.score for s in signals if s.detector == d):.2f})" for d in detectors
    )
    summary = (
        f"{plural(len(comment_ids), 'comment')} by {plural(len(authors), 'account')} under "
        f"{plural(len(article_ids), 'article')}, posted {when}; "
        f"signals: {strongest}."
    )
    return Cluster(
        cluster_id=cluster_id_for(comment_ids),
        score=score,
        summary=summary,
        comment_ids=comment_ids,
        authors=authors,
        article_ids=article_ids,
        detectors=detectors,
        signals=signals,
        started_at=started_at,
        ended_at=ended_at,
    )
