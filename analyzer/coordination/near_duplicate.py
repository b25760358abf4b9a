"""Exact and near-duplicate text posted by different accounts (copy-paste campaigns).

How two comments get linked:

1. Both texts lose what the platform marks as a quote (:func:`strip_marked_quotes`), are
   normalized (:func:`normalize_texts`) and **quote-stripped**: every run of at
   least ``strip_quotes_words`` words that also appears in the comment's article (title and
   text) or in its parent comment is removed. Readers quoting the source were the largest
   source of false positives in the research benchmark; a quote plus different own words no
   longer looks like a copy.
2. Texts shorter than ``min_chars`` (or than one shingle) after that are not compared: "+1",
   "agreed", "this" are repeated by everyone.
3. Character shingles of the rest are MinHashed (:mod:`analyzer.coordination.minhash`) and
   candidate pairs come from LSH bands. A pair is linked when the estimated Jaccard
   similarity of the shingle sets reaches ``threshold`` and the two timestamps are at most
   ``window_seconds`` apart. **A comment without a timestamp is linked regardless of time**:
   the window can only be applied when both times are known, and dropping such comments
   would hide copies in corpora that carry no times at all.

Linked comments form groups (connected components). A group is reported when its comments
come from at least ``min_accounts`` distinct authors (comments without an author are kept in
the group but are not an account); one author repeating themselves is not coordination.

Score of a group = mean similarity of its linked pairs x (1 - 0.3 ** (accounts - 1)).
The account factor is 0.70 for 2 accounts, 0.91 for 3, 0.97 for 4 and 0.99 for 5. So 0.91 means
three accounts posting verbatim copies, and a group at the defaults' edge (3 accounts, every
pair at similarity 0.6) scores 0.55, just above the default flag threshold of 0.5; two
accounts (only reported if ``min_accounts`` is lowered to 2) need a similarity of 0.72 to
reach 0.5.

Memory stays bounded: comments are processed in time order, hashed in batches, and the index
keeps only the signatures that are still inside the window (plus those without timestamps).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from analyzer.config import NearDuplicateParams
from analyzer.coordination.base import DETECTORS, DetectionInput, RunMemo
from analyzer.coordination.clustering import UnionFind, describe_duration, plural
from analyzer.coordination.minhash import LinkedPairs, MinHasher, SignatureIndex
from analyzer.coordination.text_normalization import (
    PackedTexts,
    char_shingle_hashes,
    normalized_packed,
    reference_run_keys,
    reference_run_keys_from,
    strip_quoted_runs,
    word_ngram_hashes,
)
from analyzer.model import Article, Comment, Evidence, EvidenceKind, Requirement, Signal

HASH_BATCH_ROWS = 10000  # comments normalized and hashed at a time (bounds transient memory)
MAX_BUCKET_NEIGHBORS = 50  # per LSH band, each comment is checked against this many followers
EVIDENCE_TEXT_CHARS = 1_000  # longer texts are cut before the (quadratic) shared-text search
ACCOUNT_FACTOR_BASE = 0.3


def account_factor(accounts: int) -> float:
    """How much the number of distinct accounts adds to a group's score (saturates at 1)."""
    return 1.0 - ACCOUNT_FACTOR_BASE ** max(accounts - 1, 0)


def _timestamp(comment: Comment) -> float:
    return math.nan if comment.created_at is None else comment.created_at.timestamp()


def time_ordered(comments: Sequence[Comment]) -> tuple[Comment, ...]:
    """Comments without timestamps first (by id), then by time and id; one per comment id."""
    if len({c.comment_id for c in comments}) < len(comments):
        # Duplicate ids (ingestion reports them): keep one per id, the same in any order.
        comments = list({c.comment_id: c for c in sorted(comments, key=_identity_key)}.values())
    return tuple(sorted(comments, key=_time_key))


