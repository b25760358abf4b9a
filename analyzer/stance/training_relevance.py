"""``comment-analyzer train relevance``: fit the relatedness curve of relevance.py.

Pairs: ARC's train file outside the held-out debates (the comments judged in the
leave-debate-out evaluation stay out, even in synthetic unrelated pairs), every related and
every unrelated pair. ARC's "articles" are one-line claims, but the curve must also serve news
articles of dozens of sentences, where the best of many sentences scores higher by chance. So
each pair's claim becomes an article of ``n`` units (``n`` drawn from ``UNIT_COUNTS``): the
claim, as the head, then sentences drawn from other comments of the claim's debate (never the
pair's own comment). Each text is embedded once, by the shipped sentence encoder, and the
similarity is the best cosine over the units, as ``ContextSelector`` measures it at inference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzer.stance.context import EmbeddingRanker, sentence_texts
from analyzer.stance.conversations import ARC_RELATED, usable_arc_train_pairs
from analyzer.stance.relevance import (
    CURVE_FILE,
    NEWS_OFF_TOPIC_PRIOR,
    RelevanceCurve,
    curve_checksum,
    fit_relevance_curve,
)

CARD_FILE = "MODEL_CARD.md"
UNIT_COUNTS = (1, 3, 10, 30, 60)  # article sizes in units; news articles here have ~45
MIN_SENTENCE_CHARS = 20  # shorter fragments ("Yes.") are not article sentences
SEED = 0


@dataclass(frozen=True, slots=True)
class RelevancePairs:
    """Per usable ARC pair: best cosine to its synthetic article, the article's unit count,
    and whether the pair is unrelated."""

    similarities: np.ndarray
    units: np.ndarray
    unrelated: np.ndarray


@dataclass(frozen=True, slots=True)
class RelevanceReport:
    curve: RelevanceCurve
    out_dir: Path
    checksum: str

    def summary(self) -> str:
        m = self.curve.fit_metrics
        thresholds = ", ".join(f"{n}: {float(self.curve.threshold(n)):.3f}" for n in (1, 10, 45))
        return (
            f"relevance curve written to {self.out_dir / CURVE_FILE} "
            f"(sha256 {self.checksum[:12]}): "
            f"unrelated below similarity ({thresholds} article units) at a "
            f"{self.curve.prior:.1%} off-topic rate; on its {m['pairs_related']:.0f} related and "
            f"{m['pairs_unrelated']:.0f} unrelated ARC pairs "
            f"{m['related_called_unrelated']:.1%} of related pairs called unrelated, "
            f"{m['unrelated_recall']:.1%} of unrelated pairs caught"
        )


def arc_relevance_pairs(
    data_dir: Path,
    ranker: EmbeddingRanker,
    on_progress: Callable[[str], None] | None = None,
) -> RelevancePairs:
    pairs, usable = usable_arc_train_pairs(data_dir)
    # Sentences of each debate's related comments, tagged with their comment.
    pool: dict[str, list[tuple[str, str]]] = {}
    pooled: set[tuple[str, str]] = set()
    for i in usable:
        key = (pairs.debates[i], pairs.body_ids[i])
        if pairs.stances[i] in ARC_RELATED and key not in pooled:
            pooled.add(key)
            pool.setdefault(pairs.debates[i], []).extend(
                (pairs.body_ids[i], t)
                for t in sentence_texts(pairs.bodies[i])
                if len(t) >= MIN_SENTENCE_CHARS
            )
    texts = sorted(
        {t for v in pool.values() for _, t in v}
        | {pairs.bodies[i] for i in usable}
        | {pairs.claims[i] for i in usable}
    )
    if on_progress:
        on_progress(f"embedding {len(texts)} ARC texts")
    vectors = dict(zip(texts, ranker.encoder.encode(texts), strict=True))
    rng = np.random.default_rng(SEED)
    similarities, units = [], []
    for i in usable:
        candidates = [t for b, t in pool.get(pairs.debates[i], []) if b != pairs.body_ids[i]]
        drawn = min(int(rng.choice(UNIT_COUNTS)) - 1, len(candidates))
        picked = rng.choice(len(candidates), size=drawn, replace=False).tolist() if drawn else []
        article = np.vstack([vectors[pairs.claims[i]], *(vectors[candidates[j]] for j in picked)])
        cosines = ranker.encoder.cosine_matrix(vectors[pairs.bodies[i]][None, :], article)[0]
        similarities.append(float(cosines.max()))
        units.append(len(article))
    return RelevancePairs(
        similarities=np.asarray(similarities, dtype=np.float64),
        units=np.asarray(units, dtype=np.int64),
        unrelated=np.array([pairs.stances[i] == "unrelated" for i in usable], dtype=bool),
    )


def train_relevance(
    data_dir: Path,
    out_dir: Path,
    *,
    sentence_model_dir: Path | None = None,
    prior: float = NEWS_OFF_TOPIC_PRIOR,
    on_progress: Callable[[str], None] | None = None,
) -> RelevanceReport:
    ranker = EmbeddingRanker(sentence_model_dir, threads=0)
    ranker.load()
    fit = arc_relevance_pairs(data_dir, ranker, on_progress)
    assert ranker.checksum is not None  # loaded above
    related, unrelated = int((~fit.unrelated).sum()), int(fit.unrelated.sum())
    curve = fit_relevance_curve(
        fit.similarities,
        fit.units,
        fit.unrelated,
        prior=prior,
        fitted_on=(
            f"ARC train-file pairs outside the held-out debates ({related} related, "
            f"{unrelated} unrelated), each claim made an article of "
            f"{'/'.join(map(str, UNIT_COUNTS))} units with sentences of its debate's other "
            f"comments (seed {SEED}); prior moved to {prior:.3f}"
        ),
        sentence_model_sha256=ranker.checksum,
    )
    curve.write(out_dir)
    checksum = curve_checksum(out_dir)
    (Path(out_dir) / CARD_FILE).write_text(model_card(curve, checksum), encoding="utf-8")
    return RelevanceReport(curve=curve, out_dir=Path(out_dir), checksum=checksum)


def model_card(curve: RelevanceCurve, checksum: str) -> str:
    m = curve.fit_metrics
    formula = (
        f"1 / (1 + exp(-({curve.slope:.4f} * s + {curve.units_slope:.4f} * log n "
        f"+ {curve.intercept:.4f})))"
    )
    below = (
        f"{float(curve.threshold(1)):.3f} (a one-line claim), "
        f"{float(curve.threshold(10)):.3f} (10 units), "
        f"{float(curve.threshold(45)):.3f} (45 units, a typical news article here)"
    )
    prior = (
        f"{curve.prior:.3f}: One Million Posts (derStandard.at), 580 of 3,599 "
        "moderator-labelled posts off-topic"
    )
    return f"""# Relevance curve {curve.version} (`stance.relevance_check`, opt-in)

