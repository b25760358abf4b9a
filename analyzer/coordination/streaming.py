"""One comment at a time: the coordination check behind a moderation hook.

A moderation hook has a budget of about 200 ms per comment, far too little to rerun the
detectors over a corpus. :class:`StreamingChecker` keeps a **rolling window** of recent
comments instead: each one's MinHash signature, its LSH band keys in per-band buckets, the
near-duplicate links found when it arrived, and per-article arrival times. Checking a comment
costs one signature, a few dictionary look-ups and one small vectorized comparison, whatever
the window holds.

**Same verdict as a corpus run.** The text goes through exactly what
:class:`~analyzer.coordination.near_duplicate.NearDuplicateDetector` does (marked quotes,
normalization, quote stripping against the article and the parent comment, character
shingles, MinHash with the same seed, the same LSH bands), and a pair is linked by the same
rule: a shared band among the ``MAX_BUCKET_NEIGHBORS`` most recent comments of a bucket, both
times within ``near_duplicate.window_seconds``, estimated Jaccard at least ``threshold``. The
comment's group is the connected component of those links among the comments held, and the
signal is built by the detector's own :meth:`~NearDuplicateDetector.signals`. Fed the comments
of a thread in time order, each check gives the signal (score, summary, evidence) that
``near_duplicate`` reports for that comment on the thread up to it, as long as the window
still holds the thread (tests/coordination/test_streaming.py checks this).

**Burst rate** (cheap, so it is computed too): the comments under the same article in the
trailing ``burst.window_seconds`` are tested against that article's rate over the
``burst.context_seconds`` before them, with the Poisson tail and score of
:mod:`analyzer.coordination.burst`. The corpus detector also looks at the comments *after* a
window, which a hook cannot see, so this is the trailing half of that test (version
``HOOK_BURST_VERSION``); the launch period and the baseline floor apply as there. The stance
influx part needs the stance of the window's comments and is not computed.

**Bounded memory.** The window forgets comments older than ``window_seconds`` before the
newest time it has seen, and the oldest comments beyond ``max_comments``; signatures live in
one preallocated ``max_comments x num_perm`` uint32 array (512 bytes a comment at 128
permutations). Comments leave in arrival order. A group is explored up to
``MAX_GROUP_COMMENTS`` members (beyond that the account factor has long saturated).

**Thread-safe**: one lock around every read and write of the window; a check holds it for
about a millisecond.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from analyzer.config import CoordinationParams
from analyzer.coordination.burst import BurstDetector, burst_score, poisson_log10_tail
from analyzer.coordination.clustering import describe_duration, plural
from analyzer.coordination.minhash import LinkedPairs, MinHasher, band_keys, choose_bands
from analyzer.coordination.near_duplicate import (
    HASH_BATCH_ROWS,
    MAX_BUCKET_NEIGHBORS,
    NearDuplicateDetector,
    NearDuplicateLinks,
    QuoteStripper,
    time_ordered,
)
from analyzer.coordination.text_normalization import char_shingle_hashes
from analyzer.model import (
    Article,
    Comment,
    Evidence,
    EvidenceKind,
    Signal,
    SkippedSignal,
)

HOOK_BURST_VERSION = "hook-1.0.0"  # the trailing-window burst test (see the module docstring)
MAX_GROUP_COMMENTS = 2_000  # a group is explored up to this many comments
MAX_ARTICLES = 2_000  # articles whose text is kept for quote stripping (least recently used)
QUOTE_RUN_CACHE = 500_000  # article word-run hashes the quote stripper keeps (8 bytes each)
COMPUTED_SIGNALS = ("near_duplicate", "burst")

# Why the other detectors are not computed one comment at a time.
HOOK_SKIP_REASONS: Mapping[str, str] = {
    "co_commenting": (
        "needs each account's history across many articles (repeated co-activity), which a "
        "single check does not have; it runs in corpus analysis"
    ),
    "co_burst": (
        "needs the same accounts bursting together under several articles, which one comment "
        "cannot show; it runs in corpus analysis"
    ),
    "style": (
        "needs 5+ comments per account to compare writing styles; it runs in corpus analysis"
    ),
    "template": (
        "groups sentence skeletons across the whole corpus; not computed one comment at a time"
    ),
    "semantic": (
        "needs the sentence encoder and embeddings of the window's comments; not computed in "
        "hook mode"
    ),
    "generic_endorsement": (
        "needs the stance of every comment under the article; not computed in hook mode"
    ),
    "account": ("needs account creation times for the other commenters; not computed in hook mode"),
}
STANCE_INFLUX_REASON = (
    "the one-sided stance influx part of burst needs the stance of the window's comments; "
    "only the comment rate is tested in hook mode"
)


@dataclass(frozen=True, slots=True)
class StreamingCheck:
    """The verdict on one comment, against the comments the window held when it arrived.

    ``flagged`` means ``score`` reached the flag threshold among the signals computed; a
    comment that is not flagged has "no signal above threshold among the signals computed",
    and ``skipped_signals`` lists the ones that were not.
    """

    comment_id: str
    article_id: str
    flagged: bool
    score: float
    summary: str
    signals: tuple[Signal, ...]
    matched_comment_ids: tuple[str, ...]  # its near-duplicate group, without itself
    matched_authors: tuple[str, ...]  # distinct authors of those comments
    evidence: tuple[Evidence, ...]
    skipped_signals: tuple[SkippedSignal, ...]
    recorded: bool  # added to the window (False: a dry run, or the id was already held)
    window_comments: int  # comments held after this check
    checked_at: datetime  # the time the comment was placed at (its own, else when received)


class _Entry:
    """One held comment (internal bookkeeping, so mutable: its links grow as copies arrive)."""

    __slots__ = ("comment", "links", "seq", "slot", "time")

    def __init__(self, seq: int, comment: Comment, time: float, slot: int) -> None:
        self.seq = seq
        self.comment = comment
        self.time = time
        self.slot = slot  # row of the signature and band arrays; -1: the text is not compared
        self.links: list[tuple[int, float]] = []  # (seq of a linked comment, similarity)


class _HeldComments(Mapping[str, Comment]):
    """The window's comments by id, as the quote stripper looks up parents."""

    def __init__(self, checker: StreamingChecker) -> None:
        self._checker = checker

    def __getitem__(self, comment_id: str) -> Comment:
        return self._checker._entries[self._checker._by_id[comment_id]].comment

    def __iter__(self) -> Iterator[str]:
        return iter(self._checker._by_id)

    def __len__(self) -> int:
        return len(self._checker._by_id)


