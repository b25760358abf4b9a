"""Scale benchmark: ingest + the baseline pipeline + JSONL export at 100k and 1M comments.

Each size runs in a fresh Python subprocess, so its peak resident memory (``ru_maxrss``) is
its own. Per size it reports wall time per stage (ingest, stance, coordination per detector,
cluster assembly, JSONL write), comments per second, peak RSS, and the RSS the ingested corpus
retains next to the size of the input CSV, to show the input is not held in memory twice.

Corpora come from ``benchmarks/generate_corpus.py`` (real comment texts resampled; authors and
times generated); missing ones are generated first. Usage::

    python benchmarks/bench_pipeline.py --sizes 100k,1m

Writes ``benchmarks/out/results.json`` and prints a Markdown table with the machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"
GENERATOR = BENCH_DIR / "generate_corpus.py"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


# -- the measuring subprocess ------------------------------------------------------------------


def current_rss_bytes() -> int:
    """Resident memory right now (ru_maxrss only gives the peak so far)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * PAGE_BYTES


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


@dataclass
class StageClock:
    """Wall time per named stage, summed over however many calls the pipeline makes, and
    what each stage held: resident memory right after it minus right before it (largest call),
    and whether the process peak rose during it."""

    seconds: defaultdict[str, float]
    held_bytes: dict[str, int]
    peak_after: dict[str, int]

    def wrap(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            rss_before = current_rss_bytes()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[stage] += elapsed
                held = current_rss_bytes() - rss_before
                self.held_bytes[stage] = max(self.held_bytes.get(stage, held), held)
                self.peak_after[stage] = peak_rss_bytes()
                if elapsed >= 1.0:  # the stance stage runs once per small batch
                    log(
                        f"{stage}: {self.seconds[stage]:.1f}s so far, peak RSS "
                        f"{self.peak_after[stage] / 1e9:.2f} GB"
                    )

        return timed


def estimate_corpus_bytes(corpus: Any) -> int:
    """Upper bound of what the Comment objects hold (shared strings are counted every time)."""
    total = 0
    for comment in corpus.comments:
        total += sys.getsizeof(comment) + sys.getsizeof(comment.text)
        total += sys.getsizeof(comment.comment_id) + sys.getsizeof(comment.article_id)
        total += sys.getsizeof(comment.author) + sys.getsizeof(comment.created_at)
        if comment.parent_id is not None:
            total += sys.getsizeof(comment.parent_id)
    return total


STAGE_LOG: list[str] = []  # stages finished so far in this process, for error messages


def log(message: str) -> None:
    STAGE_LOG.append(message)
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(corpus_dir: Path, jsonl_out: Path) -> dict[str, Any]:
    """Run ingest, pipeline and export once, timing each stage; runs inside the subprocess."""
    seconds: defaultdict[str, float] = defaultdict(float)
    clock = StageClock(seconds, {}, {})
    rss_start = current_rss_bytes()

    # Imported here, not at the top, so the import cost is measured and the orchestrating
    # process stays small.
    started = time.perf_counter()
    import analyzer.pipeline  # noqa: PLC0415
    from analyzer.config import load_settings  # noqa: PLC0415
    from analyzer.export import write_jsonl  # noqa: PLC0415
    from analyzer.ingest import read_corpus  # noqa: PLC0415
    from analyzer.pipeline import Pipeline  # noqa: PLC0415

    seconds["import"] = time.perf_counter() - started

    started = time.perf_counter()
    settings = load_settings()
    pipeline = Pipeline.from_settings(settings)
    seconds["load_models"] = time.perf_counter() - started
    # Time each component by wrapping its class method; the pipeline calls them by attribute.
    stance_class = type(pipeline.stance)
    stance_class.predict = clock.wrap("stance", stance_class.predict)  # type: ignore[method-assign]
    detector_names = []
    for detector in pipeline.detectors:
        detector_class = type(detector)
        detector_class.detect = clock.wrap(  # type: ignore[method-assign]
            f"detect:{detector.name}", detector_class.detect
        )
        detector_names.append(detector.name)
    if hasattr(analyzer.pipeline, "assemble"):
        analyzer.pipeline.assemble = clock.wrap("assemble", analyzer.pipeline.assemble)
    rss_before_ingest = current_rss_bytes()
    peak_before_ingest = peak_rss_bytes()  # model loading may peak above what it keeps
    log(f"components: stance={pipeline.stance.name}, detectors={','.join(detector_names)}")

    comments_csv = corpus_dir / "comments.csv"
    log(f"ingest {comments_csv}")
    started = time.perf_counter()
    corpus = read_corpus([str(comments_csv)], params=settings.ingest)
    seconds["ingest"] = time.perf_counter() - started
    rss_after_ingest = current_rss_bytes()
    peak_after_ingest = peak_rss_bytes()
    n_comments = len(corpus.comments)
    log(
        f"ingested {n_comments:,} comments in {seconds['ingest']:.1f}s; issues: "
        f"{len(corpus.issues)}"
    )

    started = time.perf_counter()
    result = pipeline.run(corpus)
    seconds["pipeline"] = time.perf_counter() - started
    peak_after_pipeline = peak_rss_bytes()
    log(f"pipeline done in {seconds['pipeline']:.1f}s")

    started = time.perf_counter()
    rows = write_jsonl(result, jsonl_out)
    seconds["write"] = time.perf_counter() - started
    peak_final = peak_rss_bytes()
    log(f"wrote {rows:,} rows in {seconds['write']:.1f}s")

    coordination = sum(v for k, v in seconds.items() if k.startswith("detect:"))
    seconds["coordination"] = coordination
    seconds["pipeline_other"] = max(
        0.0, seconds["pipeline"] - seconds["stance"] - coordination - seconds["assemble"]
    )
    end_to_end = seconds["ingest"] + seconds["pipeline"] + seconds["write"]
    flagged = sum(a.coordination.flagged for r in result.reports for a in r.comments)
    input_bytes = sum(p.stat().st_size for p in corpus_dir.glob("*.csv"))
    measured: dict[str, Any] = {
        "comments": n_comments,
        "articles": len(result.reports),
        "record_issues": len(corpus.issues),
        "rows_written": rows,
        "clusters": len(result.clusters),
        "flagged_comments": flagged,
        "components": [
            {"kind": c.kind, "name": c.name, "version": c.version, "checksum": c.checksum}
            for c in pipeline.components
        ],
        "seconds": dict(sorted(seconds.items())),
        "end_to_end_seconds": end_to_end,
        "comments_per_second": {
            "end_to_end": n_comments / end_to_end if end_to_end else None,
            "ingest": n_comments / seconds["ingest"] if seconds["ingest"] else None,
            "stance": n_comments / seconds["stance"] if seconds["stance"] else None,
            "coordination": n_comments / coordination if coordination else None,
            "write": n_comments / seconds["write"] if seconds["write"] else None,
        },
        "memory_bytes": {
            "input_csv": input_bytes,
            "rss_at_start": rss_start,
            "rss_before_ingest": rss_before_ingest,
            "peak_before_ingest": peak_before_ingest,
            "rss_after_ingest": rss_after_ingest,
            "corpus_retained": rss_after_ingest - rss_before_ingest,
            "peak_after_ingest": peak_after_ingest,
            "peak_after_pipeline": peak_after_pipeline,
            "peak": peak_final,
        },
        "output_jsonl_bytes": jsonl_out.stat().st_size,
        "stage_memory_bytes": {
            stage: {"held": clock.held_bytes[stage], "peak_after": clock.peak_after[stage]}
            for stage in sorted(clock.held_bytes)
        },
    }
    # These walk every comment, so only after the peak has been read.
    measured["memory_bytes"]["corpus_objects_estimate"] = estimate_corpus_bytes(corpus)
    # Resampled texts repeat, and pandas' CSV parser reuses one string object for equal cells
    # within a chunk, so the corpus may hold fewer text objects than comments.
    measured["distinct_text_objects"] = len({id(c.text) for c in corpus.comments})
    return measured


# -- the orchestrating process -----------------------------------------------------------------


def parse_size(text: str) -> tuple[str, int]:
    """'100k' -> ('100k', 100000); '1m' -> ('1m', 1000000); '5000' -> ('5000', 5000)."""
    label = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(label[-1:], 1)
    number = label[:-1] if factor > 1 else label
    try:
        count = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a size: {text!r} (use e.g. 100k, 1m or 5000)"
        ) from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return label, count


