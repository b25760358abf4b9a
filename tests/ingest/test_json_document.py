"""JSON documents: tables of articles and comments, one article, or a list of articles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.ingest import read_corpus
from analyzer.model import Severity

from .support import FIXTURES, comment_ids, issues, write_text


@pytest.mark.parametrize(
    ("fixture", "articles", "comments"),
    [
        pytest.param("corpus.json", ["a1"], ["c1", "c2"], id="articles-and-comments-tables"),
        pytest.param("article.json", ["a2"], ["h1", "h2"], id="one-article-nested-comments"),
        pytest.param("articles_list.json", ["l1", "l2"], ["l1-1", "l2-1", "l2-2"], id="list"),
    ],
)
def test_layouts(fixture: str, articles: list[str], comments: list[str]) -> None:
    corpus = read_corpus([FIXTURES / fixture])

    assert [a.article_id for a in corpus.articles] == articles
    assert comment_ids(corpus) == comments
    assert corpus.issues == ()


def test_fields_times_and_metadata() -> None:
    corpus = read_corpus([FIXTURES / "corpus.json"])

    (article,) = corpus.articles
    assert article.title == "Rail strike"
    assert article.url == "https://example.org/a1"
    assert article.published_at == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert dict(article.metadata) == {"section": "transport"}
    first, second = corpus.comments
    assert first.created_at == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)  # +02:00 -> UTC
    assert second.created_at == datetime.fromtimestamp(1709283600, tz=UTC)  # epoch seconds
    assert second.parent_id == "c1"
    assert dict(first.metadata) == {"votes": "3"}  # extras become strings
    assert dict(second.metadata) == {"tags": '["x", "y"]'}


def test_nested_comments_take_the_article_id_of_their_article() -> None:
    corpus = read_corpus([FIXTURES / "article.json"])

    assert {c.article_id for c in corpus.comments} == {"a2"}


def test_nested_comment_with_another_article_id_is_a_warning(tmp_path: Path) -> None:
    document = {
        "article_id": "a",
        "comments": [{"comment_id": "c", "article_id": "b", "text": "hi"}],
    }
    corpus = read_corpus([write_text(tmp_path, "x.json", json.dumps(document))])

    assert corpus.comments[0].article_id == "a"
    (warning,) = issues(corpus, Severity.WARNING, "article_id")
    assert warning.location == "$.comments[0]"


def test_bad_records_are_located_by_json_path(tmp_path: Path) -> None:
    document = {
        "articles": [
            {"article_id": "a", "comments": [{"comment_id": "c1", "text": ""}, "not an object"]}
        ],
        "comments": [
            {"article_id": "a", "text": "no id"},
            {"comment_id": "c3", "article_id": "a", "text": ["a", "list"]},
            {"comment_id": "c4", "article_id": "a", "text": "fine", "created_at": "yesterday"},
        ],
    }
    corpus = read_corpus([write_text(tmp_path, "bad.json", json.dumps(document))])

    assert comment_ids(corpus) == ["c4"]
    assert corpus.comments[0].created_at is None
    found = [(i.severity, i.location, i.field) for i in corpus.issues]
    assert found == [
        (Severity.ERROR, "$.articles[0].comments[0]", "text"),
        (Severity.ERROR, "$.articles[0].comments[1]", None),
        (Severity.ERROR, "$.comments[0]", "comment_id"),
        (Severity.ERROR, "$.comments[1]", "text"),
        (Severity.WARNING, "$.comments[2]", "created_at"),
    ]


def test_file_that_does_not_parse_is_one_error_and_other_files_are_kept(tmp_path: Path) -> None:
    broken = write_text(tmp_path, "broken.json", '{"comments": [{"comment_id": "x",')

    corpus = read_corpus([broken, FIXTURES / "article.json"])

    assert comment_ids(corpus) == ["h1", "h2"]
    (error,) = corpus.issues
    assert error.severity is Severity.ERROR
    assert error.location is None
    assert error.source == str(broken)
    assert "not valid JSON" in error.message and "line 1" in error.message


def test_only_an_unparseable_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        read_corpus([write_text(tmp_path, "broken.json", "[1, 2")])


def test_top_level_scalar_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a JSON object or list"):
        read_corpus([write_text(tmp_path, "n.json", "42")])


def test_record_that_is_neither_comment_nor_article(tmp_path: Path) -> None:
    corpus = read_corpus(
        [write_text(tmp_path, "l.json", json.dumps([{"title": "?"}, {"article_id": "a"}]))]
    )

    assert [a.article_id for a in corpus.articles] == ["a"]
    (error,) = corpus.issues
    assert error.location == "$[0]"
    assert "neither 'comment_id' nor 'article_id'" in error.message
