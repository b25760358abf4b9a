"""TF-IDF + logistic regression stance baseline over (article context, comment) pairs.

The model sees a pair through three feature blocks:

- the comment's word 1-2-gram TF-IDF (what the comment says),
- optionally the context's TF-IDF in the same vocabulary, with its own weights,
- a few dense "cues": cosine similarity and word overlap between comment and context (what
  separates related from unrelated pairs), question marks, negation / denial / agreement
  words, links and length.

A second, binary model on the comment block and cues gives ``questioning_score`` (trained on
RumourEval "query" vs the rest). The whole model is one skops file holding only plain data
(numpy arrays, strings, numbers): the vectorizer is stored as its term list, IDF weights and
settings and rebuilt on load. The file is loaded with an explicit (empty) list of trusted
types after its sha256 has been checked against ``model.sha256``.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from analyzer.checksums import sha256_bytes
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
from analyzer.stance.base import STANCE_CLASSIFIERS

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

FloatArray = npt.NDArray[np.float64]

MODEL_FORMAT = "comment-analyzer/stance-baseline"
MODEL_FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
CHECKSUM_FILE = "model.sha256"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
DEFAULT_MODEL_DIR = DEFAULT_MODELS_DIR / "stance-baseline"
LABELS: tuple[StanceLabel, ...] = (
    StanceLabel.SUPPORT,
    StanceLabel.OPPOSE,
    StanceLabel.NEUTRAL,
    StanceLabel.UNRELATED,
)
TRAIN_HINT = (
    "run `comment-analyzer train stance-baseline` (needs ../shared/data/stance) "
    "or set stance.model_path to a trained model"
)

# Types skops may build beyond the builtins and numpy arrays it always allows. The model file
# holds nothing else (no estimator objects), so the list is empty; it is passed explicitly and
# write_model refuses to save a state that would need more. Never pass trusted=True.
TRUSTED_TYPES: tuple[str, ...] = ()

# Words of 1+ characters, keeping in-word apostrophes ("don't", "isn't") because negation
# matters for stance. Curly apostrophes are straightened first (same length, so character
# offsets into the original text stay valid).
TOKEN_PATTERN = r"(?u)\b\w(?:[\w']*\w)?\b"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)

# Cue word lists. Tokens ending in "n't" count as negations too.
NEGATION_WORDS = frozenset(
    ("not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot")
)
DENIAL_WORDS = frozenset(
    (
        *("fake", "false", "hoax", "lie", "lies", "lying", "liar", "liars", "wrong", "untrue"),
        *("debunked", "rumor", "rumour", "rumors", "rumours", "nonsense", "bs", "bullshit"),
        *("propaganda", "misleading", "myth", "ridiculous", "absurd", "disagree", "unfounded"),
        *("unconfirmed", "baseless", "fabricated", "doubt", "doubtful"),
    )
)
AGREEMENT_WORDS = frozenset(
    (
        *("agree", "agreed", "true", "right", "exactly", "yes", "yep", "indeed", "absolutely"),
        *("correct", "confirmed", "confirms", "confirm", "support", "supports", "precisely"),
    )
)

CUE_NAMES: tuple[str, ...] = (
    "similarity",
    "similarity_sqrt",
    "overlap",
    "question",
    "question_count",
    "negation",
    "denial",
    "agreement",
    "url",
    "exclamation",
    "length",
)
# Cues that depend on the article; the questioning model and empty contexts do without them.
PAIR_CUES = frozenset({"similarity", "similarity_sqrt", "overlap"})

# How each cue reads in an explanation, given its value.
_CUE_PHRASES: Mapping[str, Callable[[float], str]] = MappingProxyType(
    {
        "similarity": lambda v: f"word overlap with the article (cosine {v:.2f})",
        "similarity_sqrt": lambda v: f"word overlap with the article (cosine {v * v:.2f})",
        "overlap": lambda v: f"{v:.0%} of its words appear in the article",
        "question": lambda v: "a question mark" if v else "no question mark",
        "question_count": lambda v: "question marks" if v else "no question mark",
        "negation": lambda v: "negation words" if v else "no negation words",
        "denial": lambda v: "denial words" if v else "no denial words",
        "agreement": lambda v: "agreement words" if v else "no agreement words",
        "url": lambda v: "a link" if v else "no link",
        "exclamation": lambda v: "an exclamation mark" if v else "no exclamation mark",
        "length": lambda v: f"its length (~{math.expm1(v * 8.0):.0f} characters)",
    }
)


def normalize_text(text: str) -> str:
    """Straighten apostrophes; keeps the length so offsets map back onto the original."""
    return text.translate(_APOSTROPHES)


def article_context(article: Article | None, context_chars: int) -> str:
    """Title plus the lead: the first ``context_chars`` characters of the article text."""
    if article is None:
        return ""
    lead = article.text[:context_chars]
    return f"{article.title}\n{lead}".strip()


def comment_cues(texts: Sequence[str]) -> FloatArray:
    """The comment-only cues, one row per (apostrophe-normalised) text, in ``CUE_NAMES`` order
    minus the pair cues."""
    names = [n for n in CUE_NAMES if n not in PAIR_CUES]
    out = np.zeros((len(texts), len(names)), dtype=np.float64)
    log1p, findall = math.log1p, _TOKEN_RE.findall
    for row, text in enumerate(texts):
        tokens = findall(text.lower())
        negations = sum(1 for t in tokens if t in NEGATION_WORDS or t.endswith("n't"))
        questions = text.count("?")
        out[row] = (
            1.0 if questions else 0.0,
            log1p(questions),
            log1p(negations),
            log1p(sum(1 for t in tokens if t in DENIAL_WORDS)),
            log1p(sum(1 for t in tokens if t in AGREEMENT_WORDS)),
            1.0 if _URL_RE.search(text) else 0.0,
            1.0 if "!" in text else 0.0,
            log1p(len(text)) / 8.0,
        )
    return out


def pair_cues(comment_matrix: sp.csr_matrix, context_matrix: sp.csr_matrix) -> FloatArray:
    """Similarity cues between row-aligned, L2-normalised TF-IDF matrices."""
    cosine = np.asarray(comment_matrix.multiply(context_matrix).sum(axis=1)).ravel()
    cosine = np.clip(cosine, 0.0, 1.0)
    comment_terms = np.diff(comment_matrix.indptr)
    shared = np.asarray(
        (comment_matrix > 0).multiply(context_matrix > 0).sum(axis=1), dtype=np.float64
    ).ravel()
    overlap = np.divide(shared, comment_terms, out=np.zeros_like(shared), where=comment_terms > 0)
    return np.column_stack([cosine, np.sqrt(cosine), overlap])


@dataclass(frozen=True, slots=True)
class PairFeatures:
    matrix: sp.csr_matrix  # everything the stance model sees
    comment_block: sp.csr_matrix  # the comment's word TF-IDF, first columns of ``matrix``
    cues: FloatArray  # named by BaselineModel.cue_names
    pair_cues: FloatArray  # all three pair cues, before any empty-context substitution
    questioning_matrix: sp.csr_matrix


@dataclass(frozen=True, slots=True)
class BaselineModel:
    """The learned state, and the arithmetic to apply it. Training builds one; files hold one."""

    vectorizer: TfidfVectorizer
    use_context_block: bool
    cue_names: tuple[str, ...]
    labels: tuple[StanceLabel, ...]
    stance_coef: npt.NDArray[np.float32]  # (labels, features)
    stance_intercept: FloatArray
    temperature: float
    questioning_coef: npt.NDArray[np.float32]  # (features,)
    questioning_intercept: float
    questioning_threshold: float
    empty_context_cues: FloatArray  # pair-cue values used when an article has no text
    cue_reference: FloatArray  # mean training value of each cue, the baseline for explanations
    metadata: Mapping[str, str]

    @property
    def vocabulary_size(self) -> int:
        return len(self.vectorizer.vocabulary_)

    @property
    def questioning_cue_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.cue_names if n not in PAIR_CUES)

    def features(
        self, comments: Sequence[str], contexts: Sequence[str], context_index: Sequence[int]
    ) -> PairFeatures:
        """Features for pairs (comments[i], contexts[context_index[i]]).

        Contexts are passed once each: a thousand comments under one article vectorize the
        article once.
        """
        comment_texts = [normalize_text(t) for t in comments]
        context_texts = [normalize_text(t) for t in contexts]
        comment_block = self.vectorizer.transform(comment_texts).tocsr()
        index = np.asarray(context_index, dtype=np.intp)
        if context_texts:
            context_block = self.vectorizer.transform(context_texts).tocsr()[index]
        else:
            context_block = sp.csr_matrix(comment_block.shape, dtype=comment_block.dtype)
        raw_pair_cues = pair_cues(comment_block, context_block)
        all_cues = dict(
            zip(
                CUE_NAMES,
                self._cue_columns(comment_texts, raw_pair_cues, context_texts, index),
                strict=True,
            )
        )
        cues = (
            np.column_stack([all_cues[n] for n in self.cue_names])
            if self.cue_names
            else (np.zeros((len(comment_texts), 0)))
        )
        question_cues = (
            np.column_stack([all_cues[n] for n in self.questioning_cue_names])
            if self.questioning_cue_names
            else np.zeros((len(comment_texts), 0))
        )
        blocks: list[sp.spmatrix] = [comment_block]
        if self.use_context_block:
            blocks.append(context_block)
        blocks.append(sp.csr_matrix(cues))
        matrix = sp.hstack(blocks, format="csr", dtype=np.float64)
        questioning_matrix = sp.hstack(
            [comment_block, sp.csr_matrix(question_cues)], format="csr", dtype=np.float64
        )
        return PairFeatures(matrix, comment_block, cues, raw_pair_cues, questioning_matrix)

    def _cue_columns(
        self,
        comment_texts: Sequence[str],
        raw_pair_cues: FloatArray,
        context_texts: Sequence[str],
        index: npt.NDArray[np.intp],
    ) -> list[FloatArray]:
        per_comment = comment_cues(comment_texts)
        pairs = raw_pair_cues.copy()
        if len(index):
            empty = np.array([not t.strip() for t in context_texts], dtype=bool)[index]
        else:
            empty = np.zeros(0, dtype=bool)
        if empty.any():
            # Without an article there is nothing to compare with: use the typical value of a
            # related training pair instead of "no overlap", which would read as unrelated.
            pairs[empty] = self.empty_context_cues
        columns = [pairs[:, i] for i in range(pairs.shape[1])]
        columns += [per_comment[:, i] for i in range(per_comment.shape[1])]
        return columns

    def stance_logits(self, features: PairFeatures) -> FloatArray:
        logits = features.matrix @ self.stance_coef.T.astype(np.float64)
        return np.asarray(logits) + self.stance_intercept

    def stance_proba(self, features: PairFeatures) -> FloatArray:
        return softmax(self.stance_logits(features) / self.temperature)

    def questioning_proba(self, features: PairFeatures) -> FloatArray:
        logit = features.questioning_matrix @ self.questioning_coef.astype(np.float64)
        return 1.0 / (1.0 + np.exp(-(np.asarray(logit).ravel() + self.questioning_intercept)))

    # -- persistence -------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Plain data only. The vectorizer becomes its terms, IDF weights and settings, so
        nothing else it may hold (e.g. pruned ``stop_words_``: raw training text) is saved."""
        terms = [str(t) for t in self.vectorizer.get_feature_names_out()]
        if any("\n" in t for t in terms):
            raise ModelError("a vocabulary term contains a newline", hint="check TOKEN_PATTERN")
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "vocabulary": "\n".join(terms),
            "idf": np.asarray(self.vectorizer.idf_, dtype=np.float32),
            "vectorizer_settings": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in vectorizer_settings(self.vectorizer).items()
            },
            "use_context_block": self.use_context_block,
            "cue_names": list(self.cue_names),
            "labels": [str(label) for label in self.labels],
            "stance_coef": self.stance_coef,
            "stance_intercept": self.stance_intercept,
            "temperature": float(self.temperature),
            "questioning_coef": self.questioning_coef,
            "questioning_intercept": float(self.questioning_intercept),
            "questioning_threshold": float(self.questioning_threshold),
            "empty_context_cues": self.empty_context_cues,
            "cue_reference": self.cue_reference,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_state(cls, state: object, *, source: str) -> BaselineModel:
        if not isinstance(state, dict) or state.get("format") != MODEL_FORMAT:
            raise ModelError(f"{source} is not a stance-baseline model file", hint=TRAIN_HINT)
        if state.get("format_version") != MODEL_FORMAT_VERSION:
            raise ModelError(
                f"{source} has model format version {state.get('format_version')!r}; "
                f"this code reads version {MODEL_FORMAT_VERSION}",
                hint=TRAIN_HINT,
            )
        try:
            labels = tuple(StanceLabel(label) for label in state["labels"])
            cue_names = tuple(str(n) for n in state["cue_names"])
            unknown = [n for n in cue_names if n not in CUE_NAMES]
            if unknown:
                raise ValueError(f"unknown cue(s) {unknown}")
            vectorizer = build_vectorizer(
                state["vectorizer_settings"],
                terms=str(state["vocabulary"]).split("\n"),
                idf=np.asarray(state["idf"], dtype=np.float32),
            )
            model = cls(
                vectorizer=vectorizer,
                use_context_block=bool(state["use_context_block"]),
                cue_names=cue_names,
                labels=labels,
                stance_coef=np.asarray(state["stance_coef"], dtype=np.float32),
                stance_intercept=np.asarray(state["stance_intercept"], dtype=np.float64),
                temperature=float(state["temperature"]),
                questioning_coef=np.asarray(state["questioning_coef"], dtype=np.float32),
                questioning_intercept=float(state["questioning_intercept"]),
                questioning_threshold=float(state["questioning_threshold"]),
                empty_context_cues=np.asarray(state["empty_context_cues"], dtype=np.float64),
                cue_reference=np.asarray(state["cue_reference"], dtype=np.float64),
                metadata=MappingProxyType({str(k): str(v) for k, v in state["metadata"].items()}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"{source} is incomplete or malformed: {exc}", hint=TRAIN_HINT
            ) from None
        model._check_shapes(source)
        return model

    def _check_shapes(self, source: str) -> None:
        n_features = self.vocabulary_size * (2 if self.use_context_block else 1)
        n_features += len(self.cue_names)
        n_questioning = self.vocabulary_size + len(self.questioning_cue_names)
        problems = []
        if set(self.labels) != set(LABELS) or len(self.labels) != len(LABELS):
            problems.append(f"labels {list(self.labels)} are not {[str(x) for x in LABELS]}")
        if self.stance_coef.shape != (len(self.labels), n_features):
            problems.append(
                f"stance_coef has shape {self.stance_coef.shape}, "
                f"expected {(len(self.labels), n_features)}"
            )
        if self.stance_intercept.shape != (len(self.labels),):
            problems.append(f"stance_intercept has shape {self.stance_intercept.shape}")
        if self.questioning_coef.shape != (n_questioning,):
            problems.append(
                f"questioning_coef has shape {self.questioning_coef.shape}, "
                f"expected {(n_questioning,)}"
            )
        if self.empty_context_cues.shape != (3,):
            problems.append(f"empty_context_cues has shape {self.empty_context_cues.shape}")
        if self.cue_reference.shape != (len(self.cue_names),):
            problems.append(f"cue_reference has shape {self.cue_reference.shape}")
        if not self.temperature > 0:
            problems.append(f"temperature {self.temperature} is not positive")
        if problems:
            raise ModelError(f"{source} is inconsistent: {'; '.join(problems)}", hint=TRAIN_HINT)


# The TfidfVectorizer settings a model file may carry, with the types they must have.
_VECTORIZER_SETTINGS: Mapping[str, type | tuple[type, ...]] = MappingProxyType(
    {
        "token_pattern": str,
        "ngram_range": (list, tuple),
        "lowercase": bool,
        "sublinear_tf": bool,
        "smooth_idf": bool,
        "norm": str,
    }
)


def vectorizer_settings(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    params = vectorizer.get_params()
    return {key: params[key] for key in _VECTORIZER_SETTINGS}


def build_vectorizer(
    settings: Mapping[str, Any],
    *,
    terms: Sequence[str] | None = None,
    idf: npt.NDArray[np.float32] | None = None,
    min_df: int = 1,
    max_features: int | None = None,
) -> TfidfVectorizer:
    """A TfidfVectorizer from plain settings; with ``terms`` and ``idf`` it is ready to use.

    Without them it is unfitted (for training). Unknown or mistyped settings are refused, so
    a model file cannot smuggle in e.g. a callable analyzer.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415 - ~1 s import

    unknown = set(settings) - set(_VECTORIZER_SETTINGS)
    wrong = [k for k, kind in _VECTORIZER_SETTINGS.items() if not isinstance(settings.get(k), kind)]
    if unknown or wrong:
        raise ValueError(
            f"bad vectorizer settings: unknown {sorted(unknown)}, missing or mistyped {wrong}"
        )
    low, high = (int(n) for n in settings["ngram_range"])
    vectorizer = TfidfVectorizer(
        token_pattern=settings["token_pattern"],
        ngram_range=(low, high),
        lowercase=settings["lowercase"],
        sublinear_tf=settings["sublinear_tf"],
        smooth_idf=settings["smooth_idf"],
        norm=settings["norm"],
        min_df=min_df,
        max_features=max_features,
        vocabulary=None if terms is None else list(terms),
        dtype=np.float32,
    )
    if terms is not None:
        if idf is None or idf.shape != (len(terms),):
            raise ValueError(
                f"idf has shape {None if idf is None else idf.shape}, expected ({len(terms)},)"
            )
        vectorizer.idf_ = idf  # also validates the vocabulary (e.g. duplicate terms)
    return vectorizer


VECTORIZER_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "token_pattern": TOKEN_PATTERN,
        "ngram_range": (1, 2),
        "lowercase": True,
        "sublinear_tf": True,
        "smooth_idf": True,
        "norm": "l2",
    }
)


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


# -- files ---------------------------------------------------------------------------------------


def resolve_model_path(model_path: Path | None) -> Path:
    """The model file for ``stance.model_path``: a file, a folder holding model.skops, or None."""
    if model_path is None:
        return DEFAULT_MODEL_DIR / MODEL_FILE
    path = Path(model_path)
    return path / MODEL_FILE if path.is_dir() else path


def checksum_path_for(model_path: Path) -> Path:
    return model_path.with_name(CHECKSUM_FILE)


def write_model(model: BaselineModel, model_path: Path) -> str:
    """Write the model and its ``model.sha256``; returns the checksum."""
    import skops.io as sio  # noqa: PLC0415 - takes ~2 s to import; only needed here

    data = canonical_skops(sio.dumps(model.to_state()))
    untrusted = (set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)) | foreign_types(data)
    if untrusted:
        # Loading would refuse these; fail now, at training time, instead.
        raise ModelError(
            f"the model would need untrusted types {sorted(untrusted)} to load",
            hint="store plain arrays instead, or review and add the types to TRUSTED_TYPES",
        )
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_bytes(data)
    checksum = sha256_bytes(data)
    checksum_path_for(model_path).write_text(f"{checksum}  {model_path.name}\n", encoding="utf-8")
    return checksum


PLAIN_MODULES = frozenset({"builtins", "numpy"})


def foreign_types(data: bytes) -> set[str]:
    """Types in a skops file from outside builtins and numpy.

    skops trusts many scikit-learn classes by default; a stance-baseline file needs none of
    them, so anything beyond plain data is refused before skops builds a single object.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return {f"(unreadable skops archive: {exc})"}
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            module = node.get("__module__")
            if isinstance(module, str) and module.split(".")[0] not in PLAIN_MODULES:
                found.add(f"{module}.{node.get('__class__')}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def canonical_skops(data: bytes) -> bytes:
    """The same skops file with deterministic bytes: equal models, equal checksums.

    skops names array members and object ids after ``id()`` (memory addresses) and stamps
    each zip member with the current time. Ids are renumbered in schema order (shared
    references keep sharing a number) and every timestamp is set to 1980-01-01.
    """
    renumbered: dict[object, int] = {}
    renamed: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = renumbered.setdefault(node["__id__"], len(renumbered))
                if "__loader__" in node and isinstance(node.get("file"), str):
                    new_name = f"{node['__id__']}.npy"
                    renamed.setdefault(node["file"], new_name)
                    node["file"] = renamed[node["file"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
        walk(schema)
        members = {name: archive.read(name) for name in archive.namelist()}
    unknown = set(members) - set(renamed) - {"schema.json"}
    if unknown:
        raise ModelError(
            f"unexpected members {sorted(unknown)} in the skops archive",
            hint="this skops version writes a layout canonical_skops does not know; update it",
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as target:
        entries = [(new, members[old]) for old, new in renamed.items()]
        entries.append(("schema.json", json.dumps(schema, indent=2).encode("utf-8")))
        for name, payload in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            target.writestr(info, payload)
    return out.getvalue()


def read_model(model_path: Path) -> tuple[BaselineModel, str]:
    """Check the file against its recorded sha256, then load it with skops; never unpickle."""
    import skops.io as sio  # noqa: PLC0415 - takes ~2 s to import; only needed here

    if not model_path.is_file():
        raise ModelError(f"stance model not found: {model_path}", hint=TRAIN_HINT)
    sums = checksum_path_for(model_path)
    if not sums.is_file():
        raise ModelError(
            f"no checksum file {sums} next to the model {model_path}; refusing to load an "
            "unverified model",
            hint=TRAIN_HINT,
        )
    recorded = sums.read_text(encoding="utf-8").split()
    data = model_path.read_bytes()  # hash and load the same bytes: no swap in between
    actual = sha256_bytes(data)
    if not recorded or recorded[0].lower() != actual:
        expected = recorded[0] if recorded else "(empty file)"
        raise ModelError(
            f"checksum mismatch for {model_path}: {sums} records {expected}, the file has "
            f"{actual}; the model was changed or corrupted",
            hint=TRAIN_HINT,
        )
    foreign = foreign_types(data)
    if foreign:
        raise ModelError(
            f"{model_path} holds types outside builtins and numpy: {sorted(foreign)}; "
            "refusing to load it",
            hint=TRAIN_HINT,
        )
    try:
        state = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises several types for bad or untrusted content
        raise ModelError(f"cannot load {model_path} with skops: {exc}", hint=TRAIN_HINT) from None
    return BaselineModel.from_state(state, source=str(model_path)), actual


# -- the registered classifier -------------------------------------------------------------------


@STANCE_CLASSIFIERS.register("tfidf_baseline")
class TfidfBaselineClassifier:
    """Stance of each comment toward its article's title + lead, with word-level evidence."""

    name: ClassVar[str] = "tfidf_baseline"
    version: ClassVar[str] = "1.0.0"

    def __init__(
        self,
        model: BaselineModel,
        *,
        checksum: str,
        context_chars: int = 1500,
        evidence_terms: int = 3,
    ) -> None:
        self.model = model
        self._checksum = checksum
        self.context_chars = context_chars
        self.evidence_terms = evidence_terms
        self._terms: npt.NDArray[np.str_] = model.vectorizer.get_feature_names_out()
        vocabulary = model.vocabulary_size
        comment_coef = model.stance_coef[:, :vocabulary].astype(np.float64)
        # Softmax ignores what all classes share, so a term's push toward a label is its weight
        # minus the mean weight over labels.
        self._comment_push = comment_coef - comment_coef.mean(axis=0, keepdims=True)
        cue_coef = model.stance_coef[:, -len(model.cue_names) :] if model.cue_names else None
        self._cue_push = (
            None if cue_coef is None else cue_coef - cue_coef.mean(axis=0, keepdims=True)
        )

    @classmethod
    def from_params(cls, params: StanceParams) -> TfidfBaselineClassifier:
        model, checksum = read_model(resolve_model_path(params.model_path))
        return cls(model, checksum=checksum, context_chars=params.context_chars)

    @property
    def checksum(self) -> str:
        return self._checksum

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()  # one model file

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}"

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        if not comments:
            return []
        context_of: dict[str, int] = {}
        contexts: list[str] = []
        index: list[int] = []
        for comment in comments:
            slot = context_of.get(comment.article_id)
            if slot is None:
                slot = context_of[comment.article_id] = len(contexts)
                contexts.append(
                    article_context(articles.get(comment.article_id), self.context_chars)
                )
            index.append(slot)
        features = self.model.features([c.text for c in comments], contexts, index)
        proba = self.model.stance_proba(features)
        no_context = np.array([not contexts[i] for i in index], dtype=bool)
        if no_context.any():
            # Relatedness cannot be judged without article text: never claim "unrelated".
            unrelated = self.model.labels.index(StanceLabel.UNRELATED)
            proba[no_context, unrelated] = 0.0
            proba[no_context] /= proba[no_context].sum(axis=1, keepdims=True)
        predicted = proba.argmax(axis=1)
        questioning = self.model.questioning_proba(features)
        evidence = self._evidence(comments, features, predicted, no_context)
        labels = [str(label) for label in self.model.labels]
        results = []
        for row, comment in enumerate(comments):
            scores = MappingProxyType(
                {label: float(p) for label, p in zip(labels, proba[row], strict=True)}
            )
            q = float(questioning[row])
            results.append(
                StanceResult(
                    comment_id=comment.comment_id,
                    label=self.model.labels[predicted[row]],
                    confidence=float(proba[row, predicted[row]]),
                    scores=scores,
                    questioning=q >= self.model.questioning_threshold,
                    questioning_score=q,
                    evidence=evidence[row],
                    model=self.model_id,
                )
            )
        return results

    # -- evidence --------------------------------------------------------------------------------

    def _evidence(
        self,
        comments: Sequence[Comment],
        features: PairFeatures,
        predicted: npt.NDArray[np.intp],
        no_context: npt.NDArray[np.bool_],
    ) -> list[tuple[Evidence, ...]]:
        block = features.comment_block
        rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))
        push = self._comment_push[predicted[rows], block.indices] * block.data
        # Sort nonzeros by (row, strongest push first); keep a few candidates per row, more
        # than needed because overlapping n-grams ("not", "not true") are thinned out later.
        order = np.lexsort((-push, rows))
        sorted_rows = rows[order]
        starts = np.searchsorted(sorted_rows, np.arange(block.shape[0]))
        rank = np.arange(order.size) - starts[sorted_rows]
        keep = order[(rank < 2 * self.evidence_terms) & (push[order] > 0)]
        candidates: list[list[tuple[str, float]]] = [[] for _ in range(block.shape[0])]
        for position in keep:
            candidates[rows[position]].append(
                (str(self._terms[block.indices[position]]), float(push[position]))
            )
        cue_notes = self._cue_notes(features.cues, predicted)
        return [
            self._explain(
                comment,
                candidates[row],
                self.model.labels[predicted[row]],
                cue_notes[row],
                bool(no_context[row]),
            )
            for row, comment in enumerate(comments)
        ]

    def _cue_notes(self, cues: FloatArray, predicted: npt.NDArray[np.intp]) -> list[str | None]:
        """The strongest non-word reason for each prediction, when it is a real push."""
        if self._cue_push is None or cues.shape[1] == 0:
            return [None] * len(predicted)
        # Measured from the typical training value: a near-zero similarity pushes toward
        # "unrelated" because it is far below what related pairs show.
        push = self._cue_push[predicted] * (cues - self.model.cue_reference)
        best = push.argmax(axis=1)
        notes: list[str | None] = []
        for row, column in enumerate(best):
            weight = push[row, column]
            if weight < 0.1:
                notes.append(None)
                continue
            cue = self.model.cue_names[column]
            notes.append(f"{_CUE_PHRASES[cue](float(cues[row, column]))} ({weight:+.2f})")
        return notes

    def _explain(
        self,
        comment: Comment,
        candidates: list[tuple[str, float]],
        label: StanceLabel,
        cue_note: str | None,
        no_context: bool,
    ) -> tuple[Evidence, ...]:
        spans = _locate(comment.text, candidates, self.evidence_terms)
        parts = [f"'{span.text}' ({weight:+.2f})" for span, weight in spans]
        if cue_note:
            parts.append(cue_note)
        reason = ", ".join(parts) if parts else "no single word or cue stands out"
        summary = f"leans {label}: {reason}"
        if no_context:
            summary += "; the article has no title or text, so relatedness was not judged"
        if not spans:
            return (
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN, summary=summary, comment_ids=(comment.comment_id,)
                ),
            )
        evidence = []
        for position, (span, weight) in enumerate(spans):
            evidence.append(
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN,
                    summary=summary if position == 0 else f"'{span.text}' leans {label}",
                    comment_ids=(comment.comment_id,),
                    span=span,
                    weight=round(weight, 4),
                )
            )
        return tuple(evidence)


_ANY_APOSTROPHE = "['\u2018\u2019\u02bc]"


@functools.lru_cache(maxsize=1 << 16)
def _term_pattern(term: str) -> re.Pattern[str]:
    """Where an n-gram of the vocabulary occurs in raw text: its tokens, case-insensitive,
    separated by non-word characters, with token boundaries as TOKEN_PATTERN draws them."""
    tokens = [re.escape(token).replace("'", _ANY_APOSTROPHE) for token in term.split(" ")]
    return re.compile(
        rf"(?<!\w)(?<!\w{_ANY_APOSTROPHE})"
        + r"\W+".join(tokens)
        + rf"(?!\w)(?!{_ANY_APOSTROPHE}\w)",
        re.IGNORECASE,
    )


def _locate(text: str, candidates: list[tuple[str, float]], limit: int) -> list[tuple[Span, float]]:
    """Character spans of the strongest n-grams: the first occurrence of each that does not
    overlap a stronger one."""
    found: list[tuple[Span, float]] = []
    taken: list[tuple[int, int]] = []
    for term, weight in candidates:
        for match in _term_pattern(term).finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((Span(start=start, end=end, text=text[start:end]), weight))
            break
        if len(found) == limit:
            break
    return found
