"""Campaign clusters: signals that tie comments together become candidate campaigns.

The graph has a node per comment and per account. Every signal whose score reaches the flag
threshold (a **linking** signal) connects all the comments it names, and every comment is
connected to its account, so one account's linked comments under different articles end up
in one cluster: a campaign, not one cluster per article. A cluster is a connected component.

Signals below the threshold (**supporting** evidence: a burst at its rate score, two accounts
with a similar style, a handful of generic comments, co-commenting below the strict bar) never
create clusters on their own, so organic look-alikes that only trip supporting detectors
produce no cluster at all. They are attached to every cluster they overlap, as corroboration,
and listed on each comment they name. One exception joins comments to a cluster: a supporting
**pair** signal (two accounts) corroborated by a linked group, because both accounts are in
the group or because the other account is paired with 2+ accounts of the group (see
``_corroborated``).

Scores:

* a **comment's** score is the highest score among the signals naming it (0.0 when none does;
  for a comment of a corroborated supporting signal, ``1 - (1 - s)(1 - s_link)``), and it is
  flagged when that reaches the flag threshold. So every cluster member is flagged, and every
  flagged comment is in a cluster;
* a **cluster's** score combines the detector families that found it, as independent pieces of
  evidence: ``1 - prod_d (1 - s_d)`` over detectors ``d``, with ``s_d`` the highest score of
  that detector's signals in the cluster (linking or attached). One near-duplicate group at 0.91
  scores 0.91; add a co-commenting pair at 0.73 and it scores 0.98.

Every detector maps its evidence to [0, 1] with a fixed formula (documented in its module and
in docs/output-format.md), never with a percentile of the run, so scores are comparable across
runs and corpora: 0.5 means "this evidence alone is stronger than what the detector produced on
organic threads in the benchmark", 0.8 means "strong: at this level the benchmark had no
organic comment flagged" (see benchmarks/coordination/RESULTS.md for the measured precision).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from analyzer.model import (
    Cluster,
    Comment,
    CoordinationResult,
    Signal,
    StanceLabel,
    StanceResult,
)


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


class AccountPair(Protocol):
    """Anything that links two accounts: co-commenting pairs, style pairs."""

    @property
    def left(self) -> str: ...

    @property
    def right(self) -> str: ...


PairT = TypeVar("PairT", bound=AccountPair)


def account_pair_groups(pairs: Sequence[PairT]) -> list[list[PairT]]:
    """Pairs grouped by the connected component of accounts they link, in first-seen order."""
    accounts = sorted({p.left for p in pairs} | {p.right for p in pairs})
    index = {a: i for i, a in enumerate(accounts)}
    sets = UnionFind(len(accounts))
    for pair in pairs:
        sets.union(index[pair.left], index[pair.right])
    groups: dict[int, list[PairT]] = defaultdict(list)
    for pair in pairs:
        groups[sets.find(index[pair.left])].append(pair)
    return list(groups.values())


CORROBORATING_ACCOUNTS = 2  # accounts a supporting signal must share with a linked group


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
    signals: Sequence[Signal],
    comments: Sequence[Comment],
    flag_threshold: float,
    stance: Mapping[str, StanceResult] | None = None,
) -> tuple[tuple[Cluster, ...], dict[str, CoordinationResult]]:
    """Group comments tied by linking signals into clusters and give every comment its result.

    Every comment in ``comments`` gets a :class:`CoordinationResult`: ``score`` is the highest
    score of the signals naming it (0.0 when none does), ``flagged`` is ``score >=
    flag_threshold``, ``cluster_id`` its cluster (None unless a linking signal names it).
    ``stance`` (optional) gives each cluster its stance split. The output does not depend on
    the order of ``signals`` or ``comments``.
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

    linking = [s for s in ordered_signals if s.score >= flag_threshold and s.comment_ids]
    supporting = [s for s in ordered_signals if 0 < s.score < flag_threshold and s.comment_ids]
    corroborated = _corroborated(linking, supporting, by_id)
    ids = sorted(
        {cid for s in linking for cid in s.comment_ids}
        | {cid for s, _ in corroborated for cid in s.comment_ids}
    )
    index = {cid: i for i, cid in enumerate(ids)}
    sets = UnionFind(len(ids))
    for signal in [*linking, *(s for s, _ in corroborated)]:
        first = index[signal.comment_ids[0]]
        for cid in signal.comment_ids[1:]:
            sets.union(first, index[cid])
    # The account is a node of the graph too: one account's linked comments are one campaign.
    first_of_author: dict[str, int] = {}
    for cid in ids:
        author = by_id[cid].author
        if author:
            sets.union(first_of_author.setdefault(author, index[cid]), index[cid])
    components: dict[int, list[str]] = defaultdict(list)
    for cid in ids:
        components[sets.find(index[cid])].append(cid)
    signals_of: dict[int, list[Signal]] = defaultdict(list)
    for signal in linking:
        signals_of[sets.find(index[signal.comment_ids[0]])].append(signal)
    for signal in supporting:
        for root in sorted({sets.find(index[c]) for c in signal.comment_ids if c in index}):
            signals_of[root].append(signal)

    clusters: list[Cluster] = []
    cluster_of: dict[str, str] = {}
    for root, member_ids in components.items():
        members = [by_id[cid] for cid in member_ids]
        cluster = _build_cluster(members, tuple(signals_of[root]), stance or {})
        clusters.append(cluster)
        for cid in member_ids:
            cluster_of[cid] = cluster.cluster_id
    clusters.sort(key=lambda c: (-c.score, c.cluster_id))

    lifted: dict[str, float] = {}
    for signal, link_score in corroborated:
        for cid in signal.comment_ids:
            lifted[cid] = max(lifted.get(cid, 0.0), 1.0 - (1.0 - signal.score) * (1.0 - link_score))
    results: dict[str, CoordinationResult] = {}
    for cid in sorted(by_id):
        own = tuple(touching.get(cid, ()))
        score = max([s.score for s in own] + [lifted.get(cid, 0.0)], default=0.0)
        results[cid] = CoordinationResult(
            comment_id=cid,
            flagged=score >= flag_threshold,
            score=score,
            cluster_id=cluster_of.get(cid),
            signals=own,
        )
    return tuple(clusters), results


