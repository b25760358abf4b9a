"""The benchmark corpus generator, run on a tiny fake ``shared`` folder (never the real one)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "generate_corpus.py"


def load_generator() -> ModuleType:
    name = "comment_analyzer_bench_generate_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


gen = load_generator()

EXCLUDED_TEXTS = {"captured twice by the scraper", "crowd-written fallacy example"}


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def fake_shared(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    comments = root / "data" / "comments"
    base = ["comment_id", "article_id", "author", "text", "created_at", "parent_id"]
    articles = ["article_id", "title", "text", "url", "published_at"]
    write_table(
        comments / "socc_sample" / "comments.csv",
        [*base, "cross_source_duplicate_of"],
        [
            ["s1", "1", "x", "socc text one, with a comma", "", "", ""],
            ["s2", "1", "y", 'socc text "two"\nover two lines', "", "", ""],
            ["s3", "1", "z", "captured twice by the scraper", "", "", "s1"],
        ],
    )
    write_table(
        comments / "socc_sample" / "articles.csv",
        articles,
        [["1", "A real-looking title", "Body " * 500, "", ""]],
    )
    write_table(
        comments / "c3" / "comments.csv",
        base,
        [["c1", "9", "a", "c3 text", "", ""], ["c2", "9", "b", "   ", "", ""]],
    )
    write_table(comments / "c3" / "articles.csv", articles, [["9", "", "", "", ""]])
    write_table(
        comments / "sfu_ctc" / "comments.csv",
        base,
        [["f1", "5", "", "sfu text", "", ""], ["f2", "5", "", "c3 text", "", ""]],
    )
    write_table(
        comments / "fox_news" / "comments.csv", base, [["x1", "30", "m", "fox text", "", ""]]
    )
    write_table(
        comments / "fox_news" / "articles.csv",
        articles,
        [["30", "Second title", "Meta description.", "", ""]],
    )
    # Present in the real shared folder, and must never be sampled.
    write_table(
        comments / "cocolofa" / "comments.csv",
        base,
        [["k1", "2", "w", "crowd-written fallacy example", "", ""]],
    )
    return root


ALLOWED_TEXTS = {
    "socc text one, with a comma",
    'socc text "two"\nover two lines',
    "c3 text",
    "sfu text",
    "fox text",
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(shared: Path, out: Path, comments: int = 600, seed: int = 7) -> object:
    config = gen.GeneratorConfig(comments=comments, seed=seed, article_chars=100)
    return gen.generate(config, out, shared, show_progress=False)


def test_text_pool_drops_duplicates_blanks_and_excluded_corpora(fake_shared: Path) -> None:
    pool = gen.load_text_pool(fake_shared)
    assert set(pool) == ALLOWED_TEXTS
    assert len(pool) == len(ALLOWED_TEXTS)


def test_writes_canonical_tables_with_real_texts_and_generated_structure(
    fake_shared: Path, tmp_path: Path
) -> None:
    out = tmp_path / "corpus"
    summary = run(fake_shared, out)
    articles = read(out / "articles.csv")
    comments = read(out / "comments.csv")
    assert list(articles[0]) == ["article_id", "title", "text", "url", "published_at"]
    assert list(comments[0]) == [
        "comment_id",
        "article_id",
        "author",
        "text",
        "created_at",
        "parent_id",
    ]
    assert len(comments) == 600 == summary.comments  # type: ignore[attr-defined]
    assert len(articles) == 12  # 600 / 50
    assert {a["title"] for a in articles} <= {"A real-looking title", "Second title"}
    assert all(len(a["text"]) <= 100 for a in articles)

    ids = [c["comment_id"] for c in comments]
    assert len(set(ids)) == len(ids)
    assert {c["text"] for c in comments} <= ALLOWED_TEXTS
    assert not {c["text"] for c in comments} & EXCLUDED_TEXTS
    authors = Counter(c["author"] for c in comments)
    assert len(authors) <= 30  # 600 / 20
    counts = sorted(authors.values(), reverse=True)
    assert counts[0] >= 3 * counts[len(counts) // 2], "Zipf: a few authors write a lot"

    published = {a["article_id"]: datetime.fromisoformat(a["published_at"]) for a in articles}
    position = {cid: i for i, cid in enumerate(ids)}
    by_id = {c["comment_id"]: c for c in comments}
    for comment in comments:
        assert comment["created_at"].endswith("Z")
        created = datetime.fromisoformat(comment["created_at"])
        delay = created - published[comment["article_id"]]
        assert timedelta(0) <= delay <= timedelta(hours=72)
        if comment["parent_id"]:
            parent = by_id[comment["parent_id"]]
            assert parent["article_id"] == comment["article_id"]
            assert position[parent["comment_id"]] < position[comment["comment_id"]]
    replies = sum(1 for c in comments if c["parent_id"])
    assert 0.2 * 600 < replies < 0.5 * 600
    assert "GENERATED" in (out / "PROVENANCE.md").read_text(encoding="utf-8")


def test_same_seed_same_bytes_other_seed_other_bytes(fake_shared: Path, tmp_path: Path) -> None:
    run(fake_shared, tmp_path / "a", seed=3)
    run(fake_shared, tmp_path / "b", seed=3)
    run(fake_shared, tmp_path / "c", seed=4)
    first = (tmp_path / "a" / "comments.csv").read_bytes()
    assert first == (tmp_path / "b" / "comments.csv").read_bytes()
    assert first != (tmp_path / "c" / "comments.csv").read_bytes()


def test_missing_corpus_is_a_clear_error(fake_shared: Path, tmp_path: Path) -> None:
    (fake_shared / "data" / "comments" / "fox_news" / "comments.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"fox_news.*--shared-dir"):
        run(fake_shared, tmp_path / "out")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("100000", 100_000), ("100k", 100_000), ("1m", 1_000_000), ("1_000", 1_000), ("2.5k", 2_500)],
)
def test_parse_count(given: str, expected: int) -> None:
    assert gen.parse_count(given) == expected


@pytest.mark.parametrize("given", ["0", "-5", "lots", "1.5"])
def test_parse_count_rejects(given: str) -> None:
    with pytest.raises(Exception, match="comment count"):
        gen.parse_count(given)


def test_command_line(fake_shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--comments",
            "120",
            "--out",
            str(out),
            "--shared-dir",
            str(fake_shared),
            "--seed",
            "1",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 120 comments" in done.stdout
    assert len(read(out / "comments.csv")) == 120

    missing = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--comments",
            "10",
            "--out",
            str(out),
            "--shared-dir",
            str(tmp_path / "nowhere"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "source corpora missing" in missing.stderr


def test_distinct_texts_makes_every_text_unique_and_keeps_the_real_text(
    fake_shared: Path, tmp_path: Path
) -> None:
    config = gen.GeneratorConfig(comments=200, seed=5, distinct_texts=True)
    gen.generate(config, tmp_path / "d", fake_shared, show_progress=False)
    comments = read(tmp_path / "d" / "comments.csv")
    assert len({c["text"] for c in comments}) == 200
    for comment in comments:
        real, marker = comment["text"].rsplit(" [", 1)
        assert real in ALLOWED_TEXTS
        assert marker == f"{comment['comment_id']}]"
