"""The lexical gate in front of the MiniLM stance model: a cheap first stage of a cascade.

Most replies are plain comments or questions; support and denial are about 6% each. A small
multinomial logistic regression reads what is cheap to compute -- the TF-IDF baseline's
probabilities (support / oppose / neutral / unrelated and ``questioning``) and the 15
conversation features (features.py) -- and gives P(support), P(deny), P(query), P(comment).
A comment whose P(support) + P(deny) is below ``polar_below`` (and that the baseline does not
think unrelated) is decided there, as query or comment; every other comment goes to the
encoder.

How it was fitted (``analyzer.stance.training_minilm.fit_gate``): the regression on the
RumourEval-2019 **train** replies, with the baseline's probabilities taken out of fold (five
thread-grouped folds, the baseline recipe refitted on the other four plus ARC), so the gate
sees baseline outputs as noisy as at inference; ``polar_below`` and the temperature on the
**dev** replies. On dev the gate decides about 40% of the replies and the cascade scores higher
than the encoder alone (the encoder's support/deny calls among confident comments were mostly
wrong), so it saves time without costing accuracy there (docs/stance-model.md).

Everything is plain numbers in the model manifest; no pickled estimator is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analyzer.errors import ModelError
from analyzer.model import Article, Comment
from analyzer.stance.baseline import BaselineModel, article_context
from analyzer.stance.calibration import softmax
from analyzer.stance.features import FEATURE_NAMES

FloatArray = npt.NDArray[np.float64]

BASELINE_COLUMNS: tuple[str, ...] = (
    "log_p_support",
    "log_p_oppose",
    "log_p_neutral",
    "log_p_unrelated",
    "logit_questioning",
)
GATE_INPUTS: tuple[str, ...] = (*BASELINE_COLUMNS, *FEATURE_NAMES)
GATE_CLASSES: tuple[str, ...] = ("support", "deny", "query", "comment")
BASELINE_CONTEXT_CHARS = 1500  # what the baseline was trained with (its TrainingConfig)
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class BaselineOutputs:
    """The TF-IDF baseline's view of each comment: (n, 4) probabilities and P(questioning)."""

    proba: FloatArray  # support, oppose, neutral, unrelated
    questioning: FloatArray


def baseline_outputs(
    model: BaselineModel,
    comments: Sequence[Comment],
    articles: Mapping[str, Article],
    context_chars: int = BASELINE_CONTEXT_CHARS,
) -> BaselineOutputs:
    """The probabilities ``TfidfBaselineClassifier.predict`` gives, without its evidence."""
    slots: dict[str, int] = {}
    contexts: list[str] = []
    index: list[int] = []
    for comment in comments:
        slot = slots.get(comment.article_id)
        if slot is None:
            slot = slots[comment.article_id] = len(contexts)
            contexts.append(article_context(articles.get(comment.article_id), context_chars))
        index.append(slot)
    features = model.features([c.text for c in comments], contexts, index)
    proba = model.stance_proba(features)
    no_context = np.array([not contexts[i] for i in index], dtype=bool)
    if no_context.any():  # as the baseline classifier: no article, no "unrelated"
        unrelated = 3
        proba[no_context, unrelated] = 0.0
        proba[no_context] /= proba[no_context].sum(axis=1, keepdims=True)
    return BaselineOutputs(proba=proba, questioning=model.questioning_proba(features))


def gate_inputs(baseline: BaselineOutputs, features: npt.ArrayLike) -> FloatArray:
    """One row of ``GATE_INPUTS`` per comment."""
    q = np.clip(baseline.questioning, _EPS, 1 - _EPS)
    return np.hstack(
        [
            np.log(np.clip(baseline.proba, _EPS, 1.0)),
            np.log(q / (1 - q))[:, None],
            np.asarray(features, dtype=np.float64),
        ]
    )


