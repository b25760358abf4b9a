"""Text preparation for the text-based detectors: normalization, quote stripping, shingling.

Everything after :func:`normalize_texts` works on :class:`PackedTexts`, many texts laid back to
back in one array of Unicode code points, so that hashing a million comments is a handful of
numpy passes instead of a Python loop per shingle (the research baseline spent 84% of its time
there).

Hashes are 64-bit and wrap modulo 2**64 on purpose: they identify shingles and word runs, they
are never decoded. Two different strings share a hash with probability about 2**-64.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

URL_TOKEN = "<url>"  # every link becomes this one token: campaigns vary their tracking links
_URL_MARK = "\ue001"  # private use: never produced by NFKC, lower() or the patterns below

_SPACE = 32
_RUN_TABLE_BITS = 24  # 16 MB of booleans: under 10% of slots set for a batch's reference runs
_POLY_BASE = 0x100000001B3  # odd, so it is invertible modulo 2**64 (needed for substring hashes)
_POLY_BASE_INV = pow(_POLY_BASE, -1, 2**64)


@dataclass(frozen=True, slots=True)
class PackedTexts:
    """Texts stored back to back: text ``i`` is ``code_points[offsets[i]:offsets[i + 1]]``."""

    code_points: NDArray[np.uint32]
    offsets: NDArray[np.int64]

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> PackedTexts:
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        raw = "".join(texts).encode("utf-32-le", errors="surrogatepass")
        return cls(np.frombuffer(raw, dtype=np.uint32).copy(), offsets)

    @classmethod
    def from_arrow(cls, strings: pa.LargeStringArray) -> PackedTexts:
        """The texts of an Arrow string array, decoded once as a whole (no Python str each)."""
        strings = strings.combine_chunks() if isinstance(strings, pa.ChunkedArray) else strings
        lengths = pc.utf8_length(strings).fill_null(0).to_numpy(zero_copy_only=False)
        offsets = np.zeros(len(strings) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        byte_offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)
        first, last = byte_offsets[strings.offset], byte_offsets[strings.offset + len(strings)]
        data = strings.buffers()[2]
        raw = b"" if data is None else data.to_pybytes()[first:last]
        code_points = np.frombuffer(raw.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        return cls(code_points.copy(), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> NDArray[np.int64]:
        return np.diff(self.offsets)

    def text(self, index: int) -> str:
        chunk = self.code_points[self.offsets[index] : self.offsets[index + 1]]
        return chunk.tobytes().decode("utf-32-le", errors="surrogatepass")

    def texts(self) -> list[str]:
        # One decode of the whole buffer: a code point is one str index, so offsets carry over.
        whole = self.code_points.tobytes().decode("utf-32-le", errors="surrogatepass")
        bounds = self.offsets.tolist()
        return [whole[a:b] for a, b in itertools.pairwise(bounds)]

    def subset(self, rows: NDArray[np.int64]) -> PackedTexts:
        """The texts at ``rows`` (increasing), without decoding them."""
        wanted = np.zeros(len(self), dtype=bool)
        wanted[rows] = True
        return _compact(self, np.repeat(wanted, self.lengths), wanted)

    def doc_of_char(self) -> NDArray[np.int64]:
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """Canonical form for comparing texts, one output per input.

    Unicode NFKC (full-width letters, ligatures), lower case, every URL replaced by ``<url>``,
    @mentions dropped (replies on Twitter-like threads start with a run of the same handles:
    addressing people is not shared content), apostrophes dropped, every other punctuation or
    symbol character turned into a space, whitespace collapsed to single spaces and trimmed.
    The work is a handful of Arrow string kernels (RE2) over all texts at once: no Python per
    text, several times faster than Python's ``re`` over the joined texts.
    """
    if not texts:
        return []
    if small_ascii_batch(texts):
        return [_normalize_ascii(t) for t in texts]
    normalized: list[str] = _normalize_arrow(_arrow_strings(texts)).to_pylist()
    return normalized


def _normalize_arrow(strings: pa.LargeStringArray) -> pa.LargeStringArray:
    strings = pc.replace_substring(strings, _URL_MARK, " ")
    strings = pc.utf8_lower(pc.utf8_normalize(strings, form="NFKC"))
    strings = pc.replace_substring_regex(strings, _URL_PATTERN, f" {_URL_MARK} ")
    strings = pc.replace_substring_regex(strings, _MENTION_PATTERN, r"\1 ")
    strings = pc.replace_substring_regex(strings, _APOSTROPHE_PATTERN, "")
    strings = pc.replace_substring_regex(strings, _PUNCT_PATTERN, " ")
    strings = pc.replace_substring_regex(strings, "  +", " ")
    strings = pc.utf8_trim(strings, characters=" ")
    return pc.replace_substring(strings, _URL_MARK, URL_TOKEN)


def _arrow_strings(texts: Sequence[str]) -> pa.LargeStringArray:
    """``texts`` as an Arrow array; lone surrogates (invalid in UTF-8) become U+FFFD."""
    try:
        return pa.array(texts, type=pa.large_string())
    except (UnicodeEncodeError, pa.ArrowInvalid):
        repaired = [
            t.encode("utf-16-le", errors="surrogatepass").decode("utf-16-le", errors="replace")
            for t in texts
        ]
        return pa.array(repaired, type=pa.large_string())


# RE2 patterns (Arrow's regex engine). RE2's \w and \s are ASCII-only, so letters, digits and
# whitespace are spelled out with Unicode classes, as Python's re sees them.
_WORD = r"\p{L}\p{N}_"
_SPACE_CLASS = r"\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\p{Z}"
_URL_PATTERN = rf"(?:https?://|www\.)[^{_SPACE_CLASS}]+"
_MENTION_PATTERN = rf"(^|[^{_WORD}@])@[{_WORD}]+"  # "@SandraTXAS": addressing, not content
_APOSTROPHE_PATTERN = r"['’ʼ‘`´]"  # "don't" and "don’t" both become "dont"
_PUNCT_PATTERN = rf"[^{_WORD}\x{{e001}} ]+"  # any other character splits words
_MARKED_QUOTE_PATTERNS = (
    # Globe and Mail / SOCC: "(In reply to:<quoted comment>...-- Author) own words"
    r"(?is)\(In reply to:.*?--[^()]{0,80}\)",
    # Reddit, e-mail and most forum markup: quoted lines start with ">"
    r"(?m)^[ \t]*(?:>|&gt;).*$",
)


def strip_marked_quotes(text: str) -> str:
    """Remove text the platform marks as a quote of someone else (reply-quote blocks, "> "
    lines). Such quotes often cite a comment other than the recorded parent (SOCC records the
    thread root as every reply's parent), so run-based stripping against the parent misses them.
    """
    [stripped] = strip_marked_quotes_all([text])
    return stripped


def strip_marked_quotes_all(texts: Sequence[str]) -> list[str]:
    """:func:`strip_marked_quotes` of every text, in one pass of Arrow kernels."""
    if small_ascii_batch(texts):
        return [_strip_marked_ascii(t) for t in texts]
    stripped: list[str] = _strip_marked_arrow(_arrow_strings(texts)).to_pylist()
    return stripped


def _strip_marked_arrow(strings: pa.LargeStringArray) -> pa.LargeStringArray:
    for pattern in _MARKED_QUOTE_PATTERNS:
        strings = pc.replace_substring_regex(strings, pattern, " ")
    return strings


def normalize_without_marked_quotes(texts: Sequence[str]) -> list[str]:
    """``normalize_texts([strip_marked_quotes(t) for t in texts])``, without the Python loop."""
    return normalized_packed(texts, marked_quotes=True).texts()


def normalized_packed(texts: Sequence[str], *, marked_quotes: bool = False) -> PackedTexts:
    """:func:`normalize_texts` (after :func:`strip_marked_quotes` if ``marked_quotes``), packed
    straight from Arrow's buffers."""
    if not texts:
        return PackedTexts(np.empty(0, dtype=np.uint32), np.zeros(1, dtype=np.int64))
    if small_ascii_batch(texts):
        strip = _strip_marked_ascii if marked_quotes else str
        return PackedTexts.from_texts([_normalize_ascii(strip(t)) for t in texts])
    strings = _arrow_strings(texts)
    if marked_quotes:
        strings = _strip_marked_arrow(strings)
    return PackedTexts.from_arrow(_normalize_arrow(strings))


# Small batches of ASCII text take Python's re instead of Arrow: RE2 compiles the Unicode
# classes below on every kernel call (~6 ms per batch), which dominated a 20-comment API
# request. On ASCII text the two paths agree exactly (NFKC and lower() are plain ASCII
# mappings there, and the classes reduce to the ASCII ones); a test checks it.
SMALL_BATCH = 512
_URL_ASCII = re.compile(r"(?:https?://|www\.)[^\t\n\x0b\f\r\x1c-\x1f ]+")
_MENTION_ASCII = re.compile(r"(^|[^A-Za-z0-9_@])@[A-Za-z0-9_]+")
_APOSTROPHE_ASCII = re.compile(r"['`]")
_PUNCT_ASCII = re.compile(f"[^A-Za-z0-9_{_URL_MARK} ]+")
SPACE_RUNS = re.compile(r"  +")
_MARKED_ASCII = (
    re.compile(r"(?is)\(In reply to:.*?--[^()]{0,80}\)"),
    re.compile(r"(?m)^[ \t]*(?:>|&gt;).*$"),
)


def small_ascii_batch(texts: Sequence[str]) -> bool:
    """Whether Python's ``re`` beats Arrow's RE2 kernels here (see the note above)."""
    return len(texts) <= SMALL_BATCH and all(t.isascii() for t in texts)


def _normalize_ascii(text: str) -> str:
    text = _URL_ASCII.sub(f" {_URL_MARK} ", text.lower())
    text = _MENTION_ASCII.sub(r"\1 ", text)
    text = _PUNCT_ASCII.sub(" ", _APOSTROPHE_ASCII.sub("", text))
    return SPACE_RUNS.sub(" ", text).strip(" ").replace(_URL_MARK, URL_TOKEN)


def _strip_marked_ascii(text: str) -> str:
    for pattern in _MARKED_ASCII:
        text = pattern.sub(" ", text)
    return text


def mix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finalizer: a bijection on 64-bit integers that scatters every input bit."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def char_shingle_hashes(
    packed: PackedTexts, size: int
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Hash of every ``size``-character window of every text, and the text it came from.

    Windows never cross from one text into the next. Texts shorter than ``size`` give none.
    Duplicates within a text are kept: MinHash takes minimums, so they cost nothing.
    """
    cp = packed.code_points.astype(np.uint64)
    n_windows = len(cp) - size + 1
    if n_windows <= 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    base = np.uint64(_POLY_BASE)
    hashes = cp[:n_windows].copy()
    for j in range(1, size):
        hashes *= base
        hashes += cp[j : j + n_windows]
    doc_of_char = packed.doc_of_char()[:n_windows]
    ends = packed.offsets[1:]
    valid = np.arange(n_windows, dtype=np.int64) + size <= ends[doc_of_char]
    return mix64(hashes[valid]), doc_of_char[valid]


@dataclass(frozen=True, slots=True)
class _Words:
    """Word boundaries in normalized packed text (words are runs between single spaces)."""

    starts: NDArray[np.int64]  # index of each word's first code point
    ends: NDArray[np.int64]  # one past its last code point
    doc: NDArray[np.int64]  # the text each word belongs to


def _words(packed: PackedTexts) -> _Words:
    cp = packed.code_points
    nonempty = packed.lengths > 0
    is_space = cp == _SPACE
    text_start = np.zeros(len(cp), dtype=bool)
    text_start[packed.offsets[:-1][nonempty]] = True
    text_end = np.zeros(len(cp), dtype=bool)
    text_end[packed.offsets[1:][nonempty] - 1] = True
    after_space = np.empty(len(cp), dtype=bool)
    before_space = np.empty(len(cp), dtype=bool)
    if len(cp):
        after_space[0] = True
        after_space[1:] = is_space[:-1]
        before_space[-1] = True
        before_space[:-1] = is_space[1:]
    starts = np.flatnonzero(~is_space & (after_space | text_start))
    ends = np.flatnonzero(~is_space & (before_space | text_end)) + 1
    doc = packed.doc_of_char()[starts]
    return _Words(starts.astype(np.int64), ends.astype(np.int64), doc)


class _SubstringHasher:
    """Position-independent polynomial hash of any substring, in O(1) after one prefix pass."""

    def __init__(self, packed: PackedTexts) -> None:
        n = len(packed.code_points)
        powers = np.full(n + 1, _POLY_BASE, dtype=np.uint64)
        powers[0] = 1
        np.cumprod(powers, out=powers)  # wraps modulo 2**64, as intended
        inverse = np.full(n + 1, _POLY_BASE_INV, dtype=np.uint64)
        inverse[0] = 1
        np.cumprod(inverse, out=inverse)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(packed.code_points.astype(np.uint64) * powers[:n], out=prefix[1:])
        self._prefix = prefix
        self._inverse = inverse

    def __call__(self, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.uint64]:
        raw = (self._prefix[ends] - self._prefix[starts]) * self._inverse[starts]
        return mix64(raw ^ (ends - starts).astype(np.uint64))


def word_ngram_hashes(
    packed: PackedTexts, n_words: int
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
    """Hashes of every run of ``n_words`` consecutive words within one text.

    Returns ``(hashes, doc, first_word)``: the text of each run and the global index of its
    first word (as numbered by the word boundaries of ``packed``). Equal runs of normalized
    words get equal hashes in any text, which is what quote stripping compares.
    """
    if n_words < 1:
        raise ValueError(f"a word run needs at least one word, got n_words={n_words}")
    words = _words(packed)
    n_runs = len(words.starts) - n_words + 1
    if n_runs <= 0:
        empty_i = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=np.uint64), empty_i, empty_i
    first = np.arange(n_runs, dtype=np.int64)
    last = first + n_words - 1
    same_text = words.doc[first] == words.doc[last]
    first, last = first[same_text], last[same_text]
    hashes = _SubstringHasher(packed)(words.starts[first], words.ends[last])
    return hashes, words.doc[first], first


def _keyed(hashes: NDArray[np.uint64], keys: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Bind each run hash to the reference text it may match, so one sorted array serves all."""
    return mix64(hashes ^ mix64(keys.astype(np.uint64)))


def reference_run_keys(
    references: PackedTexts, reference_keys: NDArray[np.int64], min_words: int
) -> NDArray[np.uint64]:
    """Every run of ``min_words`` words in each reference, bound to that reference's key.

    ``reference_keys`` gives one integer per reference text (an article or a parent comment);
    comments name the same keys in :func:`strip_quoted_runs`. The result is unsorted and may
    be cached per reference and concatenated.
    """
    if min_words <= 0:
        return np.empty(0, dtype=np.uint64)
    hashes, doc, _ = word_ngram_hashes(references, min_words)
    return reference_run_keys_from(hashes, reference_keys[doc])


def reference_run_keys_from(
    run_hashes: NDArray[np.uint64], reference_key_of_run: NDArray[np.int64]
) -> NDArray[np.uint64]:
    """Bind already computed run hashes to their reference keys (see reference_run_keys)."""
    return _keyed(run_hashes, reference_key_of_run)


def strip_quoted_runs(
    texts: PackedTexts,
    known_runs: NDArray[np.uint64],
    reference_of_text: NDArray[np.int64],
    min_words: int,
) -> PackedTexts:
    """Remove every run of at least ``min_words`` words that also appears in a text's references.

    ``known_runs`` is the **sorted** concatenation of :func:`reference_run_keys` for the
    references in play. ``reference_of_text`` has one row per text and one column per
    reference slot (for comments: the article and the parent comment); each cell is a
    reference key, or -1 for none. A word is dropped exactly when it lies inside a run of
    ``min_words`` words that the reference also contains, which is the union of all common
    runs of that length or longer. ``min_words <= 0`` returns ``texts`` unchanged.
    """
    if min_words <= 0 or len(texts) == 0 or len(known_runs) == 0:
        return texts
    hashes, doc, first = word_ngram_hashes(texts, min_words)
    if len(hashes) == 0:
        return texts
    matched = np.zeros(len(hashes), dtype=bool)
    # Almost no run is a quote: a bit table of the known runs' top bits rules most of them out
    # with one gather, and only the rest are looked up in the sorted array.
    table = np.zeros(1 << _RUN_TABLE_BITS, dtype=bool)
    table[known_runs >> np.uint64(64 - _RUN_TABLE_BITS)] = True
    for slot in range(reference_of_text.shape[1]):
        ref = reference_of_text[doc, slot]
        has_ref = np.flatnonzero(ref >= 0)
        keyed = _keyed(hashes[has_ref], ref[has_ref])
        maybe = table[keyed >> np.uint64(64 - _RUN_TABLE_BITS)]
        has_ref, keyed = has_ref[maybe], keyed[maybe]
        position = np.searchsorted(known_runs, keyed)
        found = known_runs[np.minimum(position, len(known_runs) - 1)] == keyed
        matched[has_ref[found]] = True
    if not matched.any():
        return texts
    words = _words(texts)
    cover = np.zeros(len(words.starts) + 1, dtype=np.int64)
    np.add.at(cover, first[matched], 1)
    np.add.at(cover, first[matched] + min_words, -1)
    dropped_word = np.cumsum(cover[:-1]) > 0
    # A character belongs to the word it starts or follows, so a dropped word takes its
    # trailing space with it and the remaining text stays single-spaced.
    word_start_mark = np.zeros(len(texts.code_points), dtype=np.int64)
    word_start_mark[words.starts] = 1
    word_of_char = np.cumsum(word_start_mark) - 1
    keep = ~dropped_word[np.maximum(word_of_char, 0)]
    return _trim_spaces(_compact(texts, keep))


def _compact(
    packed: PackedTexts, keep: NDArray[np.bool_], keep_texts: NDArray[np.bool_] | None = None
) -> PackedTexts:
    """Keep the characters marked in ``keep`` (and only the texts in ``keep_texts``)."""
    kept_before = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    kept_per_text = kept_before[packed.offsets[1:]] - kept_before[packed.offsets[:-1]]
    if keep_texts is not None:
        kept_per_text = kept_per_text[keep_texts]
    offsets = np.zeros(len(kept_per_text) + 1, dtype=np.int64)
    np.cumsum(kept_per_text, out=offsets[1:])
    return PackedTexts(packed.code_points[keep], offsets)


def _trim_spaces(packed: PackedTexts) -> PackedTexts:
    """Drop a leading or trailing space that removing a first or last word left behind."""
    nonempty = packed.lengths > 0
    drop = np.zeros(len(packed.code_points), dtype=bool)
    first = packed.offsets[:-1][nonempty]
    last = packed.offsets[1:][nonempty] - 1
    drop[first] = packed.code_points[first] == _SPACE
    drop[last] |= packed.code_points[last] == _SPACE
    return _compact(packed, ~drop) if drop.any() else packed
