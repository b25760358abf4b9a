"""Templates ("mad-libs"): the same sentence skeleton with names, numbers or links swapped.

Copy-paste detection compares whole texts, so a short template whose slots carry much of the
text ("Call Senator Smith at 555-0100 and tell her to vote NO on bill 12") falls below the
near-duplicate threshold once every account fills in its own senator and number. The FCC
net-neutrality docket (Kao 2017) is the known large case: 1.3M comments from one template.

Each comment is cut into tokens and every **slot** is replaced by its type:

* ``<url>`` a link, ``<user>`` an @mention, ``<tag>`` a #hashtag, ``<num>`` a word with a digit
  ("555-0142", "12b", "5:30pm"),
* ``<name>`` a capitalized word that does not start a sentence, other than "I" and its
  contractions (runs of them are one slot).

What remains, in order, is the skeleton. Comments with the same skeleton, at least
``min_fixed_words`` fixed words and at least one slot are grouped; within a group, comments more
than ``window_seconds`` after the previous one start a new group. A group is reported when it
has ``min_accounts`` distinct accounts and ``min_distinct_fills`` different slot fillings (with
one filling it is a plain copy, which ``near_duplicate`` reports). Comments that are mostly a
quote of their article or parent (half their words or more are removed by quote stripping)
are left out: readers quoting the same sentence are not a template.

**Scale.** Templating a comment is Python work per token (~70 microseconds a comment), so it is
done only for comments that could be in a reported group: first, for every comment at once
(Arrow string kernels, no Python per comment), the hash of its lower-case words in order (links,
mentions, hashtags, words with digits and capitalized words dropped: the words that are fixed
in any skeleton); comments are kept when ``min_accounts`` accounts share that hash within the
window (chained as below). Comments with one skeleton share this hash unless a fixed word is
capitalized in one and not in another (a sentence split differently, "A" for "a"), which a
filled-in template does not do. On the 100k scale set 3.5% of the comments are templated.

Score = (fixed words / all skeleton tokens) x (1 - 0.5 ** (accounts - 1)): 0.75 x the fixed
share for 3 accounts, 0.875 x for 4. A 12-word template with 2 slots by 3 accounts scores
0.64; by 5 accounts 0.81.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from analyzer.config import TemplateParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import plural
from analyzer.coordination.evidence import accounts_factor, group_evidence, unique_by_id, when_text
from analyzer.coordination.near_duplicate import QuoteStripper
from analyzer.coordination.text_normalization import (
    SPACE_RUNS,
    small_ascii_batch,
    word_ngram_hashes,
)
from analyzer.model import Article, Comment, Evidence, EvidenceKind, Requirement, Signal

MAX_FILLS_SHOWN = 5
SKELETON_BATCH_ROWS = 20_000  # comments prefiltered at a time (bounds the Arrow intermediates)
STRIP_BATCH_ROWS = 10_000

# One token grammar, written twice: for Python's re (skeleton_of, one text with its fillings)
# and for RE2 (skeleton_keys, all texts at once with Arrow kernels). \w is spelled out for RE2,
# whose \w is ASCII-only.
_URL = r"(?:https?://|www\.)"
_NUM_TAIL = r"(?:[\d\-./:,]*\d)?"
_TOKEN_RE = re.compile(
    rf"(?P<url>{_URL}\S+)|(?P<user>@\w+)|(?P<tag>#\w+)"
    rf"|(?P<num>[\w'’]*\d{_NUM_TAIL}[\w'’]*)|(?P<word>[\w'’]+)|(?P<end>[.!?]+)"
)
_W = r"\p{L}\p{N}_"  # RE2's \w is ASCII-only
_NOT_SPACE = r"[^\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\p{Z}]"
# What is never a fixed word: links, mentions, hashtags, words with a digit, capitalized words
# (at a word start: "helloWorld" stays one lower-case word).
_SLOTS_RE2 = rf"{_URL}{_NOT_SPACE}+|[@#][{_W}]+|[{_W}'’]*\d[{_W}'’]*"
# After punctuation became spaces, a capitalized word starts the text or follows a space
# ("helloWorld" stays one lower-case word).
_CAPITALIZED_RE2 = rf" \p{{Lu}}[{_W}'’]*|^\p{{Lu}}[{_W}'’]*"


# Small ASCII batches (an API request) take Python's re, as text_normalization does: RE2
# recompiles the Unicode classes above on every call. On ASCII text both give the same key; a
# test checks it.
_SLOTS_ASCII = re.compile(
    rf"{_URL}[^\t\n\x0b\f\r\x1c-\x1f ]+|[@#][A-Za-z0-9_]+|[A-Za-z0-9_']*[0-9][A-Za-z0-9_']*"
)
_OTHER_ASCII = re.compile(r"[^A-Za-z0-9_' ]+")
_CAPITALIZED_ASCII = re.compile(r" [A-Z][A-Za-z0-9_']*|^[A-Z][A-Za-z0-9_']*")


def _word_order_ascii(text: str) -> str:
    text = _OTHER_ASCII.sub(" ", _SLOTS_ASCII.sub(" ", text))
    text = SPACE_RUNS.sub(" ", _CAPITALIZED_ASCII.sub(" ", text))
    return text.strip(" ").lower()


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A comment's template: fixed words and slot markers, and what filled each slot."""

    tokens: tuple[str, ...]
    fills: tuple[str, ...]
    fixed_words: int

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _is_name(token: str) -> bool:
    if not token[:1].isupper() or token[:2] in ("I'", "I’"):  # I'm, I'll: not names
        return False
    lowered = any(ch.islower() for ch in token[1:])
    return lowered or (len(token) > 1 and token.isalpha() and token.isupper())


