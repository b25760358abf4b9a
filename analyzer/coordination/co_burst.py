"""Synchronized action: the same few accounts make up a burst under one article, then another.

A **burst** is a run of comments under one article with no gap longer than a quiet gap
between consecutive comments; the article was quiet for at least that long before and after
it. Bursts are cut at each of ``quiet_gaps_seconds`` (15 min, 5 min, 100 s), so a fast
campaign inside a slower thread is still a burst of its own. A group of at least
``min_accounts`` accounts is reported when it appears together in bursts under at least
``min_articles`` distinct articles and, in each of those bursts, the group is at least
``min_share`` of the accounts that commented in it.

Why this shape (measured on the project benchmark, benchmarks/coordination/RESULTS.md):

* **Co-timing alone is common.** Globe and Mail regulars argue under the same articles within
  minutes of each other: at a 10-minute window, 2,287 organic account triples were co-active
  under 2+ articles. They do so in busy threads, where they are a small part of the crowd: with
  the default gaps, the largest share any organic group of 3+ accounts reached in bursts under
  two articles was 0.38 (0.21 and 0.23 on two other seeds), against ``min_share`` 0.5.
* **Counting bursts, not a fixed window,** follows the campaign however fast it posts: a run
  of comments 30 s or 5 min apart stays one burst as long as the article is otherwise quiet,
  and a busy thread becomes one large burst that no small group dominates (bursts with more
  than ``max_burst_accounts`` accounts are not considered at all, which also bounds the work).
* Only accounts with timestamped comments under ``min_articles`` or more articles can be in a
  group (CooRTweet's repetition requirement), so one-off readers never count.

Text does not form groups: this is the signal that finds accounts posting *different* texts of
one talking point (the benchmark's "sibling" campaigns), which neither near-duplicate nor
embedding similarity links. Timing alone cannot tell a campaign from a few friends who read
the same quiet articles together at the same minutes, so the evidence names the bursts
(article, time span, the group's share) for a reviewer to judge.

Text only **corroborates** (CooRTweet-style shared objects within a window): an account
outside the group that commented in one of its bursts (typically a campaign account used under
one article only) joins the group when its comment shares ``min_shared_terms`` distinctive
terms with the group's comments in that burst. A term is a word of 4+ letters, a hashtag or a
link, not a stop word and not in the article, used by at most ``max_term_share`` of the input's
other comments (the group's and the burst's own are not counted). On the benchmark, plain word
overlap recruited organic readers (3 per seed); one rare term, 3-5; two terms at 1%, none at
real scale but 1 in 100k comments ('supporters', 'team'); two at 0.3%, none at any size.

Score (a group reaching the bar is a linking signal, >= 0.5; a fixed formula, comparable
across runs): ``0.5 + 0.45 x share x (1 - 0.5 ** (articles - 1))``, ``share`` the group's
mean share of its bursts' accounts, ``articles`` the distinct articles with such a burst. Three
accounts alone in bursts under 2 articles score 0.725, under 3 articles 0.84.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np

from analyzer.config import CoBurstParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import UnionFind, describe_duration, plural
from analyzer.coordination.evidence import group_evidence, unique_by_id
from analyzer.model import Article, Comment, Evidence, EvidenceKind, Requirement, Signal

MAX_LISTED_ACCOUNTS = 6  # accounts named in a burst's evidence sentence


@dataclass(frozen=True, slots=True)
class Burst:
    """Consecutive comments under one article, bounded by quiet gaps."""

    article_id: str
    rows: tuple[int, ...]  # positions in the detector's comment list, in time order
    accounts: frozenset[str]
    started_at: float  # seconds since the epoch
    ended_at: float
    quiet_gap_seconds: float  # no comment under the article this long before and after


@dataclass(frozen=True, slots=True)
class BurstLink:
    """Two bursts under different articles shared by the same accounts."""

    first: int  # burst index
    second: int
    accounts: frozenset[str]


@dataclass(frozen=True, slots=True)
class Recruit:
    """A comment by an account outside the group, in one of its bursts, sharing rare terms."""

    row: int
    terms: tuple[str, ...]


_TERM = re.compile(r"#\w+|https?://\S+|[a-z][a-z']{3,}")
_MENTION = re.compile(r"@\w+")


def distinctive_candidates(text: str) -> frozenset[str]:
    """Hashtags, links and words of 4+ letters, lower-cased, without @mentions or stop words:
    the terms whose rarity the detector then checks."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415

    lowered = _MENTION.sub(" ", text.lower().replace("\u2019", "'"))
    return frozenset(t for t in _TERM.findall(lowered) if t not in ENGLISH_STOP_WORDS)


