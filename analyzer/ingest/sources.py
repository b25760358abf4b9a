"""Where records come from: paths, directories and globs expanded into typed sources, and
byte streams decoded with the right encoding.

Encoding: a byte-order mark wins (UTF-8, UTF-16, UTF-32); otherwise the mapping's ``encoding``
or UTF-8 (UTF-16 without a BOM is recognised by its zero bytes). Before a file is parsed it is
decoded once, block by block, so undecodable bytes are reported with their byte offset and
line instead of failing half-way through a parse.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Literal, cast

STDIN = "-"
_BLOCK_BYTES = 1 << 20
_SNIFF_BYTES = 4096


class Format(StrEnum):
    SEED_TEXT = "txt"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"


FORMAT_BY_SUFFIX: dict[str, Format] = {
    ".txt": Format.SEED_TEXT,
    ".json": Format.JSON,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".csv": Format.CSV,
    ".tsv": Format.TSV,
    ".parquet": Format.PARQUET,
}
TABLE_FORMATS = frozenset({Format.CSV, Format.TSV, Format.PARQUET})
# gzip is decompressed on the fly; Parquet compresses internally.
GZIP_FORMATS = frozenset({Format.SEED_TEXT, Format.JSON, Format.JSONL, Format.CSV, Format.TSV})

Role = Literal["document", "comments", "articles"]


class SourceError(Exception):
    """One source cannot be used at all; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # as shown in issues: the path as expanded, or "<stdin>"
    path: Path | None  # None for stdin
    format: Format
    role: Role
    gzipped: bool = False

    @property
    def stem(self) -> str:
        if self.path is None:
            return "stdin"
        stem = self.path.name.removesuffix(".gz")
        return Path(stem).stem


def detect_format(path: Path) -> tuple[Format, bool] | None:
    """Format from the extension (``.csv``, ``.jsonl.gz``, ...); None when unsupported."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    found = FORMAT_BY_SUFFIX.get(suffixes[-1])
    if found is None or (gzipped and found not in GZIP_FORMATS):
        return None
    return found, gzipped


def table_role(path: Path, articles_file: str | None) -> Role:
    """A table is an articles table when named like one; every other table holds comments."""
    name = path.name.removesuffix(".gz")
    if articles_file is not None and name == Path(articles_file).name:
        return "articles"
    stem = Path(name).stem.lower()
    if stem == "articles" or stem.endswith(("_articles", "-articles")):
        return "articles"
    return "comments"


def make_source(path: Path, articles_file: str | None) -> Source:
    detected = detect_format(path)
    if detected is None:
        supported = ", ".join(sorted(FORMAT_BY_SUFFIX))
        raise SourceError(
            f"unsupported file type '{path.suffix or path.name}'; "
            f"supported: {supported} (text formats may also end in .gz)"
        )
    fmt, gzipped = detected
    role: Role = table_role(path, articles_file) if fmt in TABLE_FORMATS else "document"
    return Source(name=str(path), path=path, format=fmt, role=role, gzipped=gzipped)


@dataclass(frozen=True, slots=True)
class Expansion:
    """What one user-given source turned into."""

    given: str
    sources: tuple[Source, ...]
    error: str | None = None


def expand(given: str | Path, articles_file: str | None) -> Expansion:
    """A file, a directory (recursed; unsupported and hidden files skipped), a glob, or '-'."""
    text = str(given)
    if text == STDIN:
        return Expansion(
            text, (Source(name="<stdin>", path=None, format=Format.JSONL, role="document"),)
        )
    path = Path(text)
    if path.is_dir():
        found = [
            make_source(candidate, articles_file)
            for candidate in sorted(path.rglob("*"))
            if candidate.is_file()
            and not _hidden(candidate.relative_to(path))
            and detect_format(candidate) is not None
        ]
        if not found:
            return Expansion(text, (), f"directory {text} holds no supported input files")
        return Expansion(text, tuple(found))
    if path.exists():
        try:
            return Expansion(text, (make_source(path, articles_file),))
        except SourceError as exc:
            return Expansion(text, (), str(exc))
    if glob.has_magic(text):
        matches = [Path(match) for match in sorted(glob.glob(text, recursive=True))]
        files = [match for match in matches if match.is_file()]
        if not files:
            return Expansion(text, (), f"no file matches the pattern {text!r}")
        sources = []
        problems = []
        for match in files:
            try:
                sources.append(make_source(match, articles_file))
            except SourceError as exc:
                problems.append(f"{match}: {exc}")
        return Expansion(text, tuple(sources), "; ".join(problems) or None)
    return Expansion(text, (), f"no such file or directory: {text}")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def articles_sibling(comments: Source, articles_file: str | None) -> Path | None:
    """The articles table beside a comments table, if there is one."""
    if comments.path is None:
        return None
    folder = comments.path.parent
    if articles_file is not None:
        named = Path(articles_file)
        candidate = named if named.is_absolute() else folder / named
        return candidate if candidate.is_file() else None
    stem = comments.stem
    lowered = stem.lower()
    if not lowered.endswith("comments"):
        return None
    base = stem[: len(stem) - len("comments")]
    suffix = comments.path.name[len(stem) :]  # ".csv" or ".csv.gz"
    preferred = [suffix, *(s for s in (".csv", ".tsv", ".parquet") if s != suffix)]
    for ext in preferred:
        for word in ("articles", "Articles", "ARTICLES"):
            candidate = folder / f"{base}{word}{ext}"
            if candidate.is_file():
                return candidate
    return None


# -- bytes and encodings -------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str  # a Python codec name without BOM handling
    bom_bytes: int  # bytes to skip at the start of the file

    def describe(self) -> str:
        label = self.name.upper().replace("-LE", "LE").replace("-BE", "BE")
        return f"{label} with BOM" if self.bom_bytes else label


def sniff_encoding(head: bytes, declared: str | None) -> Encoding:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name, len(bom))
    if declared is not None:
        return Encoding(codecs.lookup(declared).name, 0)
    sample = head[:_SNIFF_BYTES]
    if len(sample) >= 4:
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) // 2
        # ASCII-heavy UTF-16 text has a zero in every other byte; UTF-8 text has none.
        if odd_zeros > 0.4 * half and even_zeros == 0:
            return Encoding("utf-16-le", 0)
        if even_zeros > 0.4 * half and odd_zeros == 0:
            return Encoding("utf-16-be", 0)
    return Encoding("utf-8", 0)


@contextmanager
def open_binary(source: Source) -> Iterator[IO[bytes]]:
    """The file's bytes (decompressed for .gz), closed on exit."""
    if source.path is None:
        raise SourceError("stdin has no file to open")
    try:
        handle = cast(
            IO[bytes],
            gzip.open(source.path, "rb")  # noqa: SIM115 - closed by the with below
            if source.gzipped
            else source.path.open("rb"),
        )
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror or exc}") from None
    with handle:
        yield handle