def shared_time_order(comments: tuple[Comment, ...], memo: RunMemo | None) -> tuple[Comment, ...]:
    """``time_ordered(comments)``, sorted once per run for every detector that needs it."""
    if memo is None:
        return time_ordered(comments)
    return memo.get("time_ordered", comments, lambda: time_ordered(comments))


class StrippedTexts:
    """The normalized, quote-stripped text of every comment of one time-ordered corpus.

    Filled batch by batch by the first detector that strips a range and reused by the next
    (semantic after near_duplicate), kept as ``str`` (about 1/4 of the packed code points'
    memory). Only valid for one stripper configuration: the memo key carries it.
    """

    def __init__(self, size: int) -> None:
        self._texts: list[str | None] = [None] * size

    def batch(
        self, ordered: Sequence[Comment], start: int, stop: int, stripper: QuoteStripper
    ) -> PackedTexts:
        cached = self._texts[start:stop]
        if None not in cached:
            return PackedTexts.from_texts(cached)  # type: ignore[arg-type]
        packed = stripper(ordered[start:stop])
        self._texts[start:stop] = packed.texts()
        return packed

    def text(self, row: int) -> str:
        text = self._texts[row]
        if text is None:
            raise ValueError(f"comment row {row} has not been stripped in this run yet")
        return text


def stripped_texts(
    memo: RunMemo | None, ordered: tuple[Comment, ...], min_words: int
) -> StrippedTexts | None:
    """The run's shared stripped texts for ``ordered`` (None without a memo: nothing kept)."""
    if memo is None:
        return None
    return memo.get(("stripped_texts", min_words), ordered, lambda: StrippedTexts(len(ordered)))


def _identity_key(comment: Comment) -> tuple[str, str, str, str]:
    when = "" if comment.created_at is None else comment.created_at.isoformat()
    return (comment.comment_id, comment.text, comment.author or "", when)


def _time_key(comment: Comment) -> tuple[int, float, str]:
    if comment.created_at is None:
        return (0, 0.0, comment.comment_id)
    return (1, comment.created_at.timestamp(), comment.comment_id)


def article_reference_text(article: Article) -> str:
    return f"{article.title}\n{article.text}"


class QuoteStripper:
    """Normalizes comment texts and removes what they quote from their article or parent.

    The word runs of each article are hashed once and kept in a least-recently-used cache of
    at most ``cached_runs`` hashes (8 bytes each): comments arrive in time order, so an
    article's comments mostly fall in a few consecutive batches.
    """

    _PARENT_KEYS = 1 << 40  # parent comments get keys above every article key

    def __init__(
        self,
        min_words: int,
        articles: Mapping[str, Article],
        comments_by_id: Mapping[str, Comment],
        cached_runs: int = 4_000_000,
    ) -> None:
        self.min_words = min_words
        self._articles = articles
        self._comments_by_id = comments_by_id
        self._cached_runs = cached_runs
        self._article_keys: dict[str, int] = {}
        self._runs: OrderedDict[str, NDArray[np.uint64]] = OrderedDict()
        self._runs_held = 0

    def __call__(self, comments: Sequence[Comment]) -> PackedTexts:
        packed = normalized_packed([c.text for c in comments], marked_quotes=True)
        if self.min_words <= 0 or not comments:
            return packed
        table = np.full((len(comments), 2), -1, dtype=np.int64)
        runs = self._article_runs(sorted({c.article_id for c in comments}))
        parent_ids = sorted(
            {
                c.parent_id
                for c in comments
                if c.parent_id is not None and c.parent_id in self._comments_by_id
            }
        )
        parent_key = {pid: self._PARENT_KEYS + i for i, pid in enumerate(parent_ids)}
        if parent_ids:
            parents = normalized_packed([self._comments_by_id[pid].text for pid in parent_ids])
            keys = np.arange(len(parent_ids), dtype=np.int64) + self._PARENT_KEYS
            runs.append(reference_run_keys(parents, keys, self.min_words))
        article_key = self._article_keys
        table[:, 0] = [article_key.get(c.article_id, -1) for c in comments]
        table[:, 1] = [
            -1 if c.parent_id is None else parent_key.get(c.parent_id, -1) for c in comments
        ]
        known = np.sort(np.concatenate(runs)) if runs else np.empty(0, dtype=np.uint64)
        return strip_quoted_runs(packed, known, table, self.min_words)

    def _article_runs(self, article_ids: Sequence[str]) -> list[NDArray[np.uint64]]:
        """Run keys of these articles, from the cache or hashed together in one pass."""
        missing = [a for a in article_ids if a in self._articles and a not in self._runs]
        if missing:
            for article_id in missing:
                self._article_keys.setdefault(article_id, len(self._article_keys))
            texts = normalized_packed([article_reference_text(self._articles[a]) for a in missing])
            keys = np.array([self._article_keys[a] for a in missing], dtype=np.int64)
            hashes, doc, _ = word_ngram_hashes(texts, self.min_words)
            keyed = reference_run_keys_from(hashes, keys[doc])
            bounds = np.searchsorted(doc, np.arange(len(missing) + 1))
            for i, article_id in enumerate(missing):
                self._runs[article_id] = keyed[bounds[i] : bounds[i + 1]]
                self._runs_held += int(bounds[i + 1] - bounds[i])
        found = []
        for article_id in article_ids:
            if article_id in self._runs:
                self._runs.move_to_end(article_id)
                found.append(self._runs[article_id])
        while self._runs_held > self._cached_runs and len(self._runs) > len(found):
            _, dropped = self._runs.popitem(last=False)
            self._runs_held -= len(dropped)
        return found


