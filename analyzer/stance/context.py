"""Per-comment article context for a long article.

The encoder sees about 128 tokens, so a long article cannot be read whole. Each comment gets:
the title, the lead (first sentence of the body), and the body sentences most similar to the
comment, most relevant first, until ``context_chars`` is used. Similarity is the cosine of
IDF-weighted word vectors (IDF over the article's own sentences), so a comment about sanctions
is paired with the sanctions paragraph. The chosen sentences are returned with their character
offsets so the result can say what the comment "responds to".

Deviation from the issue text: the issue suggested embedding similarity; a second encoder pass
per comment would halve throughput, and the stance model itself sees the comment with the
passages, so a lexical selector is used.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from analyzer.model import Article

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
    """A sentence of the article body; offsets index ``Article.text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ArticleContext:
    text: str
    passages: tuple[Passage, ...]  # body sentences chosen for relevance (beyond title and lead)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


class ContextSelector:
    """Built once per article; ``select`` is called per comment."""

    def __init__(self, article: Article | None, context_chars: int) -> None:
        self.context_chars = context_chars
        self.title = " ".join(article.title.split()) if article else ""
        text = article.text if article else ""
        self.sentences = tuple(
            Passage(m.start(), m.end(), " ".join(m.group().split()))
            for m in _SENTENCE.finditer(text)
            if m.group().strip()
        )
        head = self.title
        if self.sentences:
            head = f"{head}. {self.sentences[0].text}" if head else self.sentences[0].text
        self.head = head
        rest = self.sentences[1:]
        self.fits_whole = len(head) + sum(len(s.text) + 1 for s in rest) <= context_chars
        # A short article is used verbatim: sentence splitting would also split URLs.
        self.whole = (
            " ".join(f"{self.title}. {text}".split()) if self.title else " ".join(text.split())
        )
        documents = [Counter(_words(s.text)) for s in rest]
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(doc.keys())
        n = max(1, len(documents))
        self._idf = {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in frequency.items()}
        self._vectors = [self._weigh(doc) for doc in documents]

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        vector = {w: c * self._idf.get(w, 0.0) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def select(self, comment_text: str) -> ArticleContext:
        rest = self.sentences[1:]
        if self.fits_whole:
            return ArticleContext(self.whole, ())
        query = self._weigh(Counter(_words(comment_text)))
        scored = sorted(
            (
                (sum(query.get(w, 0.0) * v for w, v in vec.items()), i)
                for i, vec in enumerate(self._vectors)
            ),
            reverse=True,
        )
        budget = self.context_chars - len(self.head)
        chosen: list[int] = []
        for score, i in scored:
            if score <= 0.0:
                break
            if len(rest[i].text) + 1 <= budget:
                chosen.append(i)
                budget -= len(rest[i].text) + 1
        # Most relevant first: the encoder truncates the context from the end.
        passages = tuple(rest[i] for i in chosen)
        text = " ".join([self.head, *(p.text for p in passages)])[: self.context_chars]
        return ArticleContext(text, passages)
