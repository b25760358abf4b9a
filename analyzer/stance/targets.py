"""Stance toward named targets: favor / against / none toward "Russia", "Lukashenka", ...

No licensed target-stance training data exists here (RUW has no licence; SemEval-2016 may not
be redistributed), so this component is not trained. It is target-directed sentiment with
explicit attribution rules, plus two inference rules from balance theory:

1. **Targets**: the configured ones (``stance.targets.targets``, ``'Name=alias|alias'``) and the
   names the article keeps using (capitalized names in its running text, counted over title
   and body; demonyms and capitals fold into their country: "Belarusian", "Minsk" ->
   Belarus). A name the article uses once is kept when a comment names it too.
2. **Mentions**: a target's name, aliases, demonyms ("Russian") and possessives ("Russia's");
   third-person pronouns ("they", "their", "he") taken to mean the target named last in the
   comment, else the article's main subject (the top-ranked name, preferring the title's).
3. **Target-directed sentiment**: VADER's word valences (with its negation, booster, capitals
   and "but" rules) plus a short conflict-news supplement (``LEXICON_SUPPLEMENT``). Each
   valenced word is attributed to one mention, clause by clause:

   - a possessive owns the words right after it ("Russia's strength");
   - after a mention, words belong to the first mention of the clause, its agent ("Russia
     invaded Ukraine" blames Russia, not Ukraine); a mention that is the object of a verb or
     preposition takes a negative word after it only at a quarter weight (it is more likely the
     victim: "sanctions are hitting Belarus hard");
   - before any mention, positive words go to the next mention ("a strong Union State", "we
     support Ukraine"); negative words do when they modify it ("evil Russia") or when the
     clause is the writer's own act ("I hate ..."), else at a quarter weight;
   - a clause without a mention goes to its sentence's first mention at half weight, and a
     sentence without one ("Smart move.", "Hypocrisy!") to the target the comment spoke of
     last, at 0.7;
   - a positive word in scare quotes ('Russia is "so great."') counts as negative, and
     "so-called" before a name counts against it.

   A target's net score is VADER's normalisation of its attributed sum; favor/against at
   ``threshold`` (0.05, VADER's own cut-off).
4. **Relations** (balance theory): a target the comment does not mention takes the stance the
   comment shows toward a related target: the same toward an ally, the opposite toward an
   opponent. Relations are configured (``opposed``, ``allied``) or come from the article (two
   targets the article judges the same way are allies, opposite ways opponents).
5. **Article transfer** (stance-research.md, item 10): failing that, the comment's stance
   toward the article times the article's stance toward the target, when the comment's
   stance is confident and the article's stance toward the target is clear.

Confidence is a fixed, documented function of the net score and the basis; it is **not**
fitted (there is no licensed data to fit it on). docs/stance-model.md reports how it reads
against RUW test.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from analyzer.config import TargetStanceParams
from analyzer.errors import ConfigError, ModelError
from analyzer.model import (
    Article,
    Comment,
    Evidence,
    EvidenceKind,
    Span,
    StanceLabel,
    StanceResult,
    TargetStance,
    TargetStanceLabel,
)
from analyzer.registry import Registry


class TargetStanceComponent(Protocol):
    """Judges each comment against named targets; one tuple of results per comment id."""

    name: ClassVar[str]
    version: ClassVar[str]

    @classmethod
    def from_params(cls, params: TargetStanceParams) -> TargetStanceComponent: ...

    def judge(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        stance: Mapping[str, StanceResult],
    ) -> dict[str, tuple[TargetStance, ...]]: ...


TARGET_STANCE: Registry[TargetStanceComponent] = Registry("target-stance component")

# Country -> demonyms, capital and metonyms. General world knowledge, not learned from data;
# leaders are left out on purpose (they change): add them as aliases, 'Russia=Putin'.
GAZETTEER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Russia": ("Russian", "Russians", "Moscow", "Kremlin", "Russian Federation"),
        "Ukraine": ("Ukrainian", "Ukrainians", "Kyiv", "Kiev"),
        "Belarus": ("Belarusian", "Belarusians", "Minsk"),
        "China": ("Chinese", "Beijing", "PRC"),
        "United States": (
            "American",
            "Americans",
            "Washington",
            "USA",
            "U.S.",
            "US",
            "White House",
        ),
        "United Kingdom": ("British", "Britain", "London", "UK", "U.K."),
        "European Union": ("EU", "Brussels"),
        "NATO": ("North Atlantic Treaty Organization",),
        "France": ("French", "Paris"),
        "Germany": ("German", "Germans", "Berlin"),
        "Poland": ("Polish", "Poles", "Warsaw"),
        "Hungary": ("Hungarian", "Hungarians", "Budapest"),
        "Lithuania": ("Lithuanian", "Lithuanians", "Vilnius"),
        "Latvia": ("Latvian", "Latvians", "Riga"),
        "Estonia": ("Estonian", "Estonians", "Tallinn"),
        "Moldova": ("Moldovan", "Moldovans", "Chisinau"),
        "Georgia": ("Georgian", "Georgians", "Tbilisi"),
        "Turkey": ("Turkish", "Ankara", "Türkiye"),
        "Iran": ("Iranian", "Iranians", "Tehran"),
        "Israel": ("Israeli", "Israelis", "Jerusalem"),
        "Syria": ("Syrian", "Syrians", "Damascus"),
        "India": ("Indian", "Indians", "New Delhi"),
        "Japan": ("Japanese", "Tokyo"),
        "North Korea": ("North Korean", "North Koreans", "Pyongyang", "DPRK"),
        "South Korea": ("South Korean", "South Koreans", "Seoul"),
        "Canada": ("Canadian", "Canadians", "Ottawa"),
        "Serbia": ("Serbian", "Serbians", "Belgrade"),
        "Kazakhstan": ("Kazakh", "Kazakhs", "Astana"),
    }
)

# Conflict- and politics-news words VADER's lexicon lacks, on VADER's -4..+4 scale. Written
# from general knowledge of the genre, not taken from any evaluation set.
LEXICON_SUPPLEMENT: Mapping[str, float] = MappingProxyType(
    {
        "invade": -2.5, "invaded": -2.5, "invades": -2.5, "invading": -2.5, "invasion": -2.5,
        "invader": -2.5, "invaders": -2.5, "occupier": -2.5, "occupiers": -2.5,
        "occupation": -1.5, "occupied": -1.2, "annexed": -1.5, "annexation": -1.5,
        "genocide": -3.5, "atrocity": -3.0, "atrocities": -3.0, "massacre": -3.5,
        "slaughter": -3.0, "crimes": -2.5, "bombed": -2.0, "bombing": -2.0, "bombings": -2.0,
        "shelling": -2.0, "shelled": -2.0, "looting": -2.0, "nazi": -3.0, "nazis": -3.0,
        "fascist": -3.0, "fascists": -3.0, "terrorists": -3.5, "terrorism": -3.0,
        "regime": -1.0, "dictator": -2.5, "dictatorship": -2.5, "tyrant": -2.5,
        "puppet": -1.5, "hypocrisy": -2.0, "hypocrites": -2.3, "warmonger": -2.5,
        "warmongers": -2.5, "thug": -2.3,
        "thugs": -2.3, "butcher": -2.5, "corrupt": -2.3, "corruption": -2.3, "sham": -2.0,
        "escalation": -1.0, "escalating": -1.0, "cowards": -2.0, "pariah": -2.0,
        "traitor": -2.5, "traitors": -2.5, "scum": -3.0, "unprovoked": -1.5, "lie": -1.8,
        "victory": 2.5, "victorious": 2.5, "resilience": 2.0, "resilient": 2.0,
        "solidarity": 2.0, "stability": 1.5, "cooperation": 1.5, "defend": 1.2,
        "defending": 1.2, "defenders": 1.5, "liberation": 1.5, "liberated": 1.5,
        "allies": 1.0, "ally": 1.0,
    }
)  # fmt: skip

VICTIM, HALF, FOCAL = 0.0, 0.5, 0.7  # attribution weights (module docstring, item 3)
RELATION_DECAY = 0.8  # a stance inferred through a relation is weaker than a stated one
ARTICLE_CLEAR = 0.3  # |article score| at which the article's stance toward a target is clear
VADER_ALPHA = 15.0  # VADER's normalisation constant

_TITLE_WORDS = frozenset(
    {
        "president", "prime", "minister", "chancellor", "mr", "mrs", "ms", "dr", "king",
        "queen", "pope", "senator", "general", "secretary", "leader", "premier", "dictator",
    }
)  # fmt: skip
# Capitalized words that start sentences or headings but are not names.
_NOT_NAMES = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "despite", "however", "in", "on",
        "at", "for", "and", "but", "or", "if", "it", "its", "he", "she", "they", "we", "i",
        "you", "his", "her", "their", "our", "my", "your", "as", "by", "with", "from", "to",
        "of", "after", "before", "while", "when", "since", "although", "also", "additionally",
        "notably", "meanwhile", "moreover", "reports", "according", "key", "specific", "plans",
        "companies", "there", "here", "what", "who", "why", "how", "yes", "no", "not", "so",
        "then", "thus", "today", "yesterday", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "january", "february", "march", "april", "may",
        "june", "july", "august", "september", "october", "november", "december", "comments",
        *_TITLE_WORDS,
    }
)  # fmt: skip
_PREPOSITIONS = frozenset(
    {
        "in", "into", "on", "onto", "at", "against", "to", "for", "with", "from", "by", "over",
        "of", "about", "toward", "towards", "than", "upon", "under", "within", "without",
        "behind", "between", "among", "across", "through",
    }
)  # fmt: skip
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "all", "so"})
_WRITER_SUBJECTS = frozenset(
    {"i", "i'm", "we", "we're", "we've", "i've", "let", "let's", "stop", "fuck", "screw", "down"}
)
_THEY = frozenset({"they", "them", "their", "theirs", "they're", "they've", "themselves"})
_HE = frozenset({"he", "him", "his", "he's", "himself", "she", "her", "hers", "she's"})
_CLAUSE_END = re.compile(r"[,;:()]$|^[()]")
_CLAUSE_BREAKERS = frozenset({"but", "while", "whereas", "although", "though"})
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|$)")
_NAME = re.compile(r"[A-Z][\w'’.\-]*[\w]?(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’\-]*[\w]?)*")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target and the surface forms that count as mentioning it."""

    name: str
    aliases: tuple[str, ...] = ()
    source: str = "user"  # "user" or "article"
    person: bool = False
    mentions: int = 0  # in the article (extracted targets)
    rank: int | None = None  # 0 = the article's main subject; None = not in the article


