"""Turning the stance model's five raw logits into calibrated product scores.

The model predicts support / deny / query / comment / unrelated. Products labels are
support / oppose / neutral / unrelated, with neutral = query + comment, plus the ``questioning``
flag (query outweighs comment). Two things are fitted on the RumourEval **dev** split, never on
test:

- per-class logit offsets that maximise SDQC macro-F1 of the final decision rule (the rare
  support/deny replies are under-predicted otherwise);
- one temperature (scaling the offset logits) that minimises the negative log-likelihood, so
  ``confidence`` can be read as a probability; expected calibration error (ECE) is reported.

A model may also carry a second pair for long comments, fitted on ARC debates its recipe kept
out of training (``training_minilm.calibrate_long_comments``): RumourEval dev's replies are
mostly tweet-length, and news comments are not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

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