Decides whether a comment is about its article at all, before stance: `P(unrelated | s, n)`,
with `s` the highest cosine between the comment and the article's title + lead or any body
sentence, and `n` the number of those units (shipped int8 all-MiniLM-L6-v2 sentence encoder,
`data/models/minilm_sentence`, sha256 `{curve.sentence_model_sha256}`). Written by
`comment-analyzer train relevance`.

| | |
|---|---|
| curve | `{formula}` |
| `unrelated` when `s` is below | {below} |
| fitted on | {curve.fitted_on} |
| prior | {prior} |
| AUC of `s` on the fitting pairs | {m["auc"]:.3f} |
| related pairs called unrelated | {m["related_called_unrelated"]:.1%} |
| unrelated pairs caught | {m["unrelated_recall"]:.1%} |
| `relevance.json` sha256 | `{checksum}` |

Licences: ARC (Hanselowski et al. 2018, from the UKP repository, Apache-2.0) as in
`../shared/data/stance/arc/PROVENANCE.md`; only the fitted numbers ship, no text. The prior is
a count from the One Million Posts corpus's labels (CC BY-NC-SA 4.0; no text used).

Known limits: ARC's unrelated pairs are comments moved to another debate, so they differ in
topic; an off-topic comment under its own article that borrows the article's words is missed.
Short replies that take a side without naming the topic ("fake", "rubbish") embed far from
any article and lean `unrelated`, which costs RumourEval dev replies accuracy (deny most);
that is why the check is opt-in. The curve is tied to its sentence encoder: another encoder is
refused at start-up. Held-out results for this curve (RumourEval dev, comments moved between
news articles): `docs/stance-model.md`, session 10.
"""