def demonym_forms(name: str) -> tuple[str, ...]:
    """Adjective/people forms a single-word place name may take: Russia -> Russian(s)."""
    if " " in name or not name.isalpha():
        return ()
    if name.endswith("a"):  # Russia -> Russian, Georgia -> Georgian
        return (name + "n", name + "ns")
    stem = name[:-1] if name.endswith("e") else name  # Ukraine -> Ukrainian, Belarus -> Belarusian
    return (stem + "ian", stem + "ians")


def parse_target(text: str, *, source: str = "user") -> TargetSpec:
    """``'Name'`` or ``'Name=alias|alias'`` -> a spec with gazetteer and demonym aliases added."""
    name, _, alias_text = text.partition("=")
    name = name.strip()
    if not name:
        raise ConfigError(
            f"target {text!r} has no name",
            hint="write a target as 'Name' or 'Name=alias|alias', e.g. 'Russia=Putin|Kremlin'",
        )
    given = tuple(a.strip() for a in alias_text.split("|") if a.strip())
    return TargetSpec(name=name, aliases=_expand_aliases(name, given), source=source)


def _expand_aliases(name: str, given: Sequence[str] = ()) -> tuple[str, ...]:
    known = next((k for k in GAZETTEER if k.lower() == name.lower()), None)
    found = [*given, *(GAZETTEER[known] if known else ()), *demonym_forms(name)]
    return tuple(dict.fromkeys(a for a in found if a.lower() != name.lower()))


