"""CSV (and TSV) tables: chunked reading, sibling articles table, true row numbers."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.config import IngestParams
from analyzer.errors import InputError
from analyzer.ingest import mapping_from_dict, read_corpus
from analyzer.model import Severity

from .support import COMMENTS_HEADER, FIXTURES, comment_ids, issues, write_text


def test_comments_with_their_sibling_articles_table() -> None:
    corpus = read_corpus([FIXTURES / "csv_corpus" / "comments.csv"])

    assert [a.article_id for a in corpus.articles] == ["n1", "n2"]
    assert corpus.articles[0].text == "Pupils return on Monday.\nTeachers are ready."
    assert corpus.articles[0].published_at == datetime(2024, 9, 1, tzinfo=UTC)
    assert dict(corpus.articles[0].metadata) == {"source": "News Desk"}
    assert comment_ids(corpus) == ["k1", "k2", "k3"]
    assert corpus.comments[1].text == "Multi-line\ncomment, with a comma."
    assert corpus.comments[1].parent_id == "k1"
    assert corpus.comments[2].created_at == datetime(2024, 9, 2, 17, 0, tzinfo=UTC)
    assert dict(corpus.comments[0].metadata) == {"score": "5"}
    assert corpus.comments[2].metadata == {}  # empty cells are not metadata
    # published_at '2024-09-01' has no offset: one warning for the file, not one per row
    (warning,) = corpus.issues
    assert (warning.field, warning.location) == ("published_at", "row 2")
    assert "1 published_at value(s) had no UTC offset" in warning.message


def test_directory_reads_the_articles_table_once() -> None:
    by_file = read_corpus([FIXTURES / "csv_corpus" / "comments.csv"])
    by_directory = read_corpus([FIXTURES / "csv_corpus"])

    assert by_directory == by_file


def test_row_numbers_count_records_not_lines(tmp_path: Path) -> None:
    text = COMMENTS_HEADER + (
        'c1,a,u,"three\nline\ntext",,\n'  # row 2 spans lines 2-4
        "c2,a,u,,,\n"  # row 3: empty text
        'c3,a,u,"two\nlines",not a time,\n'  # row 4
    )
    corpus = read_corpus([write_text(tmp_path, "comments.csv", text)])

    assert comment_ids(corpus) == ["c1", "c3"]
    assert [(i.location, i.field, i.severity) for i in corpus.issues] == [
        ("row 3", "text", Severity.ERROR),
        ("row 4", "created_at", Severity.WARNING),
    ]


@pytest.mark.parametrize("chunk_rows", [1, 2, 50_000], ids=["chunk-1", "chunk-2", "chunk-50k"])
def test_rows_with_too_many_fields_are_skipped_and_later_rows_keep_their_numbers(
    tmp_path: Path, chunk_rows: int
) -> None:
    text = COMMENTS_HEADER + (
        "c1,a,u,fine,,\n"  # row 2
        "c2,a,u,one,too,many,fields\n"  # row 3: skipped by the parser
        'c3,a,u,"multi\nline",,\n'  # row 4
        "c4,a,u,,,\n"  # row 5: empty text
    )
    corpus = read_corpus(
        [write_text(tmp_path, "comments.csv", text)], params=IngestParams(chunk_rows=chunk_rows)
    )

    assert comment_ids(corpus) == ["c1", "c3"]
    assert [(i.location, i.field) for i in issues(corpus, Severity.ERROR)] == [
        ("row 3", None),
        ("row 5", "text"),
    ]
    assert "expected 6 fields, saw 7" in corpus.issues[0].message


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 50_000], ids=lambda n: f"chunk-{n}")
def test_unterminated_quote_keeps_every_row_before_it(tmp_path: Path, chunk_rows: int) -> None:
    text = COMMENTS_HEADER + (
        "c1,a,u,fine,,\n"  # row 2
        "c2,a,u,too,many,fields,here\n"  # row 3: skipped
        'c3,a,u,"multi\nline",,\n'  # row 4
        "c4,a,u,also fine,,\n"  # row 5
        'c5,a,u,"never closed,,\n'  # row 6
        "c6,a,u,lost,,\n"
    )
    corpus = read_corpus(
        [write_text(tmp_path, "comments.csv", text)], params=IngestParams(chunk_rows=chunk_rows)
    )

    assert comment_ids(corpus) == ["c1", "c3", "c4"]
    skipped, failed = corpus.issues
    assert (skipped.location, skipped.severity) == ("row 3", Severity.ERROR)
    assert failed.location is None
    assert "row 6" in failed.message and "rows up to row 5 were read" in failed.message


def test_missing_required_column_fails_the_file_with_the_columns_it_has(tmp_path: Path) -> None:
    path = write_text(tmp_path, "comments.csv", "id,article_id,body\n1,a,hello\n")

    with pytest.raises(InputError) as raised:
        read_corpus([path])

    message = str(raised.value)
    assert "comment_id (column 'comment_id')" in message and "text (column 'text')" in message
    assert "'id', 'article_id', 'body'" in message


def test_mapping_renames_columns(tmp_path: Path) -> None:
    path = write_text(tmp_path, "posts.csv", "id,story,body,user\n1,a,hello,zoe\n")
    mapping = mapping_from_dict(
        {
            "comments": {
                "columns": {
                    "comment_id": "id",
                    "article_id": "story",
                    "text": "body",
                    "author": "user",
                }
            }
        }
    )

    (comment,) = read_corpus([path], mapping=mapping).comments

    assert (comment.comment_id, comment.article_id, comment.text, comment.author) == (
        "1",
        "a",
        "hello",
        "zoe",
    )
    assert comment.metadata == {}


def test_articles_table_named_by_the_mapping(tmp_path: Path) -> None:
    write_text(tmp_path, "stories.csv", "article_id,title\na,Headline\n")
    path = write_text(tmp_path, "posts.csv", COMMENTS_HEADER + "1,a,u,hi,,\n2,b,u,yo,,\n")
    mapping = mapping_from_dict({"articles": {"file": "stories.csv"}})

    corpus = read_corpus([path], mapping=mapping)

    assert [(a.article_id, a.title) for a in corpus.articles] == [("a", "Headline"), ("b", "")]
    (warning,) = corpus.issues  # b is not in the articles table that was given
    assert (warning.field, warning.location, warning.record_id) == ("article_id", "row 3", "2")


def test_missing_articles_file_named_by_the_mapping_is_a_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path, "comments.csv", COMMENTS_HEADER + "1,a,u,hi,,\n")
    mapping = mapping_from_dict({"articles": {"file": "nowhere.csv"}})

    corpus = read_corpus([path], mapping=mapping)

    assert comment_ids(corpus) == ["1"]
    assert "nowhere.csv" in corpus.issues[0].message


def test_tsv_and_gzipped_csv(tmp_path: Path) -> None:
    tsv = write_text(
        tmp_path, "a_comments.tsv", "comment_id\tarticle_id\ttext\nt1\ta\ttab, separated\n"
    )
    zipped = tmp_path / "b_comments.csv.gz"
    with gzip.open(zipped, "wt", encoding="utf-8") as handle:
        handle.write("comment_id,article_id,text\nz1,a,zipped\n")

    corpus = read_corpus([tsv, zipped])

    assert [(c.comment_id, c.text) for c in corpus.comments] == [
        ("t1", "tab, separated"),
        ("z1", "zipped"),
    ]


def test_chunked_reading_gives_the_same_corpus_and_reports_progress(tmp_path: Path) -> None:
    rows = "".join(f"c{n},a{n % 3},u{n},text {n},2024-01-01T00:00:{n:02d}Z,\n" for n in range(25))
    path = write_text(tmp_path, "comments.csv", COMMENTS_HEADER + rows)
    seen: list[int] = []

    chunked = read_corpus([path], params=IngestParams(chunk_rows=10), on_progress=seen.append)
    whole = read_corpus([path])

    assert chunked == whole
    assert len(chunked.comments) == 25
    assert seen[:3] == [10, 20, 25]


def test_header_only_file_is_read_as_empty(tmp_path: Path) -> None:
    corpus = read_corpus([write_text(tmp_path, "comments.csv", COMMENTS_HEADER)])

    assert corpus.comments == () and corpus.issues == ()


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_corpus([write_text(tmp_path, "comments.csv", "")])
