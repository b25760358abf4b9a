"""Stance-step speed: the shipped int8 ONNX classifier vs the same network in torch, same run.

Input: the RumourEval-2019 test replies (from ../shared/data/stance), as ``analyze`` sees them
(each source post is the article, replies are comments with their parent ids). Measured, each
after a warm-up so that model and lingua loading are excluded:

- the stance step end to end through ``Pipeline.run`` (coordination detectors off): language
  gate, context, features, int8 ONNX, calibration, evidence (``explain`` on, the default), and
  the same with ``explain`` off; for the default profile (128 tokens, every comment through
  the encoder) and for ``stance.fast`` (64 tokens, the lexical gate decides plain comments);
- the same pipelines with the torch network (fp32) in place of the ONNX session, so the
  end-to-end ratio int8 / torch is measured on identical work around the model;
- the model step alone: int8 ONNX vs torch fp32 on the very same token batches. The torch
  weights are the base encoder's plus a head of the shipped shape: the fine-tuned fp32 weights
  are not shipped (90 MB), and the arithmetic cost does not depend on the weights' values;
- the TF-IDF baseline end to end, for reference;
- with ``--cli``: the ``comment-analyzer analyze`` command on the same input (written to a
  temporary JSONL file, never into the repo), whole process, with ``minilm_stance`` and with
  ``tfidf_baseline`` (both profiles); the difference is the MiniLM stance step including its
  one-off model and lingua loading.

Timings on a shared machine are noisy: the load average is printed next to each row, and the
ratios (measured in the same run) are the numbers to compare. Prints a Markdown table and
writes ``benchmarks/out/stance.json``.

With ``--long-articles`` it measures instead what the per-comment context selection
(``stance.context_selection``) costs on long articles: the SOCC sample's Globe and Mail
articles that have text and comments (../shared/data/comments/socc_sample, read through the
shipped ``socc`` mapping; 4 articles of ~4,000 characters), ``minilm_stance`` with
``embedding`` vs ``lexical`` selection in the same run: the context step alone, and the stance
step end to end (default and fast profile); plus the context step alone on the RumourEval test
replies, whose short source posts are used verbatim (no encoder call). Writes
``benchmarks/out/stance_context.json``.

With ``--relevance`` it measures what the opt-in relatedness check (``stance.relevance_check``)
costs: ``minilm_stance``, default profile, explain on, check off and on alternating for
``--repeats`` rounds, on the RumourEval test replies (short sources: the check embeds every
comment and source, which context selection never does there) and on the SOCC long articles
(the check shares context selection's encoder pass). Reports the ratio and how many comments
the check calls ``unrelated`` (no labels are read). Writes ``benchmarks/out/stance_relevance.json``.

With ``--candidate DIR`` it compares a trained model directory (e.g. a smaller student) with
the shipped one: the stance step end to end, default profile, explain on, the two alternating
for ``--repeats`` rounds on the same input, so both see the same machine load. Writes
``benchmarks/out/stance_candidate.json``. Usage::

    python benchmarks/bench_stance.py [--limit 0] [--threads 2] [--cli]
    python benchmarks/bench_stance.py --long-articles [--limit 0] [--threads 2]
    python benchmarks/bench_stance.py --candidate DIR [--repeats 3] [--threads 2]
    python benchmarks/bench_stance.py --relevance [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("COMMENT_ANALYZER_SHARED", REPO_ROOT.parent / "shared"))
DEFAULT_DATA = SHARED / "data" / "stance"
SOCC_COMMENTS = SHARED / "data" / "comments" / "socc_sample" / "comments.csv"


def write_summary(name: str, summary: dict[str, Any]) -> None:
    """Write a run's numbers to benchmarks/out/NAME (docs/benchmarks.md quotes them)."""
    out = REPO_ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(summary, indent=1))