# --- finding targets in an article --------------------------------------------------------


def _is_heading(line: str) -> bool:
    words = [w for w in line.split() if w[:1].isalpha()]
    if not words or line.rstrip().endswith((".", "!", "?")) or len(words) > 14:
        return False
    capital = sum(1 for w in words if w[0].isupper() or w.lower() in {"of", "the", "and", "in"})
    return capital / len(words) >= 0.8


def _clean_name(raw: str) -> tuple[str, bool]:
    """Strip a possessive and leading non-name words; returns (name, preceded by a title)."""
    words = _POSSESSIVE.sub("", raw.strip().rstrip(".")).split()
    titled = False
    while words and words[0].lower().strip("'’") in _NOT_NAMES:
        titled = titled or words[0].lower() in _TITLE_WORDS
        words = words[1:]
    while words and words[-1].lower() in {"of", "the"}:
        words = words[:-1]
    name = " ".join(words)
    if any(ch.isdigit() for ch in name) or sum(ch.isalpha() for ch in name) < 2:
        return "", titled
    return name, titled


@dataclass(slots=True)
class _Candidate:
    name: str
    count: float = 0.0
    first: int = 1 << 30
    person: bool = False
    title_at: int | None = None  # offset of its first mention in the title
    forms: set[str] = field(default_factory=set)


def _name_occurrences(text: str) -> list[tuple[int, str, bool, bool]]:
    """(offset, name, sentence-initial, titled) for capitalized names in ``text``."""
    found = []
    for match in _NAME.finditer(text):
        before = text[: match.start()].rstrip()
        initial = not before or before[-1] in '.!?:\n-•*"“'
        name, titled = _clean_name(match.group())
        prev = before.split()[-1].lower().strip(".,") if before.split() else ""
        titled = titled or prev in _TITLE_WORDS
        if name:
            found.append((match.start(), name, initial and name == match.group().strip(), titled))
    return found


