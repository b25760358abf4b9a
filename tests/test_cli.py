"""End-to-end tests of the command line, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analyzer.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, app
from analyzer.export import FLAT_COLUMNS

runner = CliRunner()

COMMENT_KEYS = {"comment_id", "article_id", "author", "stance", "coordination", "run_id"}
STANCE_KEYS = {"label", "confidence", "scores", "questioning", "evidence", "model"}
COORDINATION_KEYS = {"flagged", "score", "cluster_id", "signals"}


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.shared_data
def test_seed_to_jsonl_writes_five_rows_in_the_contract(seed_path: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "x.jsonl", tmp_path / "report.json"
    result = runner.invoke(
        app,
        [
            "analyze",
            str(seed_path),
            "--format",
            "jsonl",
            "--out",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == EXIT_OK, result.output
    rows = _jsonl(out)
    assert [r["author"] for r in rows] == [
        "Mariposa",
        "Muchacha",
        "Comandante",
        "Bermudez",
        "Africa",
    ]
    for row in rows:
        assert row.keys() >= COMMENT_KEYS
        stance, coordination = row["stance"], row["coordination"]
        assert isinstance(stance, dict) and isinstance(coordination, dict)
        assert stance.keys() >= STANCE_KEYS and coordination.keys() >= COORDINATION_KEYS
        assert stance["label"] in {"support", "oppose", "neutral", "unrelated"}
        assert abs(sum(stance["scores"].values()) - 1.0) < 1e-6
        assert 0.0 <= coordination["score"] <= 1.0
    document = json.loads(report.read_text(encoding="utf-8"))
    skipped = {s["signal"]: s["reason"] for s in document["skipped_signals"]}
    assert "timestamps" in skipped["burst"]
    article = document["articles"][0]
    assert article["article"]["title"].startswith("Belarus's Enduring Role")
    assert "burst" in {s["signal"] for s in article["skipped_signals"]}
    assert len(article["comments"]) == 5


def _write_csv_corpus(folder: Path, bad_row: bool) -> Path:
    folder.mkdir()
    (folder / "articles.csv").write_text(
        "article_id,title,text\na1,Council passes levy,The council passed the transit levy.\n",
        encoding="utf-8",
    )
    rows = ["comment_id,article_id,author,text,created_at"]
    rows += [
        f"c{i},a1,user{i},Comment number {i} on the levy,2026-03-01T10:0{i}:00Z" for i in range(4)
    ]
    if bad_row:
        rows.append("c9,a1,user9,,2026-03-01T10:09:00Z")  # empty text
    path = folder / "comments.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "jsonl"])
def test_every_output_format_holds_every_comment(tmp_path: Path, fmt: str) -> None:
    source = _write_csv_corpus(tmp_path / "in", bad_row=False)
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["analyze", str(source), "-f", fmt, "-o", str(out), "-q"])
    assert result.exit_code == EXIT_OK, result.output
    if fmt == "csv":
        frame = pd.read_csv(out, dtype=str)
    elif fmt == "parquet":
        frame = pd.read_parquet(out)
    elif fmt == "jsonl":
        frame = pd.DataFrame(_jsonl(out))
    else:
        document = json.loads(out.read_text(encoding="utf-8"))
        frame = pd.DataFrame(document["articles"][0]["comments"])
    assert sorted(frame["comment_id"]) == ["c0", "c1", "c2", "c3"]
    if fmt in {"csv", "parquet"}:
        assert tuple(frame.columns) == FLAT_COLUMNS


def test_bad_record_is_reported_and_the_rest_analyzed(tmp_path: Path) -> None:
    source = _write_csv_corpus(tmp_path / "in", bad_row=True)
    out, issues = tmp_path / "out.jsonl", tmp_path / "issues.jsonl"
    result = runner.invoke(
        app, ["analyze", str(source), "-o", str(out), "--issues-out", str(issues), "-q"]
    )
    assert result.exit_code == EXIT_PARTIAL
    assert len(_jsonl(out)) == 4
    (issue,) = _jsonl(issues)
    assert issue["field"] == "text" and issue["record_id"] == "c9" and issue["severity"] == "error"
    assert "row 6" in str(issue["location"])


def test_unreadable_input_fails_with_usage_exit_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "missing.csv"), "-q"])
    assert result.exit_code == EXIT_USAGE
    assert "missing.csv" in result.output


def test_parquet_to_stdout_is_a_usage_error(tmp_path: Path) -> None:
    source = _write_csv_corpus(tmp_path / "in", bad_row=False)
    result = runner.invoke(app, ["analyze", str(source), "-f", "parquet"])
    assert result.exit_code == EXIT_USAGE
    assert "--out" in result.output


def test_bad_setting_fails_before_reading_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write_csv_corpus(tmp_path / "in", bad_row=False)
    monkeypatch.setenv("ANALYZER_COORDINATION__FLAG_THRESHOLD", "2")
    result = runner.invoke(app, ["analyze", str(source), "-q"])
    assert result.exit_code == EXIT_USAGE
    assert "flag_threshold" in result.output


def test_help_explains_every_analyze_option() -> None:
    result = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--format", "--out", "--mapping", "--report", "--issues-out", "--quiet"):
        assert option in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--distill-weight", "0.3"], "--distill-weight was given without --teacher"),
        (["--teacher", "{out}"], "--teacher and --out are the same directory"),
        (["--teacher", "{teacher}", "--distill-weight", "1.5"], "distill_weight must be in"),
    ],
)
def test_train_stance_rejects_a_bad_distillation_setup_before_training(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    out, teacher = tmp_path / "model", tmp_path / "teacher"
    args = [a.format(out=out, teacher=teacher) for a in extra]
    result = runner.invoke(
        app, ["train", "stance", "--out", str(out), *args], env={"COLUMNS": "200"}
    )
    assert result.exit_code == EXIT_USAGE
    assert message in result.output
    assert not out.exists()


def test_demo_prints_its_stance_agreement_next_to_a_constant_answer(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code in (EXIT_OK, EXIT_PARTIAL), result.output
    text = " ".join(result.output.split())  # rich wraps long lines
    # data/demo-labels.csv: 50 of the 131 comments are labelled oppose, the commonest label.
    assert "stance agreement with the hand labels:" in text
    assert "always 'oppose', the commonest label, would get 50/131" in text
    assert "evaluate stance --dataset demo" in text