class StreamingChecker:
    """A rolling window of recent comments that checks one new comment at a time.

    ``params`` are the coordination settings of a corpus run (near_duplicate, burst,
    flag_threshold and which detectors are enabled); ``window_seconds`` and ``max_comments``
    bound what is held.
    """

    def __init__(
        self, params: CoordinationParams, *, window_seconds: float, max_comments: int
    ) -> None:
        if window_seconds <= 0 or max_comments < 1:
            raise ValueError(
                f"window_seconds must be > 0 and max_comments >= 1, got {window_seconds} and "
                f"{max_comments}"
            )
        self.params = params
        self.window_seconds = float(window_seconds)
        self.max_comments = int(max_comments)
        self.detector = NearDuplicateDetector(params.near_duplicate)
        nd = params.near_duplicate
        self.bands, self.rows = choose_bands(nd.num_perm, nd.threshold)
        self._hasher = MinHasher(nd.num_perm)
        self._lock = threading.Lock()
        self._signatures = np.zeros((self.max_comments, nd.num_perm), dtype=np.uint32)
        self._free_slots = list(range(self.max_comments - 1, -1, -1))
        self._entries: dict[int, _Entry] = {}
        self._by_id: dict[str, int] = {}
        self._order: deque[int] = deque()  # seqs in arrival order: who leaves first
        # LSH buckets as linked lists, to keep per-comment memory small: per band, the newest
        # comment of each key, and per comment and band the comment before it in that bucket.
        # Comments leave in arrival order, so a walk stops at the first one that has left.
        self._band_keys = np.zeros((self.max_comments, self.bands), dtype=np.uint64)
        self._previous = np.full((self.max_comments, self.bands), -1, dtype=np.int64)
        self._newest: list[dict[int, int]] = [{} for _ in range(self.bands)]
        self._article_times: dict[str, list[tuple[float, int]]] = {}  # sorted (time, seq)
        self._articles: OrderedDict[str, Article] = OrderedDict()
        self._next_seq = 0
        self._latest = -math.inf
        self._stripper = self._new_stripper()

    # ------------------------------------------------------------------ public

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def register_article(self, article: Article) -> None:
        """Keep ``article`` for quote stripping and the burst launch period."""
        with self._lock:
            self._register_article(article)

    def knows_article(self, article_id: str) -> bool:
        with self._lock:
            return article_id in self._articles

    def oldest_at(self) -> datetime | None:
        """Time of the comment that leaves the window next (the earliest arrival held)."""
        with self._lock:
            if not self._order:
                return None
            return _as_datetime(self._entries[self._order[0]].time)

    def check(
        self, comment: Comment, *, record: bool = True, received_at: datetime | None = None
    ) -> StreamingCheck:
        """The verdict on ``comment``; with ``record`` it then stays in the window for the
        comments after it. A comment without ``created_at`` is placed at ``received_at``
        (default: now). Re-checking an id the window holds returns its verdict unchanged."""
        if comment.created_at is None:
            comment = replace(comment, created_at=received_at or datetime.now(UTC))
        assert comment.created_at is not None
        with self._lock:
            held = self._by_id.get(comment.comment_id)
            if held is not None:
                return self._verdict(self._entries[held], recorded=False, held=True)
            signature, keys = self._hash([comment])
            entry = self._admit(comment, signature[0], keys[0])
            try:
                return self._verdict(entry, recorded=record, held=record)
            finally:
                if not record:
                    self._forget(entry)

    def warm(self, comments: Iterable[Comment]) -> int:
        """Add recent comments (e.g. from storage at start-up) without checking them, in time
        order, hashing them in batches. Comments without a timestamp or already held are
        skipped. Returns how many were added."""
        ordered = [c for c in time_ordered(list(comments)) if c.created_at is not None]
        added = 0
        for start in range(0, len(ordered), HASH_BATCH_ROWS):
            batch = ordered[start : start + HASH_BATCH_ROWS]
            with self._lock:
                signatures, keys = self._hash(batch)
                for row, comment in enumerate(batch):
                    if comment.comment_id not in self._by_id:
                        self._admit(comment, signatures[row], keys[row])
                        added += 1
        return added

    # ---------------------------------------------------------------- hashing

    def _new_stripper(self) -> QuoteStripper:
        return QuoteStripper(
            self.params.near_duplicate.strip_quotes_words,
            self._articles,
            _HeldComments(self),
            cached_runs=QUOTE_RUN_CACHE,
        )

    def _register_article(self, article: Article) -> None:
        known = self._articles.get(article.article_id)
        if known is not None and (known.title, known.text) != (article.title, article.text):
            self._stripper = self._new_stripper()  # its cached word runs are stale now
        self._articles[article.article_id] = article
        self._articles.move_to_end(article.article_id)
        while len(self._articles) > MAX_ARTICLES:
            self._articles.popitem(last=False)

    def _hash(
        self, comments: Sequence[Comment]
    ) -> tuple[list[NDArray[np.uint32] | None], list[tuple[int, ...]]]:
        """Signature and band keys per comment (None and () when its text is not compared),
        computed exactly as NearDuplicateDetector does for a batch."""
        for comment in comments:
            if comment.article_id not in self._articles:
                self._register_article(Article(article_id=comment.article_id))
        texts = self._stripper(comments)
        comparable = np.flatnonzero(texts.lengths >= self.detector.min_text_chars)
        signatures: list[NDArray[np.uint32] | None] = [None] * len(comments)
        keys: list[tuple[int, ...]] = [()] * len(comments)
        if len(comparable):
            kept = texts.subset(comparable)
            hashes, text_of = char_shingle_hashes(kept, self.params.near_duplicate.shingle_chars)
            rows = self._hasher.signatures(hashes, text_of, len(comparable))
            band = band_keys(rows, self.bands, self.rows).tolist()
            for i, row in enumerate(comparable.tolist()):
                signatures[row] = rows[i]
                keys[row] = tuple(band[i])
        return signatures, keys

    # ------------------------------------------------------------ the window

    def _admit(
        self, comment: Comment, signature: NDArray[np.uint32] | None, keys: tuple[int, ...]
    ) -> _Entry:
        """Evict what is due, link the comment to the held ones and hold it."""
        assert comment.created_at is not None
        time = comment.created_at.timestamp()
        self._latest = max(self._latest, time)
        self._evict(self._latest - self.window_seconds, room_for=1)
        slot = -1
        if signature is not None:
            slot = self._free_slots.pop()
            self._signatures[slot] = signature
        entry = _Entry(self._next_seq, comment, time, slot)
        self._next_seq += 1
        for other_seq, similarity in self._links_of(entry, keys):
            entry.links.append((other_seq, similarity))
            self._entries[other_seq].links.append((entry.seq, similarity))
        self._entries[entry.seq] = entry
        self._by_id[comment.comment_id] = entry.seq
        self._order.append(entry.seq)
        if slot >= 0:
            self._band_keys[slot] = keys
            for band, key in enumerate(keys):
                self._previous[slot, band] = self._newest[band].get(key, -1)
                self._newest[band][key] = entry.seq
        bisect.insort(self._article_times.setdefault(comment.article_id, []), (time, entry.seq))
        return entry

    def _links_of(self, entry: _Entry, keys: tuple[int, ...]) -> list[tuple[int, float]]:
        """Held comments this one is linked to: a shared band among the bucket's most recent
        ``MAX_BUCKET_NEIGHBORS``, times within the window, similarity at the threshold."""
        if entry.slot < 0:
            return []
        window = self.params.near_duplicate.window_seconds
        candidates: set[int] = set()
        for band, key in enumerate(keys):
            seq = self._newest[band].get(key, -1)
            for _ in range(MAX_BUCKET_NEIGHBORS):
                held = self._entries.get(seq)
                if held is None:
                    break
                candidates.add(seq)
                seq = int(self._previous[held.slot, band])
        others = [
            self._entries[seq]
            for seq in sorted(candidates)
            if window is None or abs(self._entries[seq].time - entry.time) <= window
        ]
        if not others:
            return []
        slots = np.fromiter((o.slot for o in others), dtype=np.int64, count=len(others))
        agree = self._signatures[slots] == self._signatures[entry.slot]
        similarity = agree.mean(axis=1, dtype=np.float64)
        threshold = self.params.near_duplicate.threshold
        return [
            (o.seq, float(s))
            for o, s in zip(others, similarity.tolist(), strict=True)
            if s >= threshold
        ]

    def _evict(self, cutoff: float, room_for: int = 0) -> None:
        """Drop comments, oldest arrival first, while the oldest is before ``cutoff`` or the
        window would exceed ``max_comments`` with ``room_for`` more."""
        while self._order:
            oldest = self._entries[self._order[0]]
            if oldest.time >= cutoff and len(self._order) + room_for <= self.max_comments:
                break
            self._order.popleft()
            self._remove(oldest)

    def _forget(self, entry: _Entry) -> None:
        """Undo the admission of the newest entry (a dry-run check)."""
        if self._order and self._order[-1] == entry.seq:
            self._order.pop()
        self._remove(entry, newest=True)
        for other_seq, _ in entry.links:
            other = self._entries.get(other_seq)
            if other is not None and other.links and other.links[-1][0] == entry.seq:
                other.links.pop()

    def _remove(self, entry: _Entry, *, newest: bool = False) -> None:
        del self._entries[entry.seq]
        del self._by_id[entry.comment.comment_id]
        if entry.slot >= 0:
            previous = self._previous[entry.slot].tolist()
            for band, key in enumerate(self._band_keys[entry.slot].tolist()):
                if self._newest[band].get(key) != entry.seq:
                    continue  # newer comments share the key; their walks stop at this one
                if newest and previous[band] in self._entries:
                    self._newest[band][key] = previous[band]
                else:
                    del self._newest[band][key]
            self._free_slots.append(entry.slot)
        times = self._article_times[entry.comment.article_id]
        del times[bisect.bisect_left(times, (entry.time, entry.seq))]
        if not times:
            del self._article_times[entry.comment.article_id]

    # -------------------------------------------------------------- verdict

    def _group(self, entry: _Entry) -> tuple[list[_Entry], list[tuple[int, int, float]]]:
        """The held comments linked to ``entry`` directly or through others, and their links."""
        seen = {entry.seq: entry}
        queue = deque([entry])
        while queue and len(seen) < MAX_GROUP_COMMENTS:
            current = queue.popleft()
            for other_seq, _ in current.links:
                other = self._entries.get(other_seq)
                if other is not None and other_seq not in seen:
                    seen[other_seq] = other
                    queue.append(other)
                    if len(seen) >= MAX_GROUP_COMMENTS:
                        break
        edges = [
            (member.seq, other_seq, similarity)
            for member in seen.values()
            for other_seq, similarity in member.links
            if member.seq < other_seq and other_seq in seen
        ]
        return list(seen.values()), edges

    def _near_duplicate(self, entry: _Entry) -> tuple[list[Signal], list[_Entry]]:
        members, edges = self._group(entry)
        if not edges:
            return [], []
        ordered = time_ordered([m.comment for m in members])
        row = {c.comment_id: i for i, c in enumerate(ordered)}
        row_of = {m.seq: row[m.comment.comment_id] for m in members}
        # Rows in time order and pairs sorted as a corpus run finds them, so the mean
        # similarity is summed in the same order.
        pairs = sorted(
            (min(row_of[a], row_of[b]), max(row_of[a], row_of[b]), similarity)
            for a, b, similarity in edges
        )
        links = NearDuplicateLinks(
            ordered,
            LinkedPairs(
                np.array([p[0] for p in pairs], dtype=np.int64),
                np.array([p[1] for p in pairs], dtype=np.int64),
                np.array([p[2] for p in pairs], dtype=np.float64),
            ),
        )
        others = [m for m in members if m.seq != entry.seq]
        return self.detector.signals(links), others

    def _burst(self, entry: _Entry) -> list[Signal]:
        """The trailing-window rate test for the comment's article (see the module docstring)."""
        params = self.params.burst
        times = self._article_times.get(entry.comment.article_id, [])
        if len(times) < params.min_comments:
            return []
        t, window = entry.time, params.window_seconds
        start = t - window
        article = self._articles.get(entry.comment.article_id)
        live_from = times[0][0]
        if article is not None and article.published_at is not None:
            live_from = min(live_from, article.published_at.timestamp())
        if start < live_from + params.launch_seconds:
            return []  # every thread opens with a natural surge (the corpus test skips it too)
        first = bisect.bisect_left(times, (start, -1))
        last = bisect.bisect_right(times, (t, math.inf))
        count = last - first
        if count < params.min_comments:
            return []
        context = math.inf if params.context_seconds is None else params.context_seconds
        lo = max(start - context, times[0][0])
        before = first - bisect.bisect_left(times, (lo, -1))
        seconds = max(start - lo, window)
        rate = max(before / seconds, params.min_baseline_per_window / window)
        log10_p = float(poisson_log10_tail(np.array([float(count)]), np.array([rate * window]))[0])
        if log10_p > math.log10(params.max_p_value):
            return []
        in_window = [self._entries[seq].comment for _, seq in times[first:last]]
        comment_ids = tuple(sorted(c.comment_id for c in in_window))
        authors = tuple(sorted({c.author for c in in_window if c.author}))
        ratio = (count / window) / rate
        started_at, ended_at = _as_datetime(times[first][0]), _as_datetime(t)
        p_text = "< 1e-300" if math.isinf(log10_p) else f"1e{log10_p:.1f}"
        summary = (
            f"{plural(count, 'comment')} under article {entry.comment.article_id} in the last "
            f"{describe_duration(window)}, {ratio:.1f}x its rate in the "
            f"{describe_duration(seconds)} before (p = {p_text}; trailing-window check)"
        )
        evidence = Evidence(
            kind=EvidenceKind.TIME_WINDOW,
            summary=(
                f"{plural(count, 'comment')} by {plural(len(authors), 'account')} between "
                f"{started_at:%H:%M:%S} and {ended_at:%H:%M:%S} UTC; weight is the rate ratio"
            ),
            comment_ids=comment_ids,
            authors=authors,
            article_ids=(entry.comment.article_id,),
            weight=ratio,
            started_at=started_at,
            ended_at=ended_at,
        )
        return [
            Signal(
                detector=BurstDetector.name,
                detector_version=HOOK_BURST_VERSION,
                score=burst_score(log10_p),
                summary=summary,
                comment_ids=comment_ids,
                evidence=(evidence,),
            )
        ]

    def _verdict(self, entry: _Entry, *, recorded: bool, held: bool) -> StreamingCheck:
        """``held``: the entry stays in the window (else it is a dry run, removed after)."""
        comment = entry.comment
        near, matched = self._near_duplicate(entry)
        signals = [*near, *(self._burst(entry) if "burst" in self.params.detectors else [])]
        score = max((s.score for s in signals), default=0.0)
        threshold = self.params.flag_threshold
        skipped = self._skipped(entry)
        matched_ids = tuple(sorted(m.comment.comment_id for m in matched))
        matched_authors = tuple(sorted({m.comment.author for m in matched if m.comment.author}))
        if signals:
            lead = max(signals, key=lambda s: (s.score, s.detector))
            summary = lead.summary
            if score < threshold:
                summary = f"Below the flag threshold {threshold:.2f} (score {score:.2f}): {summary}"
        elif matched_ids:
            summary = (
                f"Near-identical to {plural(len(matched_ids), 'held comment')} by "
                f"{plural(len(matched_authors), 'other account')}, fewer than the "
                f"{self.params.near_duplicate.min_accounts} accounts a group needs; no signal "
                f"above threshold among the signals computed"
            )
        else:
            summary = (
                "No signal above threshold among the signals computed in hook mode "
                f"({', '.join(COMPUTED_SIGNALS)}), against "
                f"{plural(len(self._entries) - 1, 'other comment')} in the window; "
                f"{plural(len(skipped), 'signal')} not computed"
            )
        return StreamingCheck(
            comment_id=comment.comment_id,
            article_id=comment.article_id,
            flagged=score >= threshold,
            score=score,
            summary=summary,
            signals=tuple(signals),
            matched_comment_ids=matched_ids,
            matched_authors=matched_authors,
            evidence=tuple(e for s in signals for e in s.evidence),
            skipped_signals=skipped,
            recorded=recorded,
            window_comments=len(self._entries) - (0 if held else 1),
            checked_at=_as_datetime(entry.time),
        )

    def _skipped(self, entry: _Entry) -> tuple[SkippedSignal, ...]:
        article_id = entry.comment.article_id
        skipped: list[SkippedSignal] = []
        if entry.slot < 0:
            skipped.append(
                SkippedSignal(
                    "near_duplicate",
                    f"the text is shorter than {self.detector.min_text_chars} characters after "
                    "normalization and quote stripping, so it is not compared (everyone "
                    "writes '+1')",
                    article_id,
                )
            )
        elif not entry.comment.author:
            skipped.append(
                SkippedSignal(
                    "near_duplicate",
                    "the comment has no author, so it cannot count as an account of a group",
                    article_id,
                )
            )
        if "burst" in self.params.detectors:
            skipped.append(SkippedSignal("stance_influx", STANCE_INFLUX_REASON, article_id))
        for name in self.params.detectors:
            if name not in COMPUTED_SIGNALS:
                reason = HOOK_SKIP_REASONS.get(
                    name, "not available one comment at a time; it runs in corpus analysis"
                )
                skipped.append(SkippedSignal(name, reason, article_id))
        return tuple(skipped)


def _as_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
