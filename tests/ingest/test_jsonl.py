"""JSON Lines: comments, articles and nested articles, line by line; stdin."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from analyzer.config import IngestParams
from analyzer.ingest import read_corpus
from analyzer.model import Severity

from .support import FIXTURES, comment_ids, write_text


def test_records_of_every_kind() -> None:
    corpus = read_corpus([FIXTURES / "corpus.jsonl"])

    assert [a.article_id for a in corpus.articles] == ["j1", "j2"]
    assert [a.title for a in corpus.articles] == ["Water prices rise", "Park opens"]
    assert comment_ids(corpus) == ["jc1", "jc2", "jc3"]
    assert corpus.comments[2].article_id == "j2"
    assert corpus.comments[1].parent_id == "jc1"
    assert "type" not in corpus.articles[0].metadata
    assert corpus.issues == ()


def test_malformed_line_is_an_error_for_that_line_only(tmp_path: Path) -> None:
    lines = [
        json.dumps({"comment_id": "c1", "article_id": "a", "text": "first"}),
        '{"comment_id": "c2", "article_id": "a", "text": ',
        "[1, 2]",
        json.dumps({"comment_id": "c3", "article_id": "a", "text": "third"}),
    ]
    corpus = read_corpus([write_text(tmp_path, "x.jsonl", "\n".join(lines) + "\n")])

    assert comment_ids(corpus) == ["c1", "c3"]
    assert [(i.severity, i.location) for i in corpus.issues] == [
        (Severity.ERROR, "line 2"),
        (Severity.ERROR, "line 3"),
    ]
    assert "not valid JSON" in corpus.issues[0].message
    assert "expected a JSON object" in corpus.issues[1].message


def test_stdin_is_read_as_json_lines() -> None:
    stream = io.StringIO(
        json.dumps({"comment_id": "s1", "article_id": "a", "text": "from a pipe"}) + "\n"
    )

    corpus = read_corpus(["-"], stdin=stream)

    assert comment_ids(corpus) == ["s1"]
    assert [a.article_id for a in corpus.articles] == ["a"]  # bare article, no warning
    assert corpus.issues == ()


def test_stdin_issues_name_stdin(tmp_path: Path) -> None:
    corpus = read_corpus(["-"], stdin=io.StringIO("not json\n"))

    assert corpus.issues[0].source == "<stdin>"
    assert corpus.issues[0].location == "line 1"


def test_progress_is_reported_every_chunk(tmp_path: Path) -> None:
    lines = [
        json.dumps({"comment_id": f"c{n}", "article_id": "a", "text": f"comment {n}"})
        for n in range(10)
    ]
    seen: list[int] = []

    read_corpus(
        [write_text(tmp_path, "p.jsonl", "\n".join(lines))],
        params=IngestParams(chunk_rows=4),
        on_progress=seen.append,
    )

    assert seen[:2] == [4, 8]
    assert seen[-1] == 10
    assert seen == sorted(seen)


def test_gzipped_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"comment_id": "z", "article_id": "a", "text": "zipped"}) + "\n")

    assert comment_ids(read_corpus([path])) == ["z"]
