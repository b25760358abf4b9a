"""Normalization, packing, shingling and quote stripping, checked against plain Python."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.coordination import text_normalization as tn
from analyzer.coordination.text_normalization import (
    URL_TOKEN,
    PackedTexts,
    char_shingle_hashes,
    normalize_texts,
    normalized_packed,
    reference_run_keys,
    strip_marked_quotes,
    strip_marked_quotes_all,
    strip_quoted_runs,
    word_ngram_hashes,
)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Hello,   World!", "hello world"),
        ("Don’t STOP", "dont stop"),
        ("ｆｕｌｌ　ｗｉｄｔｈ", "full width"),
        ("see https://example.org/a?b=1 now", f"see {URL_TOKEN} now"),
        ("www.example.org/x, then", f"{URL_TOKEN} then"),
        ("tabs\tand\nnewlines", "tabs and newlines"),
        ("«quoted» — dashed…", "quoted dashed"),
        ("   ", ""),
        ("", ""),
    ],
    ids=[
        "punctuation",
        "apostrophe",
        "nfkc",
        "url",
        "www-url",
        "whitespace",
        "unicode-punct",
        "blank",
        "empty",
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize_texts([raw]) == [normalized]


def test_normalize_keeps_one_output_per_input_even_with_separator_characters() -> None:
    texts = ["a\ue000b", "", "C", "x\ue001y"]
    assert normalize_texts(texts) == ["a b", "", "c", "x y"]


def test_packed_texts_round_trip_and_subset() -> None:
    texts = ["héllo", "", "wörld 🎉", "x"]
    packed = PackedTexts.from_texts(texts)
    assert packed.texts() == texts
    assert packed.lengths.tolist() == [5, 0, 7, 1]
    assert packed.subset(np.array([0, 2])).texts() == ["héllo", "wörld 🎉"]


def test_char_shingles_stay_inside_each_text() -> None:
    texts = ["abcdefg", "abc", "abcdefg", "hijklmn"]
    hashes, text_of = char_shingle_hashes(PackedTexts.from_texts(texts), 5)
    assert np.bincount(text_of, minlength=4).tolist() == [3, 0, 3, 3]
    assert hashes[text_of == 0].tolist() == hashes[text_of == 2].tolist()
    assert not set(hashes[text_of == 0].tolist()) & set(hashes[text_of == 3].tolist())


def test_word_runs_hash_equal_text_equally() -> None:
    texts = ["one two three four", "zero one two three", "two three four five"]
    hashes, doc, first = word_ngram_hashes(PackedTexts.from_texts(texts), 3)
    assert doc.tolist() == [0, 0, 1, 1, 2, 2]
    assert first.tolist() == [0, 1, 4, 5, 8, 9]
    by_doc = [set(hashes[doc == d].tolist()) for d in range(3)]
    assert len(by_doc[0] & by_doc[1]) == 1  # "one two three"
    assert len(by_doc[0] & by_doc[2]) == 1  # "two three four"


def strip(texts: list[str], references: list[str], table: list[list[int]], n: int) -> list[str]:
    refs = PackedTexts.from_texts(references)
    known = np.sort(reference_run_keys(refs, np.arange(len(references)), n))
    table_array = np.array(table, dtype=np.int64).reshape(len(texts), -1)
    return strip_quoted_runs(PackedTexts.from_texts(texts), known, table_array, n).texts()


def reference_strip(text: str, references: list[str], n: int) -> str:
    """Plain-Python definition: drop every word inside a run of n words found in a reference."""
    words = text.split()
    runs = set()
    for ref in references:
        ref_words = ref.split()
        runs |= {tuple(ref_words[i : i + n]) for i in range(len(ref_words) - n + 1)}
    dropped = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in runs:
            dropped[i : i + n] = [True] * n
    return " ".join(w for w, d in zip(words, dropped, strict=True) if not d)


def test_strip_quoted_runs_examples() -> None:
    article = "the minister said the new tax on wine starts in march"
    texts = [
        "i agree the new tax on wine starts in march outrageous",
        "the new tax on wine",  # entirely quoted
        "new tax on wine is bad",  # only four words in common
        "the minister said the new tax on wine starts in march",
    ]
    out = strip(texts, [article], [[0]] * 4, 5)
    assert out == ["i agree outrageous", "", "new tax on wine is bad", ""]


def test_each_text_is_stripped_only_against_its_own_references() -> None:
    texts = ["one two three four five six", "one two three four five six"]
    out = strip(texts, ["one two three four five", "nothing in common here at all"], [[0], [1]], 5)
    assert out == ["six", "one two three four five six"]


def test_strip_quoted_runs_matches_the_plain_definition() -> None:
    rng = random.Random(3)
    vocab = ["a", "b", "c", "d", "e", "f"]
    references = [" ".join(rng.choice(vocab) for _ in range(40)) for _ in range(3)]
    texts, table = [], []
    for _ in range(200):
        texts.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 25))))
        table.append([rng.randrange(-1, 3), rng.randrange(-1, 3)])
    out = strip(texts, references, table, 4)
    for text, row, got in zip(texts, table, out, strict=True):
        refs = [references[r] for r in row if r >= 0]
        assert got == reference_strip(text, refs, 4)


def test_zero_words_disables_stripping() -> None:
    assert strip(["a b c d e f"], ["a b c d e f"], [[0]], 0) == ["a b c d e f"]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("@a @b hi", "hi"),
        ("x@a and @b@c", "x a and c"),
        ("a\u00a0b\u2003c\u2028d", "a b c d"),
        ("http://x.org/\u3000next", f"{URL_TOKEN} next"),
        ("lone \ud83d surrogate", "lone surrogate"),
    ],
    ids=["mentions", "mention-inside-words", "unicode-spaces", "url-ends-at-space", "surrogate"],
)
def test_normalize_edge_cases(raw: str, normalized: str) -> None:
    assert normalize_texts([raw]) == [normalized]


def test_packed_normalization_and_arrow_packing_match_the_list_forms() -> None:
    texts = ["Héllo 🎉 World!", "", "(In reply to: old -- Ann) mine", "> q\nown"]
    assert normalized_packed(texts).texts() == normalize_texts(texts)
    assert normalized_packed(texts, marked_quotes=True).texts() == normalize_texts(
        [strip_marked_quotes(t) for t in texts]
    )
    assert strip_marked_quotes_all(texts) == [strip_marked_quotes(t) for t in texts]
    sliced = pa.array(["ab", "cdé", "", "f"], type=pa.large_string()).slice(1, 3)
    assert PackedTexts.from_arrow(sliced).texts() == ["cdé", "", "f"]


_ASCII_PIECES = st.sampled_from(
    [
        "Hello",
        "WORLD",
        "don't",
        "it`s",
        "@bob",
        "a@b",
        "x@",
        "#tag",
        "http://x.co/a?b=1",
        "www.site.org",
        "https://t.co/Z",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\x0b",
        "\x1c",
        "...",
        "!!",
        "-",
        "_",
        "(In reply to: earlier -- Ann)",
        "> quoted",
        "&gt; also",
        "9",
        "42nd",
        "a_b",
        ",",
        "'",
        '"',
        "--",
        ")",
        "(",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ASCII_PIECES, max_size=12).map("".join), min_size=1, max_size=6))
def test_the_small_ascii_path_matches_the_arrow_path(texts: list[str]) -> None:
    """Small ASCII batches skip Arrow (RE2 recompiles per call); both paths must agree."""
    arrow = tn._normalize_arrow(tn._strip_marked_arrow(tn._arrow_strings(texts))).to_pylist()
    python = [tn._normalize_ascii(tn._strip_marked_ascii(t)) for t in texts]
    assert python == arrow
    assert tn.normalize_texts(texts) == tn._normalize_arrow(tn._arrow_strings(texts)).to_pylist()