BurstFilter = Callable[[frozenset[str]], bool]


def split_bursts(
    comments: Sequence[Comment],
    quiet_gap_seconds: float,
    *,
    min_comments: int = 1,
    max_accounts: int | None = None,
    keep: BurstFilter | None = None,
) -> list[Burst]:
    """Every article's timestamped comments cut into runs at gaps longer than the quiet gap.

    Only runs of at least ``min_comments`` comments and at most ``max_accounts`` accounts that
    ``keep`` accepts (given the run's accounts) become :class:`Burst` objects: most runs are a
    single comment, and a corpus of a million comments should not hold an object for each."""
    rows = np.array(
        [r for r, c in enumerate(comments) if c.created_at is not None and c.author],
        dtype=np.int64,
    )
    if len(rows) == 0:
        return []
    articles = sorted({comments[r].article_id for r in rows})
    article_index = {a: i for i, a in enumerate(articles)}
    article = np.array([article_index[comments[r].article_id] for r in rows], dtype=np.int64)
    seconds = np.array([_seconds(comments[r]) for r in rows])
    tie = np.array([comments[r].comment_id for r in rows])
    order = np.lexsort((tie, seconds, article))
    rows, article, seconds = rows[order], article[order], seconds[order]
    cut = (article[1:] != article[:-1]) | (np.diff(seconds) > quiet_gap_seconds)
    starts = np.concatenate(([0], np.flatnonzero(cut) + 1))
    ends = np.concatenate((starts[1:], [len(rows)]))
    bursts: list[Burst] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start < min_comments:
            continue
        accounts: set[str] = set()
        for r in rows[start:end].tolist():
            accounts.add(comments[r].author or "")
            if max_accounts is not None and len(accounts) > max_accounts:
                break
        if max_accounts is not None and len(accounts) > max_accounts:
            continue
        frozen = frozenset(accounts)
        if keep is not None and not keep(frozen):
            continue
        bursts.append(
            Burst(
                article_id=articles[int(article[start])],
                rows=tuple(rows[start:end].tolist()),
                accounts=frozen,
                started_at=float(seconds[start]),
                ended_at=float(seconds[end - 1]),
                quiet_gap_seconds=quiet_gap_seconds,
            )
        )
    return bursts


def multi_scale_bursts(
    comments: Sequence[Comment],
    gaps: Sequence[float],
    *,
    min_comments: int = 1,
    max_accounts: int | None = None,
    keep: BurstFilter | None = None,
) -> list[Burst]:
    """Bursts at every quiet gap, each distinct run once (the same comments at two gaps are one
    burst, reported at the longest gap), in article and time order."""
    unique: dict[tuple[str, tuple[int, ...]], Burst] = {}
    for gap in sorted(set(gaps), reverse=True):
        found = split_bursts(
            comments, gap, min_comments=min_comments, max_accounts=max_accounts, keep=keep
        )
        for burst in found:
            unique.setdefault((burst.article_id, burst.rows), burst)
    return sorted(unique.values(), key=lambda b: (b.article_id, b.started_at, -len(b.rows)))


def _seconds(comment: Comment) -> float:
    assert comment.created_at is not None  # callers pass timestamped comments only
    return comment.created_at.timestamp()


