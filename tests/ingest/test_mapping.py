"""Column mappings: the TOML file, its validation, and every option at work."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from analyzer.errors import ConfigError
from analyzer.ingest import (
    ColumnMapping,
    load_mapping,
    mapping_from_dict,
    read_corpus,
    shipped_mappings,
)

from .support import comment_ids, write_text

THREADS_CSV = (
    "thread,post,reply_to,is_root,posted,root_text,body,label,scratch\n"
    "t1,t1,,1,Fri Mar 01 12:00:00 +0000 2024,Is the bridge closing?,Is the bridge closing?,,x\n"
    "t1,p1,t1,0,Fri Mar 01 12:05:00 +0000 2024,Is the bridge closing?,Yes from Monday.,support,x\n"
    "t1,p2,p1,0,1709294700,Is the bridge closing?,Source?,query,x\n"
    "t2,t2,,1,1709294400,Tax cut announced,Tax cut announced,,x\n"
    "t2,p3,t2,0,,Tax cut announced,About time.,comment,x\n"
)

THREADS_MAPPING = """
name = "threads"

[comments]
time_formats = ["%a %b %d %H:%M:%S %z %Y"]
ignore_columns = ["scratch"]

[comments.columns]
comment_id = "post"
article_id = "thread"
parent_id = "reply_to"
created_at = "posted"
text = "body"

[comments.article_columns]
text = "root_text"

[[comments.drop_rows]]
column = "is_root"
values = ["1"]
reason = "the root post is the article"
"""


def test_one_table_corpus_with_articles_from_comment_columns(tmp_path: Path) -> None:
    data = write_text(tmp_path, "threads.csv", THREADS_CSV)
    mapping = load_mapping(write_text(tmp_path, "threads.toml", THREADS_MAPPING))

    corpus = read_corpus([data], mapping=mapping)

    assert [(a.article_id, a.text) for a in corpus.articles] == [
        ("t1", "Is the bridge closing?"),
        ("t2", "Tax cut announced"),
    ]
    assert comment_ids(corpus) == ["p1", "p2", "p3"]
    p1, p2, p3 = corpus.comments
    assert p1.parent_id is None  # a reply to the root post (the article) is top-level
    assert p2.parent_id == "p1"
    assert p1.created_at == datetime(2024, 3, 1, 12, 5, tzinfo=UTC)
    assert p2.created_at == datetime(2024, 3, 1, 12, 5, tzinfo=UTC)
    assert p3.created_at is None
    assert dict(p1.metadata) == {"is_root": "0", "label": "support"}  # scratch ignored
    assert corpus.issues == ()


def test_drop_rows_when_a_column_is_not_empty(tmp_path: Path) -> None:
    data = write_text(
        tmp_path,
        "comments.csv",
        "comment_id,article_id,text,duplicate_of\nc1,a,one,\nc2,a,one again,c1\nc3,a,three,\n",
    )
    mapping = mapping_from_dict(
        {"comments": {"drop_rows": [{"column": "duplicate_of", "non_empty": True}]}}
    )

    assert comment_ids(read_corpus([data], mapping=mapping)) == ["c1", "c3"]


def test_mapping_entries_for_absent_columns_are_one_warning(tmp_path: Path) -> None:
    data = write_text(tmp_path, "comments.csv", "comment_id,article_id,text\nc1,a,one\n")
    mapping = mapping_from_dict(
        {
            "comments": {
                "columns": {"author": "user"},
                "drop_rows": [{"column": "flag", "values": ["x"]}],
            }
        }
    )

    corpus = read_corpus([data], mapping=mapping)

    assert comment_ids(corpus) == ["c1"]
    (warning,) = corpus.issues
    assert "author column 'user'" in warning.message
    assert "drop rule column 'flag'" in warning.message


def test_mapping_applies_to_json_keys(tmp_path: Path) -> None:
    data = write_text(tmp_path, "c.jsonl", '{"id": "c1", "story": "a", "body": "hi"}\n')
    mapping = mapping_from_dict(
        {"comments": {"columns": {"comment_id": "id", "article_id": "story", "text": "body"}}}
    )

    assert comment_ids(read_corpus([data], mapping=mapping)) == ["c1"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        pytest.param(
            "[comments.columns]\nautor = 'user'\n",
            "unknown key 'comments.columns.autor' (valid here: comment_id, article_id, author",
            id="unknown-column-field",
        ),
        pytest.param(
            "[comment]\n",
            "unknown key 'comment' (valid here: name, description, encoding, comments, articles)",
            id="unknown-table",
        ),
        pytest.param(
            "[[comments.drop_rows]]\ncolumn = 'x'\n",
            "needs exactly one of 'values = [...]' or 'non_empty = true'",
            id="drop-rule-without-condition",
        ),
        pytest.param(
            "[[comments.drop_rows]]\ncolumn = 'x'\nnon_empty = true\nvalue = ['1']\n",
            "unknown key 'comments.drop_rows.0.value' (valid here: column, values, non_empty",
            id="drop-rule-typo",
        ),
        pytest.param(
            "[comments]\nnaive_timezone = 'Mars/Olympus'\n",
            "unknown time zone 'Mars/Olympus'",
            id="bad-zone",
        ),
        pytest.param("encoding = 'klingon'\n", "unknown encoding 'klingon'", id="bad-encoding"),
        pytest.param(
            "[comments]\ntime_formats = ['YYYY-MM-DD']\n", "has no % directive", id="bad-format"
        ),
        pytest.param("name = \n", "is not valid TOML", id="not-toml"),
    ],
)
def test_invalid_mapping_files_say_what_and_where(tmp_path: Path, toml: str, expected: str) -> None:
    path = write_text(tmp_path, "bad.toml", toml)

    with pytest.raises(ConfigError) as raised:
        load_mapping(path)

    assert expected in str(raised.value)
    assert str(path) in str(raised.value)


def test_unknown_mapping_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="rumoureval2019"):
        load_mapping("no-such-mapping")


@pytest.mark.parametrize("name", sorted(shipped_mappings()))
def test_every_shipped_mapping_loads_by_name_and_by_path(name: str) -> None:
    by_name = load_mapping(name)

    assert by_name == load_mapping(shipped_mappings()[name])
    assert by_name.name == name
    assert by_name.description


def test_shipped_mappings_cover_the_known_corpora() -> None:
    assert set(shipped_mappings()) >= {
        "c3",
        "cocolofa",
        "fox_news",
        "omp_labeled_de",
        "rumoureval2019",
        "sfu_ctc",
        "socc",
    }


def test_default_mapping_reads_canonical_names() -> None:
    mapping = ColumnMapping()

    assert mapping.comments.columns.comment_id == "comment_id"
    assert mapping.articles.columns.published_at == "published_at"
    assert mapping.articles.file is None


def test_mapping_is_frozen() -> None:
    mapping = ColumnMapping()

    with pytest.raises(ValidationError):
        mapping.name = "changed"


def test_the_example_in_the_docs_is_a_valid_mapping() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "input-formats.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]

    mapping = mapping_from_dict(tomllib.loads(example))

    assert mapping.comments.columns.comment_id == "post_id"
    assert mapping.articles.file == "stories.csv"
    assert [rule.column for rule in mapping.comments.drop_rows] == [
        "is_source",
        "cross_source_duplicate_of",
    ]