def skeleton_of(text: str) -> Skeleton:
    """The skeleton of one text; adjacent slots of the same type merge into one.

    Slots: links, @mentions, #hashtags, any word with a digit, and capitalized words that do
    not start a sentence (the first word, or the first after ``.``, ``!`` or ``?``).
    """
    tokens: list[str] = []
    fills: list[str] = []
    fixed = 0
    sentence_start = True
    for match in _TOKEN_RE.finditer(text):
        kind, raw = match.lastgroup, match.group()
        if kind == "end":
            sentence_start = True
            continue
        if kind == "word":
            kind = "name" if not sentence_start and _is_name(raw) else "word"
        sentence_start = False
        if kind == "word":
            tokens.append(raw.lower().replace("’", "'"))
            fixed += 1
            continue
        slot = f"<{kind}>"
        if tokens and tokens[-1] == slot:
            fills[-1] = f"{fills[-1]} {raw}"
        else:
            tokens.append(slot)
            fills.append(raw)
    return Skeleton(tuple(tokens), tuple(fills), fixed)


def word_order_keys(texts: Sequence[str]) -> NDArray[np.uint64]:
    """A 64-bit hash per text of its lower-case words in order (the cheap template prefilter).

    Links, @mentions, #hashtags, words with a digit and capitalized words are dropped, what
    remains is lower-cased: the words that are fixed words of every skeleton. Texts with the
    same skeleton get the same key unless a fixed word is capitalized in one and not in the
    other (a sentence split differently, "A" for "a"). A few Arrow string kernels (RE2) over
    all texts, no Python per text.
    """
    if not texts:
        return np.empty(0, dtype=np.uint64)
    if small_ascii_batch(texts):
        keys = [_word_order_ascii(t) for t in texts]
        return np.asarray(pd.util.hash_array(np.asarray(keys, dtype=object)), dtype=np.uint64)
    s = pa.array(texts, type=pa.large_string())
    s = pc.replace_substring_regex(s, _SLOTS_RE2, " ")
    s = pc.replace_substring_regex(s, f"[^{_W}'’ ]+", " ")  # single spaces stay (fast)
    s = pc.replace_substring_regex(s, _CAPITALIZED_RE2, " ")
    s = pc.replace_substring_regex(s, "  +", " ")
    s = pc.replace_substring(pc.utf8_lower(pc.utf8_trim(s, characters=" ")), "’", "'")
    hashed = pd.util.hash_array(np.asarray(s.to_numpy(zero_copy_only=False), dtype=object))
    return np.asarray(hashed, dtype=np.uint64)