def machine_info() -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for package in ("comment-analyzer", "numpy", "scikit-learn", "datasketch", "pandas"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu_model": cpu_model,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_bytes": mem_total,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "git_commit": commit or None,
    }


def ensure_corpus(
    label: str, count: int, out_dir: Path, shared_dir: Path | None, distinct: bool = False
) -> Path:
    corpus_dir = out_dir / (f"corpus_{label}_distinct" if distinct else f"corpus_{label}")
    if (corpus_dir / "comments.csv").is_file() and (corpus_dir / "articles.csv").is_file():
        return corpus_dir
    command = [sys.executable, str(GENERATOR), "--comments", str(count), "--out", str(corpus_dir)]
    if shared_dir is not None:
        command += ["--shared-dir", str(shared_dir)]
    if distinct:
        command.append("--distinct-texts")
    subprocess.run(command, check=True)
    return corpus_dir


def run_size(
    label: str,
    corpus_dir: Path,
    out_dir: Path,
    *,
    keep_output: bool = False,
    timeout: float | None = None,
    max_memory_gb: float | None = None,
) -> dict[str, Any]:
    result_file = out_dir / f"result_{label}.json"
    jsonl_out = out_dir / f"analysis_{label}.jsonl"
    result_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(corpus_dir),
        "--jsonl-out",
        str(jsonl_out),
        "--result-file",
        str(result_file),
    ]
    if max_memory_gb:
        command += ["--max-memory-gb", str(max_memory_gb)]
    started = time.perf_counter()
    done = subprocess.run(command, check=False, timeout=timeout)
    wall = time.perf_counter() - started
    measured: dict[str, Any] = (
        json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else {}
    )
    result_file.unlink(missing_ok=True)
    if done.returncode != 0 or "error" in measured or not measured:
        why = measured.get("error") or (
            "killed by SIGKILL, most likely the kernel's OOM killer (try --max-memory-gb)"
            if done.returncode == -signal.SIGKILL
            else "aborted (SIGABRT): a native library could not allocate memory, e.g. under "
            "--max-memory-gb"
            if done.returncode == -signal.SIGABRT
            else f"exit code {done.returncode}; see the output above"
        )
        raise RuntimeError(f"benchmark for {label} failed after {wall:,.0f}s: {why}")
    if not keep_output:
        jsonl_out.unlink(missing_ok=True)
    measured["size"] = label
    measured["corpus_dir"] = str(corpus_dir)
    measured["subprocess_wall_seconds"] = wall
    return measured