@DETECTORS.register("co_burst")
class CoBurstDetector:
    """Account groups that make up most of a quiet-bounded burst under several articles."""

    name: ClassVar[str] = "co_burst"
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AUTHORS, Requirement.TIMESTAMPS, Requirement.MULTIPLE_ARTICLES}
    )
    role: ClassVar[str] = "primary"

    def __init__(self, params: CoBurstParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        comments = [c for c in unique_by_id(data.comments) if c.author and c.created_at is not None]
        p = self.params
        repeat = self.repeat_accounts(comments)

        def could_be_dominated(accounts: frozenset[str]) -> bool:
            members = len(accounts & repeat)
            return members >= p.min_accounts and members >= p.min_share * len(accounts)

        bursts = multi_scale_bursts(
            comments,
            p.quiet_gaps_seconds,
            min_comments=p.min_accounts,
            max_accounts=p.max_burst_accounts,
            keep=could_be_dominated,
        )
        links = self.links(comments, bursts, repeat)
        plans = [self._members_in(group) for group in self._groups(links)]
        recruits = (
            self._recruits(comments, bursts, plans, data.articles)
            if self.params.min_shared_terms and plans
            else [{} for _ in plans]
        )
        signals = [
            self._signal(comments, bursts, plan, recruited)
            for plan, recruited in zip(plans, recruits, strict=True)
        ]
        return sorted(signals, key=lambda s: (s.comment_ids, -s.score))

    def repeat_accounts(self, comments: Sequence[Comment]) -> frozenset[str]:
        """Accounts with timestamped comments under at least ``min_articles`` articles."""
        articles_of: dict[str, set[str]] = defaultdict(set)
        for comment in comments:
            if comment.author and comment.created_at is not None:
                articles_of[comment.author].add(comment.article_id)
        return frozenset(
            a for a, arts in articles_of.items() if len(arts) >= self.params.min_articles
        )

    def links(
        self,
        comments: Sequence[Comment],
        bursts: Sequence[Burst],
        repeat: frozenset[str] | None = None,
    ) -> list[BurstLink]:
        """Burst pairs under different articles that one group dominates."""
        p = self.params
        repeat = self.repeat_accounts(comments) if repeat is None else repeat
        # Only bursts that some group could dominate: small, and mostly repeat accounts.
        candidates: dict[int, frozenset[str]] = {}
        for index, burst in enumerate(bursts):
            members = burst.accounts & repeat
            if (
                len(burst.accounts) <= p.max_burst_accounts
                and len(members) >= p.min_accounts
                and len(members) >= p.min_share * len(burst.accounts)
            ):
                candidates[index] = members
        bursts_of: dict[str, list[int]] = defaultdict(list)
        for index, members in candidates.items():
            for account in members:
                bursts_of[account].append(index)
        shared: Counter[tuple[int, int]] = Counter()
        for indexes in bursts_of.values():
            for i, first in enumerate(indexes):
                for second in indexes[i + 1 :]:
                    if bursts[first].article_id != bursts[second].article_id:
                        shared[(first, second)] += 1
        found = []
        for (first, second), count in sorted(shared.items()):
            if count < p.min_accounts:
                continue
            common = candidates[first] & candidates[second]
            if all(len(common) >= p.min_share * len(bursts[b].accounts) for b in (first, second)):
                found.append(BurstLink(first, second, common))
        return found

    @staticmethod
    def _groups(links: Sequence[BurstLink]) -> list[list[BurstLink]]:
        """Links grouped by the accounts they share (a link's accounts are one group)."""
        accounts = sorted({a for link in links for a in link.accounts})
        index = {a: i for i, a in enumerate(accounts)}
        sets = UnionFind(len(accounts))
        for link in links:
            ordered = sorted(link.accounts)
            for account in ordered[1:]:
                sets.union(index[ordered[0]], index[account])
        groups: dict[int, list[BurstLink]] = defaultdict(list)
        for link in links:
            groups[sets.find(index[min(link.accounts)])].append(link)
        return [groups[root] for root in sorted(groups)]

    @staticmethod
    def _members_in(links: Sequence[BurstLink]) -> dict[int, frozenset[str]]:
        """Burst index -> the group's accounts in it (every account a link places there)."""
        members_in: dict[int, set[str]] = defaultdict(set)
        for link in links:
            members_in[link.first] |= link.accounts
            members_in[link.second] |= link.accounts
        return {index: frozenset(members) for index, members in members_in.items()}

    def _recruits(
        self,
        comments: Sequence[Comment],
        bursts: Sequence[Burst],
        plans: Sequence[Mapping[int, frozenset[str]]],
        articles: Mapping[str, Article],
    ) -> list[dict[int, list[Recruit]]]:
        """Other accounts' comments in a group's bursts that share distinctive terms with it.

        A term is distinctive when it is not in the article and at most ``max_term_share`` of
        the input's comments use it, not counting the group's comments and the burst's (rarity
        is measured among everyone else in the input)."""
        p = self.params
        terms_of: dict[int, frozenset[str]] = {}

        def terms(row: int) -> frozenset[str]:
            if row not in terms_of:
                terms_of[row] = distinctive_candidates(comments[row].text)
            return terms_of[row]

        offers: list[tuple[int, int, int, frozenset[str]]] = []  # plan, burst, row, terms
        for number, plan in enumerate(plans):
            for index, members in sorted(plan.items()):
                burst = bursts[index]
                article = articles.get(burst.article_id)
                article_words = (
                    distinctive_candidates(f"{article.title} {article.text}")
                    if article is not None
                    else frozenset()
                )
                group_terms = frozenset().union(
                    *(terms(r) for r in burst.rows if comments[r].author in members)
                )
                for row in burst.rows:
                    if comments[row].author in members:
                        continue
                    shared = (terms(row) & group_terms) - article_words
                    if len(shared) >= p.min_shared_terms:
                        offers.append((number, index, row, shared))
        recruits: list[dict[int, list[Recruit]]] = [defaultdict(list) for _ in plans]
        if not offers:
            return recruits
        wanted = frozenset().union(*(shared for *_, shared in offers))
        uses: Counter[str] = Counter()
        for comment in comments:  # one pass, nothing kept per comment (a corpus may be large)
            uses.update(distinctive_candidates(comment.text) & wanted)
        limit = p.max_term_share * len(comments)
        taken: list[set[int]] = [set() for _ in plans]
        for number, index, row, shared in offers:
            plan = plans[number]
            excluded = set(bursts[index].rows) | {
                r
                for b, members in plan.items()
                for r in bursts[b].rows
                if comments[r].author in members
            }
            inside: Counter[str] = Counter()
            for r in excluded:
                inside.update(terms(r) & shared)
            rare = tuple(sorted(t for t in shared if uses[t] - inside[t] <= limit))
            if len(rare) >= p.min_shared_terms and row not in taken[number]:
                # A comment in nested bursts (two gaps) is recruited once, in the first.
                taken[number].add(row)
                recruits[number][index].append(Recruit(row, rare))
        return recruits

    def _signal(
        self,
        comments: Sequence[Comment],
        bursts: Sequence[Burst],
        members_in: Mapping[int, frozenset[str]],
        recruited: Mapping[int, Sequence[Recruit]],
    ) -> Signal:
        accounts = sorted({a for members in members_in.values() for a in members})
        rows: list[int] = []
        burst_evidence: list[Evidence] = []
        recruit_evidence: list[Evidence] = []
        shares: list[float] = []
        for index in sorted(members_in, key=lambda b: (bursts[b].started_at, b)):
            burst, members = bursts[index], members_in[index]
            own = [r for r in burst.rows if comments[r].author in members]
            rows.extend(own)
            share = len(members) / len(burst.accounts)
            shares.append(share)
            burst_evidence.append(self._burst_evidence(comments, burst, own, members, share))
            for recruit in recruited.get(index, ()):
                rows.append(recruit.row)
                recruit_evidence.append(
                    self._recruit_evidence(comments, burst, own, recruit, len(comments))
                )
        articles = sorted({bursts[b].article_id for b in members_in})
        recruited_accounts = {
            comments[r.row].author for found in recruited.values() for r in found
        } - set(accounts)
        share = sum(shares) / len(shares)
        score = 0.5 + 0.45 * share * (1.0 - 0.5 ** (len(articles) - 1))
        group_comments = [comments[r] for r in sorted(set(rows))]
        longest = max(bursts[b].ended_at - bursts[b].started_at for b in members_in)
        summary = (
            f"{plural(len(accounts), 'account')} commented together in short bursts under "
            f"{plural(len(articles), 'article')} (each burst at most {describe_duration(longest)}"
            f" long, the article quiet before and after); in each burst they were "
            f"{min(shares):.0%} or more of the accounts commenting"
        )
        if recruited_accounts:
            summary += (
                f"; {plural(len(recruited_accounts), 'more account')} in those bursts used the "
                f"group's distinctive terms"
            )
        group = group_evidence(
            group_comments,
            f"{plural(len(group_comments), 'comment')} by {plural(len(accounts), 'account')} in "
            f"{plural(len(burst_evidence), 'burst')} under "
            f"{plural(len(articles), 'article')}; weight is the number of bursts, similarity "
            f"the group's mean share of the accounts in them",
            similarity=share,
            weight=float(len(burst_evidence)),
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=min(score, 1.0),
            summary=summary,
            comment_ids=tuple(sorted(c.comment_id for c in group_comments)),
            evidence=(group, *burst_evidence, *recruit_evidence),
        )

    def _recruit_evidence(
        self,
        comments: Sequence[Comment],
        burst: Burst,
        own: Sequence[int],
        recruit: Recruit,
        total: int,
    ) -> Evidence:
        comment = comments[recruit.row]
        echoed = [r for r in own if distinctive_candidates(comments[r].text) & set(recruit.terms)]
        quoted = ", ".join(f"'{t}'" for t in recruit.terms)
        return Evidence(
            kind=EvidenceKind.SHARED_TEXT,
            summary=(
                f"{comment.author} also commented in the group's burst under {burst.article_id} "
                f"and used {plural(len(recruit.terms), 'term')} the group used there ({quoted}); "
                f"none is in the article, and each is used by at most "
                f"{self.params.max_term_share:.1%} of the {total} comments in the input besides "
                f"the group's and the burst's; weight is the number of shared terms"
            ),
            comment_ids=tuple(sorted(comments[r].comment_id for r in [recruit.row, *echoed])),
            authors=tuple(sorted({comments[r].author or "" for r in [recruit.row, *echoed]})),
            article_ids=(burst.article_id,),
            shared_text=", ".join(recruit.terms),
            weight=float(len(recruit.terms)),
        )

    def _burst_evidence(
        self,
        comments: Sequence[Comment],
        burst: Burst,
        own: Sequence[int],
        members: frozenset[str],
        share: float,
    ) -> Evidence:
        started = datetime.fromtimestamp(burst.started_at, tz=UTC)
        ended = datetime.fromtimestamp(burst.ended_at, tz=UTC)
        names = sorted(members)
        listed = ", ".join(names[:MAX_LISTED_ACCOUNTS]) + (
            ", ..." if len(names) > MAX_LISTED_ACCOUNTS else ""
        )
        return Evidence(
            kind=EvidenceKind.TIME_WINDOW,
            summary=(
                f"under {burst.article_id}, {len(members)} of the {len(burst.accounts)} accounts "
                f"commenting between {started:%Y-%m-%d %H:%M} and {ended:%Y-%m-%d %H:%M} UTC "
                f"({describe_duration(burst.ended_at - burst.started_at)}, "
                f"{plural(len(burst.rows), 'comment')}, no other comment under the article within "
                f"{describe_duration(burst.quiet_gap_seconds)} before or after) were the group: "
                f"{listed}; similarity is the group's share of the accounts"
            ),
            comment_ids=tuple(sorted(comments[r].comment_id for r in own)),
            authors=tuple(names),
            article_ids=(burst.article_id,),
            similarity=share,
            weight=float(len(own)),
            started_at=started,
            ended_at=ended,
        )
