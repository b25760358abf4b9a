"""Sock-puppet candidates: accounts that write alike and back each other up in replies.

Each account with at least ``min_comments`` comments and ``min_chars`` characters gets a style
profile from all its text:

* character 2-4-gram TF-IDF (sublinear tf, L2-normalized) of the text after **text
  distortion** (Stamatatos 2017): stop words and punctuation are kept, every other word is
  replaced by its shape (``*`` lower case, ``X*`` capitalized, ``XX`` all caps). What two
  accounts write about then matters little; how they write (function words, punctuation,
  casing, "..." and "!!") matters;
* 12 habit rates of the raw text (per character or per word: "!", "?", "...", digits,
  upper-case letters, all-caps words, lower-case sentence starts, mean word and sentence
  length, emoticons, double punctuation, whitespace runs).

Similarity = 0.7 x cosine(char profiles) + 0.3 x habit similarity (1 - the mean Canberra
distance of the two habit vectors, so identical habits give 1 and no statistics of the other
accounts are needed). A pair is a candidate
when its similarity reaches ``threshold`` **and** it passes the impostor test (as in authorship
verification): the two are each other's most similar account, ahead of every other profiled
account by at least ``min_margin``. On the organic corpora (795 SOCC/C3/Fox News accounts with
5+ comments) the pairs with the largest margins were one Globe and Mail reader appearing under
two ids (C3 re-anonymizes SOCC authors), i.e. the same writer. **Reply support**: how often
one of the two replied directly to the other (parent ids needed; none means no support).

Style is weak evidence on its own (different people share habits, and short comments carry
little style: Mihaylov & Nakov needed 10+ comments per account). So it is a **supporting**
signal: with ``r = (similarity - threshold) / (1 - threshold)``

* without ``min_replies`` replies between them: ``score = 0.1 + 0.35 x r`` (at most 0.45)
* with ``k >= min_replies`` replies: ``score = 0.5 + 0.45 x r x (1 - 0.5 ** (k - min_replies + 1))``
  (floor 0.5: two look-alike accounts propping each other up is what a reviewer should see).

Linked accounts form groups (connected components); one signal per group naming every comment
of its accounts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from analyzer.config import StyleParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import account_pair_groups, plural
from analyzer.coordination.evidence import group_evidence, unique_by_id
from analyzer.coordination.generic_endorsement import STOP_WORDS
from analyzer.model import Comment, Evidence, EvidenceKind, Requirement, Signal

CHAR_WEIGHT = 0.7
ROWS_PER_CHUNK = 256
IDF_SAMPLE = 20_000
_EMOTICON_RE = re.compile(r"[:;]-?[()DPp]|[\U0001F300-\U0001FAFF]")
_SENTENCE_RE = re.compile(r"(?:^|[.!?]\s+)([a-zA-Z])")
_WORD_RE = re.compile(r"[A-Za-z']+")


# Informal spellings and fillers are habits, not topics: distortion keeps them.
STYLE_MARKERS = frozenset(
    [
        "lol",
        "lmao",
        "rofl",
        "haha",
        "hahaha",
        "omg",
        "imo",
        "imho",
        "tbh",
        "btw",
        "fyi",
        "idk",
        "u",
        "ur",
        "r",
        "ppl",
        "pls",
        "plz",
        "thx",
        "ya",
        "yep",
        "yeah",
        "yup",
        "nope",
        "gonna",
        "wanna",
        "gotta",
        "tho",
        "thru",
        "cuz",
        "coz",
        "rite",
        "sum1",
        "ok",
        "okay",
        "oh",
        "ah",
        "hmm",
        "wow",
        "sooo",
    ]
)
KEPT_WORDS = STOP_WORDS | STYLE_MARKERS


def distort(text: str) -> str:
    """Keep stop words, style markers and punctuation; replace every other word by its
    letter-case shape."""

    def shape(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.lower() in KEPT_WORDS:
            return word
        if len(word) > 1 and word.isupper():
            return "XX"
        return "X*" if word[:1].isupper() else "*"

    return _WORD_RE.sub(shape, text)


@dataclass(frozen=True, slots=True)
class StylePair:
    left: str
    right: str
    similarity: float
    replies: int
    score: float


def habit_vector(texts: Sequence[str]) -> NDArray[np.float64]:
    """12 writing-habit rates of one account's comments."""
    text = "\n".join(texts)
    chars = max(len(text), 1)
    words = _WORD_RE.findall(text)
    n_words = max(len(words), 1)
    starts = _SENTENCE_RE.findall(text)
    sentences = max(len(starts), 1)
    return np.array(
        [
            text.count("!") / chars,
            text.count("?") / chars,
            text.count("...") / chars,
            sum(ch.isdigit() for ch in text) / chars,
            sum(ch.isupper() for ch in text) / chars,
            sum(1 for w in words if len(w) > 1 and w.isupper()) / n_words,
            sum(1 for s in starts if s.islower()) / sentences,
            sum(len(w) for w in words) / n_words,
            n_words / sentences,
            len(_EMOTICON_RE.findall(text)) / chars,
            len(re.findall(r"[!?]{2,}", text)) / chars,
            len(re.findall(r"\s{2,}", text)) / chars,
        ],
        dtype=np.float64,
    )


