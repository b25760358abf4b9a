"""Every real corpus in ../shared loads through its shipped mapping, with no code changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from analyzer.ingest import load_mapping, read_corpus
from analyzer.model import Severity


class Expected(NamedTuple):
    articles: int
    comments: int
    errors: int
    timed: int | None  # comments with a created_at; None: not checked here


COMMENT_CORPORA = [
    pytest.param("c3", "c3", Expected(484, 12_000, 0, 0), id="c3"),
    pytest.param("cocolofa", "cocolofa", Expected(196, 2_336, 0, 0), id="cocolofa"),
    pytest.param("fox_news", "fox_news", Expected(10, 1_528, 0, 0), id="fox_news"),
    pytest.param(
        "omp_labeled_de", "omp_labeled_de", Expected(2_174, 11_773, 0, 11_773), id="omp_labeled_de"
    ),
    pytest.param("sfu_ctc", "sfu_ctc", Expected(13, 1_121, 0, 0), id="sfu_ctc"),
    # 6,762 rows, of which the mapping drops the cross-source scraper duplicates
    pytest.param("socc_sample", "socc", Expected(107, 4_712, 0, None), id="socc_sample"),
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("folder", "mapping", "expected"), COMMENT_CORPORA)
def test_comment_corpus_loads_with_its_mapping(
    shared_dir: Path, folder: str, mapping: str, expected: Expected
) -> None:
    path = shared_dir / "data" / "comments" / folder / "comments.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")

    corpus = read_corpus([path], mapping=load_mapping(mapping))

    assert len(corpus.articles) == expected.articles
    assert len(corpus.comments) == expected.comments
    severities = Counter(issue.severity for issue in corpus.issues)
    assert severities[Severity.ERROR] == expected.errors
    # The shipped mappings leave no warning about the mapping itself or about times.
    assert not [i for i in corpus.issues if i.field in {"created_at", "published_at", None}]
    if expected.timed is not None:
        assert sum(c.created_at is not None for c in corpus.comments) == expected.timed
    assert all(c.text.strip() for c in corpus.comments)


@pytest.mark.shared_data
def test_socc_times_and_duplicates(shared_dir: Path) -> None:
    path = shared_dir / "data" / "comments" / "socc_sample" / "comments.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")

    corpus = read_corpus([path], mapping=load_mapping("socc"))

    assert "cross_source_duplicate_of" not in {k for c in corpus.comments for k in c.metadata}
    assert sum(c.created_at is not None for c in corpus.comments) > 4_000
    assert sum(a.published_at is not None for a in corpus.articles) == 57


@pytest.mark.shared_data
def test_rumoureval_threads_become_articles_and_replies_comments(shared_dir: Path) -> None:
    path = shared_dir / "data" / "stance" / "rumoureval2019" / "rumoureval2019_subtaskA.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")

    corpus = read_corpus([path], mapping=load_mapping("rumoureval2019"))

    # 8,529 posts = 446 source posts + 8,083 replies, of which 90 (deleted Reddit posts) are empty
    assert len(corpus.comments) == 8_083 - 90
    assert len(corpus.articles) == 445  # one thread has no replies left
    assert all(a.text for a in corpus.articles)
    errors = [i for i in corpus.issues if i.severity is Severity.ERROR]
    assert len(errors) == 90 and {i.field for i in errors} == {"text"}
    assert all(c.created_at is not None for c in corpus.comments)
    labels = Counter(c.metadata.get("label") for c in corpus.comments)
    assert set(labels) == {"support", "deny", "query", "comment"}
    assert "parent_text" not in corpus.comments[0].metadata
