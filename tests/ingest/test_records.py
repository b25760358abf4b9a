"""Per-record validation, the same for every format (exercised through small CSV and JSONL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.config import IngestParams
from analyzer.ingest import read_corpus
from analyzer.model import Corpus, Severity

from .support import COMMENTS_HEADER, comment_ids, issues, write_text


def _csv(tmp_path: Path, rows: str, **params: int) -> Corpus:
    path = write_text(tmp_path, "comments.csv", COMMENTS_HEADER + rows)
    return read_corpus([path], params=IngestParams(**params))


def _jsonl(tmp_path: Path, *records: dict[str, object]) -> Corpus:
    text = "".join(json.dumps(record) + "\n" for record in records)
    return read_corpus([write_text(tmp_path, "records.jsonl", text)])


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        pytest.param(",a,u,text,,", "comment_id", "missing comment_id", id="missing-comment-id"),
        pytest.param("c9,,u,text,,", "article_id", "missing article_id", id="missing-article-id"),
        pytest.param("c9,a,u,,,", "text", "empty text", id="empty-text"),
        pytest.param('c9,a,u,"  \n\t ",,', "text", "empty text", id="whitespace-text"),
        pytest.param("c9,a,u," + "x" * 101 + ",,", "text", "101 characters long", id="too-long"),
    ],
)
def test_malformed_record_is_one_error_and_the_rest_is_kept(
    tmp_path: Path, row: str, field: str, message: str
) -> None:
    corpus = _csv(tmp_path, f"c1,a,u,first,,\n{row}\nc2,a,u,last,,\n", max_text_chars=100)

    assert comment_ids(corpus) == ["c1", "c2"]
    (error,) = corpus.issues
    assert (error.severity, error.location, error.field) == (Severity.ERROR, "row 3", field)
    assert message in error.message
    assert error.source.endswith("comments.csv")


def test_text_at_the_limit_is_kept(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c1,a,u," + "x" * 100 + ",,\n", max_text_chars=100)

    assert comment_ids(corpus) == ["c1"] and corpus.issues == ()


def test_duplicate_comment_id_keeps_the_first_and_reports_the_later(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c1,a,u,first,,\nc2,a,u,other,,\nc1,a,v,second copy,,\n")

    assert [(c.comment_id, c.text) for c in corpus.comments] == [("c1", "first"), ("c2", "other")]
    (error,) = corpus.issues
    assert (error.severity, error.location, error.record_id) == (Severity.ERROR, "row 4", "c1")
    assert "first seen at" in error.message and "row 2" in error.message


def test_duplicate_comment_id_across_files(tmp_path: Path) -> None:
    first = write_text(
        tmp_path, "one.jsonl", json.dumps({"comment_id": "c", "article_id": "a", "text": "x"})
    )
    second = write_text(
        tmp_path, "two.jsonl", json.dumps({"comment_id": "c", "article_id": "a", "text": "y"})
    )

    corpus = read_corpus([first, second])

    assert [c.text for c in corpus.comments] == ["x"]
    (error,) = corpus.issues
    assert error.source == str(second) and f"{first}, line 1" in error.message


def test_unparseable_time_keeps_the_comment_without_a_time(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c1,a,u,text,last tuesday,\n")

    (comment,) = corpus.comments
    assert comment.created_at is None
    (warning,) = corpus.issues
    assert (warning.severity, warning.field, warning.location) == (
        Severity.WARNING,
        "created_at",
        "row 2",
    )
    assert "'last tuesday'" in warning.message and "time_formats" in warning.message


def test_naive_times_give_one_warning_per_file(tmp_path: Path) -> None:
    rows = "".join(f"c{n},a,u,text,2024-01-01 10:00:0{n},\n" for n in range(5))
    corpus = _csv(tmp_path, rows)

    assert all(
        c.created_at is not None and c.created_at.utcoffset() is not None for c in corpus.comments
    )
    (warning,) = corpus.issues
    assert "5 created_at value(s) had no UTC offset" in warning.message


def test_parent_pointing_to_an_unknown_comment_is_a_warning_and_kept(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c1,a,u,text,,\nc2,a,u,reply,,c1\nc3,a,u,reply,,gone\n")

    assert [c.parent_id for c in corpus.comments] == [None, "c1", "gone"]
    (warning,) = corpus.issues
    assert (warning.field, warning.location, warning.record_id) == ("parent_id", "row 4", "c3")


def test_parent_that_is_the_article_or_the_comment_itself(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c1,a,u,reply to the article,,a\nc2,a,u,loop,,c2\n")

    assert [c.parent_id for c in corpus.comments] == [None, None]
    (warning,) = corpus.issues
    assert warning.record_id == "c2" and "own id" in warning.message


def test_parent_defined_later_in_the_input_is_fine(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, "c2,a,u,reply first,,c1\nc1,a,u,then the parent,,\n")

    assert corpus.issues == ()


def test_articles_are_created_for_comment_ids_without_a_warning_when_no_table_exists(
    tmp_path: Path,
) -> None:
    corpus = _csv(tmp_path, "c1,x,u,t,,\nc2,y,u,t,,\nc3,x,u,t,,\n")

    assert [a.article_id for a in corpus.articles] == ["x", "y"]
    assert all(a.title == "" and a.text == "" for a in corpus.articles)
    assert corpus.issues == ()


def test_missing_article_in_a_given_articles_table_is_one_warning(tmp_path: Path) -> None:
    write_text(tmp_path, "articles.csv", "article_id,title\nx,Known\n")
    corpus = _csv(tmp_path, "c1,x,u,t,,\nc2,y,u,t,,\nc3,y,u,t,,\n")

    assert [a.article_id for a in corpus.articles] == ["x", "y"]
    (warning,) = corpus.issues
    assert (warning.field, warning.location, warning.record_id) == ("article_id", "row 3", "c2")


def test_repeated_article_merges_and_conflicts_warn_once(tmp_path: Path) -> None:
    corpus = _jsonl(
        tmp_path,
        {"article_id": "a", "title": "Title"},
        {"article_id": "a", "title": "Title", "url": "https://example.org/a"},
        {"article_id": "a", "title": "Other title"},
        {"article_id": "a", "title": "Third title"},
    )

    (article,) = corpus.articles
    assert (article.title, article.url) == ("Title", "https://example.org/a")
    (warning,) = corpus.issues
    assert (warning.severity, warning.location, warning.field) == (
        Severity.WARNING,
        "line 3",
        "title",
    )


def test_non_text_values_in_optional_fields_are_warnings(tmp_path: Path) -> None:
    corpus = _jsonl(
        tmp_path, {"comment_id": 5, "article_id": 1, "text": "t", "author": {"name": "x"}}
    )

    (comment,) = corpus.comments
    assert (comment.comment_id, comment.article_id, comment.author) == ("5", "1", None)
    assert [i.field for i in issues(corpus, Severity.WARNING)] == ["author"]


def test_text_and_ids_are_trimmed(tmp_path: Path) -> None:
    corpus = _csv(tmp_path, ' c1 , a ," spaced author ","  padded text  ",,\n')

    (comment,) = corpus.comments
    assert (comment.comment_id, comment.article_id, comment.author, comment.text) == (
        "c1",
        "a",
        "spaced author",
        "padded text",
    )


def test_order_follows_the_input_and_is_deterministic(tmp_path: Path) -> None:
    rows = "".join(f"c{n},a{n % 4},u,text {n},,\n" for n in (5, 3, 9, 1))

    first = _csv(tmp_path, rows)
    second = _csv(tmp_path, rows)

    assert comment_ids(first) == ["c5", "c3", "c9", "c1"]
    assert [a.article_id for a in first.articles] == ["a1", "a3"]
    assert first == second