@dataclass(frozen=True, slots=True)
class LexicalGate:
    mean: FloatArray  # (inputs,) standardisation
    scale: FloatArray
    coef: FloatArray  # (4, inputs) over GATE_CLASSES
    intercept: FloatArray  # (4,)
    polar_below: float  # decide here when P(support) + P(deny) is below this
    unrelated_below: float  # ... and the baseline's P(unrelated) is below this
    temperature: float  # fitted on dev for the comments the gate decides
    baseline_sha256: str  # the TF-IDF baseline file the gate was fitted with
    # Longer comments always go to the encoder: the gate was fitted on tweets and short Reddit
    # replies and is not trusted on long argumentative comments. None: no limit.
    max_comment_chars: int | None = None

    def logits(self, inputs: FloatArray) -> FloatArray:
        return np.asarray(((inputs - self.mean) / self.scale) @ self.coef.T + self.intercept)

    def proba(self, inputs: FloatArray) -> FloatArray:
        return softmax(self.logits(inputs) / self.temperature)

    def polar_proba(self, logits: FloatArray) -> FloatArray:
        """Untempered P(support) + P(deny): what the threshold is compared with."""
        proba = softmax(logits)
        return np.asarray(proba[:, 0] + proba[:, 1])

    def decides(
        self, logits: FloatArray, baseline: BaselineOutputs, comment_chars: Sequence[int]
    ) -> npt.NDArray[np.bool_]:
        """Which comments the gate decides (neither support nor denial is plausible, and the
        comment is short enough); ``comment_chars`` is each comment's length in characters.

        The threshold applies to the untempered probabilities, the ones it was chosen on; the
        temperature only calibrates the scores reported for the comments decided here."""
        decided = (self.polar_proba(logits) < self.polar_below) & (
            baseline.proba[:, 3] < self.unrelated_below
        )
        if self.max_comment_chars is not None:
            decided &= np.asarray(comment_chars) <= self.max_comment_chars
        return np.asarray(decided, dtype=bool)

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": list(GATE_INPUTS),
            "classes": list(GATE_CLASSES),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [[round(float(x), 6) for x in row] for row in self.coef],
            "intercept": [round(float(x), 6) for x in self.intercept],
            "polar_below": self.polar_below,
            "unrelated_below": self.unrelated_below,
            "temperature": round(self.temperature, 4),
            "baseline_sha256": self.baseline_sha256,
            "max_comment_chars": self.max_comment_chars,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], *, source: str) -> LexicalGate:
        try:
            if tuple(raw["inputs"]) != GATE_INPUTS or tuple(raw["classes"]) != GATE_CLASSES:
                raise ValueError(
                    f"inputs/classes {raw['inputs']}/{raw['classes']} differ from this code's "
                    f"{list(GATE_INPUTS)}/{list(GATE_CLASSES)}"
                )
            gate = cls(
                mean=np.asarray(raw["mean"], dtype=np.float64),
                scale=np.asarray(raw["scale"], dtype=np.float64),
                coef=np.asarray(raw["coef"], dtype=np.float64),
                intercept=np.asarray(raw["intercept"], dtype=np.float64),
                polar_below=float(raw["polar_below"]),
                unrelated_below=float(raw["unrelated_below"]),
                temperature=float(raw["temperature"]),
                baseline_sha256=str(raw["baseline_sha256"]),
                max_comment_chars=_optional_int(raw.get("max_comment_chars")),
            )
            n = len(GATE_INPUTS)
            shapes_ok = (
                gate.mean.shape == (n,)
                and gate.scale.shape == (n,)
                and gate.coef.shape == (len(GATE_CLASSES), n)
                and gate.intercept.shape == (len(GATE_CLASSES),)
            )
            if not shapes_ok or gate.temperature <= 0 or not (gate.scale > 0).all():
                raise ValueError("shapes, scale or temperature are invalid")
            if gate.max_comment_chars is not None and gate.max_comment_chars < 1:
                raise ValueError(f"max_comment_chars must be positive: {gate.max_comment_chars}")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"{source}: the lexical gate is malformed: {exc}",
                hint="refit it with `python -m analyzer.stance.training_minilm gate`",
            ) from None
        return gate


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"max_comment_chars must be an integer or null, got {value!r}")
    return value
