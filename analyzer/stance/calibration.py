"""Turning the stance model's five raw logits into calibrated product scores.

The model predicts support / deny / query / comment / unrelated. Products labels are
support / oppose / neutral / unrelated, with neutral = query + comment, plus the ``questioning``
flag (query outweighs comment). Two things are fitted on the RumourEval **dev** split, never on
test:

- per-class logit offsets that maximise SDQC macro-F1 of the final decision rule (the rare
  support/deny replies are under-predicted otherwise);
- one temperature (scaling the offset logits) that minimises the negative log-likelihood, so
  ``confidence`` can be read as a probability; expected calibration error (ECE) is reported.

A model may also carry a calibration for long comments (a shift of ``comment`` on top of the
offsets, and its own temperature), fitted on ARC debates its recipe kept out of training
(``training_minilm.calibrate_long_comments``) and used only when cross-validation over those
debates shows that it helps: RumourEval dev's replies are mostly tweet-length, and news
comments are not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analyzer.errors import DataError

FloatArray = npt.NDArray[np.float64]

# Indices into the model's five classes (see analyzer.stance.conversations.CLASSES).
SUPPORT, DENY, QUERY, COMMENT, UNRELATED = range(5)
PRODUCT_LABELS: tuple[str, ...] = ("support", "oppose", "neutral", "unrelated")
SDQC_LABELS: tuple[str, ...] = ("support", "deny", "query", "comment")
ARC_RELATED_LABELS: tuple[str, ...] = ("agree", "disagree", "discuss")


def softmax(logits: npt.ArrayLike) -> FloatArray:
    values = np.asarray(logits, dtype=np.float64)
    shifted = values - values.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


def product_scores(proba5: FloatArray) -> FloatArray:
    """(n, 4) probabilities over support, oppose, neutral, unrelated."""
    return np.stack(
        [
            proba5[:, SUPPORT],
            proba5[:, DENY],
            proba5[:, QUERY] + proba5[:, COMMENT],
            proba5[:, UNRELATED],
        ],
        axis=1,
    )


def questioning_scores(proba5: FloatArray) -> FloatArray:
    """P(query | neutral): the comment asks rather than remarks."""
    neutral = proba5[:, QUERY] + proba5[:, COMMENT]
    return np.asarray(proba5[:, QUERY] / np.maximum(neutral, 1e-12), dtype=np.float64)


def sdqc_decisions(proba5: FloatArray) -> list[int]:
    """The product decision mapped back to SDQC indices (how ``evaluate`` scores it)."""
    labels = product_scores(proba5).argmax(axis=1)
    questioning = questioning_scores(proba5) >= 0.5
    out = []
    for label, asks in zip(labels.tolist(), questioning.tolist(), strict=True):
        if label == 0:
            out.append(SUPPORT)
        elif label == 1:
            out.append(DENY)
        else:
            out.append(QUERY if asks else COMMENT)
    return out


def macro_f1(gold: Sequence[int], pred: Sequence[int], n_classes: int) -> float:
    scores = []
    for c in range(n_classes):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def fit_offsets(
    logits: npt.ArrayLike, gold_sdqc: Sequence[int], rounds: int = 3, tuned: int = 4
) -> FloatArray:
    """Per-class additive logit offsets maximising SDQC macro-F1 of the product decision."""
    return fit_offsets_for(
        logits,
        lambda proba: macro_f1(gold_sdqc, sdqc_decisions(proba), len(SDQC_LABELS)),
        rounds=rounds,
        tuned=tuple(range(tuned)),
    )


def fit_offsets_for(
    logits: npt.ArrayLike,
    objective: Callable[[FloatArray], float],
    *,
    rounds: int = 3,
    tuned: Sequence[int] = (SUPPORT, DENY, QUERY, COMMENT),
) -> FloatArray:
    """Per-class additive logit offsets maximising ``objective`` of the probabilities
    (coordinate ascent over -3..3 in steps of 0.1); only the ``tuned`` classes move.

    ``unrelated`` stays fixed by default: SDQC scoring cannot tell it from ``comment``, so its
    offset would only be a disguised comment boost that makes the product report on-topic
    remarks as unrelated.
    """
    base = np.asarray(logits, dtype=np.float64)
    offsets = np.zeros(base.shape[1], dtype=np.float64)
    grid = np.linspace(-3.0, 3.0, 61)
    best = objective(softmax(base + offsets))
    for _ in range(rounds):
        for c in tuned:
            for value in grid:
                trial = offsets.copy()
                trial[c] = value
                trial_score = objective(softmax(base + trial))
                if trial_score > best + 1e-9:
                    best, offsets = trial_score, trial
    return offsets


def related_macro_f1(proba5: FloatArray, gold_related: Sequence[int]) -> float:
    """ARC's related-pairs score: the product label (support / oppose / neutral) against
    agree / disagree / discuss (``gold_related`` 0 / 1 / 2); a predicted ``unrelated`` is
    wrong for every gold class."""
    predicted = product_scores(proba5).argmax(axis=1).tolist()
    return macro_f1(gold_related, predicted, len(ARC_RELATED_LABELS))


def fit_temperature(logits: npt.ArrayLike, gold5: Sequence[int]) -> float:
    """The temperature minimising NLL of the 5-class gold labels (golden-section on log T)."""
    values = np.asarray(logits, dtype=np.float64)
    gold = np.asarray(gold5, dtype=np.int64)

    def nll(log_t: float) -> float:
        proba = softmax(values / np.exp(log_t))
        return float(-np.mean(np.log(np.maximum(proba[np.arange(len(gold)), gold], 1e-12))))

    lo, hi = np.log(0.05), np.log(20.0)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    for _ in range(80):
        if nll(a) < nll(b):
            hi, b = b, a
            a = hi - ratio * (hi - lo)
        else:
            lo, a = a, b
            b = lo + ratio * (hi - lo)
    return float(np.exp((lo + hi) / 2))


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    ece: float
    bins: tuple[ReliabilityBin, ...]


def calibration_report(
    confidence: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> CalibrationReport:
    """Expected calibration error over equal-width confidence bins."""
    conf = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = []
    ece = 0.0
    for i in range(n_bins):
        inside = (conf > edges[i]) & (conf <= edges[i + 1]) if i else (conf <= edges[1])
        count = int(inside.sum())
        if count:
            mean_conf, acc = float(conf[inside].mean()), float(hit[inside].mean())
            ece += count / max(1, len(conf)) * abs(mean_conf - acc)
        else:
            mean_conf, acc = 0.0, 0.0
        bins.append(ReliabilityBin(float(edges[i]), float(edges[i + 1]), count, mean_conf, acc))
    return CalibrationReport(ece=float(ece), bins=tuple(bins))


def product_calibration(proba5: FloatArray, product_gold: Sequence[int]) -> CalibrationReport:
    """ECE of the product decision: its confidence (the top product score) against whether its
    label is ``product_gold`` (0-3: support, oppose, neutral, unrelated)."""
    scores4 = product_scores(proba5)
    correct = scores4.argmax(axis=1) == np.asarray(product_gold, dtype=np.int64)
    return calibration_report(scores4.max(axis=1).tolist(), correct.tolist())


def reliability_plot(report: CalibrationReport, path: Path, title: str) -> Path:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    used = [b for b in report.bins if b.count]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar(
        [(b.lower + b.upper) / 2 for b in used],
        [b.accuracy for b in used],
        width=[b.upper - b.lower for b in used],
        edgecolor="black",
        alpha=0.6,
        label="accuracy per confidence bin",
    )
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE {report.ece:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# A long-comment calibration is used only when cross-validation shows at least this gain in
# ARC's related macro-F1 (and a lower ECE); smaller gains were not robust across seeds.
LONG_COMMENT_MIN_GAIN = 0.03


@dataclass(frozen=True, slots=True)
class LongCommentFit:
    """The long-comment calibration and its out-of-fold check against the default one."""

    offsets: tuple[float, ...]
    temperature: float
    folds: int
    related_macro_f1: float
    ece: float
    default_related_macro_f1: float
    default_ece: float

    @property
    def gain(self) -> float:
        return self.related_macro_f1 - self.default_related_macro_f1

    @property
    def applied(self) -> bool:
        return self.gain >= LONG_COMMENT_MIN_GAIN and self.ece < self.default_ece

    def summary(self) -> str:
        verdict = (
            "used"
            if self.applied
            else f"not used (needs a gain of at least {LONG_COMMENT_MIN_GAIN} and a lower ECE)"
        )
        return (
            f"{self.folds}-fold by debate, pooled: related macro-F1 {self.related_macro_f1:.4f} "
            f"against {self.default_related_macro_f1:.4f} with the default calibration "
            f"({self.gain:+.4f}), ECE {self.ece:.4f} against {self.default_ece:.4f}: {verdict}"
        )


def fit_long_comment_calibration(
    logits: npt.ArrayLike,
    gold_related: Sequence[int],
    gold5: Sequence[int],
    groups: Sequence[str],
    *,
    default_offsets: Sequence[float],
    default_temperature: float,
    folds: int = 4,
) -> LongCommentFit:
    """Two numbers for long comments: a shift of ``comment`` on top of the default offsets
    (maximising ARC's related macro-F1) and a temperature (NLL). Fitting four numbers instead
    moved with the seed; two transferred. Checked by ``folds``-fold cross-validation over the
    ``groups`` (debates), scored on the pooled out-of-fold probabilities."""
    values = np.asarray(logits, dtype=np.float64)
    related = np.asarray(gold_related, dtype=np.int64)
    gold = np.asarray(gold5, dtype=np.int64)
    default = np.asarray(default_offsets, dtype=np.float64)
    names = sorted(set(groups))
    if len(names) < 2:
        raise DataError(
            f"the long-comment calibration needs pairs from at least 2 debates, found {len(names)}",
            hint="hold out more ARC debates (arc_calibration_holdout) or keep one calibration",
        )
    folds = min(folds, len(names))
    fold_of = {name: k % folds for k, name in enumerate(names)}
    fold = np.asarray([fold_of[g] for g in groups], dtype=np.int64)

    def fit(idx: npt.NDArray[np.int64]) -> tuple[FloatArray, float]:
        shift = fit_offsets_for(
            values[idx] + default,
            lambda p: related_macro_f1(p, related[idx].tolist()),
            tuned=(COMMENT,),
        )
        offsets = default + shift
        return offsets, fit_temperature(values[idx] + offsets, gold[idx].tolist())

    crossed = np.zeros_like(values)
    for k in range(folds):
        offsets, temperature = fit(np.flatnonzero(fold != k))
        inside = fold == k
        crossed[inside] = softmax((values[inside] + offsets) / temperature)
    baseline = softmax((values + default) / default_temperature)
    offsets, temperature = fit(np.arange(len(values), dtype=np.int64))
    return LongCommentFit(
        offsets=tuple(round(float(x), 4) for x in offsets),
        temperature=round(temperature, 4),
        folds=folds,
        related_macro_f1=related_macro_f1(crossed, related.tolist()),
        ece=product_calibration(crossed, related.tolist()).ece,
        default_related_macro_f1=related_macro_f1(baseline, related.tolist()),
        default_ece=product_calibration(baseline, related.tolist()).ece,
    )


@dataclass(frozen=True, slots=True)
class PolarityCheck:
    """How a model's related ARC decisions change when every claim is negated."""

    pairs: int
    related_macro_f1: float
    negated_related_macro_f1: float  # against gold with agree and disagree swapped
    polar: int  # pairs first decided support or oppose
    swapped: int  # of those, decided the other way with the claim negated

    def summary(self) -> str:
        return (
            f"{self.pairs} related pairs: macro-F1 {self.related_macro_f1:.4f} as given, "
            f"{self.negated_related_macro_f1:.4f} with the claims negated (gold agree and "
            f"disagree swapped); {self.swapped} of {self.polar} support/oppose decisions swapped"
        )


def claim_polarity(
    proba5: FloatArray, negated_proba5: FloatArray, gold_related: Sequence[int]
) -> PolarityCheck:
    """Score the same pairs as given and against the negated claims (0 / 1 / 2: agree,
    disagree, discuss). A model that reads only the comment's tone swaps nothing."""
    gold = np.asarray(gold_related, dtype=np.int64)
    swapped_gold = np.where(gold < 2, 1 - gold, gold)
    before = product_scores(proba5).argmax(axis=1)
    after = product_scores(negated_proba5).argmax(axis=1)
    polar = before < 2  # support or oppose
    return PolarityCheck(
        pairs=len(gold),
        related_macro_f1=related_macro_f1(proba5, gold.tolist()),
        negated_related_macro_f1=related_macro_f1(negated_proba5, swapped_gold.tolist()),
        polar=int(polar.sum()),
        swapped=int((polar & (after == 1 - before)).sum()),
    )
