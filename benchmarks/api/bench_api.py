"""API benchmark on loopback: latency of ``POST /v1/analyze`` and ingest throughput.

Starts ``uvicorn --factory api.app:create_app`` as a child process on 127.0.0.1 with a fresh
SQLite store, creates an admin key, then measures over real HTTP (keep-alive connection):

1. ``POST /v1/analyze`` with one article and ``--comments`` comments (default 20): p50, p95,
   p99 and mean latency over ``--requests`` calls after ``--warmup`` calls. Target: p95 <= 50 ms
   with the baseline stance model.
2. ``POST /v1/articles``: ``--batches`` requests of ``--batch-articles`` articles with
   ``--comments`` comments each (stored and analyzed), as comments per second; then the same
   batches again (idempotent re-ingest: nothing stored, no analysis).

Comment texts are written here (templates with varied words, a few copy-paste repeats), not
third-party data. The pipeline is whatever the settings say (ANALYZER_* variables; the default
is the shipped baseline model). Results print as a table and go to
``benchmarks/out/api.json``. Everything stays on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "out" / "api.json"

OPENINGS = (
    "I think",
    "Honestly,",
    "As a resident,",
    "From what I have seen,",
    "My view is that",
    "Frankly,",
)
CLAIMS = (
    "the council made the right call on the new bike lanes",
    "this plan wastes money the city does not have",
    "nobody asked the people who actually live downtown",
    "protected lanes will make the school run much safer",
    "the article leaves out what the construction will cost",
    "traffic on Main Street is already impossible at rush hour",
    "other cities did this years ago and it worked well",
    "the vote was rushed through without a real debate",
)
ENDINGS = ("", " What do others think?", " Just my two cents.", " Well reported.", "")
CAMPAIGN = "Stop this reckless bike lane plan now, it is a total waste of taxpayer money!"


def make_article(article_id: str, comments: int, rng: random.Random) -> dict[str, Any]:
    base = 1_714_550_400  # 2024-05-01T08:00:00Z
    items = []
    for i in range(comments):
        copied = i % 7 == 3  # a few copy-paste comments, so coordination has work to do
        text = (
            CAMPAIGN
            if copied
            else f"{rng.choice(OPENINGS)} {rng.choice(CLAIMS)}.{rng.choice(ENDINGS)}"
        )
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i * rng.randint(20, 400)))
        items.append(
            {
                "comment_id": f"{article_id}-c{i}",
                "author": f"acct{rng.randint(0, 400)}",
                "text": text,
                "created_at": stamp,
            }
        )
    return {
        "article_id": article_id,
        "title": "City council approves protected bike lanes downtown",
        "text": (
            "The city council voted 7-2 on Tuesday to build protected bike lanes on Main Street "
            "and two cross streets. Construction starts in spring; the cost is estimated at "
            "4.2 million. Business owners are divided, and a petition against the plan has "
            "collected 1,200 signatures."
        ),
        "comments": items,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def start_server(
    database_url: str, port: int, env: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """The server, its JSON request log going to ``log`` (a pipe nobody reads would fill up
    and block the server)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env={**env, "ANALYZER_DATABASE_URL": database_url},
        stdout=log,
        stderr=log,
    )


def wait_ready(
    client: httpx.Client, server: subprocess.Popen[bytes], timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = log_path.read_text(errors="replace")
            raise SystemExit(f"the server exited at start-up:\n{output[-3000:]}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready after {timeout:.0f} s")


def bench_analyze(
    client: httpx.Client, payload: dict[str, Any], warmup: int, requests: int
) -> dict[str, float]:
    for _ in range(warmup):
        client.post("/v1/analyze", json=payload).raise_for_status()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.post("/v1/analyze", json=payload)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return {
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "p99_ms": percentile(timings, 99),
        "mean_ms": statistics.fmean(timings),
        "requests": requests,
    }


def bench_ingest(
    client: httpx.Client, batches: list[dict[str, Any]]
) -> tuple[dict[str, float], dict[str, float]]:
    def run() -> tuple[float, int]:
        comments = 0
        started = time.perf_counter()
        for batch in batches:
            response = client.post("/v1/articles", json=batch)
            response.raise_for_status()
            if response.status_code != 200:
                raise SystemExit(f"ingest answered {response.status_code}: raise sync_max_comments")
            comments += sum(len(a["comments"]) for a in batch["articles"])
        return time.perf_counter() - started, comments

    seconds, comments = run()
    again_seconds, _ = run()
    first = {"comments": comments, "seconds": seconds, "comments_per_second": comments / seconds}
    again = {
        "comments": comments,
        "seconds": again_seconds,
        "comments_per_second": comments / again_seconds,
    }
    return first, again


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=20, help="comments per article")
    parser.add_argument("--requests", type=int, default=300, help="timed /v1/analyze calls")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--batches", type=int, default=10, help="ingest requests")
    parser.add_argument("--batch-articles", type=int, default=50, help="articles per request")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from analyzer.storage.keys import create_key  # noqa: PLC0415
    from analyzer.storage.store import Store  # noqa: PLC0415

    rng = random.Random(7)
    env = {k: v for k, v in os.environ.items() if k != "ANALYZER_DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        database_url = f"sqlite:///{tmp}/bench.db"
        store = Store.connect(database_url)
        _, key = create_key(store, "admin", "benchmark")
        store.close()
        port = free_port()
        log_path = Path(tmp) / "server.log"
        log = log_path.open("wb")
        server = start_server(database_url, port, env, log)
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=120.0,
            ) as client:
                wait_ready(client, server, args.startup_timeout, log_path)
                models = client.get("/v1/models").json()
                analyze = bench_analyze(
                    client, make_article("probe", args.comments, rng), args.warmup, args.requests
                )
                batches = [
                    {
                        "articles": [
                            make_article(f"b{b}-a{a}", args.comments, rng)
                            for a in range(args.batch_articles)
                        ]
                    }
                    for b in range(args.batches)
                ]
                ingest, reingest = bench_ingest(client, batches)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()

    results = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "components": [f"{c['kind']}:{c['name']}@{c['version']}" for c in models["components"]],
        "analyze": {"comments_per_request": args.comments, **analyze},
        "ingest": {"articles_per_request": args.batch_articles, **ingest},
        "reingest_idempotent": reingest,
    }
    print(f"components: {', '.join(results['components'])}")
    print(
        f"POST /v1/analyze ({args.comments} comments, {analyze['requests']} requests): "
        f"p50 {analyze['p50_ms']:.1f} ms, p95 {analyze['p95_ms']:.1f} ms, "
        f"p99 {analyze['p99_ms']:.1f} ms, mean {analyze['mean_ms']:.1f} ms "
        f"(target p95 <= 50 ms: {'met' if analyze['p95_ms'] <= 50 else 'NOT met'})"
    )
    print(
        f"POST /v1/articles ({args.batches} x {args.batch_articles} articles x "
        f"{args.comments} comments): {ingest['comments_per_second']:.0f} comments/s "
        f"({ingest['seconds']:.1f} s); idempotent re-send: "
        f"{reingest['comments_per_second']:.0f} comments/s"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
