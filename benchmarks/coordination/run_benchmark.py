"""Accuracy of record: the real-scale benchmark, our detectors vs the QUT toolkit and MinHash.

    .venv/bin/python benchmarks/coordination/run_benchmark.py [--skip-cnt] [--no-semantic]

Builds the labelled set (dataset.py; seeds fixed), then on the same rows in one run:

1. comment-analyzer, every default detector but ``semantic`` (the lexical and timing signals),
   then every default detector (stance replaced by a neutral stub: the burst's stance-influx
   part is not exercised, see RESULTS.md); ``--no-semantic`` runs only the first;
2. per-signal ablation: each detector alone, and the full set minus one;
3. a plain MinHash baseline (datasketch MinHashLSH over word sets, Jaccard 0.6, 15-minute
   window, >= 3 accounts per near-duplicate group, no quote stripping);
4. the QUT coordination-network-toolkit 1.5.2 ``co_similar_tweet`` (Jaccard 0.8, 15-minute
   window, min edge weight 1: its best configuration in the research), fed through its Python
   API (``preprocess_data``: sidesteps its CSV ``\\r`` bug; URL lists passed empty, so the
   ``''``-URL bug cannot matter for this network);
5. an organic-only run (no campaigns, look-alikes kept): the number of clusters must be 0.

Writes ``benchmarks/out/coordination/results.json`` (``results_seed<N>.json`` for a
``--seed`` other than the official 13) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import metrics

from analyzer.config import load_settings
from analyzer.coordination.base import DETECTORS
from analyzer.model import Article, Comment, ComponentInfo, Corpus, StanceLabel, StanceResult
from analyzer.pipeline import Pipeline, load_components

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "benchmarks" / "out" / "coordination"
EPOCH = datetime(2016, 9, 15, tzinfo=UTC).timestamp()
WINDOW = 900


class NeutralStance:
    """Stance is not under test here; every comment is neutral (burst influx stays off)."""

    name, version, checksum = "neutral", "0", None

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        scores = {
            label.value: 1.0 if label is StanceLabel.NEUTRAL else 0.0 for label in StanceLabel
        }
        return [
            StanceResult(
                c.comment_id, StanceLabel.NEUTRAL, 1.0, scores, False, 0.0, (), "neutral@0"
            )
            for c in comments
        ]


def to_corpus(bench: dataset.Benchmark) -> Corpus:
    articles = tuple(
        Article(
            article_id=r.article_id,
            title=r.title,
            text=r.text,
            published_at=datetime.fromtimestamp(EPOCH + float(r.published_at), tz=UTC),
        )
        for r in bench.articles.itertuples()
    )
    comments = tuple(
        Comment(
            comment_id=r.comment_id,
            article_id=r.article_id,
            text=r.text,
            author=r.author or None,
            created_at=datetime.fromtimestamp(EPOCH + float(r.created_at), tz=UTC),
            parent_id=r.parent_id or None,
        )
        for r in bench.comments.itertuples()
    )
    return Corpus(articles, comments)


LAST_SCORES: dict[str, float] = {}  # comment id -> coordination score of the latest run


def run_ours(
    corpus: Corpus, detectors: Sequence[str]
) -> tuple[dict[str, str], set[str], float, int, list]:
    settings = load_settings(coordination={"detectors": list(detectors)})
    built = [DETECTORS.get(n)(getattr(settings.coordination, n)) for n in detectors]
    pipeline = Pipeline(settings, NeutralStance(), built)  # type: ignore[arg-type]
    start = time.perf_counter()
    result = pipeline.run(corpus)
    wall = time.perf_counter() - start
    flagged = {
        a.comment.comment_id: a
        for r in result.reports
        for a in r.comments
        if a.coordination.flagged
    }
    LAST_SCORES.clear()
    LAST_SCORES.update({cid: a.coordination.score for cid, a in flagged.items()})
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for analysis in flagged.values():
        if analysis.comment.author and analysis.coordination.cluster_id:
            votes[analysis.comment.author][analysis.coordination.cluster_id] += 1
    group_of = {account: counts.most_common(1)[0][0] for account, counts in votes.items()}
    return group_of, set(flagged), wall, len(result.clusters), list(result.clusters)


def run_minhash_baseline(comments: pd.DataFrame) -> tuple[dict[str, str], set[str], float]:
    """Plain datasketch MinHash-LSH: word sets, Jaccard 0.6, 15-min window, >= 3 accounts."""
    from datasketch import MinHash, MinHashLSH  # noqa: PLC0415

    start = time.perf_counter()
    rows = comments.sort_values("created_at", kind="stable").reset_index(drop=True)
    tokens = [set(str(t).lower().split()) for t in rows.text]
    usable = [i for i, t in enumerate(tokens) if len(t) >= 4]
    hashes = MinHash.bulk([[w.encode() for w in tokens[i]] for i in usable], num_perm=64)
    lsh = MinHashLSH(threshold=0.6, num_perm=64)
    times = rows.created_at.to_numpy()
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    window: list[int] = []
    for position, i in enumerate(usable):
        while window and times[i] - times[window[0]] > WINDOW:
            lsh.remove(str(window.pop(0)))
        for other in lsh.query(hashes[position]):
            j = int(other)
            jac = len(tokens[i] & tokens[j]) / len(tokens[i] | tokens[j])
            if jac >= 0.6:
                parent[find(i)] = find(j)
        lsh.insert(str(i), hashes[position])
        window.append(i)
    members: dict[int, list[int]] = defaultdict(list)
    for i in usable:
        members[find(i)].append(i)
    group_of: dict[str, str] = {}
    flagged: set[str] = set()
    for root, group in members.items():
        accounts = {rows.author[i] for i in group if rows.author[i]}
        if len(accounts) >= 3:
            for i in group:
                flagged.add(rows.comment_id[i])
                group_of.setdefault(rows.author[i], f"mh{root}")
    return group_of, flagged, time.perf_counter() - start


def run_cnt(comments: pd.DataFrame, threshold: float = 0.8) -> tuple[dict[str, str], float] | None:
    try:
        from coordination_network_toolkit.compute_networks import compute_co_similar_tweet  # noqa: PLC0415
        from coordination_network_toolkit.graph import get_edge_rows  # noqa: PLC0415
        from coordination_network_toolkit.preprocess import preprocess_data  # noqa: PLC0415
        from coordination_network_toolkit.similarity import (  # noqa: PLC0415
            get_similarity_fn_from_min_size,
        )
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "cnt.db")
        start = time.perf_counter()
        preprocess_data(
            db,
            (
                (
                    r.comment_id,
                    r.author or r.comment_id,
                    r.author,
                    None,
                    r.parent_id or None,
                    str(r.text).replace("\r", " "),
                    float(r.created_at),
                    [],
                )
                for r in comments.itertuples()
            ),
        )
        # As its CLI does (--min_document_size_similarity 1): the library default similarity
        # divides by zero on two messages without tokens (mention-only replies).
        compute_co_similar_tweet(
            db,
            WINDOW,
            n_threads=2,
            similarity_threshold=threshold,
            min_edge_weight=1,
            similarity_function=get_similarity_fn_from_min_size(1),
        )
        edges = [(str(row[0]), str(row[1])) for row in get_edge_rows(db, "co_similar_tweet")]
        wall = time.perf_counter() - start
    return metrics.groups_from_edges(edges), wall


def row(
    name: str, s: metrics.Scores, wall: float, clusters: int | None = None
) -> dict[str, object]:
    out = {"method": name, **asdict(s), "wall_s": round(wall, 2)}
    if clusters is not None:
        out["clusters"] = clusters
    return out


def fmt(r: Mapping[str, object]) -> str:
    def f(x: object) -> str:
        return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)

    style = r["recall_by_style"]
    assert isinstance(style, dict)
    return (
        f"| {r['method']} | {f(r['pair_p'])} | {f(r['pair_r'])} | {f(r['pair_f1'])} | "
        f"{f(r['acct_p'])} | {f(r['acct_r'])} | {f(r['acct_f1'])} | {f(r['ari'])} | "
        f"{r['campaigns_found']}/{r['campaigns']} | {f(r['comment_p'])} / {f(r['comment_r'])} | "
        f"{style['copy']:.2f}/{style['edit']:.2f}/{style['sibling']:.2f} | "
        f"{r['lookalike_accounts_flagged']} | {r['organic_accounts_flagged']} | {r['wall_s']} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("COMMENT_ANALYZER_SHARED", REPO.parent / "shared")),
    )
    parser.add_argument("--skip-cnt", action="store_true")
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    load_components()
    OUT.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    bench = dataset.build(args.shared, seed=args.seed)
    corpus = to_corpus(bench)
    c = bench.comments
    print(
        f"built {len(c)} comments ({(c.kind == 'organic').sum()} organic, "
        f"{(c.kind == 'injected').sum()} injected in {c.campaign.nunique() - 1} campaigns, "
        f"{c.kind.str.startswith('lookalike').sum()} look-alikes), {c.author.nunique()} accounts, "
        f"{len(bench.articles)} articles in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    defaults = list(load_settings().coordination.detectors)
    lexical = [d for d in defaults if d != "semantic"]
    full = lexical if args.no_semantic else defaults
    results: list[dict[str, object]] = []

    def ours(name: str, detectors: Sequence[str]) -> None:
        group_of, flagged, wall, n_clusters, _ = run_ours(corpus, detectors)
        results.append(row(name, metrics.score(c, group_of, flagged), wall, n_clusters))
        print(fmt(results[-1]), flush=True)

    if not args.no_semantic:
        ours("comment-analyzer, default without semantic", lexical)
    ours("comment-analyzer, default detectors", full)  # last: the score bands below use it
    injected_ids = set(c[c.kind == "injected"].comment_id)
    score_bands = {}
    for cut in (0.5, 0.6, 0.7, 0.8, 0.9):
        chosen = {cid for cid, score in LAST_SCORES.items() if score >= cut}
        hits = len(chosen & injected_ids)
        score_bands[cut] = {
            "flagged": len(chosen),
            "precision": round(hits / len(chosen), 4) if chosen else None,
            "recall": round(hits / len(injected_ids), 4),
        }
    print("comment precision/recall by score (full configuration):", score_bands, flush=True)
    if not args.no_ablation:
        for name in full:
            ours(f"ablation: {name} alone", [name])
        for name in full:
            ours(f"ablation: all but {name}", [d for d in full if d != name])

    group_of, flagged, wall = run_minhash_baseline(c)
    results.append(
        row(
            "plain MinHash-LSH (word sets, J>=0.6, 15 min, >=3 accounts)",
            metrics.score(c, group_of, flagged),
            wall,
        )
    )
    print(fmt(results[-1]), flush=True)
    if not args.skip_cnt:
        cnt = run_cnt(c)
        if cnt is None:
            print("coordination-network-toolkit not installed: skipped", flush=True)
        else:
            results.append(
                row(
                    "QUT CNT 1.5.2 co_similar_tweet (J>=0.8, 15 min, mw 1)",
                    metrics.score(c, cnt[0]),
                    cnt[1],
                )
            )
            print(fmt(results[-1]), flush=True)

    organic_bench = dataset.build(args.shared, seed=args.seed, include_campaigns=False)
    organic_corpus = to_corpus(organic_bench)
    organic_runs = {}
    for name, detectors in (("default", full), ("default without semantic", lexical)):
        _, flagged, wall, n_clusters, clusters = run_ours(organic_corpus, detectors)
        organic_runs[name] = {
            "clusters": n_clusters,
            "flagged_comments": len(flagged),
            "wall_s": round(wall, 2),
            "cluster_summaries": [cl.summary for cl in clusters[:20]],
        }
        print(
            f"organic-only run ({name}): {n_clusters} clusters, {len(flagged)} flagged comments",
            flush=True,
        )
        if args.no_semantic:
            break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    payload = {
        "dataset": {
            "comments": len(c),
            "organic": int((c.kind == "organic").sum()),
            "injected": int((c.kind == "injected").sum()),
            "campaigns": int(c.campaign.nunique() - 1),
            "lookalikes": int(c.kind.str.startswith("lookalike").sum()),
            "accounts": int(c.author.nunique()),
            "coordinated_accounts": int(c[c.kind == "injected"].author.nunique()),
            "articles": len(bench.articles),
        },
        "results": results,
        "score_bands": score_bands,
        "organic_only": organic_runs,
        "peak_rss_mb": round(peak),
        "load_average": os.getloadavg(),
    }
    payload["seed"] = args.seed
    # The official numbers are seed 13; other seeds (used to tune) keep their own file.
    name = "results.json" if args.seed == 13 else f"results_seed{args.seed}.json"
    (OUT / name).write_text(json.dumps(payload, indent=2, default=str))
    print(json.dumps({k: v for k, v in payload.items() if k != "results"}, indent=2, default=str))


if __name__ == "__main__":
    main()