@dataclass(frozen=True, slots=True)
class NearDuplicateLinks:
    """What the linking stage found: the comments in row order and the linked row pairs."""

    comments: tuple[Comment, ...]
    pairs: LinkedPairs


@dataclass(frozen=True, slots=True)
class _Block:
    rows: NDArray[np.int64]
    signatures: NDArray[np.uint32]
    times: NDArray[np.float64]


@DETECTORS.register("near_duplicate")
class NearDuplicateDetector:
    """Groups of at least ``min_accounts`` accounts posting the same or nearly the same text."""

    name: ClassVar[str] = "near_duplicate"
    # 1.1: @mentions and marked quotes dropped first; 1.2: normalized with Unicode-aware RE2
    # kernels (a lone surrogate becomes U+FFFD, "İ" lower-cases to one "i")
    version: ClassVar[str] = "1.2.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "primary"

    def __init__(self, params: NearDuplicateParams) -> None:
        self.params = params
        self.min_text_chars = max(params.min_chars, params.shingle_chars)

    def new_index(self) -> SignatureIndex:
        """An empty index with this detector's settings (for streaming callers)."""
        return SignatureIndex(
            num_perm=self.params.num_perm,
            threshold=self.params.threshold,
            window_seconds=self.params.window_seconds,
            max_neighbors=MAX_BUCKET_NEIGHBORS,
        )

    def detect(self, data: DetectionInput) -> list[Signal]:
        links = self.link(data.comments, data.articles, memo=data.memo)
        return self.signals(links)

    def link(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        *,
        memo: RunMemo | None = None,
    ) -> NearDuplicateLinks:
        """Every linked pair among ``comments`` (rows are positions in ``links.comments``)."""
        ordered = shared_time_order(tuple(comments), memo)
        if len(ordered) < 2:
            return NearDuplicateLinks(ordered, LinkedPairs.empty())
        parent_ids = {c.parent_id for c in ordered if c.parent_id is not None}
        stripper = QuoteStripper(
            self.params.strip_quotes_words,
            articles,
            {c.comment_id: c for c in ordered if c.comment_id in parent_ids},
        )
        hasher = MinHasher(self.params.num_perm)
        index = self.new_index()
        shared = stripped_texts(memo, ordered, self.params.strip_quotes_words)
        found: list[LinkedPairs] = []
        for block in self._blocks(ordered, stripper, hasher, index, shared):
            finite = block.times[~np.isnan(block.times)]
            if len(finite) and self.params.window_seconds is not None:
                index.evict_before(float(finite.min()) - self.params.window_seconds)
            found.append(index.add(block.rows, block.signatures, block.times))
        pairs = LinkedPairs(
            np.concatenate([p.left for p in found]),
            np.concatenate([p.right for p in found]),
            np.concatenate([p.similarity for p in found]),
        )
        return NearDuplicateLinks(ordered, pairs)

    def _hash_batch(
        self,
        ordered: Sequence[Comment],
        start: int,
        stripper: QuoteStripper,
        hasher: MinHasher,
        shared: StrippedTexts | None = None,
    ) -> _Block:
        batch = ordered[start : start + HASH_BATCH_ROWS]
        texts = (
            stripper(batch)
            if shared is None
            else shared.batch(ordered, start, start + len(batch), stripper)
        )
        comparable = np.flatnonzero(texts.lengths >= self.min_text_chars)
        kept = texts.subset(comparable)
        hashes, text_of = char_shingle_hashes(kept, self.params.shingle_chars)
        signatures = hasher.signatures(hashes, text_of, len(comparable))
        times = np.array([_timestamp(batch[int(i)]) for i in comparable], dtype=np.float64)
        return _Block(comparable.astype(np.int64) + start, signatures, times)

    def _blocks(
        self,
        ordered: Sequence[Comment],
        stripper: QuoteStripper,
        hasher: MinHasher,
        index: SignatureIndex,
        shared: StrippedTexts | None = None,
    ) -> Iterator[_Block]:
        """Hashed rows grouped for the index. A block is at least as large as the index, so
        the index (which re-sorts itself on every add) is sorted O(log n) times when it must
        hold many rows without timestamps."""
        pending: list[_Block] = []
        pending_rows = 0
        for start in range(0, len(ordered), HASH_BATCH_ROWS):
            block = self._hash_batch(ordered, start, stripper, hasher, shared)
            pending.append(block)
            pending_rows += len(block.rows)
            if pending_rows >= max(HASH_BATCH_ROWS, len(index)):
                yield _merge(pending)
                pending, pending_rows = [], 0
        if pending:
            yield _merge(pending)

    def signals(self, links: NearDuplicateLinks) -> list[Signal]:
        """One signal per linked group that reaches ``min_accounts`` distinct authors."""
        comments, pairs = links.comments, links.pairs
        if len(pairs) == 0:
            return []
        # Union-find over the linked rows only (a few percent of a corpus), renumbered 0..m-1.
        nodes = np.unique(np.concatenate([pairs.left, pairs.right]))
        left = np.searchsorted(nodes, pairs.left).tolist()
        right = np.searchsorted(nodes, pairs.right).tolist()
        sets = UnionFind(len(nodes))
        for a, b in zip(left, right, strict=True):
            sets.union(a, b)
        edges_of: dict[int, list[tuple[int, int, float]]] = {}
        for a, row_a, row_b, sim in zip(
            left,
            pairs.left.tolist(),
            pairs.right.tolist(),
            pairs.similarity.tolist(),
            strict=True,
        ):
            edges_of.setdefault(sets.find(a), []).append((row_a, row_b, sim))
        found: list[Signal] = []
        for group in sets.groups():
            members = [comments[int(nodes[i])] for i in group]
            accounts = {c.author for c in members if c.author}
            if len(accounts) < self.params.min_accounts:
                continue
            found.append(self._signal(comments, members, edges_of[sets.find(group[0])]))
        return sorted(found, key=lambda s: s.comment_ids)

    def _signal(
        self,
        comments: Sequence[Comment],
        members: Sequence[Comment],
        edges: Sequence[tuple[int, int, float]],
    ) -> Signal:
        comment_ids = tuple(sorted(c.comment_id for c in members))
        authors = tuple(sorted({c.author for c in members if c.author}))
        article_ids = tuple(sorted({c.article_id for c in members}))
        similarity = float(np.mean([sim for _, _, sim in edges]))
        score = min(1.0, max(0.0, similarity * account_factor(len(authors))))
        times = sorted(c.created_at for c in members if c.created_at is not None)
        started_at: datetime | None = times[0] if times else None
        ended_at: datetime | None = times[-1] if times else None
        if started_at is not None and ended_at is not None and len(times) > 1:
            when = f"within {describe_duration((ended_at - started_at).total_seconds())}"
            if len(times) < len(members):
                when += f" ({plural(len(members) - len(times), 'comment')} without a time)"
        elif times:
            when = "(only 1 comment has a timestamp)"
        else:
            when = "(no timestamps)"
        kind = "identical" if similarity >= 0.999 else "near-identical"
        summary = (
            f"{plural(len(authors), 'account')} posted {kind} text (similarity "
            f"{similarity:.2f}) in {plural(len(members), 'comment')} {when} under "
            f"{plural(len(article_ids), 'article')}"
        )
        group = Evidence(
            kind=EvidenceKind.COMMENT_GROUP,
            summary=(
                f"{plural(len(members), 'comment')} by {plural(len(authors), 'account')} "
                f"linked by text similarity >= {self.params.threshold:.2f}; similarity is the "
                f"mean over {plural(len(edges), 'linked pair')}, weight the number of accounts"
            ),
            comment_ids=comment_ids,
            authors=authors,
            article_ids=article_ids,
            similarity=similarity,
            weight=float(len(authors)),
            started_at=started_at,
            ended_at=ended_at,
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=score,
            summary=summary,
            comment_ids=comment_ids,
            evidence=(group, _shared_text_evidence(comments, edges)),
        )


