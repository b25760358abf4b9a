"""Templates ("mad-libs"): the same sentence skeleton with names, numbers or links swapped.

Copy-paste detection compares whole texts, so a short template whose slots carry much of the
text ("Call Senator Smith at 555-0100 and tell her to vote NO on bill 12") falls below the
near-duplicate threshold once every account fills in its own senator and number. The FCC
net-neutrality docket (Kao 2017) is the known large case: 1.3M comments from one template.

Each comment is cut into tokens and every **slot** is replaced by its type:

* ``<url>`` a link, ``<user>`` an @mention, ``<tag>`` a #hashtag, ``<num>`` a token with a digit,
* ``<name>`` a capitalized word that does not start a sentence (runs of them are one slot).

What remains, in order, is the skeleton. Comments with the same skeleton, at least
``min_fixed_words`` fixed words and at least one slot are grouped; within a group, comments more
than ``window_seconds`` after the previous one start a new group. A group is reported when it
has ``min_accounts`` distinct accounts and ``min_distinct_fills`` different slot fillings (with
one filling it is a plain copy, which ``near_duplicate`` reports). Comments that are mostly a
quote of their article or parent (half their words or more are removed by quote stripping)
are left out: readers quoting the same sentence are not a template.

Score = (fixed words / all skeleton tokens) x (1 - 0.5 ** (accounts - 1)): 0.75 x the fixed
share for 3 accounts, 0.875 x for 4. A 12-word template with 2 slots by 3 accounts scores
0.64; by 5 accounts 0.81.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from analyzer.config import TemplateParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import plural
from analyzer.coordination.evidence import accounts_factor, group_evidence, unique_by_id, when_text
from analyzer.coordination.near_duplicate import QuoteStripper
from analyzer.model import Article, Comment, Evidence, EvidenceKind, Requirement, Signal

_TOKEN_RE = re.compile(r"https?://\S+|www\.\S+|@\w+|#\w+|\d[\d\-./:,]*\d|[\w'’]+|[.!?]+")
_SENTENCE_END = re.compile(r"[.!?]+")
MAX_FILLS_SHOWN = 5
STRIP_BATCH_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A comment's template: fixed words and slot markers, and what filled each slot."""

    tokens: tuple[str, ...]
    fills: tuple[str, ...]
    fixed_words: int

    @property
    def key(self) -> str:
        return hashlib.sha1(" ".join(self.tokens).encode("utf-8")).hexdigest()

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def _slot_type(token: str, sentence_start: bool) -> str | None:
    lowered = token.lower()
    if lowered.startswith(("http://", "https://", "www.")):
        return "<url>"
    if token.startswith("@"):
        return "<user>"
    if token.startswith("#"):
        return "<tag>"
    if any(ch.isdigit() for ch in token):
        return "<num>"
    if not sentence_start and token[:1].isupper() and token != "I" and not token.isupper():
        return "<name>"
    if not sentence_start and token.isupper() and len(token) > 1 and token.isalpha():
        return "<name>"  # acronyms of parties, agencies, bills
    return None


def skeleton_of(text: str) -> Skeleton:
    """The skeleton of one text; adjacent slots of the same type merge into one."""
    tokens: list[str] = []
    fills: list[str] = []
    fixed = 0
    sentence_start = True
    for raw in _TOKEN_RE.findall(text):
        if _SENTENCE_END.fullmatch(raw):
            sentence_start = True
            continue
        slot = _slot_type(raw, sentence_start)
        sentence_start = False
        if slot is None:
            tokens.append(raw.lower().replace("’", "'"))
            fixed += 1
        elif tokens and tokens[-1] == slot:
            fills[-1] = f"{fills[-1]} {raw}"
        else:
            tokens.append(slot)
            fills.append(raw)
    return Skeleton(tuple(tokens), tuple(fills), fixed)


@DETECTORS.register("template")
class TemplateDetector:
    """Accounts posting one sentence skeleton with different names, numbers or links."""

    name: ClassVar[str] = "template"
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "primary"

    def __init__(self, params: TemplateParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        comments = unique_by_id(data.comments)
        usable = self._not_mostly_quotes(comments, data.articles)
        groups: dict[str, list[tuple[Comment, Skeleton]]] = defaultdict(list)
        for comment in usable:
            skeleton = skeleton_of(comment.text)
            if skeleton.fixed_words >= self.params.min_fixed_words and skeleton.fills:
                groups[skeleton.key].append((comment, skeleton))
        found: list[Signal] = []
        for key in sorted(groups):
            if len(groups[key]) < self.params.min_accounts:
                continue
            for run in self._split_by_time(groups[key]):
                signal = self._signal(run)
                if signal is not None:
                    found.append(signal)
        return sorted(found, key=lambda s: s.comment_ids)

    def _not_mostly_quotes(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[Comment]:
        if self.params.strip_quotes_words <= 0 or not comments:
            return list(comments)
        by_id = {c.comment_id: c for c in comments}
        parents = {c.parent_id: by_id[c.parent_id] for c in comments if c.parent_id in by_id}
        stripper = QuoteStripper(self.params.strip_quotes_words, articles, parents)
        kept: list[Comment] = []
        # In batches: the stripper's prefix hashes take ~24 bytes per character of the batch.
        for start in range(0, len(comments), STRIP_BATCH_ROWS):
            batch = comments[start : start + STRIP_BATCH_ROWS]
            stripped = stripper(batch)
            for i, comment in enumerate(batch):
                original_words = len(comment.text.split())
                remaining = len(stripped.text(i).split())
                if original_words == 0 or remaining * 2 > original_words:
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