@DETECTORS.register("template")
class TemplateDetector:
    """Accounts posting one sentence skeleton with different names, numbers or links."""

    name: ClassVar[str] = "template"
    # 1.1: any word with a digit is one <num> slot, "I'm" is no name, word-order prefilter
    version: ClassVar[str] = "1.1.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "primary"

    def __init__(self, params: TemplateParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        comments = unique_by_id(data.comments)
        candidates = self._sharing_word_order(comments)
        usable = self._not_mostly_quotes(candidates, comments, data.articles)
        groups: dict[str, list[tuple[Comment, Skeleton]]] = defaultdict(list)
        for comment in usable:
            skeleton = skeleton_of(comment.text)
            if skeleton.fixed_words >= self.params.min_fixed_words and skeleton.fills:
                groups[skeleton.text].append((comment, skeleton))
        found: list[Signal] = []
        for key in sorted(groups):
            if len(groups[key]) < self.params.min_accounts:
                continue
            for run in self._split_by_time(groups[key]):
                signal = self._signal(run)
                if signal is not None:
                    found.append(signal)
        return sorted(found, key=lambda s: s.comment_ids)

    def _sharing_word_order(self, comments: Sequence[Comment]) -> list[Comment]:
        """Comments whose lower-case words (in order) ``min_accounts`` accounts share within
        the window: only these can be in a reported group, so only these are templated one
        by one. (A skeleton's group is part of its word-order group, and splitting the larger
        group by time keeps each run of the smaller one inside one of its runs.)"""
        if not comments:
            return []
        keys = np.concatenate(
            [
                word_order_keys([c.text for c in comments[start : start + SKELETON_BATCH_ROWS]])
                for start in range(0, len(comments), SKELETON_BATCH_ROWS)
            ]
        )
        authors, _ = pd.factorize(np.array([c.author for c in comments], dtype=object))
        times = np.array(
            [math.nan if c.created_at is None else c.created_at.timestamp() for c in comments]
        )
        # Runs: same key, each timed comment within the window of the previous one. A key
        # with untimed comments is one run (untimed comments join every run of their group).
        untimed_keys = np.unique(keys[np.isnan(times)])
        loose = np.isin(keys, untimed_keys)
        order = np.lexsort((np.where(loose, 0.0, times), keys))
        k, t = keys[order], np.where(loose, 0.0, times)[order]
        window = math.inf if self.params.window_seconds is None else self.params.window_seconds
        new_run = np.ones(len(order), dtype=bool)
        new_run[1:] = (k[1:] != k[:-1]) | (t[1:] - t[:-1] > window)
        run_of = np.empty(len(order), dtype=np.int64)
        run_of[order] = np.cumsum(new_run) - 1
        has_author = authors >= 0
        pairs = np.unique(
            np.stack([run_of[has_author], authors[has_author].astype(np.int64)], axis=1), axis=0
        )
        runs, accounts = np.unique(pairs[:, 0], return_counts=True)
        wanted = runs[accounts >= self.params.min_accounts]
        return [comments[int(i)] for i in np.flatnonzero(np.isin(run_of, wanted))]

    def _not_mostly_quotes(
        self,
        candidates: Sequence[Comment],
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
    ) -> list[Comment]:
        if self.params.strip_quotes_words <= 0 or not candidates:
            return list(candidates)
        parent_ids = {c.parent_id for c in candidates if c.parent_id is not None}
        parents = {c.comment_id: c for c in comments if c.comment_id in parent_ids}
        stripper = QuoteStripper(self.params.strip_quotes_words, articles, parents)
        kept: list[Comment] = []
        # In batches: the stripper's prefix hashes take ~24 bytes per character of the batch.
        for start in range(0, len(candidates), STRIP_BATCH_ROWS):
            batch = candidates[start : start + STRIP_BATCH_ROWS]
            remaining = np.bincount(
                word_ngram_hashes(stripper(batch), 1)[1], minlength=len(batch)
            ).tolist()
            for comment, words in zip(batch, remaining, strict=True):
                original_words = len(comment.text.split())
                if original_words == 0 or words * 2 > original_words:
                    kept.append(comment)
        return kept

    def _split_by_time(
        self, members: Sequence[tuple[Comment, Skeleton]]
    ) -> list[list[tuple[Comment, Skeleton]]]:
        """Untimed comments join every run; timed ones split where the gap exceeds the window."""
        untimed = [m for m in members if m[0].created_at is None]
        timed = sorted(
            (m for m in members if m[0].created_at is not None),
            key=lambda m: (m[0].created_at, m[0].comment_id),
        )
        window = self.params.window_seconds
        runs: list[list[tuple[Comment, Skeleton]]] = []
        current: list[tuple[Comment, Skeleton]] = []
        for member in timed:
            if current and window is not None:
                gap = member[0].created_at - current[-1][0].created_at  # type: ignore[operator]
                if gap.total_seconds() > window:
                    runs.append(current)
                    current = []
            current.append(member)
        if current:
            runs.append(current)
        if not runs:
            return [untimed] if untimed else []
        return [run + untimed for run in runs]

    def _signal(self, members: Sequence[tuple[Comment, Skeleton]]) -> Signal | None:
        comments = [c for c, _ in members]
        accounts = sorted({c.author for c in comments if c.author})
        fills = sorted({s.fills for _, s in members})
        if len(accounts) < self.params.min_accounts:
            return None
        if len(fills) < self.params.min_distinct_fills:
            return None
        skeleton = members[0][1]
        fixed_share = skeleton.fixed_words / len(skeleton.tokens)
        score = min(1.0, max(0.0, fixed_share * accounts_factor(len(accounts))))
        articles = sorted({c.article_id for c in comments})
        slots = len(skeleton.tokens) - skeleton.fixed_words
        summary = (
            f"{plural(len(accounts), 'account')} posted one template ({skeleton.fixed_words} "
            f"fixed words, {plural(slots, 'slot')}) with {plural(len(fills), 'different filling')} "
            f"in {plural(len(comments), 'comment')} {when_text(comments)} under "
            f"{plural(len(articles), 'article')}"
        )
        shown = "; ".join(" | ".join(f) for f in fills[:MAX_FILLS_SHOWN])
        more = f"; and {len(fills) - MAX_FILLS_SHOWN} more" if len(fills) > MAX_FILLS_SHOWN else ""
        shared = Evidence(
            kind=EvidenceKind.SHARED_TEXT,
            summary=f"the shared skeleton; slot fillings: {shown}{more}",
            comment_ids=tuple(sorted(c.comment_id for c in comments)),
            authors=tuple(accounts),
            article_ids=tuple(articles),
            shared_text=skeleton.text,
            similarity=fixed_share,
        )
        group = group_evidence(
            comments,
            f"{plural(len(comments), 'comment')} with the same skeleton; similarity is the share "
            f"of fixed words, weight the number of accounts",
            similarity=fixed_share,
            weight=float(len(accounts)),
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=score,
            summary=summary,
            comment_ids=group.comment_ids,
            evidence=(group, shared),
        )