def extract_targets(
    article: Article | None,
    comments: Sequence[Comment] = (),
    *,
    max_targets: int = 6,
    min_mentions: int = 2,
) -> tuple[TargetSpec, ...]:
    """The names the article keeps using, most-used first (its main subject is the first)."""
    if article is None or max_targets == 0:
        return ()
    body = article.text
    lowered = _lower_only(f"{article.title}\n{body}")
    candidates: dict[str, _Candidate] = {}
    headings: list[str] = [article.title] if article.title else []
    offset = 0
    for line in body.splitlines(keepends=True):
        if _is_heading(line):
            headings.append(line)
            offset += len(line)
            continue
        for start, name, initial, titled in _name_occurrences(line):
            # A lone capitalized word opening a sentence that the text also uses in lower
            # case ("Reports indicate", "Despite") is a common word, not a name.
            if (
                initial
                and " " not in name
                and re.search(rf"\b{re.escape(name.lower())}\b", lowered)
            ):
                continue
            cand = candidates.setdefault(name, _Candidate(name))
            cand.count += 1
            cand.first = min(cand.first, offset + start)
            cand.person = cand.person or titled
        offset += len(line)
    _fold_variants(candidates)
    for heading in headings:  # headings and the title weigh in, but create no names
        is_title = heading == article.title
        for cand in candidates.values():
            hits = [
                m.start()
                for form in (cand.name, *cand.forms, *_expand_aliases(cand.name))
                for m in re.finditer(rf"\b{re.escape(form)}\b", heading)
            ]
            if hits:
                cand.count += 2 if is_title else 1
                if is_title:
                    cand.title_at = min(hits)
    comment_text = "\n".join(c.text for c in comments)
    kept = []
    for cand in candidates.values():
        forms = (cand.name, *cand.forms, *_expand_aliases(cand.name))
        named_by_comment = any(
            re.search(rf"\b{re.escape(form)}\b", comment_text, re.IGNORECASE) for form in forms
        )
        if cand.count >= min_mentions or (cand.count >= 1 and named_by_comment):
            kept.append(cand)
    # The main subject: the first name of the title (a headline opens with its topic), else
    # the most-used name; the rest by use.
    kept.sort(key=lambda c: (-c.count, c.first))
    in_title = sorted((c for c in kept if c.title_at is not None), key=lambda c: c.title_at or 0)
    ranked = [*in_title[:1], *(c for c in kept if c not in in_title[:1])]
    return tuple(
        TargetSpec(
            name=c.name,
            aliases=_expand_aliases(c.name, sorted(c.forms - {c.name})),
            source="article",
            person=c.person,
            mentions=round(c.count),
            rank=rank,
        )
        for rank, c in enumerate(ranked[:max_targets])
    )


def _lower_only(text: str) -> str:
    """The words of ``text`` that are written in lower case, space-joined."""
    return " ".join(w for w in re.findall(r"[\w'’-]+", text) if w.islower())


def _fold_variants(candidates: dict[str, _Candidate]) -> None:
    """Merge demonyms, capitals and full names into the name they stand for, in place."""
    owner: dict[str, str] = {}
    for name in candidates:
        for alias in _expand_aliases(name):
            owner.setdefault(alias, name)
    for name in list(candidates):
        words = name.split()
        target = owner.get(name)
        if target is None and len(words) > 1 and words[-1] in candidates:
            target = words[-1]  # "Alexander Lukashenka" -> "Lukashenka"
        if target is None and len(words) > 1 and words[0] in candidates:
            target = words[0]  # "Belarus Defense" stays a phrase only if nothing owns it
            if candidates[target].person or name.lower().startswith(("union", "united")):
                target = None
        if target is None or target == name or target not in candidates:
            continue
        cand = candidates.pop(name)
        into = candidates[target]
        into.count += cand.count
        into.first = min(into.first, cand.first)
        into.person = into.person or cand.person or (len(words) > 1 and words[-1] == target)
        into.forms |= {name, *cand.forms}


# --- scoring a text against targets -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    word: str  # as VADER sees it (outer punctuation stripped)
    sentence: int
    clause: int


@dataclass(frozen=True, slots=True)
class _Anchor:
    target: int
    token: int
    last_token: int
    possessive: bool
    pronoun: bool
    object_like: bool


@dataclass(slots=True)
class _Tally:
    total: float = 0.0
    parts: list[tuple[float, int, int]] = field(default_factory=list)  # (weighted, start, end)
    mentioned: bool = False
    pronoun_only: bool = True

    def add(self, value: float, start: int, end: int) -> None:
        self.total += value
        self.parts.append((value, start, end))


def _normalise(total: float) -> float:
    return total / math.sqrt(total * total + VADER_ALPHA)


class _Matcher:
    """Finds the mentions of a fixed list of targets in a text."""

    def __init__(self, targets: Sequence[TargetSpec]) -> None:
        self.targets = tuple(targets)
        self._patterns: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = []
        for spec in self.targets:
            forms = sorted({spec.name, *spec.aliases}, key=len, reverse=True)
            folded = [f for f in forms if not (f.isupper() and len(f) <= 4)]
            exact = [f for f in forms if f.isupper() and len(f) <= 4]  # US, UK, EU: case matters
            loose = re.compile(
                r"(?<![\w])(?:"
                + "|".join(re.escape(f) for f in folded)
                + r")(?:'s|’s|'|’)?(?![\w])",
                re.IGNORECASE,
            )
            strict = (
                re.compile(
                    r"(?<![\w])(?:" + "|".join(re.escape(f) for f in exact) + r")(?:'s|’s)?(?![\w])"
                )
                if exact
                else None
            )
            self._patterns.append((loose, strict))

    def spans(self, text: str) -> list[tuple[int, int, int, bool]]:
        """(target index, start, end, possessive), earliest first, longest match wins."""
        found: list[tuple[int, int, int, bool]] = []
        for index, (loose, strict) in enumerate(self._patterns):
            for pattern in (loose, strict):
                if pattern is None:
                    continue
                for m in pattern.finditer(text):
                    found.append((index, m.start(), m.end(), bool(_POSSESSIVE.search(m.group()))))
        found.sort(key=lambda f: (f[1], -(f[2] - f[1])))
        kept: list[tuple[int, int, int, bool]] = []
        for item in found:
            if kept and item[1] < kept[-1][2]:
                continue
            kept.append(item)
        return kept


