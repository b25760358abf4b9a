"""Paraphrased talking points: accounts saying the same thing in different words.

Copy-paste and templates share wording; a paraphrase campaign shares meaning. This detector
compares comments by sentence embeddings (all-MiniLM-L6-v2: mean-pooled, L2-normalized, so the
dot product is the cosine similarity), but **never all pairs**: embedding a million comments
on two CPU cores takes far too long, and almost every pair is unrelated anyway.

1. Candidates (cheap, vectorized). Texts are normalized and quote-stripped as for
   ``near_duplicate``; comments with fewer than ``min_words`` words left are skipped. The
   remaining **content words** (stop words removed) are MinHashed (64 bins) and an LSH index
   with the same time window keeps pairs whose estimated content-word Jaccard similarity is at
   least ``candidate_jaccard`` (default 0.25: paraphrases of one talking point share its names
   and key nouns, not its sentences). Pairs by the same account are dropped, and so are the
   pairs of a connected component of candidates with fewer than ``min_accounts`` accounts:
   a reported group lies inside one component, so those could never be reported.
2. Only comments in a remaining candidate pair are embedded, as their quote-stripped
   normalized text (identical texts once): a shared quote of the article would make every
   reaction alike. Texts are cut at ``max_tokens`` (default 96) and embedded in
   length-sorted batches padded to their own longest row.
3. A pair is linked when the cosine similarity reaches ``threshold`` (default 0.8). Linked
   comments form groups; a group is reported from ``min_accounts`` distinct accounts (one more
   when none of its articles has a title or text, so quotes of it could not be stripped).

Score = (0.6 + 0.4 x r) x (1 - 0.3 ** (accounts - 1)) with ``r = (mean cosine - threshold) /
(1 - threshold)``: a group of 3 accounts at the threshold scores 0.55, verbatim copies by 3
accounts 0.91 (the same account factor as ``near_duplicate``).

The encoder is all-MiniLM-L6-v2 exported to int8 ONNX and shipped in
``data/models/minilm_sentence`` (:mod:`analyzer.coordination.sentence_encoder`; it needs
onnxruntime and tokenizers from the ``stance`` extra, not torch). When they or the model files
are missing the pipeline reports the signal as skipped with the reason
(``unavailable_reason``); it never reports "no paraphrase".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analyzer.config import SemanticParams
from analyzer.coordination.base import DETECTORS, DetectionInput, RunMemo
from analyzer.coordination.clustering import UnionFind, plural
from analyzer.coordination.evidence import group_evidence, required_accounts, when_text
from analyzer.coordination.generic_endorsement import STOP_WORDS
from analyzer.coordination.minhash import LinkedPairs, MinHasher, SignatureIndex
from analyzer.coordination.near_duplicate import (
    QuoteStripper,
    account_factor,
    shared_time_order,
    stripped_texts,
)
from analyzer.coordination.sentence_encoder import (
    DEFAULT_SENTENCE_MODEL_DIR,
    OnnxSentenceEncoder,
    load_sentence_encoder,
    unavailable_reason,
)
from analyzer.coordination.text_normalization import PackedTexts, word_ngram_hashes
from analyzer.model import Article, Comment, Evidence, EvidenceKind, Requirement, Signal

CANDIDATE_PERMUTATIONS = 64
CANDIDATE_NEIGHBORS = 10  # per LSH band, each comment is checked against this many followers
# 16 bands of 2 bins: a pair at content-word Jaccard 0.25 becomes a candidate with probability
# 0.64, at 0.4 with 0.94, at 0.6 with 1.00. The recall-first split choose_bands() picks for 0.25
# (11 bands of 1 bin) puts every comment sharing one common word in a bucket: at 100k comments
# it checked ~30x more pairs and held ~1.5 GB of them, for one more paraphrase group in the
# real-scale benchmark.
CANDIDATE_BANDS, CANDIDATE_ROWS = 16, 2
HASH_BATCH_ROWS = 20_000


def _stop_word_hashes() -> NDArray[np.uint64]:
    words = sorted(STOP_WORDS)
    hashes, _, _ = word_ngram_hashes(PackedTexts.from_texts(words), 1)
    return np.unique(hashes)


def _in_sorted(values: NDArray[np.uint64], sorted_set: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """``np.isin`` for a small sorted set: a binary search per value instead of sorting all
    of ``values`` (np.isin sorts once the set has more than a few dozen members)."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return np.asarray(sorted_set[at] == values)


@dataclass(frozen=True, slots=True)
class Candidates:
    comments: tuple[Comment, ...]  # time order; pair rows index into it
    pairs: LinkedPairs
    texts: Mapping[int, str]  # quote-stripped, normalized text of every row in a pair