def timed(fn: Callable[[], object], repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


class TorchSession:
    """Quacks like the onnxruntime session the classifier calls, running the torch network."""

    def __init__(self, net: Any) -> None:
        self.net = net

    def run(self, names: Sequence[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        import torch  # noqa: PLC0415

        with torch.inference_mode():
            logits = self.net(
                torch.from_numpy(feed["input_ids"]),
                torch.from_numpy(feed["attention_mask"]),
                torch.from_numpy(feed["features"]),
            )
        return [logits.numpy()]


def write_jsonl(corpus: Any, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for article in corpus.articles:
            record = {"article_id": article.article_id, "text": article.text}
            handle.write(json.dumps(record) + "\n")
        for comment in corpus.comments:
            record = {
                "comment_id": comment.comment_id,
                "article_id": comment.article_id,
                "text": comment.text,
                "parent_id": comment.parent_id or comment.article_id,
            }
            handle.write(json.dumps(record) + "\n")


def run_cli(input_path: Path, model: str, threads: int, *, fast: bool = False) -> float:
    env = {
        **os.environ,
        "ANALYZER_STANCE__MODEL": model,
        "ANALYZER_STANCE__FAST": str(fast).lower(),
        "ANALYZER_STANCE__THREADS": str(threads),
        "ANALYZER_COORDINATION__DETECTORS": "[]",
    }
    cli = Path(sys.executable).parent / "comment-analyzer"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [str(cli), "analyze", str(input_path), "--out", f"{tmp}/out.jsonl", "--quiet"],
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def load() -> float:
    return os.getloadavg()[0]


def stance_pipeline(stance: dict[str, Any], corpus: Any) -> Any:
    """A pipeline that runs only the stance step (``stance`` settings), warmed up on the first
    16 comments so that model sessions and lingua load outside the timings."""
    from analyzer.config import load_settings  # noqa: PLC0415
    from analyzer.model import Corpus  # noqa: PLC0415
    from analyzer.pipeline import Pipeline  # noqa: PLC0415

    built = Pipeline.from_settings(load_settings(stance=stance, coordination={"detectors": ()}))
    built.run(Corpus(corpus.articles, corpus.comments[:16]))
    return built


def candidate(args: argparse.Namespace) -> int:
    """The shipped model vs ``args.candidate``, alternating rounds (see the module docstring)."""
    from analyzer.model import Corpus  # noqa: PLC0415
    from analyzer.stance.evaluation import rumoureval_corpus  # noqa: PLC0415
    from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR  # noqa: PLC0415

    _, full = rumoureval_corpus(args.data_dir, "test")
    comments = full.comments[: args.limit] if args.limit else full.comments
    corpus = Corpus(full.articles, comments)
    n = len(comments)
    pipelines = {}
    for name, model_dir in (("shipped", DEFAULT_MODEL_DIR), ("candidate", args.candidate)):
        stance = {"model": "minilm_stance", "threads": args.threads, "model_path": str(model_dir)}
        pipelines[name] = stance_pipeline(stance, corpus)
    rounds: list[dict[str, float]] = []
    print(f"{n} RumourEval test replies; {platform.machine()}, {os.cpu_count()} cores")
    print("| round | shipped, comments/s | candidate, comments/s | ratio | load average |")
    print("|---|---|---|---|---|")
    for i in range(1, max(1, args.repeats) + 1):
        speed = {name: n / timed(lambda p=p: p.run(corpus)) for name, p in pipelines.items()}
        rounds.append({**speed, "load_average": load()})
        ratio = speed["candidate"] / speed["shipped"]
        print(
            f"| {i} | {speed['shipped']:.0f} | {speed['candidate']:.0f} | {ratio:.2f}x "
            f"| {rounds[-1]['load_average']:.1f} |"
        )
    write_summary(
        "stance_candidate.json",
        {
            "candidate": str(args.candidate),
            "comments": n,
            "threads": args.threads,
            "rounds": rounds,
        },
    )
    return 0


def long_articles(args: argparse.Namespace) -> int:
    """Embedding vs lexical context selection, same run (see the module docstring)."""
    from analyzer.ingest import load_mapping, read_corpus  # noqa: PLC0415
    from analyzer.model import Corpus  # noqa: PLC0415
    from analyzer.stance.context import (  # noqa: PLC0415
        ArticleSentences,
        ContextSelection,
        ContextSelector,
        SentenceRanker,
        make_ranker,
    )
    from analyzer.stance.evaluation import rumoureval_corpus  # noqa: PLC0415

    socc = read_corpus([SOCC_COMMENTS], mapping=load_mapping("socc"))
    with_text = {a.article_id: a for a in socc.articles if a.text.strip()}
    comments = tuple(c for c in socc.comments if c.article_id in with_text)
    if args.limit:
        comments = comments[: args.limit]
    articles = tuple(a for a in socc.articles if a.article_id in {c.article_id for c in comments})
    corpus = Corpus(articles, comments)
    by_id = {a.article_id: a for a in articles}
    n = len(comments)
    methods: tuple[ContextSelection, ...] = ("embedding", "lexical")
    rows: list[dict[str, Any]] = []

    def add(step: str, method: str, seconds: float, count: int) -> None:
        rows.append(
            {
                "step": step,
                "context_selection": method,
                "seconds": seconds,
                "comments": count,
                "comments_per_second": count / seconds,
                "load_average": load(),
            }
        )

    # The context step alone; the classifier's manifest caps the context at 600 characters.
    chars = 600
    long_share = sum(not ArticleSentences(by_id[c.article_id], chars).fits_whole for c in comments)
    firsts: dict[str, list[str | None]] = {}
    rankers: dict[str, SentenceRanker] = {}
    for method in methods:
        rankers[method] = make_ranker(method, threads=args.threads)
        rankers[method].load()  # loading is a one-off at start-up, not timed
        selector = ContextSelector(chars, rankers[method])
        contexts = selector.contexts(comments, by_id)  # warm-up, and the passages compared below
        add(
            "context step alone, SOCC long articles",
            method,
            timed(lambda s=selector: s.contexts(comments, by_id), args.repeats),
            n,
        )
        firsts[method] = [c.passages[0].text if c.passages else None for c in contexts]
    _, rumoureval = rumoureval_corpus(args.data_dir, "test")
    short = {a.article_id: a for a in rumoureval.articles}
    for method in methods:
        selector = ContextSelector(chars, rankers[method])
        add(
            "context step alone, RumourEval test replies (short sources)",
            method,
            timed(lambda s=selector: s.contexts(rumoureval.comments, short), args.repeats),
            len(rumoureval.comments),
        )

    labels: dict[str, list[str]] = {}
    for fast in (False, True):
        profile = "fast profile" if fast else "default profile"
        for method in methods:
            settings = {
                "model": "minilm_stance",
                "threads": args.threads,
                "fast": fast,
                "context_selection": method,
            }
            pipeline = stance_pipeline(settings, corpus)
            result: list[Any] = []
            seconds = timed(lambda p=pipeline, out=result: out.append(p.run(corpus)), args.repeats)
            add(f"stance step end to end, SOCC long articles, {profile}", method, seconds, n)
            stance = {
                a.comment.comment_id: a.stance for r in result[-1].reports for a in r.comments
            }
            labels[f"{method} {profile}"] = [str(stance[c.comment_id].label) for c in comments]

    different_first = sum(
        a != b for a, b in zip(firsts["embedding"], firsts["lexical"], strict=True)
    )
    changed = {
        profile: sum(
            a != b
            for a, b in zip(
                labels[f"embedding {profile}"], labels[f"lexical {profile}"], strict=True
            )
        )
        / n
        for profile in ("default profile", "fast profile")
    }
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "threads": args.threads,
        "comments": n,
        "articles": len(articles),
        "comments_on_long_articles": long_share,
        "first_passage_differs": different_first / n,
        "no_passage": {m: sum(f is None for f in firsts[m]) / n for m in methods},
        "label_changed_share": changed,
        "rows": rows,
    }
    write_summary("stance_context.json", summary)
    print(
        f"{n} SOCC comments on {len(articles)} articles ({long_share} on articles longer than "
        f"{chars} characters); {summary['machine']}; threads {args.threads}"
    )
    print("| step | selection | comments/s | seconds | load average |\n|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['step']} | {r['context_selection']} | {r['comments_per_second']:.0f} | "
            f"{r['seconds']:.2f} | {r['load_average']:.1f} |"
        )
    for step in sorted({r["step"] for r in rows}, key=[r["step"] for r in rows].index):
        by_method = {r["context_selection"]: r["seconds"] for r in rows if r["step"] == step}
        print(
            f"{step}: embedding / lexical time {by_method['embedding'] / by_method['lexical']:.2f}x"
        )
    print(
        f"first chosen passage differs for {different_first / n:.1%} of comments; comments "
        f"without a chosen passage: embedding {summary['no_passage']['embedding']:.1%}, lexical "
        f"{summary['no_passage']['lexical']:.1%}; labels that change: default profile "
        f"{changed['default profile']:.1%}, fast profile {changed['fast profile']:.1%}"
    )
    return 0


def relevance_cost(args: argparse.Namespace) -> int:
    """The relatedness check off vs on, alternating rounds (see the module docstring)."""
    from analyzer.ingest import load_mapping, read_corpus  # noqa: PLC0415
    from analyzer.model import Corpus  # noqa: PLC0415
    from analyzer.stance.evaluation import rumoureval_corpus  # noqa: PLC0415

    _, rumoureval = rumoureval_corpus(args.data_dir, "test")
    socc = read_corpus([SOCC_COMMENTS], mapping=load_mapping("socc"))
    with_text = {a.article_id for a in socc.articles if a.text.strip()}
    socc_comments = tuple(c for c in socc.comments if c.article_id in with_text)
    inputs = {
        "RumourEval test replies (short sources)": rumoureval,
        "SOCC long articles": Corpus(
            tuple(a for a in socc.articles if a.article_id in with_text), socc_comments
        ),
    }
    rows: list[dict[str, Any]] = []
    for name, whole in inputs.items():
        corpus = Corpus(whole.articles, whole.comments[: args.limit or None])
        pipelines = {
            check: stance_pipeline(
                {"model": "minilm_stance", "threads": args.threads, "relevance_check": check},
                corpus,
            )
            for check in (False, True)
        }
        best = {False: float("inf"), True: float("inf")}
        unrelated = {False: 0, True: 0}
        for _ in range(args.repeats):
            for check, pipeline in pipelines.items():
                results: list[Any] = []
                seconds = timed(lambda p=pipeline, c=corpus, out=results: out.append(p.run(c)))
                best[check] = min(best[check], seconds)
                unrelated[check] = sum(
                    str(a.stance.label) == "unrelated"
                    for r in results[-1].reports
                    for a in r.comments
                )
        n = len(corpus.comments)
        rows.append(
            {
                "input": name,
                "comments": n,
                "off_comments_per_second": n / best[False],
                "on_comments_per_second": n / best[True],
                "on_over_off_time": best[True] / best[False],
                "unrelated_off": unrelated[False],
                "unrelated_on": unrelated[True],
                "load_average": load(),
            }
        )
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "threads": args.threads,
        "repeats": args.repeats,
        "rows": rows,
    }
    write_summary("stance_relevance.json", summary)
    print(f"{summary['machine']}; threads {args.threads}; best of {args.repeats}")
    print(
        "| input | comments | check off, c/s | check on, c/s | time on/off | unrelated off -> on "
        "| load |\n|---|---|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['input']} | {r['comments']} | {r['off_comments_per_second']:.0f} | "
            f"{r['on_comments_per_second']:.0f} | {r['on_over_off_time']:.2f}x | "
            f"{r['unrelated_off']} -> {r['unrelated_on']} | {r['load_average']:.1f} |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="replies to use (0 = all 1,659)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="best of N timings")
    parser.add_argument("--cli", action="store_true", help="also time `comment-analyzer analyze`")
    parser.add_argument(
        "--long-articles",
        action="store_true",
        help="measure embedding vs lexical context selection on long articles instead",
    )
    parser.add_argument(
        "--candidate",
        type=Path,
        default=None,
        help="compare this trained model directory with the shipped one instead",
    )
    parser.add_argument(
        "--relevance",
        action="store_true",
        help="measure the opt-in relatedness check (off vs on) instead",
    )
    args = parser.parse_args()
    if args.long_articles:
        return long_articles(args)
    if args.relevance:
        return relevance_cost(args)
    if args.candidate:
        return candidate(args)

    import torch  # noqa: PLC0415

    from analyzer.model import Corpus  # noqa: PLC0415
    from analyzer.pipeline import Pipeline  # noqa: PLC0415
    from analyzer.stance.encoder import minilm_dir  # noqa: PLC0415
    from analyzer.stance.evaluation import rumoureval_corpus  # noqa: PLC0415
    from analyzer.stance.minilm_stance import (  # noqa: PLC0415
        DEFAULT_BATCH_SIZE,
        DEFAULT_MODEL_DIR,
    )
    from analyzer.stance.training_minilm import SHIPPED_CONFIG, build_net  # noqa: PLC0415

    torch.set_num_threads(args.threads)
    _, full = rumoureval_corpus(args.data_dir, "test")
    comments = full.comments[: args.limit] if args.limit else full.comments
    corpus = Corpus(full.articles, comments)
    n = len(comments)
    rows: list[dict[str, Any]] = []

    def add(name: str, seconds: float, load_avg: float, note: str = "") -> None:
        rows.append(
            {
                "step": name,
                "seconds": seconds,
                "comments_per_second": n / seconds,
                "load_average": load_avg,
                "note": note,
            }
        )

    def pipeline(model: str, *, explain: bool = True, fast: bool = False) -> Pipeline:
        stance: dict[str, Any] = {"model": model, "threads": args.threads, "explain": explain}
        if model == "minilm_stance":
            stance["fast"] = fast
        return stance_pipeline(stance, corpus)

    # The torch reference has the shipped network's depth (a distilled student may have fewer
    # layers than the recipe's default).
    shipped = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))
    depth = int(shipped.get("training", {}).get("config", {}).get("num_layers", 6))
    net = build_net(replace(SHIPPED_CONFIG, num_layers=depth), minilm_dir()).eval()
    ratios: dict[str, float] = {}
    for fast in (False, True):
        profile = "fast profile (64 tokens + lexical gate)" if fast else "default profile"
        int8 = pipeline("minilm_stance", fast=fast)
        onnx_e2e = timed(lambda p=int8: p.run(corpus), args.repeats)
        add(f"stance step end to end, int8 ONNX, {profile}, explain on", onnx_e2e, load())
        quiet = pipeline("minilm_stance", explain=False, fast=fast)
        add(
            f"stance step end to end, int8 ONNX, {profile}, explain off",
            timed(lambda p=quiet: p.run(corpus), args.repeats),
            load(),
        )
        reference = pipeline("minilm_stance", fast=fast)
        reference.stance.model._session = TorchSession(net)  # type: ignore[attr-defined]
        torch_e2e = timed(lambda p=reference: p.run(corpus), args.repeats)
        add(f"stance step end to end, torch fp32 model, {profile}, explain on", torch_e2e, load())
        ratios["fast" if fast else "default"] = torch_e2e / onnx_e2e

    # The model step alone (default profile, 128 tokens), same batches for both runtimes.
    classifier: Any = pipeline("minilm_stance", explain=False).stance
    model = classifier.model
    inputs = classifier.inputs(comments, {a.article_id: a for a in corpus.articles})
    segment_a, texts, features = list(inputs.segment_a), list(inputs.texts), inputs.features
    m = len(texts)
    onnx_seconds = timed(lambda: model.raw_logits(segment_a, texts, features), args.repeats)
    add("model step: int8 ONNX, 128 tokens", onnx_seconds, load(), f"{m} pairs, sorted batches")
    session = model._session
    model._session = TorchSession(net)
    torch_seconds = timed(lambda: model.raw_logits(segment_a, texts, features), args.repeats)
    model._session = session
    add("model step: torch fp32, same batches", torch_seconds, load(), "base-encoder weights")

    baseline = pipeline("tfidf_baseline")
    add("tfidf_baseline end to end", timed(lambda: baseline.run(corpus), args.repeats), load())

    cli: dict[str, float] = {}
    if args.cli:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "rumoureval-test.jsonl"
            write_jsonl(corpus, path)
            cli["minilm_stance"] = run_cli(path, "minilm_stance", args.threads)
            cli["load_minilm"] = load()
            cli["minilm_stance_fast"] = run_cli(path, "minilm_stance", args.threads, fast=True)
            cli["load_minilm_fast"] = load()
            cli["tfidf_baseline"] = run_cli(path, "tfidf_baseline", args.threads)
            cli["load_baseline"] = load()

    rows_tokens = model.tokenizer.encode_rows(segment_a, texts)
    order = sorted(range(m), key=lambda i: len(rows_tokens[i]))
    padded = [
        max(len(rows_tokens[i]) for i in order[s : s + DEFAULT_BATCH_SIZE])
        for s in range(0, m, DEFAULT_BATCH_SIZE)
    ]
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "threads": args.threads,
        "comments": n,
        "max_length": model.manifest.max_length,
        "mean_padded_tokens": float(np.mean(padded)),
        "mean_tokens": float(np.mean([len(r) for r in rows_tokens])),
        "model_step_onnx_over_torch": torch_seconds / onnx_seconds,
        "end_to_end_onnx_over_torch": ratios,
        "cli_seconds": cli,
        "rows": rows,
    }
    write_summary("stance.json", summary)
    print(
        f"{n} RumourEval test replies; {summary['machine']}; threads {args.threads}; max length "
        f"{summary['max_length']}; mean tokens {summary['mean_tokens']:.0f}, mean padded "
        f"{summary['mean_padded_tokens']:.0f}"
    )
    print("| step | comments/s | seconds | load average | note |\n|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['step']} | {r['comments_per_second']:.0f} | {r['seconds']:.2f} | "
            f"{r['load_average']:.1f} | {r['note']} |"
        )
    print(
        f"int8 ONNX / torch fp32 speed ratio: model step {torch_seconds / onnx_seconds:.2f}x; "
        f"stance step end to end {ratios['default']:.2f}x (default profile), "
        f"{ratios['fast']:.2f}x (fast profile)"
    )
    if cli:
        print(
            f"`comment-analyzer analyze` (whole process, stance only): minilm_stance "
            f"{cli['minilm_stance']:.1f} s (load {cli['load_minilm']:.1f}), fast profile "
            f"{cli['minilm_stance_fast']:.1f} s (load {cli['load_minilm_fast']:.1f}), "
            f"tfidf_baseline {cli['tfidf_baseline']:.1f} s (load {cli['load_baseline']:.1f}); "
            "difference "
            f"{cli['minilm_stance'] - cli['tfidf_baseline']:.1f} s / "
            f"{cli['minilm_stance_fast'] - cli['tfidf_baseline']:.1f} s for {n} comments "
            "(includes loading the ONNX model and lingua once)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
