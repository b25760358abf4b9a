"""Per-comment article context for a long article.

The stance encoder sees about 128 tokens, so a long article cannot be read whole. A short
article (title + text within ``context_chars``) is used verbatim, for every comment, with no
ranking at all. A long one gives each comment: the title, the lead (first sentence of the
body), then the body sentences most similar to the comment, most similar first, while they fit
in ``context_chars``. The chosen sentences keep their character offsets into ``Article.text``
and their similarity, so the result can say what the comment "responds to".

Two rankers (setting ``stance.context_selection``):

- ``embedding`` (default): cosine of all-MiniLM-L6-v2 sentence embeddings, the int8 ONNX
  encoder shipped in ``data/models/minilm_sentence`` (the one the ``semantic`` detector uses).
  It finds the sentence a comment paraphrases even when they share no words. Sentences at or
  below ``EMBEDDING_MIN_SIMILARITY`` are not chosen. Cost: one encoder pass per body sentence
  of each long article (per classifier batch) and one per comment on a long article, batched;
  the encoder is loaded once per classifier (~23 MB, checksum-verified). Measured with
  ``benchmarks/bench_stance.py --long-articles`` (2 shared cores, load 3-4): selection alone
  ~150 comments/s (lexical ~11,000/s); the stance step on long articles 1.11x slower than with
  lexical selection (default profile), 1.36x (``stance.fast``, where only the comments the
  encoder reads get a context). Comments on short articles cost nothing extra.
- ``lexical``: cosine of IDF-weighted word vectors (IDF over the article's own sentences); no
  model, but blind to paraphrase. Sentences that share no word with the comment are not chosen.

The int8 encoder quantizes activations per batch, so a comment's embedding (and, at a near tie,
its chosen sentences) can move slightly with the other comments of its batch; the same batch
always gives the same contexts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

import numpy as np
import numpy.typing as npt

from analyzer.model import Article, Comment

if TYPE_CHECKING:
    from analyzer.coordination.sentence_encoder import OnnxSentenceEncoder

FloatArray = npt.NDArray[np.float64]
ContextSelection = Literal["embedding", "lexical"]
# Cosine below which a body sentence is not taken as related to a comment. On the SOCC sample
# (4 Globe and Mail articles, 400 comments) the median comment-sentence cosine is 0.14-0.20 and
# the 90th percentile 0.29-0.41; the best sentence per comment has a median of 0.39-0.48.
EMBEDDING_MIN_SIMILARITY = 0.25

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "with",
        "as",
        "at",
        "by",
        "from",
        "has",
        "have",
        "had",
        "not",
        "but",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
    ]
)


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence of the article body; offsets index ``Article.text``. ``similarity`` is its
    score against the comment it was chosen for (cosine, in [0, 1])."""

    start: int
    end: int
    text: str
    similarity: float = 0.0


@dataclass(frozen=True, slots=True)
class ArticleMatch:
    """How close a comment comes to its article: the best cosine between the comment and the
    article's head (title + lead) or any body sentence. ``start``/``end`` index
    ``Article.text`` for a body sentence; None for the head, which includes the title."""

    similarity: float
    text: str
    units: int  # how many article units (head + body sentences) the comment was compared with
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleContext:
    text: str
    passages: tuple[Passage, ...]  # body sentences chosen for relevance (beyond title and lead)
    match: ArticleMatch | None = None  # measured only when asked (relevance check)


def split_sentences(text: str) -> list[Passage]:
    """The non-blank sentences of ``text``: offsets into it, whitespace collapsed in ``text``."""
    return [
        Passage(m.start(), m.end(), " ".join(m.group().split()))
        for m in _SENTENCE.finditer(text)
        if m.group().strip()
    ]


def sentence_texts(text: str) -> list[str]:
    """The sentences of a text, whitespace collapsed, as context selection splits them."""
    return [p.text for p in split_sentences(text)]


