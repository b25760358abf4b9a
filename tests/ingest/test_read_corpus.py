"""read_corpus as the pipeline calls it: many inputs of mixed formats, one Corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.ingest import read_corpus
from analyzer.model import Severity

from .support import FIXTURES, comment_ids, write_text


def test_mixed_formats_in_input_order() -> None:
    sources = [
        FIXTURES / "town_budget.txt",
        FIXTURES / "corpus.jsonl",
        FIXTURES / "csv_corpus" / "comments.csv",
        FIXTURES / "article.json",
    ]

    corpus = read_corpus(sources)

    assert [a.article_id for a in corpus.articles] == [
        "town_budget", "j1", "j2", "n1", "n2", "a2",
    ]  # fmt: skip
    assert comment_ids(corpus) == [
        "town_budget-c1", "town_budget-c2", "town_budget-c3",
        "jc1", "jc2", "jc3", "k1", "k2", "k3", "h1", "h2",
    ]  # fmt: skip
    assert read_corpus(sources) == corpus


def test_a_single_path_is_accepted_too() -> None:
    assert comment_ids(read_corpus(FIXTURES / "article.json")) == ["h1", "h2"]  # type: ignore[arg-type]


def test_comment_for_an_article_missing_from_a_file_that_has_articles(tmp_path: Path) -> None:
    records = [
        {"type": "article", "article_id": "a", "title": "Known"},
        {"comment_id": "c1", "article_id": "a", "text": "fine"},
        {"comment_id": "c2", "article_id": "b", "text": "orphan"},
        {"comment_id": "c3", "article_id": "b", "text": "orphan too"},
    ]
    path = write_text(tmp_path, "x.jsonl", "".join(json.dumps(r) + "\n" for r in records))

    corpus = read_corpus([path])

    assert [a.article_id for a in corpus.articles] == ["a", "b"]
    (warning,) = corpus.issues  # once per missing article, at its first comment
    assert (warning.severity, warning.location, warning.field) == (
        Severity.WARNING,
        "line 3",
        "article_id",
    )


def test_input_error_has_a_hint(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        read_corpus([str(tmp_path / "missing.jsonl")])

    assert raised.value.hint is not None and "docs/input-formats.md" in raised.value.hint
    assert raised.value.code == "unreadable_input"


def test_partly_read_file_is_not_unreadable(tmp_path: Path) -> None:
    text = 'comment_id,article_id,text\nc1,a,fine\nc2,a,"never closed\n'

    corpus = read_corpus([write_text(tmp_path, "comments.csv", text)])

    assert comment_ids(corpus) == ["c1"]
    assert corpus.issues[0].severity is Severity.ERROR


def test_file_with_only_bad_records_is_read_not_unreadable(tmp_path: Path) -> None:
    corpus = read_corpus([write_text(tmp_path, "c.jsonl", '{"comment_id": "c1", "text": "x"}\n')])

    assert corpus.comments == ()
    assert [i.field for i in corpus.issues] == ["article_id"]
