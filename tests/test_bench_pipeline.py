"""The scale benchmark's own logic; one end-to-end smoke run on a tiny corpus is marked slow."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"


def load_script(filename: str) -> ModuleType:
    name = f"comment_analyzer_bench_{filename.removesuffix('.py')}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


bench = load_script("bench_pipeline.py")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("100k", ("100k", 100_000)), ("1m", ("1m", 1_000_000)), (" 5000 ", ("5000", 5_000))],
)
def test_parse_size(given: str, expected: tuple[str, int]) -> None:
    assert bench.parse_size(given) == expected


@pytest.mark.parametrize("given", ["0", "lots", "-1k"])
def test_parse_size_rejects(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="size"):
        bench.parse_size(given)


def fake_run(size: str, comments: int, total_seconds: float) -> dict[str, Any]:
    return {
        "size": size,
        "comments": comments,
        "seconds": {
            "ingest": total_seconds / 4,
            "stance": total_seconds / 4,
            "coordination": total_seconds / 4,
            "detect:near_duplicate": total_seconds / 8,
            "detect:burst": total_seconds / 8,
            "assemble": 0.0,
            "write": total_seconds / 4,
        },
        "end_to_end_seconds": total_seconds,
        "comments_per_second": {"end_to_end": comments / total_seconds},
        "memory_bytes": {
            "input_csv": 100e6,
            "rss_before_ingest": 80e6,
            "peak": 250e6,
            "corpus_retained": 120e6,
        },
    }


def test_markdown_table_reports_each_size_and_throughput_against_the_first() -> None:
    table = bench.markdown_table(
        [fake_run("100k", 100_000, 10.0), fake_run("1m", 1_000_000, 200.0)]
    )
    lines = table.splitlines()
    assert lines[0].startswith("| size | comments |")
    assert lines[1].count("---") == lines[0].count("|") - 1
    assert lines[2].startswith("| 100k | 100,000 | 100 |")
    assert lines[2].endswith("| 1.00x |")
    assert lines[3].endswith("| 0.50x |")  # 5,000/s against 10,000/s
    assert "near_duplicate 1.2" in table and "burst 25.0" in table


def test_machine_info_names_cpu_memory_and_python() -> None:
    machine = bench.machine_info()
    assert machine["python"].count(".") == 2
    assert machine["usable_cpus"] >= 1
    assert machine["cpu_model"]
    assert "Python" in bench.machine_line(machine)


def write_tiny_corpus(folder: Path, comments: int = 300) -> None:
    folder.mkdir(parents=True)
    with (folder / "articles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["article_id", "title", "text", "url", "published_at"])
        for a in range(6):
            writer.writerow(
                [
                    f"a{a}",
                    f"Council votes on budget item {a}",
                    "The council voted.",
                    "",
                    f"2024-03-0{a + 1}T08:00:00Z",
                ]
            )
    with (folder / "comments.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment_id", "article_id", "author", "text", "created_at", "parent_id"])
        for c in range(comments):
            a = c % 6
            writer.writerow(
                [
                    f"c{c}",
                    f"a{a}",
                    f"reader_{c % 37}",
                    f"Comment number {c} about item {a}, with some words of its own.",
                    f"2024-03-0{a + 1}T{9 + c % 12:02d}:{c % 60:02d}:00Z",
                    "",
                ]
            )


SHIPPED_STANCE_MODEL = BENCH_DIR.parent / "data" / "models" / "stance-baseline" / "model.skops"


@pytest.mark.slow
@pytest.mark.skipif(
    not SHIPPED_STANCE_MODEL.is_file(),
    reason="the baseline stance model is not trained (comment-analyzer train stance-baseline)",
)
def test_benchmark_runs_end_to_end_on_a_tiny_corpus(tmp_path: Path) -> None:
    write_tiny_corpus(tmp_path / "corpus_300")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "bench_pipeline.py"),
            "--sizes",
            "300",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    (run,) = results["runs"]
    assert run["comments"] == 300 == run["rows_written"]
    assert run["record_issues"] == 0
    assert {"ingest", "stance", "coordination", "write"} <= set(run["seconds"])
    assert run["memory_bytes"]["peak"] >= run["memory_bytes"]["rss_after_ingest"] > 0
    assert "| 300 | 300 |" in done.stdout
    assert not (tmp_path / "analysis_300.jsonl").exists(), "output removed unless --keep-output"
