"""Cost curve: wall time and peak memory of the text signals at 100k and 1M comments.

    .venv/bin/python benchmarks/coordination/run_scale.py --sizes 100k,1m

For each size the labelled set is built in layers (dataset.py: the real organic set repeated
with new article ids, a new author namespace and a calendar offset per layer, so copies of one
text are more than a day apart; IRA campaigns injected at 5% across all layers, look-alikes
added) and written to ``benchmarks/out/coordination/scale_<size>.parquet``. Then a fresh
process loads it column by column into ``Comment`` and ``Article`` objects (strings that repeat
in the file, such as the organic texts of every layer, article ids and authors, are one shared
Python object each, as Parquet's dictionary holds them), runs the text signals (near_duplicate,
template, semantic on its LSH candidates) and cluster assembly; it reports the detection wall
time per signal, the end-to-end time of that process, its CPU seconds, its RSS after loading and
at peak, how many distinct texts the encoder embedded, and accuracy against the injected
campaigns. Run it with ``nice``: the numbers on a shared 2-core machine include the load of
everything else running (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import metrics

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "out" / "coordination"
EPOCH = datetime(2016, 9, 15, tzinfo=UTC).timestamp()
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
TEXT_SIGNALS = ("near_duplicate", "template", "semantic")


def build(size: str, shared: Path, seed: int) -> Path:
    path = OUT / f"scale_{size}.parquet"
    if not path.exists():
        bench = dataset.build(shared, target_comments=SIZES[size], seed=seed)
        comments = bench.comments.merge(
            bench.articles[["article_id", "title", "text", "published_at"]].rename(
                columns={"title": "article_title", "text": "article_text"}
            ),
            on="article_id",
            how="left",
        )
        comments.to_parquet(path)
    return path


def _column(path: Path, name: str) -> list[Any]:
    """One column as Python objects; repeated strings (ids of articles, authors) are shared
    objects, read through Parquet's dictionary instead of one copy per row."""
    column = pq.read_table(path, columns=[name], read_dictionary=[name]).column(0)
    if not pa.types.is_dictionary(column.type):
        values: list[Any] = column.to_pylist()
        return values
    chunk = column.combine_chunks()
    dictionary = chunk.dictionary.to_pylist()
    return [None if i is None else dictionary[i] for i in chunk.indices.to_pylist()]