class ArticleSentences:
    """One article split for context selection: the head (title + lead) and the other body
    sentences, which a ranker scores against each comment."""

    def __init__(self, article: Article | None, context_chars: int) -> None:
        self.context_chars = context_chars
        title = " ".join(article.title.split()) if article else ""
        text = article.text if article else ""
        sentences = split_sentences(text)
        head = title
        if sentences:
            head = f"{head}. {sentences[0].text}" if head else sentences[0].text
        self.head = head
        self.rest = tuple(sentences[1:])
        self.fits_whole = len(head) + sum(len(s.text) + 1 for s in self.rest) <= context_chars
        # A short article is used verbatim: sentence splitting would also split URLs.
        self.whole = " ".join(f"{title}. {text}".split()) if title else " ".join(text.split())

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.rest]

    @property
    def units(self) -> list[str]:
        """What a comment's relevance is measured against: the head, then the body sentences."""
        return [self.head, *self.texts] if self.head else []

    def match(self, similarities: FloatArray) -> ArticleMatch:
        """The best of a comment's similarities to ``units``."""
        best = int(np.argmax(similarities))
        score = float(similarities[best])
        units = len(similarities)
        if best == 0:
            return ArticleMatch(score, self.head, units)
        passage = self.rest[best - 1]
        return ArticleMatch(score, passage.text, units, passage.start, passage.end)

    def verbatim(self) -> ArticleContext:
        return ArticleContext(self.whole, ())

    def context(self, similarities: FloatArray, min_similarity: float) -> ArticleContext:
        """Head, then the sentences scoring above ``min_similarity``, best first, while they fit."""
        order = sorted(range(len(self.rest)), key=lambda i: (-similarities[i], i))
        budget = self.context_chars - len(self.head)
        chosen: list[Passage] = []
        for i in order:
            score = float(similarities[i])
            if score <= min_similarity:
                break
            if len(self.rest[i].text) + 1 <= budget:
                chosen.append(replace(self.rest[i], similarity=score))
                budget -= len(self.rest[i].text) + 1
        # Most relevant first: the encoder truncates the context from the end.
        text = " ".join([self.head, *(p.text for p in chosen)])[: self.context_chars]
        return ArticleContext(text, tuple(chosen))


class SentenceRanker(Protocol):
    """Scores the body sentences of articles against comments."""

    name: ClassVar[str]
    version: ClassVar[str]
    min_similarity: ClassVar[float]  # sentences scoring at or below this are not chosen

    @property
    def checksum(self) -> str | None:
        """sha256 of the model file once loaded; None before, or for a ranker with no model."""

    def load(self) -> None:
        """Load what the ranker needs now (start-up), so that a missing model fails early."""

    def similarities(
        self, groups: Sequence[tuple[Sequence[str], Sequence[str]]]
    ) -> list[FloatArray]:
        """For each (sentences, comments) group: a comments x sentences matrix in [0, 1]."""


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


