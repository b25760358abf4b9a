"""Short, one-sided, generic comments that several accounts post under the same article.

Paid or organized commenters often add a short cheer or jeer that never engages with what the
article says ("Smart move.", "Good to see this cooperation.", "This report clearly shows
Russia's strength."). One such comment means nothing: ordinary readers write them too. Several
accounts doing it under one article, on the same side, is a pattern worth a look.

Per comment (after quote stripping, so quoting the article does not count as engaging):

* ``min_words <= words <= max_words``: "+1" and "so true" are too short to judge, essays are
  not generic;
* **genericness** = share of content words (stop words removed) that are either in the
  lexicon below (evaluative praise/attack words and commentary filler that fits any article)
  or one of the article's ``topic_names`` most frequent capitalized names (naming the topic is
  not engaging with it). A comment is generic when this reaches ``min_generic_share``;
* **one-sided**: it uses praise words and no attack words (or the reverse); when it uses
  neither, its stance label (support/oppose) decides. Otherwise it is not counted.

Per article and side, the generic comments of distinct accounts form one group, reported from
``min_accounts`` accounts. **Supporting signal**: the score stays at most 0.45, below the
default flag threshold, unless ``flag_accounts`` of those accounts posted within
``window_seconds`` of each other (timestamps needed):

* supporting: ``score = min(0.45, mean genericness x (1 - 0.5 ** (accounts - 1)))``
* timed: ``score = 0.5 + 0.45 x mean genericness x (1 - 0.5 ** (k - flag_accounts + 1))`` for
  the largest number ``k`` of accounts in one window.

The lexicon is general English commentary vocabulary written for this project. It was checked
against the seed article and the organic corpora in the benchmark (see benchmarks/coordination),
but it is a lexicon: it misses generic comments in other words and other languages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from analyzer.config import GenericEndorsementParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import describe_duration, plural
from analyzer.coordination.evidence import group_evidence, unique_by_id, when_text
from analyzer.coordination.near_duplicate import QuoteStripper
from analyzer.model import (
    Article,
    Comment,
    Evidence,
    EvidenceKind,
    Requirement,
    Signal,
    Span,
    StanceLabel,
    StanceResult,
)

SUPPORT_CAP = 0.45
STRIP_BATCH_ROWS = 10_000

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever few
    for from further get gets got had has have having he her here hers herself him himself his how
    i if in into is it its itself just let lets me more most much must my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than
    that thats the their theirs them themselves then there these they this those through to too
    under until up us very was we were what when where which while who whom why will with would
    you your yours yourself yourselves im ive youre dont doesnt isnt arent wasnt werent wont cant
    its it's one ones way many every something anything thing things""".split()  # noqa: SIM905
)

PRAISE_WORDS = frozenset(
    """good great excellent strong strength stronger smart wise brilliant best better well right
    correct proud pride support supports supporting glad happy love loves finally perfect
    impressive positive crucial vital important essential stability stable peace peaceful secure
    security cooperation cooperate cooperating partnership partners allies ally alliance friend
    friends friendship unity united solidarity leadership leader leaders hero heroes respect
    respected bravo congratulations thanks thank thankful amazing awesome fantastic wonderful
    success successful win winning progress prosperity prosperous bright future deserve deserves
    smartest wisest genius courage courageous powerful power agree agreed exactly true truth
    honest honesty patriot patriotic""".split()  # noqa: SIM905
)

ATTACK_WORDS = frozenset(
    """bad terrible awful horrible disgrace disgraceful shame shameful pathetic stupid idiot idiots
    idiotic corrupt corruption liar liars lies lying lie fake fraud traitor traitors treason
    hypocrisy hypocrite hypocrites evil criminal criminals crooked incompetent incompetence
    disaster disastrous failure failed fail fails joke clown clowns weak weakness puppet puppets
    propaganda coward cowards cowardly sick disgusting ridiculous nonsense garbage trash worst
    wrong dangerous destroy destroying destroyed betrayal betrayed""".split()  # noqa: SIM905
)