def load(path: Path) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Comments and articles, column by column (the whole frame with its repeated article
    texts would be several GB at 1M rows)."""
    from analyzer.model import Article, Comment  # noqa: PLC0415

    article_columns = ["article_id", "article_title", "article_text", "published_at"]
    table = pq.read_table(path, columns=article_columns, read_dictionary=article_columns[:3])
    codes = table.column("article_id").combine_chunks().indices.to_numpy()
    _, first = np.unique(codes, return_index=True)
    articles = {
        r["article_id"]: Article(
            r["article_id"],
            r["article_title"] or "",
            r["article_text"] or "",
            published_at=datetime.fromtimestamp(EPOCH + float(r["published_at"]), tz=UTC),
        )
        for r in table.take(pa.array(np.sort(first))).to_pylist()
    }
    del table
    seconds = pq.read_table(path, columns=["created_at"]).column(0).to_numpy()
    created = pd.to_datetime(EPOCH + seconds, unit="s", utc=True).to_pydatetime().tolist()
    comments = tuple(
        Comment(cid, aid, text, author=author or None, created_at=when, parent_id=parent or None)
        for cid, aid, text, author, when, parent in zip(
            _column(path, "comment_id"),
            _column(path, "article_id"),
            _column(path, "text"),
            _column(path, "author"),
            created,
            _column(path, "parent_id"),
            strict=True,
        )
    )
    return comments, articles


def truth_for(path: Path, flagged_authors: set[str]) -> pd.DataFrame:
    """The rows metrics.score reads: injected and look-alike comments, and organic comments
    of flagged accounts (its organic count is of flagged accounts only)."""
    table = pq.read_table(path, columns=["comment_id", "author", "campaign", "style", "kind"])
    keep = pc.or_(
        pc.not_equal(table.column("kind"), "organic"),
        pc.is_in(table.column("author"), value_set=pa.array(sorted(flagged_authors), pa.string())),
    )
    return table.filter(keep).to_pandas()


def measure(path: Path, detectors: list[str]) -> dict[str, object]:
    """Runs in a fresh process: load, detect, assemble; the caller reads its peak RSS."""
    from analyzer.config import load_settings  # noqa: PLC0415
    from analyzer.coordination.base import DETECTORS, DetectionInput  # noqa: PLC0415
    from analyzer.coordination.clustering import assemble  # noqa: PLC0415
    from analyzer.pipeline import load_components  # noqa: PLC0415

    load_components()
    start = time.perf_counter()
    comments, articles = load(path)
    loaded = time.perf_counter()
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    settings = load_settings(coordination={"detectors": detectors})
    data = DetectionInput(comments, articles, {})
    signals = []
    timings: dict[str, float] = {}
    embedded = 0
    counting = 0.0  # seconds spent counting the embedded comments (not part of detection)
    for name in detectors:
        detector = DETECTORS.get(name)(getattr(settings.coordination, name))
        if name == "semantic" and detector.unavailable_reason():  # type: ignore[attr-defined]
            continue
        if name == "semantic":  # counted outside the timing: candidates are found again below
            c0 = time.perf_counter()
            embedded = len(set(detector.candidates(comments, articles).texts.values()))  # type: ignore[attr-defined]
            counting = time.perf_counter() - c0
        t0 = time.perf_counter()
        signals.extend(detector.detect(data))
        timings[name] = round(time.perf_counter() - t0, 1)
    clusters, results = assemble(signals, comments, settings.coordination.flag_threshold)
    done = time.perf_counter()
    flagged = {cid for cid, r in results.items() if r.flagged}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for comment in comments:
        if comment.comment_id in flagged and comment.author:
            cluster = results[comment.comment_id].cluster_id
            if cluster:
                votes[comment.author][cluster] += 1
    group_of = {a: v.most_common(1)[0][0] for a, v in votes.items()}
    scores = metrics.score(truth_for(path, set(group_of)), group_of, flagged)
    return {
        "comments": len(comments),
        "load_s": round(loaded - start, 1),
        "detect_s": round(done - loaded - counting, 1),
        "per_detector_s": timings,
        "total_s": round(done - start - counting, 1),
        "embedded_texts": embedded,
        "clusters": len(clusters),
        "acct_f1": round(scores.acct_f1, 3),
        "acct_p": round(scores.acct_p, 3),
        "acct_r": round(scores.acct_r, 3),
        "ari": round(scores.ari, 3),
        "comment_p": round(scores.comment_p or 0, 3),
        "comment_r": round(scores.comment_r or 0, 3),
        "lookalike_accounts_flagged": scores.lookalike_accounts_flagged,
        "rss_after_load_mb": rss_loaded,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100k,1m")
    parser.add_argument("--detectors", default=",".join(TEXT_SIGNALS))
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("COMMENT_ANALYZER_SHARED", REPO.parent / "shared")),
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    detectors = [d for d in args.detectors.split(",") if d]
    if args.measure:
        print(json.dumps(measure(args.measure, detectors)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    report = {}
    for size in args.sizes.split(","):
        t0 = time.perf_counter()
        path = build(size, args.shared, args.seed)
        built = time.perf_counter() - t0
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(path), "--detectors", ",".join(detectors)],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        if child.returncode != 0:
            print(child.stderr[-3000:])
            raise SystemExit(f"measurement at {size} failed")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["build_s"] = round(built, 1)
        result["load_average"] = os.getloadavg()
        report[size] = result
        print(size, json.dumps(result), flush=True)
    existing = {}
    target = OUT / "scale_results.json"
    if target.exists():
        existing = json.loads(target.read_text())
    existing.update(report)
    target.write_text(json.dumps(existing, indent=2))


if __name__ == "__main__":
    main()
