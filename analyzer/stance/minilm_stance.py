"""The default stance model: a fine-tuned all-MiniLM-L6-v2 cross-encoder, int8 ONNX on CPU.

Per comment it reads ``[CLS] article context || parent comment [SEP] comment [SEP]`` plus the
conversation features (reply depth, question marks, negation/denial/agreement cues, links, the
parent's question/negation) and predicts support / deny / query / comment / unrelated. Those are
mapped to the product labels (query and comment are both ``neutral``; query sets
``questioning``) after dev-fitted class offsets and temperature (calibration.py).

Around the model:

- a language gate: non-English comments get ``supported: false`` and a reason, not a guess;
- long articles: the title, the lead and the body sentences most similar to the comment
  (context.py; sentence embeddings by default, ``stance.context_selection``), reported as
  ``article_passage`` evidence ("responds to: ...", with offsets into the article and the
  similarity);
- evidence: for support/oppose comments of several sentences, the sentence whose removal lowers
  the label's probability most (leave-one-sentence-out over the sentences inside the model's
  input window), with character offsets;
- relatedness first (relevance.py, ``stance.relevance_check``): a comment whose sentence
  embedding comes close to nothing in its article is ``unrelated``, with ``relevance`` evidence
  naming the closest article text and its similarity;
- abstention below ``abstain_below`` confidence.

Inference needs onnxruntime, tokenizers and lingua only (the ``stance`` extra); they are
imported when the model is built, so ``import analyzer`` stays fast. The sentence encoder of
the context selection (data/models/minilm_sentence) is loaded once per classifier.

Limitation: the pipeline classifies comments in batches; a reply whose parent falls in another
batch is scored without the parent's text (its depth is still taken as 2).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from analyzer.config import DEFAULT_MODELS_DIR, StanceParams
from analyzer.errors import ModelError
from analyzer.model import (
    Article,
    Comment,
    ComponentInfo,
    Evidence,
    EvidenceKind,
    Span,
    StanceLabel,
    StanceResult,
)
from analyzer.onnx_session import verified_onnx_session
from analyzer.stance.base import STANCE_CLASSIFIERS
from analyzer.stance.baseline import (
    BaselineModel,
    TfidfBaselineClassifier,
    read_model,
    resolve_model_path,
)
from analyzer.stance.calibration import (
    PRODUCT_LABELS,
    product_scores,
    questioning_scores,
    softmax,
)
from analyzer.stance.cascade import LexicalGate, baseline_outputs, gate_inputs
from analyzer.stance.context import (
    ArticleContext,
    ArticleMatch,
    ContextSelector,
    EmbeddingRanker,
    SentenceRanker,
    make_ranker,
    split_sentences,
)
from analyzer.stance.encoder import PairTokenizer, join_context
from analyzer.stance.features import FEATURE_NAMES, conversation_features
from analyzer.stance.language import LanguageGate, LanguageVerdict
from analyzer.stance.relevance import (
    DEFAULT_RELEVANCE_DIR,
    RelevanceCurve,
    curve_checksum,
    with_relevance,
)

FloatArray = npt.NDArray[np.float64]

MODEL_FORMAT = "comment-analyzer/minilm-stance"
MODEL_FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
CHECKSUM_FILE = "model.sha256"
TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "MODEL_CARD.md"
DEFAULT_MODEL_DIR = DEFAULT_MODELS_DIR / "minilm_stance"
LABEL_ORDER: tuple[StanceLabel, ...] = tuple(StanceLabel(label) for label in PRODUCT_LABELS)
MAX_EXPLAINED_SENTENCES = 8
UNRELATED_COLUMN = LABEL_ORDER.index(StanceLabel.UNRELATED)
DEFAULT_BATCH_SIZE = 8  # the fused int8 graph: 220 pairs/s at 8, 203 at 32 (2 cores, MODEL_CARD.md)


@dataclass(frozen=True, slots=True)
class LongCommentCalibration:
    """Offsets and temperature for comments of at least ``min_chars`` characters: fitted on
    long news comments (ARC's calibration debates), where RumourEval dev's mostly short replies
    left the default calibration starving ``neutral``."""

    min_chars: int
    offsets: tuple[float, ...]
    temperature: float
    fitted_on: str = ""  # what the offsets and temperature were fitted on, in words

    def applies_to(self, lengths: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which comments, by character length, take this calibration."""
        return np.asarray(lengths, dtype=np.int64) >= self.min_chars

    @classmethod
    def from_json(cls, raw: Any, n_classes: int, source: Path) -> LongCommentCalibration:
        try:
            found = cls(
                min_chars=int(raw["min_chars"]),
                offsets=tuple(float(x) for x in raw["offsets"]),
                temperature=float(raw["temperature"]),
                fitted_on=str(raw.get("fitted_on", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"{source}: long_comments is malformed: {exc!r}",
                hint="retrain the model, or remove long_comments to use one calibration",
            ) from None
        if len(found.offsets) != n_classes or found.temperature <= 0 or found.min_chars < 1:
            raise ModelError(
                f"{source}: long_comments needs {n_classes} offsets, a temperature > 0 and "
                f"min_chars >= 1 (found {len(found.offsets)}, {found.temperature}, "
                f"{found.min_chars})",
                hint="retrain the model, or remove long_comments to use one calibration",
            )
        return found


@dataclass(frozen=True, slots=True)
class MiniLMManifest:
    onnx_file: str
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    max_length: int
    context_chars: int
    offsets: tuple[float, ...]
    temperature: float
    version: str
    fast: Mapping[str, Any] | None  # the fast profile: max_length, temperature, gate (cascade.py)
    long_comments: LongCommentCalibration | None = None

    @classmethod
    def read(cls, path: Path) -> MiniLMManifest:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"cannot read the model manifest {path}: {exc}",
                hint="retrain with `comment-analyzer train stance` or restore the model dir",
            ) from None
        if raw.get("format") != MODEL_FORMAT or raw.get("format_version") != MODEL_FORMAT_VERSION:
            raise ModelError(
                f"{path} is not a {MODEL_FORMAT} v{MODEL_FORMAT_VERSION} manifest "
                f"(found {raw.get('format')!r} v{raw.get('format_version')!r})",
                hint="point stance.model_path at a `comment-analyzer train stance` output",
            )
        manifest = cls(
            onnx_file=str(raw["onnx_file"]),
            classes=tuple(raw["classes"]),
            feature_names=tuple(raw["feature_names"]),
            max_length=int(raw["max_length"]),
            context_chars=int(raw["context_chars"]),
            offsets=tuple(float(x) for x in raw["offsets"]),
            temperature=float(raw["temperature"]),
            version=str(raw["version"]),
            fast=raw.get("fast"),
            long_comments=(
                None
                if raw.get("long_comments") is None
                else LongCommentCalibration.from_json(
                    raw["long_comments"], len(raw["classes"]), path
                )
            ),
        )
        if manifest.feature_names != FEATURE_NAMES:
            raise ModelError(
                f"{path} was trained with features {manifest.feature_names}, this code computes "
                f"{FEATURE_NAMES}",
                hint="retrain the model with this version of comment-analyzer",
            )
        if len(manifest.offsets) != len(manifest.classes) or manifest.temperature <= 0:
            raise ModelError(
                f"{path}: offsets/temperature do not match {len(manifest.classes)} classes",
                hint="retrain the model",
            )
        return manifest


class MiniLMStanceModel:
    """ONNX graph + tokenizer + calibration: pairs in, calibrated 5-class probabilities out."""

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 0,
        fast: bool = False,
        baseline_path: Path | None = None,
    ) -> None:
        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise ModelError(
                f"stance model directory not found: {model_dir}",
                hint="train it with `comment-analyzer train stance`, or set stance.model to "
                "'tfidf_baseline'",
            )
        self.manifest = MiniLMManifest.read(model_dir / MANIFEST_FILE)
        self._session, self.checksum = verified_onnx_session(
            model_dir / self.manifest.onnx_file,
            model_dir / CHECKSUM_FILE,
            threads=threads,
            restore_hint="restore the model directory or retrain it",
        )
        self._offsets = np.asarray(self.manifest.offsets, dtype=np.float64)
        self.temperature = self.manifest.temperature
        # Fitted at the trained length; the fast profile's encoder reads 64 tokens.
        self.long_comments = None if fast else self.manifest.long_comments
        max_length = self.manifest.max_length
        self.gate: LexicalGate | None = None
        self.baseline: BaselineModel | None = None
        self.baseline_checksum: str | None = None  # the gate's TF-IDF baseline file
        if fast:
            profile = self.manifest.fast
            if profile is None:
                raise ModelError(
                    f"{model_dir} has no fast profile (lexical gate) in its manifest",
                    hint="set stance.fast=false, or fit one with "
                    "`python -m analyzer.stance.training_minilm gate`",
                )
            source = str(model_dir / MANIFEST_FILE)
            try:
                max_length = int(profile["max_length"])
                self.temperature = float(profile["temperature"])
                gate_json = profile["gate"]
            except (KeyError, TypeError, ValueError) as exc:
                raise ModelError(
                    f"{source}: the fast profile is malformed: {exc}",
                    hint="refit it with `python -m analyzer.stance.training_minilm gate`",
                ) from None
            self.gate = LexicalGate.from_json(gate_json, source=source)
            self.baseline, baseline_sha256 = read_model(resolve_model_path(baseline_path))
            if baseline_sha256 != self.gate.baseline_sha256:
                raise ModelError(
                    f"the lexical gate of {model_dir} was fitted with the TF-IDF baseline "
                    f"{self.gate.baseline_sha256[:12]}..., but the baseline found is "
                    f"{baseline_sha256[:12]}...",
                    hint="restore the shipped stance-baseline model or refit the gate with "
                    "`python -m analyzer.stance.training_minilm gate`",
                )
            self.baseline_checksum = baseline_sha256
        self.tokenizer = PairTokenizer(model_dir / TOKENIZER_FILE, max_length)

    def raw_logits(
        self,
        segment_a: Sequence[str],
        comments: Sequence[str],
        features: npt.NDArray[np.float32],
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> FloatArray:
        """Uncalibrated logits, in input order.

        Every pair is tokenized once; pairs are sorted by their exact token count and batched in
        that order, so a batch is padded only to its own longest row (the order is fixed by the
        input, so the same input always gives the same batches and results).
        """
        out = np.zeros((len(comments), len(self.manifest.classes)), dtype=np.float64)
        rows = self.tokenizer.encode_rows(segment_a, comments)
        order = sorted(range(len(rows)), key=lambda i: (len(rows[i]), i))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = self.tokenizer.pad([rows[i] for i in idx])
            (logits,) = self._session.run(
                ["logits"],
                {
                    "input_ids": enc.input_ids,
                    "attention_mask": enc.attention_mask,
                    "features": np.ascontiguousarray(features[idx], dtype=np.float32),
                },
            )
            out[idx] = logits
        return out

    def calibrate(self, logits: FloatArray, lengths: Sequence[int] | None = None) -> FloatArray:
        """Calibrated probabilities; rows whose comment has ``lengths`` of at least the long-
        comment calibration's ``min_chars`` characters take that calibration instead."""
        proba = softmax((logits + self._offsets) / self.temperature)
        long = self.long_comments
        if long is not None and lengths is not None:
            rows = long.applies_to(lengths)
            if rows.any():
                offsets = np.asarray(long.offsets, dtype=np.float64)
                proba[rows] = softmax((logits[rows] + offsets) / long.temperature)
        return proba

    def proba(
        self,
        segment_a: Sequence[str],
        comments: Sequence[str],
        features: npt.NDArray[np.float32],
        lengths: Sequence[int] | None = None,
    ) -> FloatArray:
        """Calibrated probabilities; ``lengths`` (default: of ``comments``) picks the
        calibration per row, so a shortened comment can keep its original one."""
        lengths = [len(c) for c in comments] if lengths is None else lengths
        return self.calibrate(self.raw_logits(segment_a, comments, features), lengths)


@dataclass(frozen=True, slots=True)
class PairInputs:
    """What the model reads for one batch of comments; ``usable`` indexes the supported ones,
    and ``parents``, ``segment_a``, ``texts`` and ``features`` have one entry per usable
    comment. ``contexts`` has one per comment (empty where not computed)."""

    verdicts: tuple[LanguageVerdict, ...]
    contexts: tuple[ArticleContext, ...]
    usable: tuple[int, ...]
    parents: tuple[str | None, ...]
    segment_a: tuple[str, ...]
    texts: tuple[str, ...]
    features: npt.NDArray[np.float32]

    def with_contexts(self, rows: Sequence[int], contexts: Sequence[ArticleContext]) -> PairInputs:
        """These inputs with the article ``contexts`` of the usable ``rows`` filled in."""
        all_contexts = list(self.contexts)
        segment_a = list(self.segment_a)
        for row, context in zip(rows, contexts, strict=True):
            all_contexts[self.usable[row]] = context
            segment_a[row] = join_context(context.text, self.parents[row])
        return replace(self, contexts=tuple(all_contexts), segment_a=tuple(segment_a))


@dataclass(frozen=True, slots=True)
class _Thread:
    parents: tuple[str | None, ...]
    depths: tuple[int, ...]


def _gate_evidence(comment: Comment, polar: float, threshold: float) -> Evidence:
    """Why the encoder did not read a comment: the lexical gate found no support or denial."""
    return Evidence(
        kind=EvidenceKind.TEXT_SPAN,
        summary=(
            "decided by the lexical gate (TF-IDF words and conversation features): "
            f"P(support) + P(deny) {polar:.2f} is below {threshold:.2f}, so the encoder did not "
            "read this comment"
        ),
        comment_ids=(comment.comment_id,),
        span=Span(0, len(comment.text), comment.text),
        weight=polar,
    )


def _long_calibration_evidence(comment: Comment, long: LongCommentCalibration) -> Evidence:
    """Why this comment's confidence is not on the same scale as a short reply's."""
    source = f", fitted on {long.fitted_on}" if long.fitted_on else ""
    return Evidence(
        kind=EvidenceKind.CALIBRATION,
        summary=(
            f"scored with the long-comment calibration{source}: the comment has "
            f"{len(comment.text)} characters, at least {long.min_chars}"
        ),
        comment_ids=(comment.comment_id,),
    )


def _relevance_evidence(
    comment: Comment, context: ArticleContext, curve: RelevanceCurve, method: str
) -> Evidence:
    """Why a comment is ``unrelated``: nothing in its article comes close to it."""
    match = context.match
    assert match is not None  # only comments with a measured match are rescored
    where = (
        "the title and lead"
        if match.start is None
        else f"article characters {match.start}-{match.end}"
    )
    return Evidence(
        kind=EvidenceKind.RELEVANCE,
        summary=(
            f"off the article's topic: the closest article text, '{match.text[:160]}' ({where}), "
            f"has {method} similarity {match.similarity:.2f}, below "
            f"{float(curve.threshold(match.units)):.2f}, where off-topic becomes likelier than "
            f"on-topic for an article of {match.units} sentence(s) "
            f"(at {curve.prior:.0%} off-topic comments)"
        ),
        comment_ids=(comment.comment_id,),
        article_ids=(comment.article_id,),
        span=None if match.start is None else Span(match.start, match.end or 0, match.text),
        similarity=match.similarity,
    )


def thread_structure(comments: Sequence[Comment]) -> _Thread:
    """Parent text and depth (1 = top-level comment) from ``parent_id`` links inside the batch."""
    by_id = {c.comment_id: c for c in comments}
    depths: list[int] = []
    parents: list[str | None] = []
    for comment in comments:
        depth, seen, current = 1, {comment.comment_id}, comment
        while current.parent_id is not None:
            depth += 1
            parent = by_id.get(current.parent_id)
            if parent is None or parent.comment_id in seen:
                break
            seen.add(parent.comment_id)
            current = parent
        depths.append(depth)
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        parents.append(parent.text if parent is not None else None)
    return _Thread(parents=tuple(parents), depths=tuple(depths))


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in split_sentences(text)]


@STANCE_CLASSIFIERS.register("minilm_stance")
class MiniLMStanceClassifier:
    name: ClassVar[str] = "minilm_stance"
    version: ClassVar[str] = "1.3.0"  # 1.3: fused-attention graph, batches of 8

    def __init__(
        self,
        model: MiniLMStanceModel,
        *,
        context_chars: int = 1500,
        abstain_below: float = 0.0,
        explain: bool = True,
        language_gate: LanguageGate | None = None,
        context_ranker: SentenceRanker | None = None,
        relevance: RelevanceCurve | None = None,
        relevance_checksum: str | None = None,
    ) -> None:
        self.model = model
        self.context_chars = min(context_chars, model.manifest.context_chars)
        self.abstain_below = abstain_below
        self.explain = explain
        self.language_gate = language_gate or LanguageGate()
        # None: the shipped sentence encoder, loaded when a long article first needs it.
        self.context = ContextSelector(self.context_chars, context_ranker or EmbeddingRanker())
        if relevance is not None and not isinstance(self.context.ranker, EmbeddingRanker):
            raise ModelError(
                "the relevance check scores with the context selection's sentence encoder, "
                f"but context selection is '{self.context.ranker.name}'",
                hint="set stance.context_selection='embedding', or stance.relevance_check=false",
            )
        self.relevance = relevance
        self.relevance_checksum = relevance_checksum

    @property
    def checksum(self) -> str | None:
        return self.model.checksum

    def parts(self) -> tuple[ComponentInfo, ...]:
        ranker = self.context.ranker
        context = ComponentInfo(
            kind="stance_context",
            name=f"{ranker.name}_context_selection",
            version=ranker.version,
            checksum=ranker.checksum,
        )
        parts = [context]
        if self.relevance is not None:
            parts.append(
                ComponentInfo(
                    kind="stance_relevance",
                    name="embedding_relevance",
                    version=self.relevance.version,
                    checksum=self.relevance_checksum,
                )
            )
        if self.model.gate is None:
            return tuple(parts)
        # stance.fast: the lexical gate labels some comments from the TF-IDF baseline's output
        gate = ComponentInfo(
            kind="stance_gate",
            name=TfidfBaselineClassifier.name,
            version=TfidfBaselineClassifier.version,
            checksum=self.model.baseline_checksum,
        )
        return (*parts, gate)

    @classmethod
    def from_params(cls, params: StanceParams) -> MiniLMStanceClassifier:
        model = MiniLMStanceModel(
            params.model_path or DEFAULT_MODEL_DIR, threads=params.threads, fast=params.fast
        )
        ranker = make_ranker(
            params.context_selection, model_dir=params.sentence_model_dir, threads=params.threads
        )
        relevance_dir = params.relevance_model_dir or DEFAULT_RELEVANCE_DIR
        relevance = RelevanceCurve.read(relevance_dir) if params.relevance_check else None
        classifier = cls(
            model,
            context_chars=params.context_chars,
            abstain_below=params.abstain_below,
            explain=params.explain,
            context_ranker=ranker,
            relevance=relevance,
            relevance_checksum=curve_checksum(relevance_dir) if relevance else None,
        )
        # The pipeline loads everything once, at start-up: a missing model fails here (the
        # sentence encoder first, as lingua takes seconds to load).
        ranker.load()
        if relevance is not None:
            relevance.check_encoder(ranker.checksum, where="stance.relevance_check")
        classifier.language_gate.load()
        return classifier

    def without_relevance(self) -> MiniLMStanceClassifier:
        """This classifier without the relatedness check, sharing every loaded model."""
        if self.relevance is None:
            return self
        twin = copy.copy(self)
        twin.relevance = twin.relevance_checksum = None
        return twin

    @property
    def model_id(self) -> str:
        fast = "+fast" if self.model.gate is not None else ""
        relevance = "+relevance" if self.relevance is not None else ""
        return f"{self.name}@{self.version}{fast}{relevance}"

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        if not comments:
            return []
        # With the lexical gate, only the comments the encoder reads need an article context.
        inputs = self.inputs(comments, articles, with_context=self.model.gate is None)
        proba5, inputs, gate_polar = self._proba5(comments, articles, inputs)
        verdicts, contexts, usable = inputs.verdicts, inputs.contexts, inputs.usable
        segment_a, features = inputs.segment_a, inputs.features
        scores4 = product_scores(proba5)
        relevant = self._relevance_by_row(usable, contexts)
        if self.relevance is not None and relevant:
            rows = list(relevant)
            g = self.relevance.probability(
                [m.similarity for m in relevant.values()], [m.units for m in relevant.values()]
            )
            scores4[rows] = with_relevance(scores4[rows], UNRELATED_COLUMN, g)
        asks = questioning_scores(proba5)
        labels = scores4.argmax(axis=1) if usable else np.zeros(0, dtype=np.int64)
        spans = (
            self._explain(usable, comments, segment_a, features, labels, scores4)
            if self.explain
            else {}
        )
        results: dict[int, StanceResult] = {}
        gate, long = self.model.gate, self.model.long_comments
        for row, i in enumerate(usable):
            label = LABEL_ORDER[int(labels[row])]
            confidence = float(scores4[row, labels[row]])
            evidence = [*spans.get(i, ()), *self._passage_evidence(comments[i], contexts[i])]
            if gate is not None and row in gate_polar:
                evidence.append(_gate_evidence(comments[i], gate_polar[row], gate.polar_below))
            elif long is not None and long.applies_to([len(comments[i].text)])[0]:
                evidence.append(_long_calibration_evidence(comments[i], long))
            if self.relevance is not None and label is StanceLabel.UNRELATED and row in relevant:
                evidence.append(
                    _relevance_evidence(
                        comments[i], contexts[i], self.relevance, self.context.ranker.name
                    )
                )
            results[i] = StanceResult(
                comment_id=comments[i].comment_id,
                label=label,
                confidence=confidence,
                scores=MappingProxyType(
                    {str(lab): float(scores4[row, k]) for k, lab in enumerate(LABEL_ORDER)}
                ),
                questioning=bool(asks[row] >= 0.5),
                questioning_score=float(asks[row]),
                evidence=tuple(evidence),
                model=self.model_id,
                abstained=confidence < self.abstain_below,
                language=verdicts[i].language,
                supported=True,
                unsupported_reason=verdicts[i].reason,
            )
        return [
            results[i] if i in results else self._unsupported(comments[i], verdicts[i])
            for i in range(len(comments))
        ]

    def _relevance_by_row(
        self, usable: Sequence[int], contexts: Sequence[ArticleContext]
    ) -> dict[int, ArticleMatch]:
        """Row -> how close its comment came to its article, for the comments measured (none
        without the check; with ``stance.fast``, only the comments the encoder read)."""
        if self.relevance is None:
            return {}
        return {
            row: match for row, i in enumerate(usable) if (match := contexts[i].match) is not None
        }

    def _proba5(
        self, comments: Sequence[Comment], articles: Mapping[str, Article], inputs: PairInputs
    ) -> tuple[FloatArray, PairInputs, dict[int, float]]:
        """Calibrated 5-class probabilities of the usable comments: the lexical gate decides
        the plain comments and questions, the encoder the rest (all of them without a gate).
        Also the inputs, with the article contexts of the encoder's comments filled in where
        the gate left them out: the gate does not read the article, so the comments it
        decides get no context and no ``article_passage`` evidence; and, per row the gate
        decided, its untempered P(support) + P(deny)."""
        n = len(inputs.usable)
        proba5 = np.zeros((n, len(self.model.manifest.classes)), dtype=np.float64)
        hard = np.ones(n, dtype=bool)
        gate_polar: dict[int, float] = {}
        gate, baseline = self.model.gate, self.model.baseline
        if gate is not None and baseline is not None and n:
            lexical = baseline_outputs(baseline, [comments[i] for i in inputs.usable], articles)
            gate_logits = gate.logits(gate_inputs(lexical, inputs.features))
            decided = gate.decides(
                gate_logits, lexical, [len(comments[i].text) for i in inputs.usable]
            )
            gate_proba = softmax(gate_logits / gate.temperature)
            unrelated = lexical.proba[decided, 3:4]
            proba5[decided] = np.hstack([gate_proba[decided] * (1.0 - unrelated), unrelated])
            polar = gate.polar_proba(gate_logits)
            gate_polar = {int(r): float(polar[r]) for r in np.flatnonzero(decided)}
            hard = ~decided
        rows = np.flatnonzero(hard)
        if gate is not None and len(rows):
            read = [int(r) for r in rows]
            contexts = self.context.contexts(
                [comments[inputs.usable[r]] for r in read],
                articles,
                measure_relevance=self.relevance is not None,
            )
            inputs = inputs.with_contexts(read, contexts)
        if len(rows):
            proba5[rows] = self.model.proba(
                [inputs.segment_a[r] for r in rows],
                [inputs.texts[r] for r in rows],
                inputs.features[rows],
            )
        return proba5, inputs, gate_polar

    def inputs(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        *,
        with_context: bool = True,
    ) -> PairInputs:
        """Language verdicts, article contexts and the model inputs of the supported comments.
        ``with_context=False`` leaves the contexts empty (``PairInputs.with_contexts`` fills
        them in), for when only some comments will reach the encoder."""
        verdicts = self.language_gate.detect([c.text for c in comments])
        thread = thread_structure(comments)
        usable = tuple(i for i, v in enumerate(verdicts) if v.supported)
        contexts = [ArticleContext("", ())] * len(comments)
        if with_context:
            found = self.context.contexts(
                [comments[i] for i in usable],
                articles,
                measure_relevance=self.relevance is not None,
            )
            for i, context in zip(usable, found, strict=True):
                contexts[i] = context
        return PairInputs(
            verdicts=tuple(verdicts),
            contexts=tuple(contexts),
            usable=usable,
            parents=tuple(thread.parents[i] for i in usable),
            segment_a=tuple(join_context(contexts[i].text, thread.parents[i]) for i in usable),
            texts=tuple(comments[i].text for i in usable),
            features=conversation_features(
                [comments[i].text for i in usable],
                [thread.parents[i] for i in usable],
                [thread.depths[i] for i in usable],
            ),
        )

    def _unsupported(self, comment: Comment, verdict: LanguageVerdict) -> StanceResult:
        uniform = 1.0 / len(LABEL_ORDER)
        return StanceResult(
            comment_id=comment.comment_id,
            label=StanceLabel.NEUTRAL,
            confidence=uniform,
            scores=MappingProxyType({str(lab): uniform for lab in LABEL_ORDER}),
            questioning=False,
            questioning_score=0.0,
            evidence=(),
            model=self.model_id,
            abstained=True,
            language=verdict.language,
            supported=False,
            unsupported_reason=verdict.reason,
        )

    def _passage_evidence(self, comment: Comment, context: ArticleContext) -> list[Evidence]:
        """The two article sentences most similar to the comment (long articles only); the
        span indexes ``Article.text``."""
        method = self.context.ranker.name
        return [
            Evidence(
                kind=EvidenceKind.ARTICLE_PASSAGE,
                summary=(
                    f"responds to: '{passage.text[:160]}' (article characters "
                    f"{passage.start}-{passage.end}, {method} similarity "
                    f"{passage.similarity:.2f})"
                ),
                article_ids=(comment.article_id,),
                span=Span(passage.start, passage.end, passage.text),
                similarity=passage.similarity,
            )
            for passage in context.passages[:2]
        ]

    def _explain(  # noqa: PLR0917
        self,
        usable: Sequence[int],
        comments: Sequence[Comment],
        segment_a: Sequence[str],
        features: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        scores4: FloatArray,
    ) -> dict[int, list[Evidence]]:
        """Leave-one-sentence-out: the sentence without which the label loses most probability."""
        jobs: list[tuple[int, int, tuple[int, int]]] = []  # (row, comment index, sentence span)
        polar = [
            row
            for row in range(len(usable))
            if LABEL_ORDER[int(labels[row])] in (StanceLabel.SUPPORT, StanceLabel.OPPOSE)
        ]
        read = self.model.tokenizer.comment_chars_read(
            [segment_a[row] for row in polar], [comments[usable[row]].text for row in polar]
        )
        for row, chars_read in zip(polar, read, strict=True):
            i = usable[row]
            # Only sentences the model read (truncation drops the rest) can drive the label.
            sentences = [s for s in _sentences(comments[i].text) if s[0] < chars_read]
            if 2 <= len(sentences) <= MAX_EXPLAINED_SENTENCES:
                jobs.extend((row, i, span) for span in sentences)
        if not jobs:
            return {}
        reduced = [
            (comments[i].text[: s[0]] + comments[i].text[s[1] :]).strip() for _, i, s in jobs
        ]
        # Each shortened comment keeps its comment's calibration, so the deltas measure the
        # sentence and not a switch of calibration.
        proba = product_scores(
            self.model.proba(
                [segment_a[row] for row, _, _ in jobs],
                reduced,
                features[[row for row, _, _ in jobs]],
                lengths=[len(comments[i].text) for _, i, _ in jobs],
            )
        )  # fmt: skip
        best: dict[int, tuple[float, tuple[int, int]]] = {}
        for k, (row, i, span) in enumerate(jobs):
            delta = float(scores4[row, labels[row]] - proba[k, labels[row]])
            if i not in best or delta > best[i][0]:
                best[i] = (delta, span)
        out: dict[int, list[Evidence]] = {}
        for i, (delta, (start, end)) in best.items():
            if delta <= 0.0:
                continue
            text = comments[i].text[start:end]
            out[i] = [
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN,
                    summary=f"without this sentence the label's probability drops by {delta:.2f}",
                    comment_ids=(comments[i].comment_id,),
                    span=Span(start, end, text),
                    weight=delta,
                )
            ]
        return out
