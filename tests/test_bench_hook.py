"""The hook benchmark runs end to end on a tiny window (generated texts, no shared data)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_bench_pipeline import BENCH_DIR, load_script


def test_bench_hook_smoke(tmp_path: Path) -> None:
    bench = load_script(str(Path("api") / "bench_hook.py"))
    out = tmp_path / "hook.json"
    argv = ["--window", "300", "--checks", "40", "--http-checks", "10", "--copy-every", "4"]
    assert bench.main([*argv, "--corpus", str(tmp_path / "none"), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["window_comments"] == 300 and result["corpus"] == "generated"
    assert result["check"]["p50_ms"] <= result["check"]["p99_ms"] <= result["check"]["max_ms"]
    assert result["http"]["p50_ms"] > 0 and result["within_budget"] is True
    assert (BENCH_DIR / "api" / "bench_hook.py").exists()