class TargetSentiment:
    """Attributes VADER word valences to target mentions (module docstring, item 3)."""

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import (  # noqa: PLC0415
                BOOSTER_DICT,
                SentimentIntensityAnalyzer,
                SentiText,
            )
        except ImportError:
            raise ModelError(
                "vaderSentiment is not installed (target stance needs it)",
                hint="pip install vadersentiment, or set stance.targets.enabled to false",
            ) from None
        self._analyzer: Any = SentimentIntensityAnalyzer()
        self._analyzer.lexicon.update(LEXICON_SUPPLEMENT)
        self._boosters: Mapping[str, float] = BOOSTER_DICT
        self._senti_text: Any = SentiText

    def valences(self, words: Sequence[str]) -> list[float]:
        """VADER's per-word valences for one sentence (negation, boosters, caps, 'but')."""
        senti = self._senti_text(" ".join(words))
        tokens = senti.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(tokens):
            lowered = item.lower()
            if lowered in self._boosters or (
                lowered == "kind" and i + 1 < len(tokens) and tokens[i + 1].lower() == "of"
            ):
                sentiments.append(0.0)
                continue
            sentiments = self._analyzer.sentiment_valence(0.0, senti, item, i, sentiments)
        lowered_all = [t.lower() for t in tokens]
        if "but" in lowered_all:  # VADER's contrast rule, without its duplicate-value quirk
            pivot = lowered_all.index("but")
            sentiments = [
                v * (0.5 if i < pivot else 1.5 if i > pivot else 1.0)
                for i, v in enumerate(sentiments)
            ]
        return [float(v) for v in sentiments]

    def attribute(
        self,
        text: str,
        matcher: _Matcher,
        *,
        main_subject: int | None = None,
        main_person: int | None = None,
    ) -> dict[int, _Tally]:
        """Target index -> attributed valence (and the spans that carried it)."""
        tokens = _tokenize(text)
        if not tokens:
            return {}
        anchors = _anchors(text, tokens, matcher, main_subject, main_person)
        tallies: dict[int, _Tally] = {}
        for anchor in anchors:
            tally = tallies.setdefault(anchor.target, _Tally())
            tally.mentioned = True
            tally.pronoun_only = tally.pronoun_only and anchor.pronoun
        by_sentence: dict[int, list[int]] = {}
        for index, token in enumerate(tokens):
            by_sentence.setdefault(token.sentence, []).append(index)
        anchor_at = {a.token: a for a in anchors}
        focal: int | None = None
        for sentence in sorted(by_sentence):
            indices = by_sentence[sentence]
            words = [tokens[i].word for i in indices]
            valences = self.valences(words)
            valences = _scare_quotes(text, [tokens[i] for i in indices], valences)
            s_anchors = [anchor_at[i] for i in indices if i in anchor_at]
            clause_start = {i: tokens[i].clause for i in indices}
            writer_sentence = tokens[indices[0]].word.lower() in _WRITER_SUBJECTS
            first_in_clause: dict[int, int] = {}
            for index in indices:
                clause = tokens[index].clause
                first_in_clause.setdefault(clause, index)
            for pos, index in enumerate(indices):
                value = valences[pos]
                token = tokens[index]
                lowered = token.word.lower()
                if lowered == "so-called":
                    value = -1.5
                if value == 0.0 or index in anchor_at:
                    continue
                clause_anchors = [a for a in s_anchors if clause_start[a.token] == token.clause]
                owner: _Anchor | None = None
                weight = 1.0
                owned = [
                    a
                    for a in clause_anchors
                    if a.possessive and a.last_token < index <= a.last_token + 3
                ]
                before = [a for a in clause_anchors if a.last_token < index]
                after = [a for a in clause_anchors if a.token > index]
                if owned:
                    owner = owned[-1]
                elif before:
                    owner = before[0]
                    weight = VICTIM if (owner.object_like and value < 0) else 1.0
                elif after:
                    owner = after[0]
                    if value < 0:
                        modifies = owner.token - index == 1 or (
                            owner.token - index == 2
                            and tokens[index + 1].word.lower() in _DETERMINERS
                        )
                        first_word = tokens[first_in_clause[token.clause]].word.lower()
                        writer = (
                            first_word in _WRITER_SUBJECTS or index == first_in_clause[token.clause]
                        )
                        weight = 1.0 if (modifies or writer or lowered == "so-called") else VICTIM
                elif s_anchors and (not s_anchors[0].object_like or writer_sentence):
                    # The sentence is about its subject; when the subject is not a target
                    # ("Sanctions are hitting Belarus ..."), its other clauses are not either.
                    owner, weight = s_anchors[0], HALF
                elif s_anchors:
                    continue
                elif focal is not None:
                    tally = tallies.setdefault(focal, _Tally())
                    tally.add(FOCAL * value, *_sentence_span(tokens, indices))
                    continue
                if owner is not None:
                    tally = tallies[owner.target]
                    tally.add(weight * value, *_clause_span(tokens, indices, token.clause))
            if s_anchors:
                focal = s_anchors[-1].target
        return tallies


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for sentence_no, sentence in enumerate(_SENTENCE.finditer(text)):
        clause = 0
        for m in re.finditer(r"\S+", sentence.group()):
            raw = m.group()
            start = sentence.start() + m.start()
            if raw.lower().strip(string.punctuation) in _CLAUSE_BREAKERS:
                clause += 1
            stripped = raw.strip(string.punctuation)
            word = stripped if len(stripped) > 2 else raw
            tokens.append(_Token(start, start + len(raw), word, sentence_no, clause))
            if _CLAUSE_END.search(raw):
                clause += 1
    return tokens


