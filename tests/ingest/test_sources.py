"""Inputs: format detection, directories, globs, missing files, and text encodings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.ingest import mapping_from_dict, read_corpus
from analyzer.ingest.sources import Format, detect_format, sniff_encoding
from analyzer.model import Severity

from .support import FIXTURES, comment_ids, write_text

COMMENT_LINE = json.dumps({"comment_id": "c1", "article_id": "a", "text": "café naïve ☕"}) + "\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("a.txt", (Format.SEED_TEXT, False), id="txt"),
        pytest.param("a.json", (Format.JSON, False), id="json"),
        pytest.param("a.jsonl", (Format.JSONL, False), id="jsonl"),
        pytest.param("a.ndjson", (Format.JSONL, False), id="ndjson"),
        pytest.param("a.CSV", (Format.CSV, False), id="csv-upper-case"),
        pytest.param("a.tsv", (Format.TSV, False), id="tsv"),
        pytest.param("a.parquet", (Format.PARQUET, False), id="parquet"),
        pytest.param("a.csv.gz", (Format.CSV, True), id="csv-gz"),
        pytest.param("a.parquet.gz", None, id="parquet-gz-unsupported"),
        pytest.param("a.xlsx", None, id="xlsx-unsupported"),
        pytest.param("README", None, id="no-extension"),
    ],
)
def test_detect_format(name: str, expected: tuple[Format, bool] | None) -> None:
    assert detect_format(Path(name)) == expected


def test_directory_is_recursed_in_name_order_skipping_other_files(tmp_path: Path) -> None:
    write_text(tmp_path, "b/2.jsonl", COMMENT_LINE.replace("c1", "c2"))
    write_text(tmp_path, "a/1.jsonl", COMMENT_LINE)
    write_text(tmp_path, "a/notes.md", "not an input")
    write_text(tmp_path, ".hidden/3.jsonl", COMMENT_LINE.replace("c1", "c3"))

    corpus = read_corpus([tmp_path])

    assert comment_ids(corpus) == ["c1", "c2"]
    assert corpus.issues == ()


def test_glob_pattern(tmp_path: Path) -> None:
    write_text(tmp_path, "x1.jsonl", COMMENT_LINE)
    write_text(tmp_path, "x2.jsonl", COMMENT_LINE.replace("c1", "c2"))
    write_text(tmp_path, "y.jsonl", COMMENT_LINE.replace("c1", "c3"))

    corpus = read_corpus([str(tmp_path / "x*.jsonl")])

    assert comment_ids(corpus) == ["c1", "c2"]


def test_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    path = write_text(tmp_path, "c.jsonl", COMMENT_LINE)

    corpus = read_corpus([path, tmp_path, str(tmp_path / "*.jsonl")])

    assert comment_ids(corpus) == ["c1"] and corpus.issues == ()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param("nowhere.jsonl", "no such file or directory", id="missing-file"),
        pytest.param("nothing-*.csv", "no file matches the pattern", id="glob-without-matches"),
        pytest.param("notes.xlsx", "unsupported file type '.xlsx'", id="unsupported-type"),
        pytest.param("empty_dir", "holds no supported input files", id="empty-directory"),
    ],
)
def test_unusable_source_is_one_error_and_the_rest_is_read(
    tmp_path: Path, given: str, message: str
) -> None:
    write_text(tmp_path, "notes.xlsx", "binary-ish")
    (tmp_path / "empty_dir").mkdir()
    good = write_text(tmp_path, "good.jsonl", COMMENT_LINE)

    corpus = read_corpus([str(tmp_path / given), good])

    assert comment_ids(corpus) == ["c1"]
    (error,) = corpus.issues
    assert error.severity is Severity.ERROR and error.location is None
    assert message in error.message


def test_nothing_readable_raises_one_input_error_listing_every_input(tmp_path: Path) -> None:
    broken = write_text(tmp_path, "broken.json", "{")

    with pytest.raises(InputError) as raised:
        read_corpus([broken, str(tmp_path / "missing.csv")])

    message = str(raised.value)
    assert message.startswith("none of the 2 inputs could be read")
    assert "broken.json" in message and "missing.csv" in message


def test_no_sources_at_all() -> None:
    with pytest.raises(InputError, match="no input given"):
        read_corpus([])


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-8", id="utf-8"),
        pytest.param("utf-8-sig", id="utf-8-with-bom"),
        pytest.param("utf-16", id="utf-16-with-bom"),
        pytest.param("utf-16-le", id="utf-16-le-without-bom"),
        pytest.param("utf-16-be", id="utf-16-be-without-bom"),
        pytest.param("utf-32", id="utf-32-with-bom"),
    ],
)
@pytest.mark.parametrize("suffix", ["jsonl", "csv", "txt", "json"])
def test_encodings(tmp_path: Path, encoding: str, suffix: str) -> None:
    contents = {
        "jsonl": COMMENT_LINE,
        "csv": "comment_id,article_id,text\nc1,a,café naïve ☕\n",
        "txt": "Title\nBody.\n1 Comment\nZoë\ncafé naïve ☕\n",
        "json": "[" + COMMENT_LINE + "]",
    }
    path = write_text(tmp_path, f"comments.{suffix}", contents[suffix], encoding=encoding)

    corpus = read_corpus([path])

    assert [c.text for c in corpus.comments] == ["café naïve ☕"]
    assert corpus.issues == ()


def test_undecodable_bytes_name_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes(b"comment_id,article_id,text\nc1,a,fine\nc2,a,caf\xe9\n")

    with pytest.raises(InputError) as raised:
        read_corpus([path])

    message = str(raised.value)
    assert str(path) in message
    assert "byte(s) e9 at byte offset 45 (line 3)" in message
    assert "encoding" in message  # says how to fix it


def test_undecodable_bytes_far_into_a_large_file(tmp_path: Path) -> None:
    good_line = b"x" * 99 + b"\n"
    path = tmp_path / "c.jsonl"
    path.write_bytes(good_line * 30_000 + b"\xff\n")  # past the first 1 MiB block

    with pytest.raises(InputError, match=r"byte offset 3000000 \(line 30001\)"):
        read_corpus([path])


def test_declared_encoding_reads_legacy_files(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes("comment_id,article_id,text\nc1,a,café\n".encode("cp1252"))
    mapping = mapping_from_dict({"encoding": "cp1252"})

    assert [c.text for c in read_corpus([path], mapping=mapping).comments] == ["café"]


def test_undecodable_file_is_skipped_when_others_are_readable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"comment_id": "x", "article_id": "a", "text": "\xc3\x28"}\n')

    corpus = read_corpus([bad, FIXTURES / "corpus.jsonl"])

    assert comment_ids(corpus) == ["jc1", "jc2", "jc3"]
    (error,) = corpus.issues
    assert error.source == str(bad) and "cannot decode as UTF-8" in error.message


@pytest.mark.parametrize(
    ("head", "name"),
    [
        pytest.param(b"\xef\xbb\xbfabc", "utf-8", id="utf-8-bom"),
        pytest.param(b"\xff\xfea\x00", "utf-16-le", id="utf-16-le-bom"),
        pytest.param(b"\xfe\xff\x00a", "utf-16-be", id="utf-16-be-bom"),
        pytest.param("abcdef".encode("utf-16-le"), "utf-16-le", id="utf-16-le-zeros"),
        pytest.param(b"plain ascii", "utf-8", id="default"),
    ],
)
def test_sniff_encoding(head: bytes, name: str) -> None:
    assert sniff_encoding(head, None).name == name