def _representative_pair(
    comments: Sequence[Comment], edges: Sequence[tuple[int, int, float]]
) -> tuple[Comment, Comment, float]:
    """The most similar linked pair, preferring two different accounts; ties by comment ids."""

    def rank(edge: tuple[int, int, float]) -> tuple[bool, float, tuple[str, str]]:
        a, b, sim = comments[edge[0]], comments[edge[1]], edge[2]
        cross = a.author is not None and b.author is not None and a.author != b.author
        ids = tuple(sorted((a.comment_id, b.comment_id)))
        return (not cross, -sim, (ids[0], ids[1]))

    a, b, sim = min(edges, key=rank)
    first, second = sorted((comments[a], comments[b]), key=lambda c: c.comment_id)
    return first, second, sim


def _shared_text_evidence(
    comments: Sequence[Comment], edges: Sequence[tuple[int, int, float]]
) -> Evidence:
    first, second, sim = _representative_pair(comments, edges)
    left, right = first.text[:EVIDENCE_TEXT_CHARS], second.text[:EVIDENCE_TEXT_CHARS]
    if left == right:  # verbatim copies, the common case: no alignment needed
        shared = left.strip()
    else:
        match = SequenceMatcher(None, left, right, autojunk=False).find_longest_match(
            0, len(left), 0, len(right)
        )
        shared = left[match.a : match.a + match.size].strip()
    return Evidence(
        kind=EvidenceKind.SHARED_TEXT,
        summary=(
            f"longest text shared verbatim by comments {first.comment_id} and "
            f"{second.comment_id} ({len(shared)} characters; similarity {sim:.2f})"
        ),
        comment_ids=(first.comment_id, second.comment_id),
        authors=tuple(sorted({a for a in (first.author, second.author) if a})),
        article_ids=tuple(sorted({first.article_id, second.article_id})),
        shared_text=shared,
        similarity=sim,
    )


def _merge(blocks: Sequence[_Block]) -> _Block:
    if len(blocks) == 1:
        return blocks[0]
    return _Block(
        np.concatenate([b.rows for b in blocks]),
        np.concatenate([b.signatures for b in blocks]),
        np.concatenate([b.times for b in blocks]),
    )
