"""Sentence embeddings for ``semantic``: all-MiniLM-L6-v2 as an int8 ONNX graph, no torch.

The model directory (``data/models/minilm_sentence``, written by
:mod:`analyzer.coordination.sentence_encoder_export`) holds the graph, its sha256, the
WordPiece tokenizer and a manifest. The graph already mean-pools and L2-normalizes, so the dot
product of two rows is their cosine similarity. Inference needs onnxruntime and tokenizers
only (both in the ``stance`` extra); they are imported when an encoder is built.

Texts are tokenized once (``[CLS] text [SEP]``, cut at ``max_tokens``), sorted by token count
and batched in that order, so every batch is padded only to its own longest row. The int8
graph quantizes activations per batch (dynamic quantization), so a text's embedding moves a
little with the company it is batched in (cosine about 0.99 to itself embedded alone); the
batches depend on the set of texts alone, not their order, so the same texts always give the
same embeddings.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from analyzer.config import DEFAULT_MODELS_DIR
from analyzer.errors import ModelError
from analyzer.onnx_session import verified_onnx_session
from analyzer.stance.encoder import EncodedBatch, load_wordpiece, pad_rows

MODEL_FORMAT = "comment-analyzer/minilm-sentence"
MODEL_FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
CHECKSUM_FILE = "model.sha256"
TOKENIZER_FILE = "tokenizer.json"
ONNX_FILE = "model.int8.onnx"
EMBEDDING_DIM = 384
DEFAULT_SENTENCE_MODEL_DIR = DEFAULT_MODELS_DIR / "minilm_sentence"
# Rows x padded length per forward pass. Small batches are faster on CPU (they stay in cache):
# measured 540 texts per CPU-second at 512, 360 at 8,192 (candidate texts, ~20 tokens each).
BATCH_TOKENS = 512
CHARS_PER_TOKEN_CAP = 8  # texts are cut at max_tokens x this before WordPiece (speed only)
REQUIRED_MODULES = ("onnxruntime", "tokenizers")


class SentenceTokenizer:
    """``[CLS] text [SEP]`` token rows with the MiniLM WordPiece vocabulary."""

    def __init__(self, tokenizer_file: Path, max_tokens: int) -> None:
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self._tokenizer = load_wordpiece(
            tokenizer_file,
            missing_hint="restore the model directory or rerun the sentence encoder export",
        )
        self.max_tokens = max_tokens
        self._tokenizer.enable_truncation(max_length=max_tokens)
        pad = self._tokenizer.token_to_id("[PAD]")
        if pad is None:
            raise ModelError(
                f"{tokenizer_file} has no [PAD] token", hint="use the MiniLM tokenizer.json"
            )
        self._pad = int(pad)

    def rows(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, special tokens included, at most ``max_tokens``."""
        limit = self.max_tokens * CHARS_PER_TOKEN_CAP
        encodings = self._tokenizer.encode_batch([t[:limit] for t in texts])
        return [list(e.ids) for e in encodings]

    def pad(self, rows: Sequence[Sequence[int]]) -> EncodedBatch:
        return pad_rows(rows, self._pad)

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        return self.pad(self.rows(texts))


@dataclass(frozen=True, slots=True)
class SentenceManifest:
    onnx_file: str
    version: str
    dimension: int
    max_tokens: int
    cosine_scale: float  # int8 pair cosines / fp32 ones, measured at export (1.0: unknown)

    @classmethod
    def read(cls, path: Path) -> SentenceManifest:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"cannot read the sentence encoder manifest {path}: {exc}",
                hint="restore data/models/minilm_sentence or rerun "
                "`python -m analyzer.coordination.sentence_encoder_export`",
            ) from None
        if raw.get("format") != MODEL_FORMAT or raw.get("format_version") != MODEL_FORMAT_VERSION:
            raise ModelError(
                f"{path} is not a {MODEL_FORMAT} v{MODEL_FORMAT_VERSION} manifest "
                f"(found {raw.get('format')!r} v{raw.get('format_version')!r})",
                hint="point semantic.model_dir at a sentence_encoder_export output",
            )
        manifest = cls(
            onnx_file=str(raw["onnx_file"]),
            version=str(raw["version"]),
            dimension=int(raw["dimension"]),
            max_tokens=int(raw["max_tokens"]),
            cosine_scale=float(raw.get("cosine_scale", 1.0)),
        )
        if not 0.5 < manifest.cosine_scale <= 1.5:
            raise ModelError(
                f"{path}: cosine_scale {manifest.cosine_scale} is not near 1",
                hint="re-export the model; the scale corrects a small quantization bias",
            )
        if manifest.dimension != EMBEDDING_DIM:
            raise ModelError(
                f"{path}: embeddings of dimension {manifest.dimension}, expected {EMBEDDING_DIM}",
                hint="export all-MiniLM-L6-v2 with sentence_encoder_export",
            )
        return manifest


def missing_files(model_dir: Path) -> list[str]:
    """Files of a sentence encoder directory that are not there (empty when complete)."""
    wanted = (MANIFEST_FILE, CHECKSUM_FILE, TOKENIZER_FILE)
    missing = [name for name in wanted if not (model_dir / name).is_file()]
    if not missing:
        try:
            onnx_file = SentenceManifest.read(model_dir / MANIFEST_FILE).onnx_file
        except ModelError:
            return [MANIFEST_FILE]
        if not (model_dir / onnx_file).is_file():
            missing.append(onnx_file)
    return missing


