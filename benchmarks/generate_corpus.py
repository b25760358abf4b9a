"""Write a large synthetic-structure corpus for the scale benchmark.

What is real and what is generated:

* comment **texts are real**: resampled with replacement from the English news-comment corpora
  under ``<shared>/data/comments/`` (``socc_sample`` rows whose ``cross_source_duplicate_of``
  is empty, ``c3``, ``sfu_ctc``, ``fox_news``; never ``cocolofa``, which is crowd-written, nor
  the German ``omp_labeled_de``). Exact repeats are dropped from the pool first, so at 1M
  comments each text appears about 50 times;
* article titles and texts are real too, resampled from the same corpora's ``articles.csv``
  (text cut to ``--article-chars``), and are unrelated to the comments drawn under them;
* **authors, timestamps, reply links and ids are generated**: about N/20 authors whose
  activity follows a Zipf law (exponent 0.7, calibrated on the real corpora: the most active
  account writes 1-3% of the comments), about N/50 articles published over one year with a
  long-tailed number of comments each, and comment times drawn after each article's
  publication (log-normal delay, median 3 h, capped at 72 h).

With ``--distinct-texts`` each text gets `` [<comment_id>]`` appended, so no two comments are
equal: a CSV reader can share one string object between equal cells, which would make a
resampled corpus look smaller in memory than a real one of the same size.

This is a load test, not ground truth: the texts carry no coordination labels and the
structure is random. Output, in the canonical columns, streamed row by row::

    <out>/articles.csv   article_id,title,text,url,published_at
    <out>/comments.csv   comment_id,article_id,author,text,created_at,parent_id
    <out>/PROVENANCE.md  what is real and what is generated, parameters, counts, sources

Usage::

    python benchmarks/generate_corpus.py --comments 100000 --out benchmarks/out/corpus_100k/

The third-party texts stay in the output folder (``benchmarks/out/`` is git-ignored); most of
the source corpora are licensed for non-commercial use only, so never commit or ship them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED_DIR = REPO_ROOT.parent / "shared"
SHARED_ENV = "COMMENT_ANALYZER_SHARED"

# Folders under <shared>/data/comments/ that hold organic English comments.
SOURCE_CORPORA = ("socc_sample", "c3", "sfu_ctc", "fox_news")
DUPLICATE_COLUMN = "cross_source_duplicate_of"  # socc_sample captured some comments twice

ARTICLE_COLUMNS = ("article_id", "title", "text", "url", "published_at")
COMMENT_COLUMNS = ("comment_id", "article_id", "author", "text", "created_at", "parent_id")

TIMELINE_START = datetime(2024, 1, 1, tzinfo=UTC)  # fixed, so output never depends on "now"
TIMELINE_DAYS = 365
MAX_DELAY_SECONDS = 72 * 3600
PROVENANCE_FILE = "PROVENANCE.md"
DEFAULT_SEED = 20250101
DEFAULT_ARTICLE_CHARS = 1500  # about what the stance model reads as article context


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    comments: int
    seed: int = DEFAULT_SEED
    comments_per_article: float = 50.0
    comments_per_author: float = 20.0
    # 0.7 puts the most active account at 1-3% of all comments and the top ten at 5-10%, as
    # in the real corpora (socc_sample 1.6%/10%, c3 0.7%/4%, omp 1.0%/5%); 1.1 gave 16%/42%.
    zipf_exponent: float = 0.7
    reply_fraction: float = 0.35
    median_delay_hours: float = 3.0
    article_chars: int = DEFAULT_ARTICLE_CHARS
    distinct_texts: bool = False


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    out_dir: str
    comments: int
    articles: int
    authors_possible: int
    authors_used: int
    replies: int
    text_pool: int
    article_pool: int
    sources: tuple[str, ...]
    comments_bytes: int
    articles_bytes: int


def resolve_shared_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    from_env = os.environ.get(SHARED_ENV)
    return Path(from_env) if from_env else DEFAULT_SHARED_DIR


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _corpus_dirs(shared_dir: Path) -> list[Path]:
    root = shared_dir / "data" / "comments"
    missing = [name for name in SOURCE_CORPORA if not (root / name / "comments.csv").is_file()]
    if missing:
        raise FileNotFoundError(
            f"source corpora missing under {root}: {', '.join(missing)} "
            f"(expected <name>/comments.csv for each of {', '.join(SOURCE_CORPORA)}). "
            f"Pass --shared-dir or set {SHARED_ENV} to the folder that holds data/comments/."
        )
    return [root / name for name in SOURCE_CORPORA]


def load_text_pool(shared_dir: Path) -> tuple[str, ...]:
    """Every distinct, non-empty comment text of the source corpora, in a stable order."""
    seen: set[str] = set()
    pool: list[str] = []
    for folder in _corpus_dirs(shared_dir):
        for row in _csv_rows(folder / "comments.csv"):
            if row.get(DUPLICATE_COLUMN):
                continue
            text = (row.get("text") or "").strip()
            if text and text not in seen:
                seen.add(text)
                pool.append(text)
    if not pool:
        raise ValueError(
            f"no comment texts found in {', '.join(SOURCE_CORPORA)} under {shared_dir}"
        )
    return tuple(pool)


def load_article_pool(shared_dir: Path, article_chars: int) -> tuple[tuple[str, str], ...]:
    """(title, text cut to ``article_chars``) of every source article that has a title."""
    pool: list[tuple[str, str]] = []
    for folder in _corpus_dirs(shared_dir):
        path = folder / "articles.csv"
        if not path.is_file():
            continue
        for row in _csv_rows(path):
            title = (row.get("title") or "").strip()
            if title:
                pool.append((title, (row.get("text") or "").strip()[:article_chars]))
    return tuple(pool) or (("Untitled article", ""),)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zipf_cdf(size: int, exponent: float) -> NDArray[np.float64]:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** exponent
    cdf: NDArray[np.float64] = np.cumsum(weights)
    normalized: NDArray[np.float64] = cdf / cdf[-1]
    return normalized


def generate(
    config: GeneratorConfig,
    out_dir: Path,
    shared_dir: Path,
    *,
    show_progress: bool = True,
) -> CorpusSummary:
    """Write articles.csv, comments.csv and PROVENANCE.md under ``out_dir``."""
    if config.comments < 1:
        raise ValueError(f"--comments must be at least 1, got {config.comments}")
    rng = np.random.default_rng(config.seed)
    texts = load_text_pool(shared_dir)
    article_pool = load_article_pool(shared_dir, config.article_chars)

    n = config.comments
    n_articles = max(1, round(n / config.comments_per_article))
    n_authors = max(1, round(n / config.comments_per_author))
    author_cdf = _zipf_cdf(n_authors, config.zipf_exponent)
    # Shuffle which name gets which Zipf rank, so a name says nothing about activity.
    author_names = rng.permutation(n_authors)
    published_offsets = np.sort(rng.integers(0, TIMELINE_DAYS * 86400, size=n_articles))
    per_article = rng.multinomial(n, (w := rng.lognormal(0.0, 1.0, n_articles)) / w.sum())
    article_choice = rng.integers(0, len(article_pool), size=n_articles)
    id_width = len(str(n))
    author_width = len(str(n_authors))
    median_seconds = config.median_delay_hours * 3600

    out_dir.mkdir(parents=True, exist_ok=True)
    comments_path = out_dir / "comments.csv"
    articles_path = out_dir / "articles.csv"
    authors_used: set[int] = set()
    replies = 0
    next_comment = 0
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with (
        articles_path.open("w", encoding="utf-8", newline="") as articles_handle,
        comments_path.open("w", encoding="utf-8", newline="") as comments_handle,
        Progress(*columns, disable=not show_progress, transient=False) as progress,
    ):
        article_writer = csv.writer(articles_handle, lineterminator="\n")
        comment_writer = csv.writer(comments_handle, lineterminator="\n")
        article_writer.writerow(ARTICLE_COLUMNS)
        comment_writer.writerow(COMMENT_COLUMNS)
        task = progress.add_task(f"writing {n:,} comments", total=n)
        for index in range(n_articles):
            article_id = f"a{index:0{len(str(n_articles))}d}"
            published = TIMELINE_START + timedelta(seconds=int(published_offsets[index]))
            title, body = article_pool[article_choice[index]]
            article_writer.writerow(
                (
                    article_id,
                    title,
                    body,
                    f"https://bench.example.org/{article_id}",
                    _iso(published),
                )
            )
            count = int(per_article[index])
            if count == 0:
                continue
            delays = np.sort(
                np.minimum(rng.lognormal(np.log(median_seconds), 1.2, count), MAX_DELAY_SECONDS)
            ).astype(np.int64)
            authors = author_names[np.searchsorted(author_cdf, rng.random(count), side="right")]
            picked = rng.integers(0, len(texts), size=count)
            # A reply points at a uniformly chosen earlier comment under the same article.
            is_reply = rng.random(count) < config.reply_fraction
            parent_offsets = (rng.random(count) * np.arange(count)).astype(np.int64)
            first = next_comment
            rows = []
            for k in range(count):
                comment_id = f"c{first + k:0{id_width}d}"
                text = texts[picked[k]]
                if config.distinct_texts:
                    text = f"{text} [{comment_id}]"
                parent = ""
                if k > 0 and is_reply[k]:
                    parent = f"c{first + int(parent_offsets[k]):0{id_width}d}"
                    replies += 1
                author = int(authors[k])
                authors_used.add(author)
                rows.append(
                    (
                        comment_id,
                        article_id,
                        f"reader_{author:0{author_width}d}",
                        text,
                        _iso(published + timedelta(seconds=int(delays[k]))),
                        parent,
                    )
                )
            comment_writer.writerows(rows)
            next_comment += count
            progress.update(task, advance=count)

    summary = CorpusSummary(
        out_dir=str(out_dir),
        comments=next_comment,
        articles=n_articles,
        authors_possible=n_authors,
        authors_used=len(authors_used),
        replies=replies,
        text_pool=len(texts),
        article_pool=len(article_pool),
        sources=tuple(f"data/comments/{name}" for name in SOURCE_CORPORA),
        comments_bytes=comments_path.stat().st_size,
        articles_bytes=articles_path.stat().st_size,
    )
    (out_dir / PROVENANCE_FILE).write_text(provenance(config, summary), encoding="utf-8")
    return summary


def provenance(config: GeneratorConfig, summary: CorpusSummary) -> str:
    """A Markdown note kept beside the tables (an extension no reader picks up from a folder)."""
    details = json.dumps({"config": asdict(config), "summary": asdict(summary)}, indent=2)
    return (
        "# Benchmark corpus (generated by benchmarks/generate_corpus.py)\n\n"
        "Comment texts and article titles/texts are REAL: resampled with replacement from "
        f"{', '.join(summary.sources)} under the shared folder. Most of those corpora are "
        "licensed for non-commercial use only (CC BY-NC-SA): do not commit or redistribute "
        "this folder.\n\n"
        "Authors, timestamps, reply links and all ids are GENERATED (Zipf author activity, "
        "log-normal comment delays after each article's publication). The structure is random: "
        "there is no ground truth for stance or coordination here.\n\n"
        f"```json\n{details}\n```\n"
    )


def parse_count(text: str) -> int:
    """'100000', '100k', '1m', '1_000_000' -> int."""
    cleaned = text.strip().lower().replace("_", "").replace(",", "")
    factor = 1
    if cleaned.endswith("k"):
        factor, cleaned = 1_000, cleaned[:-1]
    elif cleaned.endswith("m"):
        factor, cleaned = 1_000_000, cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comment count: {text!r} (use e.g. 100000, 100k or 1m)"
        ) from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"comment count must be a positive integer, got {text!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Write a benchmark corpus: real comment texts resampled, authors and "
        "times generated.",
    )
    parser.add_argument(
        "--comments",
        type=parse_count,
        required=True,
        help="number of comments, e.g. 100000, 100k or 1m",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help=f"folder holding data/comments/ (default: ${SHARED_ENV} or <repo>/../shared)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--article-chars",
        type=int,
        default=DEFAULT_ARTICLE_CHARS,
        help="keep this many characters of each article's text",
    )
    parser.add_argument(
        "--distinct-texts",
        action="store_true",
        help="append ' [<comment_id>]' to every text so no two are equal (memory runs: CSV "
        "readers share one string object for equal cells)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = GeneratorConfig(
        comments=args.comments,
        seed=args.seed,
        article_chars=args.article_chars,
        distinct_texts=args.distinct_texts,
    )
    try:
        summary = generate(
            config,
            args.out,
            resolve_shared_dir(args.shared_dir),
            show_progress=not args.no_progress,
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {summary.comments:,} comments under {summary.articles:,} articles by "
        f"{summary.authors_used:,} authors to {summary.out_dir} "
        f"({summary.comments_bytes / 1e6:,.1f} MB comments.csv; "
        f"{summary.text_pool:,} distinct source texts)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