class LexicalRanker:
    """Cosine of IDF-weighted word vectors; IDF over the article's own sentences."""

    name: ClassVar[str] = "lexical"
    version: ClassVar[str] = "1.0.0"
    min_similarity: ClassVar[float] = 0.0
    checksum: ClassVar[str | None] = None  # no model file

    def load(self) -> None:
        return None

    def similarities(
        self, groups: Sequence[tuple[Sequence[str], Sequence[str]]]
    ) -> list[FloatArray]:
        return [self._matrix(sentences, comments) for sentences, comments in groups]

    @staticmethod
    def _matrix(sentences: Sequence[str], comments: Sequence[str]) -> FloatArray:
        documents = [Counter(_words(s)) for s in sentences]
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(doc.keys())
        n = max(1, len(documents))
        idf = {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in frequency.items()}

        def weigh(counts: Counter[str]) -> dict[str, float]:
            vector = {w: c * idf.get(w, 0.0) for w, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            return {w: v / norm for w, v in vector.items()}

        vectors = [weigh(doc) for doc in documents]
        out = np.zeros((len(comments), len(sentences)), dtype=np.float64)
        for row, comment in enumerate(comments):
            query = weigh(Counter(_words(comment)))
            for col, vector in enumerate(vectors):
                out[row, col] = sum(query.get(w, 0.0) * v for w, v in vector.items())
        return out


class EmbeddingRanker:
    """Cosine of sentence embeddings (int8 all-MiniLM-L6-v2), loaded once, on first use or
    ``load()``; every sentence and every comment of a batch is embedded in one batched call."""

    name: ClassVar[str] = "embedding"
    version: ClassVar[str] = "1.0.0"
    min_similarity: ClassVar[float] = EMBEDDING_MIN_SIMILARITY

    def __init__(self, model_dir: Path | None = None, *, threads: int = 0) -> None:
        self.model_dir = model_dir
        self.threads = threads
        self._encoder: OnnxSentenceEncoder | None = None

    @property
    def encoder(self) -> OnnxSentenceEncoder:
        if self._encoder is None:
            from analyzer.coordination.sentence_encoder import (  # noqa: PLC0415  (deferred)
                DEFAULT_SENTENCE_MODEL_DIR,
                load_sentence_encoder,
            )

            self._encoder = load_sentence_encoder(
                self.model_dir or DEFAULT_SENTENCE_MODEL_DIR,
                component="stance context selection (stance.context_selection='embedding')",
                setting="stance.sentence_model_dir (or set stance.context_selection='lexical')",
                threads=self.threads,
            )
        return self._encoder

    @property
    def checksum(self) -> str | None:
        return self._encoder.checksum if self._encoder is not None else None

    def load(self) -> None:
        _ = self.encoder

    def similarities(
        self, groups: Sequence[tuple[Sequence[str], Sequence[str]]]
    ) -> list[FloatArray]:
        if not groups:
            return []
        sentences = [s for group, _ in groups for s in group]
        comments = [c for _, group in groups for c in group]
        # Two calls for the whole batch: the encoder sorts texts by length and pads per batch.
        sentence_vectors = self.encoder.encode(sentences)
        comment_vectors = self.encoder.encode(comments)
        out: list[FloatArray] = []
        s_start = c_start = 0
        for group_sentences, group_comments in groups:
            s_end, c_end = s_start + len(group_sentences), c_start + len(group_comments)
            out.append(
                self.encoder.cosine_matrix(
                    comment_vectors[c_start:c_end], sentence_vectors[s_start:s_end]
                )
            )
            s_start, c_start = s_end, c_end
        return out


def make_ranker(
    method: ContextSelection, *, model_dir: Path | None = None, threads: int = 0
) -> SentenceRanker:
    if method == "embedding":
        return EmbeddingRanker(model_dir, threads=threads)
    return LexicalRanker()


class ContextSelector:
    """Per-comment article contexts for a batch of comments; one per classifier."""

    def __init__(self, context_chars: int, ranker: SentenceRanker) -> None:
        self.context_chars = context_chars
        self.ranker = ranker

    def contexts(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        *,
        measure_relevance: bool = False,
    ) -> list[ArticleContext]:
        """One context per comment, in input order. Short articles are used verbatim and are
        never ranked; the comments of long articles are ranked in one batch. With
        ``measure_relevance`` every comment is also scored against its article's head and body
        sentences in that same batch (``ArticleContext.match``), short articles included."""
        if measure_relevance and not isinstance(self.ranker, EmbeddingRanker):
            raise TypeError("relevance is measured with the embedding ranker only")
        split: dict[str, ArticleSentences] = {}
        found: dict[int, ArticleContext] = {}
        waiting: dict[str, list[int]] = {}  # article id -> indexes of its comments to score
        for i, comment in enumerate(comments):
            sentences = split.get(comment.article_id)
            if sentences is None:
                sentences = ArticleSentences(articles.get(comment.article_id), self.context_chars)
                split[comment.article_id] = sentences
            if sentences.fits_whole:
                found[i] = sentences.verbatim()
            elif not sentences.rest:  # a long title or lead and nothing else: nothing to rank
                found[i] = sentences.context(np.zeros(0), self.ranker.min_similarity)
            if i not in found or (measure_relevance and sentences.units):
                waiting.setdefault(comment.article_id, []).append(i)
        article_ids = list(waiting)
        # With relevance, column 0 is the head and the body sentences follow.
        matrices = self.ranker.similarities(
            [
                (
                    split[a].units if measure_relevance else split[a].texts,
                    [comments[i].text for i in waiting[a]],
                )
                for a in article_ids
            ]
        )
        for article_id, matrix in zip(article_ids, matrices, strict=True):
            sentences = split[article_id]
            body = matrix[:, 1:] if measure_relevance else matrix
            for row, i in enumerate(waiting[article_id]):
                context = found.get(i) or sentences.context(body[row], self.ranker.min_similarity)
                if measure_relevance:
                    context = replace(context, match=sentences.match(matrix[row]))
                found[i] = context
        return [found[i] for i in range(len(comments))]

    def select(self, article: Article | None, comment_text: str) -> ArticleContext:
        """The context of one comment (convenience; ``contexts`` batches)."""
        article_id = article.article_id if article else ""
        comment = Comment(comment_id="", article_id=article_id, text=comment_text)
        (context,) = self.contexts([comment], {article_id: article} if article else {})
        return context