def habit_similarity(
    rows: NDArray[np.float32], profiles: NDArray[np.float32]
) -> NDArray[np.float32]:
    """1 - mean Canberra distance between habit vectors, in [0, 1]; needs no population
    statistics, so it means the same in a ten-account test and a million-comment corpus."""
    left, right = rows[:, None, :], profiles[None, :, :]
    distance = np.abs(left - right) / (left + right + np.float32(1e-9))
    similarity: NDArray[np.float32] = 1.0 - distance.mean(axis=2)
    return similarity


def pair_score(similarity: float, replies: int, params: StyleParams) -> float:
    r = max(0.0, min(1.0, (similarity - params.threshold) / (1.0 - params.threshold)))
    if replies >= params.min_replies:
        return 0.5 + 0.45 * r * (1.0 - 0.5 ** (replies - params.min_replies + 1))
    return 0.1 + 0.35 * r


@DETECTORS.register("style")
class StyleDetector:
    """Accounts with near-identical writing habits, stronger when they reply to each other."""

    name: ClassVar[str] = "style"
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "supporting"

    def __init__(self, params: StyleParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        comments = [c for c in unique_by_id(data.comments) if c.author]
        by_author: dict[str, list[Comment]] = defaultdict(list)
        for comment in comments:
            by_author[comment.author or ""].append(comment)
        eligible = sorted(
            (
                a
                for a, cs in by_author.items()
                if len(cs) >= self.params.min_comments
                and sum(len(c.text) for c in cs) >= self.params.min_chars
            ),
            key=lambda a: (-len(by_author[a]), a),
        )[: self.params.max_accounts]
        if len(eligible) < 2:
            return []
        eligible.sort()
        pairs = self.pairs(eligible, by_author, comments)
        return self.signals(pairs, by_author)

    def similarities(
        self, accounts: Sequence[str], by_author: Mapping[str, Sequence[Comment]]
    ) -> list[tuple[int, int, float]]:
        """(i, j, similarity) for account pairs that pass the threshold and the margin, i < j."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415

        documents = ["\n".join(distort(c.text) for c in by_author[a]) for a in accounts]
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 4),
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float32,
        )
        # Document frequencies come from single comments (of every account, up to
        # IDF_SAMPLE of them), not from the few profiled accounts: stable in small inputs.
        texts = sorted(c.text for cs in by_author.values() for c in cs)
        step = max(1, len(texts) // IDF_SAMPLE)
        vectorizer.fit([distort(t) for t in texts[::step]])
        chars = vectorizer.transform(documents)
        habits = np.array(
            [habit_vector([c.text for c in by_author[a]]) for a in accounts], dtype=np.float32
        )
        n = len(accounts)
        top_value = np.full((n, 2), -1.0)  # each account's two most similar other accounts
        top_index = np.full((n, 2), -1, dtype=np.int64)
        candidates: list[tuple[int, int, float]] = []
        for start in range(0, n, ROWS_PER_CHUNK):
            block = (chars[start : start + ROWS_PER_CHUNK] @ chars.T).toarray()
            habit_block = habit_similarity(habits[start : start + ROWS_PER_CHUNK], habits)
            combined = CHAR_WEIGHT * block + (1 - CHAR_WEIGHT) * habit_block
            rows = np.arange(len(combined))
            combined[rows, rows + start] = -1.0  # not similar to itself
            order = np.argsort(-combined, axis=1, kind="stable")[:, :2]
            top_index[start : start + len(combined)] = order
            top_value[start : start + len(combined)] = np.take_along_axis(combined, order, 1)
            hit_rows, hit_cols = np.nonzero(combined >= self.params.threshold)
            for r, c in zip(hit_rows.tolist(), hit_cols.tolist(), strict=True):
                if start + r < c:
                    candidates.append((start + r, c, float(min(1.0, combined[r, c]))))

        def best_other(i: int, partner: int) -> float:
            slot = 1 if top_index[i, 0] == partner else 0
            return float(top_value[i, slot])

        return [
            (i, j, sim)
            for i, j, sim in candidates
            if sim - max(best_other(i, j), best_other(j, i)) >= self.params.min_margin
        ]

    def pairs(
        self,
        accounts: Sequence[str],
        by_author: dict[str, list[Comment]],
        comments: Sequence[Comment],
    ) -> list[StylePair]:
        author_of = {c.comment_id: c.author for c in comments}
        replies: dict[tuple[str, str], int] = defaultdict(int)
        for comment in comments:
            parent_author = author_of.get(comment.parent_id or "")
            if parent_author and comment.author and parent_author != comment.author:
                key = tuple(sorted((parent_author, comment.author)))
                replies[(key[0], key[1])] += 1
        found = []
        for i, j, similarity in self.similarities(accounts, by_author):
            left, right = accounts[i], accounts[j]
            k = replies.get((left, right), 0)
            found.append(
                StylePair(left, right, similarity, k, pair_score(similarity, k, self.params))
            )
        return found

    def signals(
        self, pairs: Sequence[StylePair], by_author: dict[str, list[Comment]]
    ) -> list[Signal]:
        if not pairs:
            return []
        found = [self._signal(group, by_author) for group in account_pair_groups(pairs)]
        return sorted(found, key=lambda s: s.comment_ids)

    def _signal(self, pairs: Sequence[StylePair], by_author: dict[str, list[Comment]]) -> Signal:
        accounts = sorted({p.left for p in pairs} | {p.right for p in pairs})
        members = [c for a in accounts for c in by_author[a]]
        strongest = max(pairs, key=lambda p: (p.score, p.similarity, p.left, p.right))
        replies = sum(p.replies for p in pairs)
        reply_text = f"; they replied to each other {plural(replies, 'time')}" if replies else ""
        summary = (
            f"{plural(len(accounts), 'account')} write in a near-identical style (strongest "
            f"pair {strongest.left} / {strongest.right}, similarity {strongest.similarity:.2f})"
            f"{reply_text}; possible sock-puppets of one person"
        )
        pair_evidence = tuple(
            Evidence(
                kind=EvidenceKind.COMMENT_GROUP,
                summary=(
                    f"{p.left} and {p.right}: style similarity {p.similarity:.2f} (character "
                    f"n-grams and writing habits); weight is the number of direct replies "
                    f"between them"
                ),
                comment_ids=tuple(
                    sorted(c.comment_id for a in (p.left, p.right) for c in by_author[a])
                ),
                authors=(p.left, p.right),
                similarity=p.similarity,
                weight=float(p.replies),
            )
            for p in sorted(pairs, key=lambda p: (-p.score, p.left, p.right))[:10]
        )
        group = group_evidence(
            members,
            f"every comment of the {plural(len(accounts), 'account')}; weight is the number of "
            f"replies between them",
            weight=float(replies),
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=max(p.score for p in pairs),
            summary=summary,
            comment_ids=group.comment_ids,
            evidence=(group, *pair_evidence),
        )