def _detect(source: Source, declared: str | None) -> Encoding:
    with open_binary(source) as handle:
        try:
            head = handle.read(_SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            raise SourceError(f"cannot read: {exc}") from None
    return sniff_encoding(head, declared)


def check_decodable(source: Source, encoding: Encoding) -> None:
    """Decode the whole file in blocks; raise SourceError naming the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding.name)(errors="strict")
    offset = 0  # absolute file offset of the next block
    newlines = 0
    with open_binary(source) as handle:
        try:
            skipped = handle.read(encoding.bom_bytes)
            offset = len(skipped)
            while block := handle.read(_BLOCK_BYTES):
                pending = _pending_bytes(decoder)
                try:
                    newlines += decoder.decode(block).count("\n")
                except UnicodeDecodeError as exc:
                    start = offset - pending + exc.start
                    good_prefix = exc.object[: exc.start]
                    line = newlines + 1 + _count_newlines(good_prefix, encoding.name)
                    bad = exc.object[exc.start : exc.end].hex(" ")
                    raise SourceError(
                        f"cannot decode as {encoding.describe()}: byte(s) {bad} at byte "
                        f"offset {start} (line {line}): {exc.reason}. Convert the file to "
                        "UTF-8 (e.g. iconv -f cp1252 -t utf-8) or set 'encoding' in the "
                        "column mapping"
                    ) from None
                offset += len(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"cannot decode as {encoding.describe()}: the file ends in the middle of a "
                f"character ({exc.reason}); it is truncated or not {encoding.describe()}"
            ) from None
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(f"cannot read: {exc}") from None


def _pending_bytes(decoder: codecs.IncrementalDecoder) -> int:
    state = decoder.getstate()
    buffered = state[0] if isinstance(state, tuple) else b""
    return len(buffered) if isinstance(buffered, bytes) else 0


def _count_newlines(prefix: bytes, encoding: str) -> int:
    return prefix.decode(encoding, errors="replace").count("\n")


@contextmanager
def open_text(source: Source, declared_encoding: str | None) -> Iterator[IO[str]]:
    """A streaming text handle (universal newlines off, as csv and pandas expect)."""
    encoding = _detect(source, declared_encoding)
    check_decodable(source, encoding)
    with open_binary(source) as raw:
        raw.read(encoding.bom_bytes)
        text = io.TextIOWrapper(raw, encoding=encoding.name, errors="strict", newline="")
        try:
            yield text
        finally:
            text.detach()


def unique_sources(sources: Sequence[Source]) -> list[Source]:
    """Drop repeats of the same file (given twice, or via a directory and by name)."""
    seen: set[Path | str] = set()
    kept = []
    for source in sources:
        key: Path | str = source.path.resolve() if source.path is not None else source.name
        if key not in seen:
            seen.add(key)
            kept.append(source)
    return kept