def _anchors(
    text: str,
    tokens: Sequence[_Token],
    matcher: _Matcher,
    main_subject: int | None,
    main_person: int | None,
) -> list[_Anchor]:
    starts = [t.start for t in tokens]

    def token_at(offset: int) -> int:
        low, high = 0, len(starts) - 1
        while low < high:  # last token starting at or before offset
            mid = (low + high + 1) // 2
            if starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return low

    anchors: list[_Anchor] = []
    taken: set[int] = set()
    for target, start, end, possessive in matcher.spans(text):
        first, last = token_at(start), token_at(max(start, end - 1))
        taken.update(range(first, last + 1))
        anchors.append(_Anchor(target, first, last, possessive, False, _object_like(tokens, first)))
    persons = {i for i, spec in enumerate(matcher.targets) if spec.person}
    for index, token in enumerate(tokens):
        word = token.word.lower().strip(string.punctuation + "’")
        if index in taken or (word not in _THEY and word not in _HE):
            continue
        earlier = [a for a in anchors if a.token < index and not a.pronoun]
        resolved: int | None
        if word in _HE:
            people = [a.target for a in earlier if a.target in persons]
            resolved = people[-1] if people else (main_person if not earlier else None)
        else:
            things = [a.target for a in earlier if a.target not in persons]
            resolved = things[-1] if things else main_subject
        if resolved is None:
            continue
        anchors.append(
            _Anchor(
                resolved,
                index,
                index,
                word in {"their", "his", "her", "its", "theirs", "hers"},
                True,
                _object_like(tokens, index),
            )
        )
    anchors.sort(key=lambda a: a.token)
    return anchors


def _object_like(tokens: Sequence[_Token], index: int) -> bool:
    """True when content words precede the mention in its clause (not its subject)."""
    token = tokens[index]
    back = index - 1
    while (
        back >= 0
        and tokens[back].clause == token.clause
        and tokens[back].sentence == (token.sentence)
    ):
        word = tokens[back].word.lower()
        if word in _PREPOSITIONS:
            return True
        if word not in _DETERMINERS and word not in {"and", "or", "both", "even", "only", "just"}:
            return True
        back -= 1
    return False


def _scare_quotes(text: str, tokens: Sequence[_Token], valences: list[float]) -> list[float]:
    """A positive word inside short quotes ('so "great"') is used ironically: count it negative."""
    out = list(valences)
    for pos, token in enumerate(tokens):
        raw = text[token.start : token.end]
        if out[pos] <= 0:
            continue
        opened = raw[:1] in '"“' or (pos > 0 and text[tokens[pos - 1].start] in '"“')
        closed = raw.rstrip(".,!?")[-1:] in '"”' or (
            pos + 1 < len(tokens) and text[tokens[pos + 1].end - 1 : tokens[pos + 1].end] in '"”'
        )
        if opened and closed:
            out[pos] = -out[pos]
    return out


def _clause_span(tokens: Sequence[_Token], indices: Sequence[int], clause: int) -> tuple[int, int]:
    members = [tokens[i] for i in indices if tokens[i].clause == clause]
    return members[0].start, members[-1].end


def _sentence_span(tokens: Sequence[_Token], indices: Sequence[int]) -> tuple[int, int]:
    return tokens[indices[0]].start, tokens[indices[-1]].end


# --- the component ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Direct:
    score: float  # normalised, [-1, 1]
    tally: _Tally


def _scores(label: TargetStanceLabel, confidence: float) -> Mapping[str, float]:
    rest = (1.0 - confidence) / 2.0
    return MappingProxyType(
        {str(lab): (confidence if lab is label else rest) for lab in TargetStanceLabel}
    )


def _label(score: float, threshold: float) -> TargetStanceLabel:
    if score >= threshold:
        return TargetStanceLabel.FAVOR
    if score <= -threshold:
        return TargetStanceLabel.AGAINST
    return TargetStanceLabel.NONE