def markdown_table(runs: list[dict[str, Any]]) -> str:
    header = (
        "| size | comments | input CSV MB | ingest s | stance s | coordination s "
        "| assemble s | write s | total s | comments/s | RSS before ingest MB "
        "| corpus RSS MB | peak RSS MB | peak / input | throughput vs first |"
    )
    separator = "|" + " --- |" * (header.count("|") - 1)
    lines = [header, separator]
    baseline = runs[0]["comments_per_second"]["end_to_end"] if runs else None
    for run in runs:
        s = run["seconds"]
        m = run["memory_bytes"]
        rate = run["comments_per_second"]["end_to_end"]
        lines.append(
            f"| {run['size']} | {run['comments']:,} | {m['input_csv'] / 1e6:,.0f} "
            f"| {s['ingest']:,.1f} | {s['stance']:,.1f} | {s['coordination']:,.1f} "
            f"| {s.get('assemble', 0.0):,.1f} | {s['write']:,.1f} "
            f"| {run['end_to_end_seconds']:,.1f} | {rate:,.0f} "
            f"| {m['rss_before_ingest'] / 1e6:,.0f} | {m['corpus_retained'] / 1e6:,.0f} "
            f"| {m['peak'] / 1e6:,.0f} | {m['peak'] / m['input_csv']:.2f} "
            f"| {rate / baseline:.2f}x |"
        )
    detectors = sorted({k for run in runs for k in run["seconds"] if k.startswith("detect:")})
    if detectors:
        lines.append("")
        lines.append(
            "Coordination by detector (s): "
            + "; ".join(
                f"{run['size']}: "
                + ", ".join(
                    f"{d.removeprefix('detect:')} {run['seconds'].get(d, 0.0):,.1f}"
                    for d in detectors
                )
                for run in runs
            )
        )
    return "\n".join(lines)