COMMENTARY_WORDS = frozenset(
    """see seeing seen look looking looks shows show showing shown clearly clear obviously obvious
    report reports article news story stories country countries nation nations people world
    region regional interests interest move moves step stepping steps decision decisions policy
    time times today year years keep keeping going continue continues continuing doing done
    make makes making made need needs needed say says said think know knows believe hope
    really totally absolutely definitely simply indeed certainly always never everyone everybody
    nobody anyone side sides real fact facts matter matters whole point role world's
    government governments state states nations' citizens""".split()  # noqa: SIM905
)

GENERIC_WORDS = PRAISE_WORDS | ATTACK_WORDS | COMMENTARY_WORDS

_WORD_RE = re.compile(r"[a-z][a-z']*")
_NAME_RE = re.compile(r"\b[A-Z][a-zA-Z]+(?:'s)?")


@dataclass(frozen=True, slots=True)
class GenericComment:
    comment: Comment
    genericness: float
    side: str  # "praise" | "attack"
    cues: tuple[str, ...]  # the praise/attack words (or the stance label) that set the side


def topic_names(article: Article | None, limit: int) -> frozenset[str]:
    """The article's most frequent capitalized names, lower-cased (possessive dropped)."""
    if article is None or limit <= 0:
        return frozenset()
    counts: Counter[str] = Counter()
    for match in _NAME_RE.findall(f"{article.title}\n{article.text}"):
        word = match.lower().removesuffix("'s")
        if word not in STOP_WORDS:
            counts[word] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return frozenset(word for word, _ in ranked[:limit])


def content_words(text: str) -> list[str]:
    words = [w.removesuffix("'s").strip("'") for w in _WORD_RE.findall(text.lower())]
    return [w for w in words if len(w) >= 3 and w not in STOP_WORDS]


def _side(words: Sequence[str], stance: StanceResult | None) -> tuple[str, tuple[str, ...]] | None:
    praise = tuple(sorted({w for w in words if w in PRAISE_WORDS}))
    attack = tuple(sorted({w for w in words if w in ATTACK_WORDS}))
    if praise and not attack:
        return "praise", praise
    if attack and not praise:
        return "attack", attack
    if not praise and not attack and stance is not None:
        if stance.label is StanceLabel.SUPPORT:
            return "praise", ("stance: support",)
        if stance.label is StanceLabel.OPPOSE:
            return "attack", ("stance: oppose",)
    return None