@TARGET_STANCE.register("lexical_target")
class LexicalTargetStance:
    """Target-directed sentiment + balance-theory relations + article transfer (module doc)."""

    name: ClassVar[str] = "lexical_target"
    version: ClassVar[str] = "1.0.0"

    def __init__(
        self, params: TargetStanceParams, sentiment: TargetSentiment | None = None
    ) -> None:
        self.params = params
        self.user_targets = tuple(parse_target(t) for t in params.targets)
        self.sentiment = sentiment or TargetSentiment()

    @classmethod
    def from_params(cls, params: TargetStanceParams) -> LexicalTargetStance:
        return cls(params)

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}"

    def targets_for(
        self, article: Article | None, comments: Sequence[Comment] = ()
    ) -> tuple[TargetSpec, ...]:
        """The configured targets, then the article's own (merged where they name the same)."""
        specs = list(self.user_targets)
        if self.params.extract:
            for spec in extract_targets(
                article,
                comments,
                max_targets=self.params.max_extracted,
                min_mentions=self.params.min_mentions,
            ):
                forms = {spec.name.lower(), *(a.lower() for a in spec.aliases)}
                same = next(
                    (
                        k
                        for k, user in enumerate(specs)
                        if {user.name.lower(), *(a.lower() for a in user.aliases)} & forms
                    ),
                    None,
                )
                if same is None:
                    specs.append(spec)
                else:  # a configured target the article also uses: keep the user's name
                    user = specs[same]
                    specs[same] = TargetSpec(
                        name=user.name,
                        aliases=tuple(dict.fromkeys((*user.aliases, *spec.aliases, spec.name))),
                        source="user",
                        person=spec.person,
                        mentions=spec.mentions,
                        rank=spec.rank,
                    )
        return tuple(specs)

    def judge(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        stance: Mapping[str, StanceResult],
    ) -> dict[str, tuple[TargetStance, ...]]:
        by_article: dict[str, list[Comment]] = {}
        for comment in comments:
            by_article.setdefault(comment.article_id, []).append(comment)
        out: dict[str, tuple[TargetStance, ...]] = {}
        for article_id, members in by_article.items():
            article = articles.get(article_id)
            specs = self.targets_for(article, members)
            if not specs:
                continue
            matcher = _Matcher(specs)
            main_subject, main_person = _main(specs)
            article_scores = self._article_scores(article, matcher, main_subject, main_person)
            relations = self._relations(specs, article_scores)
            for comment in members:
                out[comment.comment_id] = self._judge_one(
                    comment,
                    matcher,
                    (main_subject, main_person),
                    article_scores,
                    relations,
                    stance.get(comment.comment_id),
                )
        return out

    def _article_scores(
        self,
        article: Article | None,
        matcher: _Matcher,
        main_subject: int | None,
        main_person: int | None,
    ) -> dict[int, float]:
        """The article's own stance per target: attributed valence per mention, normalised."""
        if article is None or not (article.title or article.text):
            return {}
        text = f"{article.title}.\n{article.text}" if article.title else article.text
        tallies = self.sentiment.attribute(
            text, matcher, main_subject=main_subject, main_person=main_person
        )
        mentions = Counter(t for t, _, _, _ in matcher.spans(text))
        return {
            target: _normalise(tally.total / math.sqrt(max(1, mentions[target])))
            for target, tally in tallies.items()
        }

    def _relations(
        self, specs: Sequence[TargetSpec], article_scores: Mapping[int, float]
    ) -> dict[tuple[int, int], int]:
        """(i, j) -> +1 allies / -1 opponents; configured pairs win over the article's."""
        index = {s.name.lower(): i for i, s in enumerate(specs)}
        relations: dict[tuple[int, int], int] = {}
        clear = {t: s for t, s in article_scores.items() if abs(s) >= ARTICLE_CLEAR}
        for i, score_i in clear.items():
            for j, score_j in clear.items():
                if i != j:
                    relations[(i, j)] = 1 if score_i * score_j > 0 else -1
        for pairs, sign in ((self.params.allied, 1), (self.params.opposed, -1)):
            for a, b in pairs:
                if a.lower() in index and b.lower() in index:
                    i, j = index[a.lower()], index[b.lower()]
                    relations[(i, j)] = relations[(j, i)] = sign
        return relations

    def _judge_one(  # noqa: PLR0917
        self,
        comment: Comment,
        matcher: _Matcher,
        main: tuple[int | None, int | None],
        article_scores: Mapping[int, float],
        relations: Mapping[tuple[int, int], int],
        article_stance: StanceResult | None,
    ) -> tuple[TargetStance, ...]:
        specs = matcher.targets
        tallies = self.sentiment.attribute(
            comment.text, matcher, main_subject=main[0], main_person=main[1]
        )
        direct = {t: _Direct(_normalise(tally.total), tally) for t, tally in tallies.items()}
        results: list[TargetStance] = []
        for index, spec in enumerate(specs):
            found = direct.get(index)
            clear = found is not None and abs(found.score) >= self.params.threshold
            # A target named without sentiment of its own ("Russia invaded Ukraine": Ukraine)
            # may still be judged through a related target; the article transfer applies only
            # to targets the comment does not name at all.
            inferred = (
                None
                if clear
                else self._from_relation(comment, spec, index, direct, relations, specs)
            )
            if inferred is None and found is None:
                inferred = self._from_article(comment, spec, index, article_scores, article_stance)
            if inferred is None and found is not None:
                inferred = self._from_direct(comment, spec, found)
            results.append(inferred or self._nothing(spec))
        return tuple(results)

    def _from_direct(self, comment: Comment, spec: TargetSpec, found: _Direct) -> TargetStance:
        label = _label(found.score, self.params.threshold)
        basis = "coreference" if found.tally.pronoun_only else "mention"
        if label is TargetStanceLabel.NONE:
            confidence = 0.6
            evidence: tuple[Evidence, ...] = ()
        else:
            confidence = min(0.9, 0.5 + 0.4 * abs(found.score))
            sign = 1.0 if label is TargetStanceLabel.FAVOR else -1.0
            value, start, end = max(found.tally.parts, key=lambda p: sign * p[0])
            quote = comment.text[start:end]
            evidence = (
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN,
                    summary=f"{label} {spec.name}: '{quote[:160]}' "
                    f"({basis}, net sentiment {found.score:+.2f})",
                    comment_ids=(comment.comment_id,),
                    span=Span(start, end, quote),
                    weight=abs(value),
                ),
            )
        return self._result(
            spec,
            label,
            confidence,
            basis,
            evidence,
        )

    def _from_relation(  # noqa: PLR0917
        self,
        comment: Comment,
        spec: TargetSpec,
        index: int,
        direct: Mapping[int, _Direct],
        relations: Mapping[tuple[int, int], int],
        specs: Sequence[TargetSpec],
    ) -> TargetStance | None:
        best: tuple[float, int] | None = None
        for other, found in direct.items():
            sign = relations.get((other, index))
            if sign is None or abs(found.score) < self.params.threshold:
                continue
            value = sign * found.score * RELATION_DECAY
            if best is None or abs(value) > abs(best[0]):
                best = (value, other)
        if best is None:
            return None
        value, other = best
        label = _label(value, self.params.threshold)
        if label is TargetStanceLabel.NONE:
            return None
        confidence = min(0.8, 0.45 + 0.35 * abs(value))
        kind = "an ally of" if relations[(other, index)] > 0 else "an opponent of"
        source_ev = self._from_direct(comment, specs[other], direct[other]).evidence
        span = source_ev[0].span if source_ev else None
        return self._result(
            spec,
            label,
            confidence,
            "relation",
            (
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN,
                    summary=f"{label} {spec.name}: the comment is "
                    f"{_label(direct[other].score, self.params.threshold)} {specs[other].name}, "
                    f"{kind} {spec.name}",
                    comment_ids=(comment.comment_id,),
                    span=span,
                    weight=abs(value),
                ),
            ),
        )

    def _from_article(
        self,
        comment: Comment,
        spec: TargetSpec,
        index: int,
        article_scores: Mapping[int, float],
        article_stance: StanceResult | None,
    ) -> TargetStance | None:
        toward_target = article_scores.get(index, 0.0)
        if (
            not self.params.transfer
            or article_stance is None
            or not article_stance.supported
            or article_stance.abstained
            or article_stance.label not in (StanceLabel.SUPPORT, StanceLabel.OPPOSE)
            or article_stance.confidence < self.params.transfer_min_confidence
            or abs(toward_target) < ARTICLE_CLEAR
        ):
            return None
        sign = 1.0 if article_stance.label is StanceLabel.SUPPORT else -1.0
        value = sign * toward_target
        label = _label(value, self.params.threshold)
        confidence = min(0.8, article_stance.confidence * (0.5 + 0.5 * abs(toward_target)))
        article_label = _label(toward_target, self.params.threshold)
        return self._result(
            spec,
            label,
            confidence,
            "article_transfer",
            (
                Evidence(
                    kind=EvidenceKind.ARTICLE_PASSAGE,
                    summary=f"{label} {spec.name}: the comment's stance toward the article is "
                    f"{article_stance.label} ({article_stance.confidence:.2f}) and the article "
                    f"is {article_label} {spec.name} ({toward_target:+.2f})",
                    comment_ids=(comment.comment_id,),
                    article_ids=(comment.article_id,),
                    weight=abs(value),
                ),
            ),
        )

    def _nothing(self, spec: TargetSpec) -> TargetStance:
        return self._result(spec, TargetStanceLabel.NONE, 0.8, "none", ())

    def _result(
        self,
        spec: TargetSpec,
        label: TargetStanceLabel,
        confidence: float,
        basis: str,
        evidence: tuple[Evidence, ...],
    ) -> TargetStance:
        return TargetStance(
            target=spec.name,
            label=label,
            confidence=confidence,
            scores=_scores(label, confidence),
            basis=basis,
            evidence=evidence,
            source=spec.source,
            model=self.model_id,
        )


def _main(specs: Sequence[TargetSpec]) -> tuple[int | None, int | None]:
    """The article's main subject (best-ranked non-person name) and main person, if any."""
    ranked = sorted((s.rank, i) for i, s in enumerate(specs) if s.rank is not None)
    things = [i for _, i in ranked if not specs[i].person]
    people = [i for _, i in ranked if specs[i].person]
    return (things[0] if things else None), (people[0] if people else None)