def _corroborated(
    linking: Sequence[Signal], supporting: Sequence[Signal], by_id: Mapping[str, Comment]
) -> list[tuple[Signal, float]]:
    """Supporting **pair** signals (exactly two accounts, e.g. a co-commenting or style pair)
    that tie accounts to a linked group.

    Linking signals that share an account form one group. A pair signal is corroborated when
    both its accounts are in one group (it adds those accounts' other comments), or when one
    is and the other account has pair signals with at least ``CORROBORATING_ACCOUNTS``
    different accounts of that group (it recruits that account). Its comments then join the
    group's cluster with the score ``1 - (1 - s)(1 - s_link)``, ``s_link`` being the group's
    strongest linking score. Group-shaped supporting signals (a burst window, a handful of
    generic comments) are never corroborated this way: they also name bystanders.
    """
    pairs = [(s, _accounts(s, by_id)) for s in supporting]
    pairs = [(s, a) for s, a in pairs if len(a) == 2]
    if not linking or not pairs:
        return []
    groups = UnionFind(len(linking))
    owner: dict[str, int] = {}
    for i, signal in enumerate(linking):
        for account in sorted(_accounts(signal, by_id)):
            groups.union(owner.setdefault(account, i), i)
    group_of = {account: groups.find(i) for account, i in owner.items()}
    score_of: dict[int, float] = defaultdict(float)
    for i, signal in enumerate(linking):
        score_of[groups.find(i)] = max(score_of[groups.find(i)], signal.score)
    partners: dict[tuple[str, int], set[str]] = defaultdict(set)  # (outsider, group) -> insiders
    for _, accounts in pairs:
        a, b = sorted(accounts)
        for outsider, insider in ((a, b), (b, a)):
            if outsider not in group_of and insider in group_of:
                partners[(outsider, group_of[insider])].add(insider)
    found: list[tuple[Signal, float]] = []
    for signal, accounts in pairs:
        a, b = sorted(accounts)
        if a in group_of and b in group_of:
            if group_of[a] == group_of[b]:
                found.append((signal, score_of[group_of[a]]))
            continue
        inside, outside = (a, b) if a in group_of else (b, a)
        if inside not in group_of:
            continue
        group = group_of[inside]
        if len(partners[(outside, group)]) >= CORROBORATING_ACCOUNTS:
            found.append((signal, score_of[group]))
    return found


def _accounts(signal: Signal, by_id: Mapping[str, Comment]) -> set[str]:
    return {a for c in signal.comment_ids if (a := by_id[c].author)}


def combined_score(signals: Iterable[Signal]) -> float:
    """``1 - prod(1 - s_d)`` over detectors, ``s_d`` the detector's highest signal score."""
    best: dict[str, float] = {}
    for signal in signals:
        best[signal.detector] = max(best.get(signal.detector, 0.0), signal.score)
    remaining = 1.0
    for score in best.values():
        remaining *= 1.0 - min(1.0, max(0.0, score))
    return 1.0 - remaining


def stance_split(members: Sequence[Comment], stance: Mapping[str, StanceResult]) -> dict[str, int]:
    """Comments per stance label among ``members`` (labels without a result are not counted)."""
    counts = {label.value: 0 for label in StanceLabel}
    for comment in members:
        result = stance.get(comment.comment_id)
        if result is not None:
            counts[result.label.value] += 1
    return counts


def _build_cluster(
    members: Sequence[Comment], signals: tuple[Signal, ...], stance: Mapping[str, StanceResult]
) -> Cluster:
    comment_ids = tuple(sorted(c.comment_id for c in members))
    authors = tuple(sorted({c.author for c in members if c.author}))
    article_ids = tuple(sorted({c.article_id for c in members}))
    detectors = tuple(sorted({s.detector for s in signals}))
    times = sorted(c.created_at for c in members if c.created_at is not None)
    started_at: datetime | None = times[0] if times else None
    ended_at: datetime | None = times[-1] if times else None
    score = combined_score(signals)
    split = stance_split(members, stance)

    lead = max(signals, key=lambda s: (s.score, len(s.comment_ids), s.detector, s.comment_ids))
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
    labelled = {k: v for k, v in split.items() if v}
    stance_text = (
        "; stance: "
        + ", ".join(f"{v} {k}" for k, v in sorted(labelled.items(), key=lambda kv: (-kv[1], kv[0])))
        if labelled
        else ""
    )
    summary = (
        f"{plural(len(comment_ids), 'comment')} by {plural(len(authors), 'account')} under "
        f"{plural(len(article_ids), 'article')}, posted {when}; signals: {strongest}"
        f"{stance_text}. Strongest evidence: {lead.summary}."
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
