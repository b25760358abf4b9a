"""Vectorized MinHash: estimates track exact Jaccard (and datasketch); the LSH index links right."""

from __future__ import annotations

import random

import numpy as np
import pytest

from analyzer.coordination.minhash import (
    EMPTY_BIN,
    LinkedPairs,
    MinHasher,
    SignatureIndex,
    candidate_probability,
    choose_bands,
    estimate_jaccard,
)
from analyzer.coordination.text_normalization import PackedTexts, char_shingle_hashes

_VOCABULARY = (
    "the council voted to raise taxes while residents asked for better roads schools transit "
    "parks housing budget audit mayor promised jobs bridge closed months engineers steel"
)
WORDS = tuple(_VOCABULARY.split())
SHINGLE = 5


def shingles(text: str) -> set[str]:
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def random_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Pairs of texts whose overlap ranges from none to almost all."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        base = [rng.choice(WORDS) for _ in range(rng.randint(15, 45))]
        keep = rng.random()
        other = [w if rng.random() < keep else rng.choice(WORDS) + "x" for w in base]
        pairs.append((" ".join(base), " ".join(other)))
    return pairs


def signatures_of(texts: list[str], num_perm: int = 128) -> np.ndarray:
    packed = PackedTexts.from_texts(texts)
    hashes, text_of = char_shingle_hashes(packed, SHINGLE)
    return MinHasher(num_perm).signatures(hashes, text_of, len(texts))


def estimates(pairs: list[tuple[str, str]], num_perm: int) -> np.ndarray:
    sigs = signatures_of([a for a, _ in pairs] + [b for _, b in pairs], num_perm)
    return estimate_jaccard(sigs[: len(pairs)], sigs[len(pairs) :])


def test_estimates_are_within_a_tenth_of_exact_jaccard() -> None:
    pairs = random_pairs(200)
    exact = np.array([exact_jaccard(a, b) for a, b in pairs])
    assert exact.min() < 0.2 and exact.max() > 0.8  # the pairs span the range
    error = np.abs(estimates(pairs, 256) - exact)
    assert error.max() <= 0.1
    error_128 = np.abs(estimates(pairs, 128) - exact)
    assert error_128.mean() <= 0.04
    assert np.mean(error_128 <= 0.1) >= 0.97


def test_estimates_are_as_good_as_datasketch_on_the_same_shingles() -> None:
    datasketch = pytest.importorskip("datasketch")
    pairs = random_pairs(150, seed=1)
    exact = np.array([exact_jaccard(a, b) for a, b in pairs])
    ours = estimates(pairs, 128)
    theirs = []
    for a, b in pairs:
        ma, mb = datasketch.MinHash(num_perm=128), datasketch.MinHash(num_perm=128)
        ma.update_batch([s.encode() for s in shingles(a)])
        mb.update_batch([s.encode() for s in shingles(b)])
        theirs.append(ma.jaccard(mb))
    theirs_error = np.abs(np.array(theirs) - exact).mean()
    ours_error = np.abs(ours - exact).mean()
    assert ours_error <= theirs_error + 0.01
    assert np.abs(ours - np.array(theirs)).mean() <= 0.06


def test_identical_texts_have_identical_signatures_and_order_does_not_matter() -> None:
    text = "the same words in the same order, twice"
    sigs = signatures_of([text, "something else entirely here", text])
    assert (sigs[0] == sigs[2]).all()
    hashes, text_of = char_shingle_hashes(PackedTexts.from_texts([text]), SHINGLE)
    order = np.random.default_rng(0).permutation(len(hashes))
    shuffled = MinHasher(128).signatures(hashes[order], text_of[order], 1)
    assert (shuffled[0] == sigs[0]).all()


def test_short_texts_are_densified_and_empty_texts_stay_empty() -> None:
    sigs = signatures_of(["tiny text", "", "abcde"])
    assert (sigs[0] != EMPTY_BIN).all()  # 5 shingles over 128 bins: every bin borrowed a value
    assert (sigs[1] == EMPTY_BIN).all()
    assert len(set(sigs[2].tolist())) == 1  # one shingle: every bin holds its value


def test_different_seeds_give_different_signatures() -> None:
    packed = PackedTexts.from_texts(["some ordinary text for hashing"])
    hashes, text_of = char_shingle_hashes(packed, SHINGLE)
    one = MinHasher(64, seed=1).signatures(hashes, text_of, 1)
    two = MinHasher(64, seed=2).signatures(hashes, text_of, 1)
    assert not (one == two).all()


@pytest.mark.parametrize(("num_perm", "threshold"), [(64, 0.6), (128, 0.6), (128, 0.8), (256, 0.5)])
def test_band_choice_reaches_the_recall_target(num_perm: int, threshold: float) -> None:
    bands, rows = choose_bands(num_perm, threshold)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.95
    assert candidate_probability(threshold / 3, bands, rows) < 0.5


def index_for(window: float | None = 600.0) -> SignatureIndex:
    return SignatureIndex(num_perm=128, threshold=0.6, window_seconds=window)


def pairs_of(linked: LinkedPairs) -> set[tuple[int, int]]:
    return set(zip(linked.left.tolist(), linked.right.tolist(), strict=True))


TEXTS = [
    "vote no on measure twelve it will destroy local jobs",
    "vote no on measure twelve, it will destroy our local jobs",
    "a completely different comment about the weather today",
    "vote no on measure twelve it will destroy local jobs",
]


def test_index_links_similar_rows_inside_the_window_only() -> None:
    sigs = signatures_of(TEXTS)
    times = np.array([0.0, 60.0, 120.0, 5000.0])
    linked = index_for().add(np.arange(4), sigs, times)
    assert pairs_of(linked) == {(0, 1)}
    assert (linked.similarity >= 0.6).all()


def test_rows_without_time_link_to_any_time() -> None:
    sigs = signatures_of(TEXTS)
    times = np.array([0.0, 60.0, 120.0, np.nan])
    assert pairs_of(index_for().add(np.arange(4), sigs, times)) == {(0, 1), (0, 3), (1, 3)}


def test_adding_one_row_at_a_time_equals_one_batch() -> None:
    sigs = signatures_of(TEXTS)
    times = np.array([np.nan, 10.0, 20.0, 30.0])
    batch = pairs_of(index_for().add(np.arange(4), sigs, times))
    index = index_for()
    streamed: set[tuple[int, int]] = set()
    for row in range(4):
        streamed |= pairs_of(index.add(np.array([row]), sigs[row : row + 1], times[row : row + 1]))
    assert streamed == batch == {(0, 1), (0, 3), (1, 3)}


def test_eviction_forgets_old_timed_rows_but_keeps_untimed_ones() -> None:
    sigs = signatures_of(TEXTS)
    index = index_for()
    index.add(np.array([0, 1]), sigs[:2], np.array([0.0, np.nan]))
    index.evict_before(100.0)
    assert len(index) == 1
    linked = index.add(np.array([3]), sigs[3:4], np.array([700.0]))
    assert pairs_of(linked) == {(1, 3)}


def test_index_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="expected 2 signatures of length 128"):
        index_for().add(np.arange(2), np.zeros((2, 64), dtype=np.uint32), np.zeros(2))