@DETECTORS.register("generic_endorsement")
class GenericEndorsementDetector:
    """Several accounts posting short, one-sided comments that do not engage with the article."""

    name: ClassVar[str] = "generic_endorsement"
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.TEXT, Requirement.AUTHORS})
    role: ClassVar[str] = "supporting"

    def __init__(self, params: GenericEndorsementParams) -> None:
        self.params = params

    def classify(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        stance: Mapping[str, StanceResult],
    ) -> list[GenericComment]:
        """The comments that are generic and one-sided, with their genericness and cues."""
        if not comments:
            return []
        by_id = {c.comment_id: c for c in comments}
        parents = {c.parent_id: by_id[c.parent_id] for c in comments if c.parent_id in by_id}
        stripper = QuoteStripper(5, articles, parents)
        names: dict[str, frozenset[str]] = {}
        found: list[GenericComment] = []
        for i, comment in enumerate(comments):
            if i % STRIP_BATCH_ROWS == 0:  # in batches: bounded memory at any corpus size
                stripped = stripper(comments[i : i + STRIP_BATCH_ROWS])
            text = stripped.text(i % STRIP_BATCH_ROWS)
            n_words = len(text.split())
            if not self.params.min_words <= n_words <= self.params.max_words:
                continue
            if comment.article_id not in names:
                names[comment.article_id] = topic_names(
                    articles.get(comment.article_id), self.params.topic_names
                )
            words = content_words(comment.text)
            if not words:
                continue
            topic = names[comment.article_id]
            generic = sum(1 for w in words if w in GENERIC_WORDS or w in topic)
            genericness = generic / len(words)
            if genericness < self.params.min_generic_share:
                continue
            side = _side(words, stance.get(comment.comment_id))
            if side is not None:
                found.append(GenericComment(comment, genericness, side[0], side[1]))
        return found

    def detect(self, data: DetectionInput) -> list[Signal]:
        comments = [c for c in unique_by_id(data.comments) if c.author]
        groups: dict[tuple[str, str], list[GenericComment]] = {}
        for item in self.classify(comments, data.articles, data.stance):
            groups.setdefault((item.comment.article_id, item.side), []).append(item)
        found = []
        for (article_id, side), members in sorted(groups.items()):
            accounts = {m.comment.author for m in members}
            if len(accounts) >= self.params.min_accounts:
                found.append(self._signal(article_id, side, members))
        return found

    def _densest_window(self, members: Sequence[GenericComment]) -> list[GenericComment]:
        """The members within ``window_seconds`` that span the most distinct accounts."""
        timed = sorted(
            (m for m in members if m.comment.created_at is not None),
            key=lambda m: (m.comment.created_at, m.comment.comment_id),
        )
        best: list[GenericComment] = []
        best_accounts = 0
        for start in range(len(timed)):
            first = timed[start].comment.created_at
            assert first is not None
            window = [
                m
                for m in timed[start:]
                if m.comment.created_at is not None
                and (m.comment.created_at - first).total_seconds() <= self.params.window_seconds
            ]
            accounts = len({m.comment.author for m in window})
            if accounts > best_accounts:
                best, best_accounts = window, accounts
        return best

    def _signal(self, article_id: str, side: str, members: Sequence[GenericComment]) -> Signal:
        comments = [m.comment for m in members]
        accounts = sorted({c.author for c in comments if c.author})
        mean_generic = sum(m.genericness for m in members) / len(members)
        window = self._densest_window(members)
        window_accounts = len({m.comment.author for m in window})
        if window_accounts >= self.params.flag_accounts:
            steps = window_accounts - self.params.flag_accounts + 1
            window_generic = sum(m.genericness for m in window) / len(window)
            score = 0.5 + 0.45 * window_generic * (1.0 - 0.5**steps)
            timing = (
                f"; {window_accounts} of them within "
                f"{describe_duration(self.params.window_seconds)}"
            )
        else:
            score = min(SUPPORT_CAP, mean_generic * (1.0 - 0.5 ** (len(accounts) - 1)))
            timing = ""
        word = "praise" if side == "praise" else "attacks"
        summary = (
            f"{plural(len(accounts), 'account')} posted short generic {word} that does not "
            f"engage with article {article_id} ({plural(len(comments), 'comment')} "
            f"{when_text(comments)}{timing}; mean genericness {mean_generic:.2f})"
        )
        group = group_evidence(
            comments,
            f"{plural(len(comments), 'comment')} of one side with generic wording; similarity is "
            f"the mean genericness, weight the number of accounts",
            similarity=mean_generic,
            weight=float(len(accounts)),
        )
        per_comment = tuple(
            Evidence(
                kind=EvidenceKind.TEXT_SPAN,
                summary=(
                    f"{m.genericness:.0%} of the content words are generic or the article's "
                    f"topic names; one-sided ({m.side}: {', '.join(m.cues)})"
                ),
                comment_ids=(m.comment.comment_id,),
                authors=(m.comment.author,) if m.comment.author else (),
                article_ids=(article_id,),
                span=Span(0, len(m.comment.text), m.comment.text),
                similarity=m.genericness,
            )
            for m in sorted(members, key=lambda m: m.comment.comment_id)
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=min(1.0, score),
            summary=summary,
            comment_ids=group.comment_ids,
            evidence=(group, *per_comment),
        )
