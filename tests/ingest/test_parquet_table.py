"""Parquet tables, read one record batch at a time; typed columns are accepted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyzer.config import IngestParams
from analyzer.errors import InputError
from analyzer.ingest import read_corpus
from analyzer.model import Severity

from .support import comment_ids


def _write(path: Path, columns: dict[str, list[object]]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_comments_and_sibling_articles(tmp_path: Path) -> None:
    _write(tmp_path / "articles.parquet", {"article_id": ["a"], "title": ["Headline"]})
    comments = _write(
        tmp_path / "comments.parquet",
        {
            "comment_id": ["c1", "c2", "c3"],
            "article_id": ["a", "a", "a"],
            "text": ["one", "", "three"],
            "created_at": [
                datetime(2024, 1, 1, 10, tzinfo=UTC),
                None,
                datetime(2024, 1, 1, 11, tzinfo=UTC),
            ],
            "likes": [1, 2, None],
        },
    )

    corpus = read_corpus([comments], params=IngestParams(chunk_rows=2))

    assert [(a.article_id, a.title) for a in corpus.articles] == [("a", "Headline")]
    assert comment_ids(corpus) == ["c1", "c3"]
    assert corpus.comments[0].created_at == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert dict(corpus.comments[0].metadata) == {"likes": "1"}
    (error,) = corpus.issues
    assert (error.severity, error.location, error.field) == (Severity.ERROR, "row 2", "text")


def test_integer_ids_and_naive_timestamps(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "comments.parquet",
        {
            "comment_id": [10, 11],
            "article_id": [7, 7],
            "text": ["x", "y"],
            "created_at": [datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 11)],
        },
    )

    corpus = read_corpus([path])

    assert comment_ids(corpus) == ["10", "11"]
    assert corpus.comments[0].article_id == "7"
    assert corpus.comments[0].created_at == datetime(2024, 1, 1, 10, tzinfo=UTC)
    (warning,) = corpus.issues  # naive times: one warning for the file
    assert warning.field == "created_at" and "2 created_at value(s)" in warning.message


def test_file_that_is_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "comments.parquet"
    path.write_bytes(b"definitely not parquet")

    with pytest.raises(InputError, match="cannot read as Parquet"):
        read_corpus([path])


def test_missing_required_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "comments.parquet", {"comment_id": ["c"], "text": ["t"]})

    with pytest.raises(InputError, match="article_id"):
        read_corpus([path])
