"""Is a comment about its article at all? The first stage of two-stage stance.

Fake News Challenge systems (FNC-1, and ARC built the same way) decide relatedness first and
stance second, since "unrelated" is a question of topic, not of attitude. The stance network
reads ``unrelated`` poorly on news comments: trained only on ARC comments moved to another
debate, it separates a comment under its own article from the same comment under another
with AUC 0.67 (SOCC and CoCoLoFa samples), and calls none of the demo's off-topic comments
``unrelated``. The cosine between sentence embeddings does much better (AUC 0.82-0.96 on the
same pairs), so relatedness here is:

- ``s``: the highest cosine between the comment and each of the article's head (title + lead)
  and body sentences, from the shipped all-MiniLM-L6-v2 sentence encoder (the context
  selection's, so a comment is embedded once for both);
- ``g = P(unrelated | s, n)``: a logistic curve in ``s`` and ``log n``, ``n`` the number of
  article units compared (the best of many sentences scores higher by chance alone, so a long
  article needs a higher ``s`` than a one-line claim). Fitted on ARC train-file pairs outside
  the held-out debates, each claim made into an article of ``n`` units with sentences drawn
  from other comments of its debate (training_relevance.py); its intercept moved from ARC's
  share of unrelated pairs (71%, synthetic) to the off-topic share of real news comments
  (``prior``: 16.1%, the One Million Posts corpus's moderator labels);
- the stance model's scores are then rescaled: ``unrelated`` takes ``g`` and every other label
  keeps its share of the rest, so the scores still sum to one and the label is their argmax
  (``unrelated`` whenever ``s`` falls below :meth:`RelevanceCurve.threshold`, where
  ``g > 1/2``; above it only if ``g`` still outweighs each other label).

Fitted by ``comment-analyzer train relevance``; the curve names the sentence encoder it was
fitted with and refuses another (a different encoder puts cosines on another scale). Opt-in
(``stance.relevance_check``): short replies that take a side without naming the topic embed
far from any article, and RumourEval dev replies lose 0.009 macro-F1 (docs/stance-model.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from analyzer.checksums import sha256_file
from analyzer.config import DEFAULT_MODELS_DIR
from analyzer.errors import ModelError

FloatArray = npt.NDArray[np.float64]

CURVE_FORMAT = "comment-analyzer/relevance-curve"
CURVE_FORMAT_VERSION = 1
CURVE_FILE = "relevance.json"
DEFAULT_RELEVANCE_DIR = DEFAULT_MODELS_DIR / "relevance"
# One Million Posts (Schabus et al., SIGIR 2017): 580 of the 3,599 derStandard.at posts that
# moderators labelled for off-topic are off-topic. The only moderator-labelled off-topic rate
# on news comments in ../shared/data/comments.
NEWS_OFF_TOPIC_PRIOR = 580 / 3599


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _log_units(units: npt.ArrayLike) -> FloatArray:
    return np.log(np.maximum(np.asarray(units, dtype=np.float64), 1.0))


@dataclass(frozen=True, slots=True)
class RelevanceCurve:
    """``P(unrelated | s, n) = 1 / (1 + exp(-(slope * s + units_slope * log n + intercept)))``
    at ``prior``; ``n`` is the number of article units the comment was compared with."""

    version: ClassVar[str] = "1.0.0"

    slope: float
    units_slope: float
    intercept: float
    prior: float
    fitted_on: str
    sentence_model_sha256: str
    fit_metrics: dict[str, float]

    def threshold(self, units: npt.ArrayLike) -> FloatArray:
        """The similarity at which off-topic and on-topic are equally likely, per unit count."""
        return -(self.intercept + self.units_slope * _log_units(units)) / self.slope

    def probability(self, similarity: npt.ArrayLike, units: npt.ArrayLike) -> FloatArray:
        # slope * s + units_slope * log n + intercept, written around the threshold
        z = self.slope * (np.asarray(similarity, dtype=np.float64) - self.threshold(units))
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CURVE_FORMAT,
            "format_version": CURVE_FORMAT_VERSION,
            "version": self.version,
            **asdict(self),
            "threshold_by_units": {
                str(n): round(float(self.threshold(n)), 6) for n in (1, 3, 10, 30, 100)
            },
        }

    @classmethod
    def read(cls, model_dir: Path) -> RelevanceCurve:
        path = Path(model_dir) / CURVE_FILE
        hint = "reinstall the package, or refit with `comment-analyzer train relevance`"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"relevance curve not found: {path}", hint=hint) from None
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read relevance curve {path}: {exc}", hint=hint) from None
        found = (raw.get("format"), raw.get("format_version")) if isinstance(raw, dict) else raw
        if found != (CURVE_FORMAT, CURVE_FORMAT_VERSION):
            raise ModelError(
                f"{path} is not a version-{CURVE_FORMAT_VERSION} {CURVE_FORMAT} file "
                f"(found {str(found)[:80]})",
                hint=hint,
            )
        try:
            curve = cls(
                slope=float(raw["slope"]),
                units_slope=float(raw["units_slope"]),
                intercept=float(raw["intercept"]),
                prior=float(raw["prior"]),
                fitted_on=str(raw["fitted_on"]),
                sentence_model_sha256=str(raw["sentence_model_sha256"]),
                fit_metrics={str(k): float(v) for k, v in raw.get("fit_metrics", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{path}: bad or missing field {exc}", hint=hint) from None
        if not curve.slope < 0.0 or not 0.0 < curve.prior < 1.0:
            raise ModelError(
                f"{path}: slope must be negative (less similar = more likely unrelated) and "
                f"prior in (0, 1); got slope {curve.slope}, prior {curve.prior}",
                hint=hint,
            )
        return curve

    def write(self, model_dir: Path) -> Path:
        path = Path(model_dir) / CURVE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        return path

    def check_encoder(self, encoder_sha256: str | None, *, where: str) -> None:
        """Refuse a sentence encoder other than the one the curve was fitted with."""
        if encoder_sha256 != self.sentence_model_sha256:
            raise ModelError(
                f"{where}: the relevance curve was fitted on cosines of sentence encoder "
                f"{self.sentence_model_sha256[:12]}, but the loaded encoder is "
                f"{(encoder_sha256 or 'none')[:12]}; cosines of another encoder are on "
                "another scale",
                hint="refit with `comment-analyzer train relevance`, or set "
                "stance.relevance_check=false",
            )


def curve_checksum(model_dir: Path) -> str:
    return sha256_file(Path(model_dir) / CURVE_FILE)


def fit_relevance_curve(
    similarities: npt.ArrayLike,
    units: npt.ArrayLike,
    unrelated: npt.ArrayLike,
    *,
    prior: float,
    fitted_on: str,
    sentence_model_sha256: str,
) -> RelevanceCurve:
    """Logistic regression of ``unrelated`` on the similarity and the log of the unit count,
    its intercept moved from the training share of unrelated pairs to ``prior`` (Bayes' rule
    on the odds)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415  (training only)
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415

    s = np.asarray(similarities, dtype=np.float64)
    n = np.asarray(units, dtype=np.float64)
    y = np.asarray(unrelated, dtype=bool)
    if not len(s) == len(n) == len(y) or not y.any() or y.all():
        raise ValueError(
            "need a similarity and a unit count per pair, for related and unrelated pairs"
        )
    if not 0.0 < prior < 1.0:
        raise ValueError(f"prior must be in (0, 1), got {prior}")
    model = LogisticRegression(C=1e6).fit(np.c_[s, _log_units(n)], y)
    slope, units_slope = (float(v) for v in model.coef_[0])
    curve = RelevanceCurve(
        slope=slope,
        units_slope=units_slope,
        intercept=float(model.intercept_[0]) - _logit(float(y.mean())) + _logit(prior),
        prior=prior,
        fitted_on=fitted_on,
        sentence_model_sha256=sentence_model_sha256,
        fit_metrics={},
    )
    below = s < curve.threshold(n)
    metrics = {
        "pairs_related": float((~y).sum()),
        "pairs_unrelated": float(y.sum()),
        "auc": float(roc_auc_score(y, -s)),
        "related_called_unrelated": float(below[~y].mean()),
        "unrelated_recall": float(below[y].mean()),
    }
    return replace(curve, fit_metrics={k: round(v, 6) for k, v in metrics.items()})


def with_relevance(scores: FloatArray, unrelated_column: int, g: FloatArray) -> FloatArray:
    """Product scores with ``P(unrelated)`` replaced by ``g``; the other labels share ``1 - g``
    in the proportions the stance model gave them."""
    out = np.array(scores, dtype=np.float64, copy=True)
    g = np.asarray(g, dtype=np.float64)
    others = [k for k in range(out.shape[1]) if k != unrelated_column]
    rest = out[:, others].sum(axis=1, keepdims=True)
    # A model sure of `unrelated` (rest ~ 0) leaves nothing to rescale: spread 1 - g evenly.
    even = np.full((len(out), len(others)), 1.0 / len(others))
    share = np.where(rest > 1e-12, out[:, others] / np.maximum(rest, 1e-12), even)
    out[:, others] = share * (1.0 - g)[:, None]
    out[:, unrelated_column] = g
    return out
