"""The shipped demo corpus parses as each format claims, and the planted patterns are really there.

Reads the files with the standard library only (not ``analyzer.ingest``), so a reader bug cannot
hide a data bug and vice versa.
"""

from __future__ import annotations

import csv
import difflib
import functools
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
COUNT_LINE = re.compile(r"^(\d+) Comments?$")


@dataclass(frozen=True, slots=True)
class Row:
    source: str
    comment_id: str
    article_id: str
    author: str
    text: str
    created_at: datetime | None
    parent_id: str | None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    assert ISO_UTC.match(value), f"not ISO-8601 UTC with Z: {value!r}"
    return datetime.fromisoformat(value)


@functools.cache
def load_build_module() -> ModuleType:
    """data/demo/ is not a package, so import its generator by path."""
    name = "comment_analyzer_demo_build"
    spec = importlib.util.spec_from_file_location(name, DEMO_DIR / "build_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_text_article(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """Seed layout: title, body, ``N Comments``, then author/text line pairs."""
    lines = path.read_text(encoding="utf-8").splitlines()
    counts = [i for i, line in enumerate(lines) if COUNT_LINE.match(line)]
    assert len(counts) == 1, f"{path}: expected one 'N Comments' line, found {len(counts)}"
    start = counts[0]
    declared = int(COUNT_LINE.match(lines[start]).group(1))  # type: ignore[union-attr]
    body = lines[start + 1 :]
    assert len(body) == 2 * declared, f"{path}: {declared} comments declared, {len(body)} lines"
    pairs = [(body[i], body[i + 1]) for i in range(0, len(body), 2)]
    assert all(author and text for author, text in pairs)
    return lines[0], pairs


def load_articles() -> dict[str, datetime | None]:
    """article_id -> published_at, from every demo file."""
    articles: dict[str, datetime | None] = {}

    def add(article_id: str, published: str | None) -> None:
        assert article_id not in articles, f"article {article_id} defined twice"
        articles[article_id] = parse_time(published)

    csv_rows = read_csv(DEMO_DIR / "csv" / "articles.csv")
    for row in csv_rows:
        add(row["article_id"], row["published_at"])
    for line in (DEMO_DIR / "jsonl" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        add(row["article_id"], row["published_at"])
    for path in sorted((DEMO_DIR / "json").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for article in document.get("articles", [document]):
            add(article["article_id"], article["published_at"])
    for path in sorted((DEMO_DIR / "text").glob("*.txt")):
        add(path.stem, None)
    return articles


def load_comments() -> list[Row]:
    build = load_build_module()
    rows: list[Row] = []
    source = "csv/comments.csv"
    with (DEMO_DIR / source).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == build.COMMENT_COLUMNS
        for row in reader:
            rows.append(
                Row(
                    source,
                    row["comment_id"],
                    row["article_id"],
                    row["author"],
                    row["text"],
                    parse_time(row["created_at"]),
                    row["parent_id"] or None,
                )
            )
    source = "jsonl/comments.jsonl"
    for line in (DEMO_DIR / source).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        rows.append(
            Row(
                source,
                row["comment_id"],
                row["article_id"],
                row["author"],
                row["text"],
                parse_time(row["created_at"]),
                row["parent_id"],
            )
        )
    for path in sorted((DEMO_DIR / "json").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "articles" in document:
            nested = [(c["article_id"], c) for c in document["comments"]]
        else:  # one article with its comments nested inside
            nested = [(document["article_id"], c) for c in document["comments"]]
        for article_id, row in nested:
            rows.append(
                Row(
                    path.name,
                    row["comment_id"],
                    article_id,
                    row["author"],
                    row["text"],
                    parse_time(row["created_at"]),
                    row["parent_id"],
                )
            )
    for path in sorted((DEMO_DIR / "text").glob("*.txt")):
        _, pairs = read_text_article(path)
        for position, (author, text) in enumerate(pairs, start=1):
            rows.append(
                Row(
                    path.name,
                    build.text_comment_id(path.stem, position),
                    path.stem,
                    author,
                    text,
                    None,
                    None,
                )
            )
    return rows


COMMENTS = load_comments()
BY_ID = {row.comment_id: row for row in COMMENTS}
LABELS = read_csv(DEMO_DIR.parent / "demo-labels.csv")
LABEL_BY_ID = {row["comment_id"]: row for row in LABELS}


def planted(kind: str) -> list[Row]:
    return [BY_ID[row["comment_id"]] for row in LABELS if row["coordination"] == kind]


def normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def span_seconds(rows: list[Row]) -> float:
    times = [r.created_at for r in rows if r.created_at is not None]
    assert len(times) == len(rows), "planted comments must have timestamps"
    return (max(times) - min(times)).total_seconds()


def test_several_articles_in_every_format() -> None:
    articles = load_articles()
    assert 5 <= len(articles) <= 7
    sources = Counter(row.source for row in COMMENTS)
    assert {"csv/comments.csv", "jsonl/comments.jsonl"} <= set(sources)
    assert any(s.endswith(".json") for s in sources) and any(s.endswith(".txt") for s in sources)
    per_article = Counter(row.article_id for row in COMMENTS)
    assert set(per_article) == set(articles), "every comment's article exists, and vice versa"
    assert all(12 <= n <= 30 for n in per_article.values()), per_article


def test_comment_ids_are_unique_across_the_whole_demo() -> None:
    duplicates = [cid for cid, n in Counter(r.comment_id for r in COMMENTS).items() if n > 1]
    assert duplicates == []


def test_labels_cover_every_comment_exactly_once() -> None:
    assert tuple(LABELS[0]) == ("comment_id", "article_id", "stance", "coordination")
    assert Counter(row["comment_id"] for row in LABELS) == Counter(r.comment_id for r in COMMENTS)
    for row in LABELS:
        assert row["article_id"] == BY_ID[row["comment_id"]].article_id
        assert row["stance"] in {"support", "oppose", "neutral", "unrelated"}
        assert row["coordination"] in {"organic", "copy_paste", "burst"}
    assert {row["stance"] for row in LABELS} == {"support", "oppose", "neutral", "unrelated"}


def test_replies_point_to_earlier_comments_under_the_same_article() -> None:
    articles = load_articles()
    replies = [row for row in COMMENTS if row.parent_id]
    assert len(replies) >= 20
    for row in replies:
        parent = BY_ID[row.parent_id]  # type: ignore[index]
        assert parent.article_id == row.article_id
        assert parent.created_at is not None and row.created_at is not None
        assert parent.created_at < row.created_at
    for row in COMMENTS:
        published = articles[row.article_id]
        if row.created_at is not None:
            assert published is not None and published < row.created_at
            assert row.created_at - published < timedelta(days=3)


def test_copy_paste_campaign_is_five_accounts_under_two_articles_within_ten_minutes() -> None:
    campaign = planted("copy_paste")
    by_article: dict[str, list[Row]] = defaultdict(list)
    for row in campaign:
        by_article[row.article_id].append(row)
    assert len(by_article) == 2
    authors = {row.author for row in campaign}
    assert len(authors) == 5
    for rows in by_article.values():
        assert {row.author for row in rows} == authors
        assert span_seconds(rows) <= 600
    reference = normalized(campaign[0].text)
    for row in campaign:
        assert len(row.text.split()) >= 25
        assert difflib.SequenceMatcher(None, reference, normalized(row.text)).ratio() > 0.9
    assert len({row.text for row in campaign}) >= 4, "lightly edited, not all verbatim"


def test_burst_is_distinct_accounts_and_wordings_within_five_minutes() -> None:
    burst = planted("burst")
    assert len(burst) >= 9
    assert len({row.article_id for row in burst}) == 1
    assert len({row.author for row in burst}) == len(burst)
    assert span_seconds(burst) <= 300
    for i, first in enumerate(burst):
        for second in burst[i + 1 :]:
            ratio = difflib.SequenceMatcher(None, normalized(first.text), normalized(second.text))
            assert ratio.ratio() < 0.6, (first.comment_id, second.comment_id)
    thread = [r for r in COMMENTS if r.article_id == burst[0].article_id and r not in burst]
    assert span_seconds(thread) >= 24 * 3600, "the rest of the thread is spread over a day+"


def test_organic_comments_never_look_like_a_burst() -> None:
    """No five organic comments in ten minutes, and none inside a planted window."""
    by_article: dict[str, list[Row]] = defaultdict(list)
    for row in COMMENTS:
        if row.created_at is not None:
            by_article[row.article_id].append(row)
    window = timedelta(minutes=10)
    for rows in by_article.values():
        organic = sorted(
            (r.created_at for r in rows if LABEL_BY_ID[r.comment_id]["coordination"] == "organic"),
            key=lambda t: t or datetime.min,
        )
        for i, start in enumerate(organic):
            assert start is not None
            assert sum(1 for t in organic[i:] if t is not None and t - start <= window) < 5
        planted_times = [
            r.created_at for r in rows if LABEL_BY_ID[r.comment_id]["coordination"] != "organic"
        ]
        if planted_times:
            low = min(t for t in planted_times if t) - window
            high = max(t for t in planted_times if t) + window
            assert not [t for t in organic if t is not None and low <= t <= high]


def test_famous_quote_is_posted_by_two_readers_days_apart() -> None:
    build = load_build_module()
    quoting = [row for row in COMMENTS if build.FAMOUS_QUOTE in row.text]
    assert len(quoting) == 2
    assert len({row.author for row in quoting}) == 2
    assert all(LABEL_BY_ID[row.comment_id]["coordination"] == "organic" for row in quoting)
    first, second = sorted(quoting, key=lambda r: r.created_at or datetime.min)
    assert first.created_at is not None and second.created_at is not None
    assert second.created_at - first.created_at >= timedelta(days=1)


def test_some_comments_quote_their_article_verbatim() -> None:
    build = load_build_module()
    texts = {a.article_id: a.text for a in build.ALL_ARTICLES}
    quoting = 0
    for row in COMMENTS:
        for quoted in re.findall(r'"([^"]{40,})"', row.text):
            assert quoted in texts[row.article_id], (row.comment_id, quoted)
            quoting += 1
    assert quoting >= 4


@pytest.mark.parametrize(
    "relative",
    [
        "csv/articles.csv",
        "csv/comments.csv",
        "jsonl/articles.jsonl",
        "jsonl/comments.jsonl",
        "json/eastvale-water-restrictions.json",
        "json/northgate-waiting-lists.json",
        "text/norvania-arms-exports.txt",
        "../demo-labels.csv",
    ],
)
def test_committed_files_match_the_generator(tmp_path: Path, relative: str) -> None:
    load_build_module().build(tmp_path / "demo")
    expected = (tmp_path / "demo" / relative).read_bytes()
    assert (DEMO_DIR / relative).read_bytes() == expected, (
        f"data/demo/{relative} is stale: run `python data/demo/build_demo.py`"
    )
