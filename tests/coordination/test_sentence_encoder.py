"""The shipped int8 ONNX sentence encoder (data/models/minilm_sentence): loads, embeds, checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from analyzer.config import SemanticParams
from analyzer.coordination.semantic import SemanticDetector
from analyzer.coordination.sentence_encoder import (
    CHECKSUM_FILE,
    DEFAULT_SENTENCE_MODEL_DIR,
    EMBEDDING_DIM,
    MANIFEST_FILE,
    OnnxSentenceEncoder,
    load_sentence_encoder,
    missing_files,
)
from analyzer.errors import ModelError
from analyzer.stance.context import EmbeddingRanker
from tests.builders import needs_sentence_encoder

pytestmark = needs_sentence_encoder

TEXTS = [
    "The tunnel budget doubled and the council hid the overruns from voters.",
    "Council members concealed that the tunnel's costs had doubled from the public.",
    "My cat likes to sleep on the warm laptop keyboard every afternoon.",
    "ok",
]


@pytest.fixture(scope="module")
def encoder() -> OnnxSentenceEncoder:
    return OnnxSentenceEncoder(threads=1)


def test_embeddings_are_unit_rows_and_paraphrases_are_closest(
    encoder: OnnxSentenceEncoder,
) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), EMBEDDING_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosine = vectors @ vectors.T
    assert cosine[0, 1] > 0.7  # the same talking point in other words
    assert cosine[0, 2] < 0.3  # unrelated
    assert cosine[0, 1] > cosine[0, 2] + 0.4


def test_batches_follow_the_texts_not_their_order(encoder: OnnxSentenceEncoder) -> None:
    forward = encoder.encode(TEXTS)
    np.testing.assert_array_equal(forward, encoder.encode(TEXTS[::-1])[::-1])
    np.testing.assert_array_equal(forward, encoder.encode(TEXTS))
    # Activations are quantized per batch, so a text embedded alone moves a little (most for
    # "ok", padded to 5x its length here; real batches are sorted by length).
    alone = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.einsum("ij,ij->i", forward, alone).min() > 0.9
    assert encoder.encode([]).shape == (0, EMBEDDING_DIM)


def test_long_texts_are_cut_at_max_tokens(encoder: OnnxSentenceEncoder) -> None:
    long_text = " ".join(["the council hid the tunnel costs"] * 100)
    [row] = encoder.tokenizer.rows([long_text])
    assert len(row) == encoder.tokenizer.max_tokens
    assert encoder.encode([long_text]).shape == (1, EMBEDDING_DIM)


def test_the_checksum_is_verified(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_SENTENCE_MODEL_DIR, copy)
    (copy / CHECKSUM_FILE).write_text("0" * 64 + "  model.int8.onnx\n", encoding="utf-8")
    with pytest.raises(ModelError, match="sha256"):
        OnnxSentenceEncoder(copy)


def test_semantic_and_stance_context_share_one_loaded_encoder() -> None:
    semantic = SemanticDetector(SemanticParams()).encoder
    context = EmbeddingRanker().encoder
    assert semantic is context
    other = load_sentence_encoder(
        DEFAULT_SENTENCE_MODEL_DIR, component="test", setting="test", max_tokens=32
    )
    assert other is not semantic and other.tokenizer.max_tokens == 32


def test_a_model_file_changed_after_loading_is_verified_again(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_SENTENCE_MODEL_DIR, copy)
    first = load_sentence_encoder(copy, component="test", setting="test")
    assert load_sentence_encoder(copy, component="test", setting="test") is first
    (copy / CHECKSUM_FILE).write_text("0" * 64 + "  model.int8.onnx\n", encoding="utf-8")
    with pytest.raises(ModelError, match="sha256"):
        load_sentence_encoder(copy, component="test", setting="test")


def test_a_foreign_manifest_or_missing_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        OnnxSentenceEncoder(tmp_path / "absent")
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_SENTENCE_MODEL_DIR, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["format"] = "something-else"
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="manifest"):
        OnnxSentenceEncoder(copy)
    assert missing_files(copy) == [MANIFEST_FILE]


def test_the_manifest_records_agreement_with_the_torch_encoder() -> None:
    manifest = json.loads((DEFAULT_SENTENCE_MODEL_DIR / MANIFEST_FILE).read_text("utf-8"))
    agreement = manifest["agreement_with_torch"]
    assert agreement["cosine_mean"] >= 0.98
    assert 0.98 <= manifest["cosine_scale"] <= 1.0
    assert agreement["pairs_changing_side"] <= 0.05 * agreement["pairs_linked_torch"]


def test_cosines_are_corrected_for_the_quantization_shrinkage(
    encoder: OnnxSentenceEncoder,
) -> None:
    vectors = encoder.encode(TEXTS[:2])
    raw = float(vectors[0] @ vectors[1])
    [corrected] = encoder.cosine(vectors[:1], vectors[1:])
    assert corrected == pytest.approx(min(1.0, raw / encoder.manifest.cosine_scale))
    assert encoder.cosine(vectors[:1], vectors[:1])[0] == 1.0  # clipped