def machine_line(machine: dict[str, Any]) -> str:
    memory = machine["memory_bytes"]
    return (
        f"Machine: {machine['cpu_model']}, {machine['usable_cpus']} usable of "
        f"{machine['logical_cpus']} logical CPUs, "
        f"{(memory or 0) / 2**30:,.1f} GiB RAM, Python {machine['python']}, "
        f"{machine['platform']}, commit {machine['git_commit']}"
    )


def write_results(
    path: Path,
    machine: dict[str, Any],
    runs: list[dict[str, Any]],
    failures: list[dict[str, str]],
) -> Path:
    """(Re)write results.json after every size, so a later failure loses nothing."""
    results = {
        "benchmark": "benchmarks/bench_pipeline.py",
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine,
        "note": (
            "comment texts are real (resampled); authors, times and reply links are generated "
            "by benchmarks/generate_corpus.py. Each size runs in a fresh subprocess; 'peak' is "
            "that process's ru_maxrss; 'corpus_retained' is the RSS growth across ingest."
        ),
        "runs": runs,
        "failures": failures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Benchmark ingest + baseline pipeline + export.")
    parser.add_argument(
        "--sizes", default="100k,1m", help="comma-separated corpus sizes (default: 100k,1m)"
    )
    parser.add_argument(
        "--distinct-sizes",
        default="",
        help="sizes to run again on a corpus whose texts are all distinct (generate_corpus.py "
        "--distinct-texts), for memory figures a real corpus would show; e.g. 1m",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT,
        help="where corpora, outputs and results.json go (default: benchmarks/out)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where to write the results (default: <out-dir>/results.json)",
    )
    parser.add_argument(
        "--shared-dir",
        type=Path,
        default=None,
        help="passed to generate_corpus.py when a corpus must be generated",
    )
    parser.add_argument(
        "--keep-output", action="store_true", help="keep the JSONL analysis files (large at 1M)"
    )
    parser.add_argument(
        "--max-memory-gb",
        type=float,
        default=None,
        help="cap each size's address space (RLIMIT_AS) at this many GiB, so a run that "
        "outgrows the machine fails with MemoryError instead of invoking the OOM killer",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds allowed per size before the run is abandoned",
    )
    # Internal: the per-size subprocess.
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--jsonl-out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.worker is not None:
        if args.max_memory_gb:
            # A MemoryError in this process beats the kernel's OOM killer picking a process.
            cap = int(args.max_memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        try:
            measured = measure(args.worker, args.jsonl_out)
        except MemoryError:
            stage = STAGE_LOG[-1] if STAGE_LOG else "start-up"
            error = (
                f"MemoryError (last progress: '{stage}') with the address space capped at "
                f"{args.max_memory_gb} GiB; peak RSS {peak_rss_bytes() / 2**30:.1f} GiB"
            )
            args.result_file.write_text(json.dumps({"error": error}), encoding="utf-8")
            log(error)
            return 3
        args.result_file.write_text(json.dumps(measured, indent=2), encoding="utf-8")
        return 0

    plan = [(*parse_size(part), False) for part in args.sizes.split(",") if part.strip()]
    plan += [(*parse_size(part), True) for part in args.distinct_sizes.split(",") if part.strip()]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    results_path: Path = args.results or args.out_dir / "results.json"
    runs: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for label, count, distinct in plan:
        corpus_dir = ensure_corpus(label, count, args.out_dir, args.shared_dir, distinct)
        run_label = f"{label}-distinct" if distinct else label
        log(f"size {run_label}: {corpus_dir}")
        try:
            measured = run_size(
                run_label,
                corpus_dir,
                args.out_dir,
                keep_output=args.keep_output,
                timeout=args.timeout,
                max_memory_gb=args.max_memory_gb,
            )
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            # Keep going: the sizes that did run are still worth their results.
            print(f"error: {exc}", file=sys.stderr)
            failures.append({"size": run_label, "error": str(exc)})
            write_results(results_path, machine, runs, failures)
            continue
        measured["distinct_texts"] = distinct
        runs.append(measured)
        write_results(results_path, machine, runs, failures)
    write_results(results_path, machine, runs, failures)
    print(markdown_table(runs))
    print()
    print(machine_line(machine))
    print(f"\nResults: {results_path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