def unavailable_reason(model_dir: Path, *, setting: str) -> str | None:
    """Why the encoder in ``model_dir`` cannot be loaded here (without loading it), or None.
    ``setting`` names the setting that points at the directory, for the fix."""
    missing = [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return (
            f"the sentence encoder needs {', '.join(missing)}, which is not installed "
            "(install the 'stance' extra: pip install -e '.[stance]')"
        )
    absent = missing_files(model_dir)
    if absent:
        return (
            f"the sentence encoder directory {model_dir} lacks {', '.join(absent)} "
            f"(restore data/models/minilm_sentence, or point {setting} at an "
            "export of `python -m analyzer.coordination.sentence_encoder_export`)"
        )
    return None


def load_sentence_encoder(
    model_dir: Path,
    *,
    component: str,
    setting: str,
    max_tokens: int | None = None,
    batch_size: int = 64,
    threads: int = 0,
) -> OnnxSentenceEncoder:
    """The encoder in ``model_dir``, checksum-verified; a missing package or file raises a
    ModelError naming ``component``, what is missing and the fix (no silent fallback).

    One encoder per process and configuration: the ``semantic`` detector and the stance
    context selection read the same model, so with default settings they share one loaded
    session. A model file changed on disk (size or modification time) is loaded and verified
    afresh."""
    reason = unavailable_reason(model_dir, setting=setting)
    if reason is not None:
        raise ModelError(f"{component} unavailable: {reason}")
    tokens = max_tokens or SentenceManifest.read(model_dir / MANIFEST_FILE).max_tokens
    stamps = tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(model_dir.iterdir())
        if p.is_file()
    )
    key = (model_dir.resolve(), tokens, batch_size, threads, stamps)
    with _LOADED_LOCK:
        encoder = _LOADED.get(key)
        if encoder is None:
            encoder = OnnxSentenceEncoder(
                model_dir, max_tokens=tokens, batch_size=batch_size, threads=threads
            )
            _LOADED[key] = encoder
    return encoder


_LOADED: dict[tuple[object, ...], OnnxSentenceEncoder] = {}
_LOADED_LOCK = threading.Lock()


class OnnxSentenceEncoder:
    """Unit-length 384-dimension embeddings of texts, from the int8 ONNX graph."""

    def __init__(
        self,
        model_dir: Path = DEFAULT_SENTENCE_MODEL_DIR,
        *,
        max_tokens: int | None = None,
        batch_size: int = 64,
        threads: int = 0,
    ) -> None:
        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise ModelError(
                f"sentence encoder directory not found: {model_dir}",
                hint="restore data/models/minilm_sentence or rerun "
                "`python -m analyzer.coordination.sentence_encoder_export`",
            )
        self.manifest = SentenceManifest.read(model_dir / MANIFEST_FILE)
        # No busy-waiting between operators: on a shared 2-core box spinning threads halved
        # throughput (166 vs 293 texts/s at load 5).
        self._session, self.checksum = verified_onnx_session(
            model_dir / self.manifest.onnx_file,
            model_dir / CHECKSUM_FILE,
            threads=threads,
            spinning=False,
            restore_hint="restore data/models/minilm_sentence or re-export it",
        )
        self.version = self.manifest.version
        self.batch_size = batch_size
        self.tokenizer = SentenceTokenizer(
            model_dir / TOKENIZER_FILE, max_tokens or self.manifest.max_tokens
        )

    def cosine(self, left: NDArray[np.float32], right: NDArray[np.float32]) -> NDArray[np.float64]:
        """Row-wise cosine of embeddings, corrected for the int8 graph's small shrinkage (the
        fp32 model's cosine is about the int8 one / ``cosine_scale``), clipped to [0, 1]."""
        raw = np.einsum("ij,ij->i", left, right).astype(np.float64)
        corrected: NDArray[np.float64] = np.clip(raw / self.manifest.cosine_scale, 0.0, 1.0)
        return corrected

    def cosine_matrix(
        self, left: NDArray[np.float32], right: NDArray[np.float32]
    ) -> NDArray[np.float64]:
        """Cosine of every row of ``left`` with every row of ``right`` (shape left x right),
        corrected and clipped as in :meth:`cosine`."""
        raw = (left @ right.T).astype(np.float64)
        corrected: NDArray[np.float64] = np.clip(raw / self.manifest.cosine_scale, 0.0, 1.0)
        return corrected

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit-length row per text, in input order."""
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        rows = self.tokenizer.rows(texts)
        order = sorted(range(len(rows)), key=lambda i: (len(rows[i]), texts[i]))
        start = 0
        while start < len(order):
            # Sorted by length, so the batch's last row is its longest: grow it while the
            # padded batch stays within the token budget.
            end = start + 1
            while (
                end < len(order)
                and end - start < self.batch_size
                and (end + 1 - start) * len(rows[order[end]]) <= BATCH_TOKENS
            ):
                end += 1
            chosen = order[start:end]
            batch = self.tokenizer.pad([rows[i] for i in chosen])
            (embedding,) = self._session.run(
                ["embedding"],
                {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask},
            )
            out[chosen] = embedding
            start = end
        return out
