"""Stance toward named targets (favor / against / none), with the same pair model.

The stance model judges a comment against a claim (ARC trained it on claims such as "College
should be free"). A target becomes a claim, ``TARGET_CLAIM`` (e.g. "Lukashenka is right and
deserves support."); support of that claim is ``favor``, opposition ``against``, anything else
``none``. A target may list aliases with ``|`` ("Russia|the Union State|Lukashenka"): the comment's
stance is the one with the strongest favor-or-against evidence among them.

Targets come from the user (``stance.targets``) or from the article (``stance.article_targets``:
its most frequent proper names). Evaluated on RUW test (targets Russia and Ukraine) by
``comment-analyzer evaluate stance --dataset ruw``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from analyzer.model import Article, Comment, TargetStance, TargetStanceLabel
from analyzer.stance.calibration import DENY, SUPPORT, softmax
from analyzer.stance.features import conversation_features

if TYPE_CHECKING:
    from analyzer.stance.minilm_stance import MiniLMStanceModel

TARGET_CLAIM = "{target} is right and deserves support."
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)\b")
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "At",
        "For",
        "And",
        "But",
        "Despite",
        "However",
        "Key",
        "Notably",
        "Plans",
        "Reports",
        "Companies",
        "Specific",
        "Additionally",
        "International",
        "Independent",
        "This",
        "These",
        "Those",
        "It",
        "Its",
    ]
)


def parse_target(spec: str) -> tuple[str, tuple[str, ...]]:
    """``"Russia|the Union State"`` -> (display name, aliases)."""
    aliases = tuple(a.strip() for a in spec.split("|") if a.strip())
    if not aliases:
        raise ValueError(f"empty target {spec!r}: give a name, or aliases separated by '|'")
    return " / ".join(aliases), aliases


def article_target_names(article: Article | None, count: int) -> tuple[str, ...]:
    """The ``count`` most frequent capitalised names in the title and text (not sentence starts)."""
    if article is None or count <= 0:
        return ()
    counts: Counter[str] = Counter()
    for match in _NAME.finditer(f"{article.title}\n{article.text}"):
        name = match.group()
        if name.split()[0] in _NOT_NAMES or len(name) < 3:
            continue
        counts[name] += 1
    return tuple(name for name, n in counts.most_common(count) if n >= 2)


def classify_targets(
    model: MiniLMStanceModel,
    comments: Sequence[str],
    parents: Sequence[str | None],
    depths: Sequence[int],
    aliases: Sequence[str],
) -> list[tuple[TargetStanceLabel, float, dict[str, float]]]:
    """Favor/against/none of each comment toward one target (strongest alias wins)."""
    features = conversation_features(comments, parents, depths)
    best: list[tuple[float, np.ndarray[Any, Any]]] = [(-1.0, np.zeros(3))] * len(comments)
    for alias in aliases:
        claim = TARGET_CLAIM.format(target=alias)
        # Target stance is judged on the raw logits: the dev offsets were tuned for replies
        # to rumours, not for claims.
        proba = softmax(model.raw_logits([claim] * len(comments), comments, features))
        favor, against = proba[:, SUPPORT], proba[:, DENY]
        none = 1.0 - favor - against
        for k in range(len(comments)):
            strength = max(favor[k], against[k])
            if strength > best[k][0]:
                best[k] = (float(strength), np.array([favor[k], against[k], none[k]]))
    out = []
    order = (TargetStanceLabel.FAVOR, TargetStanceLabel.AGAINST, TargetStanceLabel.NONE)
    for _, scores in best:
        k = int(scores.argmax())
        out.append(
            (
                order[k],
                float(scores[k]),
                {str(lab): float(scores[j]) for j, lab in enumerate(order)},
            )
        )
    return out


def target_stances(  # noqa: PLR0917
    model: MiniLMStanceModel,
    comments: Sequence[Comment],
    articles: Sequence[Article | None],
    user_targets: Sequence[str],
    article_targets: int,
    thread: Any,
    rows: Sequence[int],
) -> dict[int, tuple[TargetStance, ...]]:
    """Per row of ``comments``: its stance toward each user target and article target."""
    if not comments or (not user_targets and article_targets <= 0):
        return {}
    parents = [thread.parents[i] for i in rows]
    depths = [thread.depths[i] for i in rows]
    specs: list[tuple[str, tuple[str, ...], str, set[int]]] = []
    everyone = set(range(len(comments)))
    for spec in user_targets:
        name, aliases = parse_target(spec)
        specs.append((name, aliases, "user", everyone))
    if article_targets > 0:
        by_article: dict[str, set[int]] = {}
        for k, comment in enumerate(comments):
            by_article.setdefault(comment.article_id, set()).add(k)
        for members in by_article.values():
            article = next((articles[k] for k in members), None)
            for name in article_target_names(article, article_targets):
                specs.append((name, (name,), "article", members))
    out: dict[int, list[TargetStance]] = {}
    for name, aliases, source, members in specs:
        idx = sorted(members)
        verdicts = classify_targets(
            model,
            [comments[k].text for k in idx],
            [parents[k] for k in idx],
            [depths[k] for k in idx],
            aliases,
        )
        for k, (label, confidence, scores) in zip(idx, verdicts, strict=True):
            out.setdefault(k, []).append(
                TargetStance(
                    target=name,
                    label=label,
                    confidence=confidence,
                    scores=MappingProxyType(scores),
                    source=source,
                )
            )
    return {k: tuple(v) for k, v in out.items()}
