"""Stance-step speed: the shipped int8 ONNX classifier vs the same network in torch, same run.

Input: the RumourEval-2019 test replies (from ../shared/data/stance), as ``analyze`` sees them
(each source post is the article, replies are comments with their parent ids). Measured:

- ``minilm_stance`` end to end (language gate, context, features, ONNX, calibration, evidence),
  after a warm-up call so model and lingua loading are excluded;
- the same with ``explain`` off (no leave-one-sentence-out passes);
- the model step alone: int8 ONNX vs the torch network (all-MiniLM-L6-v2 + the same head shape,
  fp32) on the very same token batches -- the torch weights are the base encoder's, which does
  not change the arithmetic cost, because the fine-tuned fp32 weights are not shipped (90 MB);
- the TF-IDF baseline end to end, for reference, when its model is present.

Prints a Markdown table and writes ``benchmarks/out/stance.json``. Usage::

    python benchmarks/bench_stance.py [--limit 800] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.model import Article, Comment
from analyzer.stance.datasets import RUMOUREVAL_FILE

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (
    Path(os.environ.get("COMMENT_ANALYZER_SHARED", REPO_ROOT.parent / "shared")) / "data" / "stance"
)


def rumoureval_test(data_dir: Path, limit: int) -> tuple[list[Comment], dict[str, Article]]:
    frame = pd.read_csv(data_dir / RUMOUREVAL_FILE, dtype=str, keep_default_na=False)
    frame = frame[frame["split"] == "test"]
    articles = {
        t: Article(article_id=t, text=s)
        for t, s in zip(frame["thread_id"], frame["source_text"], strict=True)
    }
    comments = [
        Comment(
            comment_id=r["post_id"],
            article_id=r["thread_id"],
            text=r["text"],
            parent_id=None if r["parent_id"] in {"", r["thread_id"]} else r["parent_id"],
        )
        for r in _rows(frame)
        if r["depth"] not in {"", "0"} and r["text"].strip() not in {"", "[deleted]", "[removed]"}
    ]
    return comments[:limit] if limit else comments, articles


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def timed(fn: Any, repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="replies to use (0 = all 1,7xx)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    import torch  # noqa: PLC0415

    from analyzer.config import StanceParams  # noqa: PLC0415
    from analyzer.stance.encoder import join_context, minilm_dir  # noqa: PLC0415
    from analyzer.stance.features import conversation_features  # noqa: PLC0415
    from analyzer.stance.minilm_stance import MiniLMStanceClassifier, thread_structure  # noqa: PLC0415
    from analyzer.stance.training_minilm import SHIPPED_CONFIG, build_net  # noqa: PLC0415

    torch.set_num_threads(args.threads)
    comments, articles = rumoureval_test(args.data_dir, args.limit)
    n = len(comments)
    rows: list[dict[str, Any]] = []

    def add(name: str, seconds: float, note: str = "") -> None:
        rows.append(
            {"step": name, "seconds": seconds, "comments_per_second": n / seconds, "note": note}
        )

    params = StanceParams(model="minilm_stance", threads=args.threads)
    classifier = MiniLMStanceClassifier.from_params(params)
    classifier.predict(comments[:8], articles)  # warm-up: ONNX session, lingua models
    add(
        "minilm_stance end to end (int8 ONNX, explain on)",
        timed(lambda: classifier.predict(comments, articles)),
    )
    quiet = MiniLMStanceClassifier.from_params(params.model_copy(update={"explain": False}))
    quiet.predict(comments[:8], articles)
    add(
        "minilm_stance end to end (int8 ONNX, explain off)",
        timed(lambda: quiet.predict(comments, articles)),
    )

    # The model step alone, same inputs for both runtimes.
    model = classifier.model
    thread = thread_structure(comments)
    segment_a = [
        join_context(articles[c.article_id].text, p)
        for c, p in zip(comments, thread.parents, strict=True)
    ]
    texts = [c.text for c in comments]
    features = conversation_features(texts, thread.parents, thread.depths)
    onnx_seconds = timed(lambda: model.raw_logits(segment_a, texts, features, args.batch_size))
    add("model step: int8 ONNX", onnx_seconds, "length-sorted batches, dynamic padding")

    net = build_net(SHIPPED_CONFIG, minilm_dir()).eval()
    lengths = model.tokenizer.lengths(segment_a, texts)
    order = sorted(range(n), key=lambda i: lengths[i])

    def torch_pass() -> None:
        with torch.inference_mode():
            for start in range(0, n, args.batch_size):
                idx = order[start : start + args.batch_size]
                enc = model.tokenizer.encode([segment_a[i] for i in idx], [texts[i] for i in idx])
                net(
                    torch.from_numpy(enc.input_ids),
                    torch.from_numpy(enc.attention_mask),
                    torch.from_numpy(features[idx]),
                )

    torch_seconds = timed(torch_pass)
    add("model step: torch fp32", torch_seconds, "same batches; base-encoder weights (same cost)")

    baseline_note = ""
    try:
        from analyzer.stance.baseline import TfidfBaselineClassifier  # noqa: PLC0415

        baseline = TfidfBaselineClassifier.from_params(StanceParams())
        baseline.predict(comments[:8], articles)
        add("tfidf_baseline end to end", timed(lambda: baseline.predict(comments, articles)))
    except Exception as exc:  # the baseline is optional here: report why it is missing
        baseline_note = f"baseline not measured: {exc}"

    padded = [
        model.tokenizer.encode(
            [segment_a[i] for i in order[s : s + args.batch_size]],
            [texts[i] for i in order[s : s + args.batch_size]],
        ).input_ids.shape[1]
        for s in range(0, n, args.batch_size)
    ]
    summary = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}",
        "threads": args.threads,
        "comments": n,
        "mean_padded_tokens": float(np.mean(padded)),
        "onnx_over_torch_speedup": torch_seconds / onnx_seconds,
        "rows": rows,
        "note": baseline_note,
    }
    out = REPO_ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "stance.json").write_text(json.dumps(summary, indent=1))
    print(
        f"{n} RumourEval test replies; {summary['machine']}; threads {args.threads}; "
        f"mean padded length {summary['mean_padded_tokens']:.0f} tokens"
    )
    print("| step | comments/s | seconds | note |\n|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['step']} | {r['comments_per_second']:.0f} | {r['seconds']:.1f} | {r['note']} |"
        )
    print(f"int8 ONNX / torch fp32 speed ratio: {summary['onnx_over_torch_speedup']:.2f}x")
    if baseline_note:
        print(baseline_note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