@DETECTORS.register("semantic")
class SemanticDetector:
    """Groups of accounts whose comments mean the same thing (sentence-embedding similarity)."""

    name: ClassVar[str] = "semantic"
    version: ClassVar[str] = "2.0.0"  # 2.0: int8 ONNX encoder, 96 tokens, pruned candidates
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "primary"

    def __init__(self, params: SemanticParams) -> None:
        self.params = params
        self._encoder: OnnxSentenceEncoder | None = None

    @property
    def model_dir(self) -> Path:
        return self.params.model_dir or DEFAULT_SENTENCE_MODEL_DIR

    def unavailable_reason(self) -> str | None:
        """Why the encoder cannot be loaded here (without loading it), or None."""
        return unavailable_reason(self.model_dir, setting="semantic.model_dir")

    @property
    def encoder(self) -> OnnxSentenceEncoder:
        if self._encoder is None:
            self._encoder = load_sentence_encoder(
                self.model_dir,
                component="semantic detector",
                setting="semantic.model_dir",
                max_tokens=self.params.max_tokens,
                batch_size=self.params.batch_size,
                threads=self.params.threads,
            )
        return self._encoder

    def detect(self, data: DetectionInput) -> list[Signal]:
        found = self.candidates(data.comments, data.articles, memo=data.memo)
        ordered, candidates = found.comments, found.pairs
        if len(candidates) == 0:
            return []
        rows = np.unique(np.concatenate([candidates.left, candidates.right]))
        # The quote-stripped text is embedded: a shared quote of the article would otherwise
        # make every reader's reaction to it look alike.
        texts = [found.texts[int(r)] for r in rows]
        unique_texts = sorted(set(texts))
        vectors = self.encoder.encode(unique_texts)
        position = {t: i for i, t in enumerate(unique_texts)}
        vector_of_row = np.zeros(len(ordered), dtype=np.int64)
        vector_of_row[rows] = [position[t] for t in texts]
        left = vectors[vector_of_row[candidates.left]]
        right = vectors[vector_of_row[candidates.right]]
        cosine = self.encoder.cosine(left, right)
        keep = cosine >= self.params.threshold
        linked = LinkedPairs(candidates.left[keep], candidates.right[keep], cosine[keep])
        return self.signals(ordered, linked, data.articles)

    def candidates(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        *,
        memo: RunMemo | None = None,
    ) -> Candidates:
        """Comments in time order, the cross-account pairs worth embedding and the
        quote-stripped text of every comment in a pair (what gets embedded). With the run's
        ``memo``, the time order and stripped texts near_duplicate made are reused."""
        ordered = shared_time_order(tuple(comments), memo)
        if len(ordered) < 2:
            return Candidates(ordered, LinkedPairs.empty(), {})
        parent_ids = {c.parent_id for c in ordered if c.parent_id is not None}
        stripper = QuoteStripper(
            self.params.strip_quotes_words,
            articles,
            {c.comment_id: c for c in ordered if c.comment_id in parent_ids},
        )
        hasher = MinHasher(CANDIDATE_PERMUTATIONS, seed=7)
        index = SignatureIndex(
            num_perm=CANDIDATE_PERMUTATIONS,
            threshold=self.params.candidate_jaccard,
            window_seconds=self.params.window_seconds,
            bands=CANDIDATE_BANDS,
            rows=CANDIDATE_ROWS,
            max_neighbors=CANDIDATE_NEIGHBORS,
        )
        stop = _stop_word_hashes()
        shared = stripped_texts(memo, ordered, self.params.strip_quotes_words)
        found: list[LinkedPairs] = []
        for start in range(0, len(ordered), HASH_BATCH_ROWS):
            batch = ordered[start : start + HASH_BATCH_ROWS]
            packed = (
                stripper(batch)
                if shared is None
                else shared.batch(ordered, start, start + len(batch), stripper)
            )
            hashes, doc, _ = word_ngram_hashes(packed, 1)
            words = np.bincount(doc, minlength=len(batch))
            content = ~_in_sorted(hashes, stop)
            hashes, doc = hashes[content], doc[content]
            usable = np.flatnonzero(
                (words >= self.params.min_words) & (np.bincount(doc, minlength=len(batch)) > 0)
            )
            keep = np.isin(doc, usable)
            renumber = np.full(len(batch), -1, dtype=np.int64)
            renumber[usable] = np.arange(len(usable))
            signatures = hasher.signatures(hashes[keep], renumber[doc[keep]], len(usable))
            times = np.array(
                [
                    np.nan
                    if batch[int(i)].created_at is None
                    else batch[int(i)].created_at.timestamp()  # type: ignore[union-attr]
                    for i in usable
                ],
                dtype=np.float64,
            )
            finite = times[~np.isnan(times)]
            if len(finite) and self.params.window_seconds is not None:
                index.evict_before(float(finite.min()) - self.params.window_seconds)
            found.append(index.add(usable.astype(np.int64) + start, signatures, times))
        pairs = LinkedPairs(
            np.concatenate([p.left for p in found]),
            np.concatenate([p.right for p in found]),
            np.concatenate([p.similarity for p in found]),
        )
        authors = np.array([c.author or "" for c in ordered], dtype=object)
        cross = (authors[pairs.left] != authors[pairs.right]) & (authors[pairs.left] != "")
        kept = self._enough_accounts(
            LinkedPairs(pairs.left[cross], pairs.right[cross], pairs.similarity[cross]), authors
        )
        rows = np.unique(np.concatenate([kept.left, kept.right])).tolist()
        if shared is not None:
            return Candidates(ordered, kept, {row: shared.text(row) for row in rows})
        # Stripped again for the few rows kept, rather than holding every batch's text.
        texts: dict[int, str] = {}
        for start in range(0, len(rows), HASH_BATCH_ROWS):
            chunk = rows[start : start + HASH_BATCH_ROWS]
            packed = stripper([ordered[row] for row in chunk])
            texts.update(zip(chunk, packed.texts(), strict=True))
        return Candidates(ordered, kept, texts)

    def _enough_accounts(self, pairs: LinkedPairs, authors: NDArray[np.object_]) -> LinkedPairs:
        """The pairs whose connected component has ``min_accounts`` distinct accounts.

        Linked pairs are a subset of the candidates, so a reported group lies inside one
        candidate component; a component with fewer accounts can never be reported and its
        comments need no embedding (a quarter of them in the scale benchmark).
        """
        if len(pairs) == 0:
            return pairs
        nodes, inverse = np.unique(np.concatenate([pairs.left, pairs.right]), return_inverse=True)
        left, right = inverse[: len(pairs)], inverse[len(pairs) :]
        graph = coo_matrix((np.ones(len(pairs)), (left, right)), shape=(len(nodes), len(nodes)))
        _, component = connected_components(graph, directed=False)
        codes = np.unique(authors[nodes], return_inverse=True)[1]
        accounts = np.unique(np.stack([component, codes], axis=1), axis=0)[:, 0]
        enough = np.bincount(accounts, minlength=component.max() + 1) >= self.params.min_accounts
        keep = enough[component[left]]
        return LinkedPairs(pairs.left[keep], pairs.right[keep], pairs.similarity[keep])

    def signals(
        self,
        comments: Sequence[Comment],
        pairs: LinkedPairs,
        articles: Mapping[str, Article] | None = None,
    ) -> list[Signal]:
        if len(pairs) == 0:
            return []
        nodes = np.unique(np.concatenate([pairs.left, pairs.right]))
        left = np.searchsorted(nodes, pairs.left).tolist()
        right = np.searchsorted(nodes, pairs.right).tolist()
        sets = UnionFind(len(nodes))
        for a, b in zip(left, right, strict=True):
            sets.union(a, b)
        edges: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
        for a, row_a, row_b, sim in zip(
            left, pairs.left.tolist(), pairs.right.tolist(), pairs.similarity.tolist(), strict=True
        ):
            edges[sets.find(a)].append((row_a, row_b, sim))
        found = []
        for group in sets.groups():
            members = [comments[int(nodes[i])] for i in group]
            accounts = {c.author for c in members if c.author}
            needed = (
                self.params.min_accounts
                if articles is None
                else required_accounts(members, articles, self.params.min_accounts)
            )
            if len(accounts) >= needed:
                found.append(self._signal(comments, members, edges[sets.find(group[0])]))
        return sorted(found, key=lambda s: s.comment_ids)

    def _signal(
        self,
        comments: Sequence[Comment],
        members: Sequence[Comment],
        edges: Sequence[tuple[int, int, float]],
    ) -> Signal:
        accounts = sorted({c.author for c in members if c.author})
        articles = sorted({c.article_id for c in members})
        cosine = float(np.mean([sim for _, _, sim in edges]))
        r = (cosine - self.params.threshold) / max(1e-9, 1.0 - self.params.threshold)
        score = min(1.0, max(0.0, (0.6 + 0.4 * r) * account_factor(len(accounts))))
        summary = (
            f"{plural(len(accounts), 'account')} posted comments with the same meaning (mean "
            f"embedding similarity {cosine:.2f}) in {plural(len(members), 'comment')} "
            f"{when_text(members)} under {plural(len(articles), 'article')}"
        )
        group = group_evidence(
            members,
            f"{plural(len(members), 'comment')} linked by sentence-embedding cosine >= "
            f"{self.params.threshold:.2f}; similarity is the mean over "
            f"{plural(len(edges), 'linked pair')}, weight the number of accounts",
            similarity=cosine,
            weight=float(len(accounts)),
        )
        a, b, sim = min(
            edges, key=lambda e: (-e[2], comments[e[0]].comment_id, comments[e[1]].comment_id)
        )
        first, second = sorted((comments[a], comments[b]), key=lambda c: c.comment_id)
        pair = Evidence(
            kind=EvidenceKind.SHARED_TEXT,
            summary=(
                f"most similar pair: {first.comment_id} ({first.author}) and "
                f"{second.comment_id} ({second.author}), cosine {sim:.2f}: "
                f"'{_clip(first.text)}' / '{_clip(second.text)}'"
            ),
            comment_ids=(first.comment_id, second.comment_id),
            authors=tuple(sorted({x for x in (first.author, second.author) if x})),
            article_ids=tuple(sorted({first.article_id, second.article_id})),
            shared_text=first.text,
            similarity=sim,
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=score,
            summary=summary,
            comment_ids=group.comment_ids,
            evidence=(group, pair),
        )


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
