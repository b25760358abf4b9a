"""Thread-aware training examples for the MiniLM stance model.

:mod:`analyzer.stance.datasets` gives flat (context, comment) pairs; the MiniLM model also needs
each reply's parent text and depth (conversation features) and a five-way target that keeps
RumourEval's ``query`` apart from ``comment``. The raw text is only read from ``data_dir``.

ARC claims come from NYT "Room for Debate" pages with two opposing claims each, but the files
carry no debate id. :func:`arc_debate_groups` rebuilds the grouping from the claims' content
words (each claim joined to its most similar claim, plus any pair sharing half its words), so the
leave-debate-out split holds out whole topics: a claim's opposite never sits in training.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.errors import DataError
from analyzer.stance.datasets import (
    ARC_BODIES_FILE,
    ARC_STANCE_FILES,
    REMOVED_TEXTS,
    RUMOUREVAL_FILE,
)
from analyzer.stance.encoder import join_context
from analyzer.stance.features import conversation_features

# The model's output classes. SDQC plus ARC's "unrelated"; the product labels are derived from
# these (support -> support, deny -> oppose, query/comment -> neutral, unrelated -> unrelated).
CLASSES: tuple[str, ...] = ("support", "deny", "query", "comment", "unrelated")
SDQC: tuple[str, ...] = ("support", "deny", "query", "comment")
ARC_TO_CLASS: Mapping[str, str] = {
    "agree": "support",
    "disagree": "deny",
    "discuss": "comment",
    "unrelated": "unrelated",
}
ARC_RELATED: tuple[str, ...] = ("agree", "disagree", "discuss")
ARC_HELD_OUT_FRACTION = 0.2
ARC_SPLIT_SEED = 13
# A second slice, of the debates left after the held-out ones: recipes that ask keep it out of
# training and fit the long-comment calibration on its train-file pairs.
ARC_CALIBRATION_FRACTION = 0.25
ARC_CALIBRATION_SEED = 29

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class StanceExamples:
    """Parallel tuples, one entry per labelled comment. ``targets`` index into ``CLASSES``."""

    contexts: tuple[str, ...]
    comments: tuple[str, ...]
    parents: tuple[str | None, ...]
    depths: tuple[int, ...]
    targets: tuple[int, ...]
    sources: tuple[str, ...]  # "rumoureval2019" | "arc"
    group_ids: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.comments)

    def segment_a(self) -> list[str]:
        return [join_context(c, p) for c, p in zip(self.contexts, self.parents, strict=True)]

    def features(self) -> npt.NDArray[np.float32]:
        return conversation_features(self.comments, self.parents, self.depths)

    def target_array(self) -> IntArray:
        return np.asarray(self.targets, dtype=np.int64)

    def subset(self, indices: Sequence[int]) -> StanceExamples:
        return StanceExamples(
            contexts=tuple(self.contexts[i] for i in indices),
            comments=tuple(self.comments[i] for i in indices),
            parents=tuple(self.parents[i] for i in indices),
            depths=tuple(self.depths[i] for i in indices),
            targets=tuple(self.targets[i] for i in indices),
            sources=tuple(self.sources[i] for i in indices),
            group_ids=tuple(self.group_ids[i] for i in indices),
        )


def concat_examples(parts: Sequence[StanceExamples]) -> StanceExamples:
    return StanceExamples(
        contexts=tuple(x for p in parts for x in p.contexts),
        comments=tuple(x for p in parts for x in p.comments),
        parents=tuple(x for p in parts for x in p.parents),
        depths=tuple(x for p in parts for x in p.depths),
        targets=tuple(x for p in parts for x in p.targets),
        sources=tuple(x for p in parts for x in p.sources),
        group_ids=tuple(x for p in parts for x in p.group_ids),
    )


def _read(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            f"stance data file not found: {path}",
            hint="pass --data-dir pointing at the folder with rumoureval2019/ and arc/ "
            "(normally ../shared/data/stance)",
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path} lacks column(s) {', '.join(missing)}", hint="use the CSV from PROVENANCE.md"
        )
    return frame


@dataclass(frozen=True, slots=True)
class RumourEvalPosts:
    """One official split as a table, with the gold SDQC labels of every post (sources too)."""

    examples: StanceExamples  # replies with text only, ready for the model
    post_ids: tuple[str, ...]  # aligned with ``examples``
    all_post_ids: tuple[str, ...]  # every labelled post of the split, sources and empty ones too
    all_labels: tuple[str, ...]
    all_is_source: tuple[bool, ...]
    all_has_text: tuple[bool, ...]
    platforms: tuple[str, ...]  # aligned with ``examples``: "twitter" or "reddit"
    events: tuple[str, ...]  # aligned with ``examples``: the Twitter event or the subreddit


def load_rumoureval_posts(data_dir: Path, split: str) -> RumourEvalPosts:
    path = Path(data_dir) / RUMOUREVAL_FILE
    frame = _read(
        path,
        (
            "split",
            "platform",
            "event",
            "post_id",
            "thread_id",
            "depth",
            "source_text",
            "parent_text",
            "text",
            "label",
        ),
    )
    frame = frame[frame["split"] == split]
    if frame.empty:
        raise DataError(f"{path} has no rows with split '{split}'", hint="valid: train, dev, test")
    labels = [label.strip().lower() for label in frame["label"]]
    bad = sorted({label for label in labels if label not in SDQC})
    if bad:
        raise DataError(f"{path}: unknown label(s) {bad}", hint=f"valid labels: {', '.join(SDQC)}")
    depths = [int(d) if d.strip() else 0 for d in frame["depth"]]
    texts = list(frame["text"])
    is_source = [d == 0 for d in depths]
    has_text = [t.strip() not in REMOVED_TEXTS for t in texts]
    keep = [i for i in range(len(texts)) if not is_source[i] and has_text[i]]
    sources = list(frame["source_text"])
    parent_texts = list(frame["parent_text"])
    thread_ids = list(frame["thread_id"])
    examples = StanceExamples(
        contexts=tuple(sources[i] for i in keep),
        # A direct reply's parent is the source post itself: no separate parent text.
        parents=tuple(parent_texts[i] if depths[i] > 1 else None for i in keep),
        comments=tuple(texts[i] for i in keep),
        depths=tuple(depths[i] for i in keep),
        targets=tuple(CLASSES.index(labels[i]) for i in keep),
        sources=("rumoureval2019",) * len(keep),
        group_ids=tuple(f"re:{thread_ids[i]}" for i in keep),
    )
    post_ids = list(frame["post_id"])
    platforms, events = list(frame["platform"]), list(frame["event"])
    return RumourEvalPosts(
        examples=examples,
        post_ids=tuple(post_ids[i] for i in keep),
        all_post_ids=tuple(post_ids),
        all_labels=tuple(labels),
        all_is_source=tuple(is_source),
        all_has_text=tuple(has_text),
        platforms=tuple(platforms[i] for i in keep),
        events=tuple(events[i] for i in keep),
    )


_CONTENT = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "be",
        "to",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "not",
        "no",
        "do",
        "does",
        "don't",
        "should",
        "can",
        "will",
        "have",
        "has",
        "it",
        "its",
        "it's",
        "too",
        "much",
        "more",
        "than",
        "with",
        "by",
        "as",
        "at",
        "from",
        "that",
        "this",
        "we",
        "our",
        "us",
        "you",
        "your",
        "they",
        "their",
        "s",
        "t",
        "isn",
        "aren",
        "doesn",
        "didn",
        "won",
        "shouldn",
    ]
)


def _claim_words(claim: str) -> frozenset[str]:
    return frozenset(w[:5] for w in _CONTENT.findall(claim.lower()) if w not in _STOP)


def arc_debate_groups(claims: Sequence[str]) -> dict[str, str]:
    """Map each claim to a debate id (connected components of similar claims)."""
    unique = sorted(set(claims))
    words = [_claim_words(c) for c in unique]
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    def jaccard(i: int, j: int) -> float:
        inter = len(words[i] & words[j])
        return inter / max(1, len(words[i] | words[j]))

    for i in range(len(unique)):
        scores = [(jaccard(i, j), j) for j in range(len(unique)) if j != i]
        best_score, best = max(scores, default=(0.0, i))
        if best_score > 0.0:
            union(i, best)
        for score, j in scores:
            if score >= 0.5:
                union(i, j)
    roots = {i: find(i) for i in range(len(unique))}
    return {claim: f"debate-{unique[roots[i]][:40]}" for i, claim in enumerate(unique)}


def _debate_share(debate_id: str, salt: int) -> float:
    digest = hashlib.sha256(f"{salt}:{debate_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def is_held_out_debate(debate_id: str) -> bool:
    return _debate_share(debate_id, ARC_SPLIT_SEED) < ARC_HELD_OUT_FRACTION


def is_calibration_debate(debate_id: str) -> bool:
    """The calibration slice: never a held-out debate, about a quarter of the others."""
    return (
        not is_held_out_debate(debate_id)
        and _debate_share(debate_id, ARC_CALIBRATION_SEED) < ARC_CALIBRATION_FRACTION
    )


@dataclass(frozen=True, slots=True)
class ArcPairs:
    claims: tuple[str, ...]
    bodies: tuple[str, ...]
    stances: tuple[str, ...]
    body_ids: tuple[str, ...]
    debates: tuple[str, ...]
    held_out: tuple[bool, ...]
    calibration: tuple[bool, ...]

    def related_bodies(self, slice_flags: Sequence[bool]) -> set[str]:
        """Body ids judged in the related pairs where ``slice_flags`` is true."""
        return {
            b
            for b, s, flag in zip(self.body_ids, self.stances, slice_flags, strict=True)
            if flag and s in ARC_RELATED
        }


def load_arc_pairs(data_dir: Path, splits: Sequence[str] = ("train", "test")) -> ArcPairs:
    """ARC pairs of the given official splits, each tagged with its debate and held-out flag.

    Debates are built over the claims of both files, so the grouping does not depend on which
    split is loaded.
    """
    base = Path(data_dir)
    bodies = _read(base / ARC_BODIES_FILE, ("Body ID", "articleBody"))
    body_by_id = dict(zip(bodies["Body ID"], bodies["articleBody"], strict=True))
    frames = {
        split: _read(base / ARC_STANCE_FILES[split], ("Headline", "Body ID", "Stance"))
        for split in ("train", "test")
    }
    debates = arc_debate_groups([h for f in frames.values() for h in f["Headline"]])
    rows = pd.concat([frames[s].drop_duplicates() for s in splits], ignore_index=True)
    unknown = sorted(set(rows["Body ID"]) - body_by_id.keys())
    if unknown:
        raise DataError(
            f"ARC stances refer to missing Body ID {unknown[0]!r}",
            hint="use the matching arc_bodies.csv",
        )
    claims = tuple(rows["Headline"])
    debate_ids = tuple(debates[c] for c in claims)
    return ArcPairs(
        claims=claims,
        bodies=tuple(body_by_id[b] for b in rows["Body ID"]),
        stances=tuple(s.strip().lower() for s in rows["Stance"]),
        body_ids=tuple(rows["Body ID"]),
        debates=debate_ids,
        held_out=tuple(is_held_out_debate(d) for d in debate_ids),
        calibration=tuple(is_calibration_debate(d) for d in debate_ids),
    )


def arc_examples(pairs: ArcPairs, indices: Sequence[int]) -> StanceExamples:
    return StanceExamples(
        contexts=tuple(pairs.claims[i] for i in indices),
        comments=tuple(pairs.bodies[i] for i in indices),
        parents=(None,) * len(indices),
        depths=(1,) * len(indices),
        targets=tuple(CLASSES.index(ARC_TO_CLASS[pairs.stances[i]]) for i in indices),
        sources=("arc",) * len(indices),
        group_ids=tuple(f"arc:{pairs.body_ids[i]}" for i in indices),
    )


def usable_arc_train_pairs(
    data_dir: Path, *, exclude_calibration: bool = False
) -> tuple[ArcPairs, list[int]]:
    """ARC's train-file pairs and the indexes of those a model may learn from: outside the
    held-out debates (and, with ``exclude_calibration``, the calibration debates)."""
    everything = load_arc_pairs(data_dir, ("train", "test"))
    # Comments judged in the held-out evaluation (or the calibration slice) stay out of
    # training entirely, even in (synthetic) unrelated pairs.
    kept_out = everything.related_bodies(everything.held_out)
    if exclude_calibration:
        kept_out |= everything.related_bodies(everything.calibration)
    pairs = load_arc_pairs(data_dir, ("train",))
    usable = [
        i
        for i in range(len(pairs.stances))
        if not pairs.held_out[i]
        and not (exclude_calibration and pairs.calibration[i])
        and pairs.body_ids[i] not in kept_out
    ]
    return pairs, usable


def arc_training_examples(
    data_dir: Path,
    *,
    unrelated_per_related: float,
    seed: int,
    exclude_calibration: bool = False,
) -> StanceExamples:
    """ARC train-file pairs outside the held-out debates (and, with ``exclude_calibration``,
    outside the calibration debates): all related, plus sampled unrelated
    (``unrelated_per_related`` = ``math.inf``: every usable unrelated pair)."""
    pairs, usable = usable_arc_train_pairs(data_dir, exclude_calibration=exclude_calibration)
    related = [i for i in usable if pairs.stances[i] in ARC_RELATED]
    unrelated = [i for i in usable if pairs.stances[i] == "unrelated"]
    rng = np.random.default_rng(seed)
    n_unrelated = (
        len(unrelated)
        if math.isinf(unrelated_per_related)
        else min(len(unrelated), round(len(related) * unrelated_per_related))
    )
    picked = sorted(rng.choice(len(unrelated), size=n_unrelated, replace=False).tolist())
    return arc_examples(pairs, related + [unrelated[i] for i in picked])


# Words after which "not" reverses a claim ("X should be ..." -> "X should not be ...").
_AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "should", "can", "could", "will", "would", "must", "may", "might"}
)
_NEGATED_AUXILIARIES: Mapping[str, str] = {
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "shouldn't": "should",
    "can't": "can",
    "cannot": "can",
    "couldn't": "could",
    "won't": "will",
    "wouldn't": "would",
    "mustn't": "must",
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
}


# Debate claims phrased as orders ("Abolish birthright citizenship") take "Do not".
_IMPERATIVES = frozenset(
    {
        "abolish", "allow", "ban", "build", "close", "cut", "end", "expand", "give", "keep",
        "legalize", "let", "lift", "limit", "make", "protect", "raise", "repeal", "require",
        "restrict", "stop",
    }
)  # fmt: skip


def negated_claim(claim: str) -> str | None:
    """The claim with its polarity reversed: a "not" removed, else one added after the first
    auxiliary, else "Do not ..." for an order or "It is not true that ...". None for claims
    under three words. A leading "Yes," or "No," (an answer to the debate's question) goes."""
    words = claim.split()
    if words and words[0].lower().rstrip(",") in {"yes", "no"} and words[0].endswith(","):
        words = words[1:]
    if len(words) < 3:
        return None
    plain = [w.lower().replace("\u2019", "'") for w in words]
    for k, word in enumerate(plain):
        if word == "not":
            return " ".join(words[:k] + words[k + 1 :])
        if word in _NEGATED_AUXILIARIES:
            positive = _NEGATED_AUXILIARIES[word]
            positive = positive.capitalize() if words[k][0].isupper() else positive
            return " ".join([*words[:k], positive, *words[k + 1 :]])
    for k, word in enumerate(plain):
        if word in _AUXILIARIES:
            return " ".join([*words[: k + 1], "not", *words[k + 1 :]])
    body = " ".join(words).rstrip(".!")
    keep_case = len(body) > 1 and body[1].isupper()  # an acronym: "US troops ..."
    body = body if keep_case else body[0].lower() + body[1:]
    return ("Do not " if plain[0] in _IMPERATIVES else "It is not true that ") + body


def negation_twins(examples: StanceExamples, fraction: float, seed: int) -> StanceExamples:
    """For a seeded ``fraction`` of the pairs, the same comment against the negated claim, with
    support and deny swapped: a comment that agrees with a claim disagrees with its negation.
    Trains the model to read the claim's polarity rather than only the comment's tone."""
    support, deny = CLASSES.index("support"), CLASSES.index("deny")
    swapped = {support: deny, deny: support}
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.permutation(len(examples))[: round(len(examples) * fraction)].tolist())
    negated = {c: negated_claim(c) for c in {examples.contexts[i] for i in chosen}}
    kept = [i for i in chosen if negated[examples.contexts[i]] is not None]
    twins = examples.subset(kept)
    return replace(
        twins,
        contexts=tuple(str(negated[c]) for c in twins.contexts),
        targets=tuple(swapped.get(t, t) for t in twins.targets),
    )


def arc_calibration_rows(pairs: ArcPairs, everything: ArcPairs) -> list[int]:
    """Indices into ``pairs`` (load it from the train file only: the official test file is
    for reporting) of the related pairs of the calibration debates, less those whose comment
    is also judged in a held-out debate of ``everything`` (both files)."""
    held_bodies = everything.related_bodies(everything.held_out)
    return [
        i
        for i, s in enumerate(pairs.stances)
        if s in ARC_RELATED and pairs.calibration[i] and pairs.body_ids[i] not in held_bodies
    ]


def arc_leave_debate_out(data_dir: Path) -> StanceExamples:
    """Related pairs of the held-out debates, from both official files (never trained on)."""
    pairs = load_arc_pairs(data_dir, ("train", "test"))
    held = [i for i, s in enumerate(pairs.stances) if s in ARC_RELATED and pairs.held_out[i]]
    return arc_examples(pairs, held)
