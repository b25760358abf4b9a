"""Moderation-hook benchmark: latency of one check against a full rolling window.

1. Fills a :class:`~analyzer.coordination.streaming.StreamingChecker` with ``--window``
   comments (default 100,000) through ``warm`` (batch hashing), placed evenly over the 24 hours
   before the checks, and reports the fill rate and the resident memory it added.
2. Checks ``--checks`` new comments (default 2,000) one at a time, in time order after the
   window: most are unseen texts, every ``--copy-every``-th is a copy of a comment checked a
   few seconds before (so groups form and the group path is timed too). p50/p95/p99/max of
   ``check`` itself.
3. The same through the service: ``POST /v1/check`` on an in-process app (``create_app``,
   SQLite, a moderator key, the FastAPI TestClient: routing, auth, validation, JSON), the
   app's window replaced by the filled one. Client-side latency per request.

Texts come from a corpus made by ``benchmarks/generate_corpus.py`` (``--corpus``; default
``benchmarks/out/corpus_1m`` or ``corpus_100k`` when present), else are generated here from
a word list. The budget is 200 ms per comment. Results print as a table and go to
``benchmarks/out/hook.json``.

    .venv/bin/python benchmarks/api/bench_hook.py [--window 100000] [--checks 2000]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "out" / "hook.json"
BUDGET_MS = 200.0
START = datetime(2024, 6, 1, tzinfo=UTC)
VOCABULARY = (
    "council tunnel budget levy transit mayor river bridge taxes school housing parking "
    "police hospital election province ridership station cyclists winter contract audit "
    "report promise families commute downtown ferry harbour zoning pension library"
)


def _texts_from_corpus(corpus: Path, wanted: int) -> Iterator[tuple[str, str]]:
    with (corpus / "comments.csv").open(newline="", encoding="utf-8") as stream:
        for i, row in enumerate(csv.DictReader(stream)):
            if i >= wanted:
                return
            yield row["article_id"], row["text"]


def _generated_texts(wanted: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(7)
    for i in range(wanted):
        words = rng.choices(VOCABULARY.split(), k=rng.randint(8, 40))
        yield f"a{i % 500:04d}", " ".join(words).capitalize() + "."


def texts(corpus: Path | None, wanted: int) -> tuple[list[tuple[str, str]], str]:
    """(article id, text) rows and where they came from."""
    if corpus is not None and (corpus / "comments.csv").exists():
        rows = list(_texts_from_corpus(corpus, wanted))
        if len(rows) == wanted:
            return rows, str(corpus)
        print(f"{corpus} has {len(rows)} comments, fewer than {wanted}: generating texts")
    return list(_generated_texts(wanted)), "generated"


def rss_mb() -> float:
    with open("/proc/self/statm") as stream:
        pages = int(stream.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "p50_ms": round(at(0.50), 3),
        "p95_ms": round(at(0.95), 3),
        "p99_ms": round(at(0.99), 3),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=int, default=100_000, help="comments held")
    parser.add_argument("--checks", type=int, default=2_000, help="comments checked")
    parser.add_argument("--http-checks", type=int, default=1_000, help="checks over the app")
    parser.add_argument("--copy-every", type=int, default=10, help="every n-th check is a copy")
    parser.add_argument("--corpus", type=Path, default=None, help="generate_corpus.py folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    corpus = args.corpus
    if corpus is None:
        for name in ("corpus_1m", "corpus_100k"):
            if (REPO / "benchmarks" / "out" / name / "comments.csv").exists():
                corpus = REPO / "benchmarks" / "out" / name
                break

    sys.path.insert(0, str(REPO))
    from analyzer.config import ApiParams, CoordinationParams, Settings  # noqa: PLC0415
    from analyzer.coordination.streaming import StreamingChecker  # noqa: PLC0415
    from analyzer.model import Comment  # noqa: PLC0415

    total = args.window + args.checks + args.http_checks
    rows, source = texts(corpus, total)
    step = 86_400.0 / max(args.window, 1)

    def comment(i: int, text: str | None = None, suffix: str = "") -> Comment:
        article_id, own = rows[i]
        return Comment(
            comment_id=f"c{i}{suffix}",
            article_id=article_id,
            text=text or own,
            author=f"acct{i % 40_000}{suffix}",
            created_at=START + timedelta(seconds=i * step),
        )

    params = CoordinationParams()
    hook = StreamingChecker(params, window_seconds=86_400.0, max_comments=args.window)
    before = rss_mb()
    started = time.perf_counter()
    added = hook.warm(comment(i) for i in range(args.window))
    fill_seconds = time.perf_counter() - started
    memory_mb = rss_mb() - before
    print(f"window: {added} comments in {fill_seconds:.1f} s, +{memory_mb:.0f} MB resident")

    def stream(first: int, count: int) -> Iterator[Comment]:
        for k in range(count):
            i = first + k
            if k % args.copy_every == args.copy_every - 1:
                yield comment(i, text=rows[i - 1][1], suffix="-copy")  # the previous text
            else:
                yield comment(i)

    latencies: list[float] = []
    flagged = 0
    for item in stream(args.window, args.checks):
        tick = time.perf_counter()
        verdict = hook.check(item)
        latencies.append((time.perf_counter() - tick) * 1000.0)
        flagged += verdict.flagged
    library = percentiles(latencies)
    print(f"check():        {library}  ({flagged} flagged)")

    http: dict[str, float] = {}
    if args.http_checks:
        from fastapi.testclient import TestClient  # noqa: PLC0415

        from analyzer.storage.keys import create_key  # noqa: PLC0415
        from api.app import create_app  # noqa: PLC0415
        from tests.service_support import keyword_pipeline  # noqa: PLC0415

        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                database_url=f"sqlite:///{tmp}/hook.db",
                api=ApiParams(
                    hook_warm_start=False, rate_limit_per_minute=10**9, export_dir=Path(tmp)
                ),
            )
            app = create_app(settings, pipeline_factory=lambda _s: keyword_pipeline())
            logging.getLogger("api.access").setLevel(logging.WARNING)  # one line per request
            with TestClient(app) as client:
                app.state.hook = hook
                key = create_key(app.state.store, "moderator", "bench")[1]
                headers = {"Authorization": f"Bearer {key}"}
                http_latencies: list[float] = []
                first = args.window + args.checks
                for item in stream(first, args.http_checks):
                    body: dict[str, Any] = {
                        "comment_id": item.comment_id,
                        "article_id": item.article_id,
                        "author": item.author,
                        "text": item.text,
                        "created_at": item.created_at.isoformat() if item.created_at else None,
                    }
                    tick = time.perf_counter()
                    response = client.post("/v1/check", json=body, headers=headers)
                    http_latencies.append((time.perf_counter() - tick) * 1000.0)
                    if response.status_code != 200:
                        raise SystemExit(f"POST /v1/check answered {response.status_code}")
        http = percentiles(http_latencies)
        print(f"POST /v1/check: {http}")

    result = {
        "window_comments": added,
        "window_fill_seconds": round(fill_seconds, 2),
        "window_fill_per_second": round(added / fill_seconds, 1),
        "window_memory_mb": round(memory_mb, 1),
        "checks": args.checks,
        "copy_every": args.copy_every,
        "flagged": flagged,
        "check": library,
        "http_checks": args.http_checks,
        "http": http,
        "budget_ms": BUDGET_MS,
        "within_budget": max(library["p99_ms"], http.get("p99_ms", 0.0)) <= BUDGET_MS,
        "corpus": source,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
