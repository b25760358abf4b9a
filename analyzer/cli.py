"""The ``comment-analyzer`` command line.

Exit codes: 0 everything analyzed; 1 results written but some records or files had errors
(listed on stderr and in the report); 2 usage, configuration, model or unreadable-input error.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from analyzer.config import DEMO_DIR, DEMO_LABELS, PACKAGE_ROOT, Settings, load_settings
from analyzer.errors import AnalyzerError, ConfigError
from analyzer.export import OutputFormat, write_json, write_result
from analyzer.model import AnalysisResult, CommentAnalysis, Corpus, Severity
from analyzer.service_cli import register as register_service_commands

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
SUMMARY_ROWS = 25

app = typer.Typer(
    name="comment-analyzer",
    help="Stance and coordinated-messaging analysis for news comment sections.",
    no_args_is_help=True,
    add_completion=False,
)
train_app = typer.Typer(help="Train the models that ship in data/models/.", no_args_is_help=True)
app.add_typer(train_app, name="train")
register_service_commands(app)  # keys, db, serve (analyzer/service_cli.py)

# Piped output (logs, CI) gets a fixed width instead of rich's 80-column fallback.
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
out = Console(width=None if sys.stdout.isatty() else 120)


# Where training and evaluation read the labelled sets by default: ../shared beside the repo.
SHARED_STANCE_DATA = PACKAGE_ROOT.parent.parent / "shared" / "data" / "stance"


def _fail(exc: AnalyzerError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.message}")
    if exc.hint:
        err.print(f"  hint: {exc.hint}")
    return typer.Exit(EXIT_USAGE)


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    )
    with progress:
        yield progress


def run_analysis(
    inputs: Sequence[str],
    settings: Settings,
    mapping_path: Path | None,
    show_progress: bool,
) -> AnalysisResult:
    """Ingest, then run the pipeline, with a progress bar per stage."""
    from analyzer.ingest import load_mapping, read_corpus
    from analyzer.pipeline import Pipeline

    pipeline = Pipeline.from_settings(settings)
    mapping = load_mapping(mapping_path) if mapping_path else None
    with _progress(show_progress) as progress:
        reading = progress.add_task("reading comments", total=None)
        corpus: Corpus = read_corpus(
            inputs,
            mapping=mapping,
            params=settings.ingest,
            on_progress=lambda n: progress.update(reading, completed=n),
        )
        progress.update(reading, total=len(corpus.comments), completed=len(corpus.comments))
        tasks: dict[str, TaskID] = {}

        def on_stage(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        return pipeline.run(corpus, on_progress=on_stage)


def print_summary(result: AnalysisResult, console: Console) -> None:
    """A per-article table: stance counts, flagged comments, clusters, skipped signals."""
    table = Table(title="Per-article summary", show_lines=False)
    table.add_column("article", no_wrap=True, overflow="ellipsis", max_width=36)
    for column in ("comments", "sup", "opp", "neu", "unrel", "?", "flagged", "clusters"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("skipped", overflow="fold")
    reports = sorted(
        result.reports,
        key=lambda r: (-sum(a.coordination.flagged for a in r.comments), -len(r.comments)),
    )
    run_skipped = {s.name for s in result.skipped_signals}
    for report in reports[:SUMMARY_ROWS]:
        counts = {"support": 0, "oppose": 0, "neutral": 0, "unrelated": 0}
        for analysis in report.comments:
            counts[str(analysis.stance.label)] += 1
        title = report.article.title or report.article.article_id
        # Signals skipped for the whole run are listed once below the table.
        own_skips = sorted({s.name for s in report.skipped_signals} - run_skipped)
        table.add_row(
            title,
            str(len(report.comments)),
            *(str(counts[label]) for label in ("support", "oppose", "neutral", "unrelated")),
            str(sum(a.stance.questioning for a in report.comments)),
            str(sum(a.coordination.flagged for a in report.comments)),
            str(len(report.clusters)),
            ", ".join(own_skips) or "-",
        )
    console.print(table)
    if len(reports) > SUMMARY_ROWS:
        console.print(f"… and {len(reports) - SUMMARY_ROWS} more articles (all are in the report)")
    comments = sum(len(r.comments) for r in result.reports)
    flagged = sum(a.coordination.flagged for r in result.reports for a in r.comments)
    console.print(
        f"{len(result.reports)} articles, {comments} comments, {flagged} flagged, "
        f"{len(result.clusters)} clusters"
    )
    for cluster in result.clusters[:10]:
        console.print(f"  [bold]{cluster.cluster_id}[/] ({cluster.score:.2f}): {cluster.summary}")
    for skipped in result.skipped_signals:
        console.print(f"  skipped [bold]{skipped.name}[/]: {skipped.reason}")


def report_issues(result: AnalysisResult, issues_out: Path | None, limit: int = 20) -> int:
    """Print record issues to stderr (and all of them to ``issues_out``); returns error count."""
    errors = [i for i in result.issues if i.severity is Severity.ERROR]
    warnings = len(result.issues) - len(errors)
    for issue in result.issues[:limit]:
        colour = "red" if issue.severity is Severity.ERROR else "yellow"
        err.print(f"[{colour}]{issue.severity}[/]: {issue.describe()}")
    if len(result.issues) > limit:
        err.print(f"… {len(result.issues) - limit} more issues")
    if result.issues:
        err.print(f"{len(errors)} record errors (records dropped), {warnings} warnings")
    if issues_out:
        from analyzer.export import issue_record

        issues_out.parent.mkdir(parents=True, exist_ok=True)
        with issues_out.open("w", encoding="utf-8") as stream:
            for issue in result.issues:
                stream.write(json.dumps(issue_record(issue)) + "\n")
    return len(errors)


@app.command()
def analyze(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories or globs (.txt seed format, .json, .jsonl, .csv, .parquet); "
            "'-' reads JSONL from stdin.",
            show_default=False,
        ),
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one object per comment; json: per-article reports with clusters, "
            "skipped signals and run info; csv/parquet: flat table of the jsonl fields.",
        ),
    ] = OutputFormat.JSONL,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file; default: stdout (not for parquet)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            "-m",
            help="TOML column mapping for CSV/Parquet/JSON inputs with other field names "
            "(see docs/input-formats.md and data/mappings/).",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the full JSON report here."),
    ] = None,
    issues_out: Annotated[
        Path | None,
        typer.Option("--issues-out", help="Write every record error and warning here (JSONL)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")
    ] = False,
    network: Annotated[
        Path | None,
        typer.Option(
            "--network",
            help="Also write the account network as PREFIX.graphml, PREFIX.edges.csv and "
            "PREFIX.nodes.csv (QUT coordination-network-toolkit columns; opens in Gephi).",
        ),
    ] = None,
    targets: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="Also judge every comment's stance (favor/against/none) toward this target; "
            "repeatable. 'Name' or 'Name=alias|alias', e.g. --target 'Russia=Putin'. Names the "
            "article keeps using are judged too (stance.targets.extract).",
        ),
    ] = None,
    explain_params: Annotated[
        bool,
        typer.Option(
            "--explain-params",
            is_eager=True,
            callback=_explain_params,
            help="Print every analysis parameter in force (value, default, meaning, "
            "environment variable) and exit.",
        ),
    ] = False,
) -> None:
    """Analyze comments: stance for each comment and coordination signals with evidence."""
    if output_format is OutputFormat.PARQUET and out_path is None:
        err.print("[bold red]error:[/] --format parquet needs --out PATH")
        raise typer.Exit(EXIT_USAGE)
    try:
        settings = with_targets(load_settings(), targets or ())
        result = run_analysis(inputs, settings, mapping, show_progress=not quiet)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    write_result(result, output_format, out_path if out_path else sys.stdout)
    if report:
        write_json(result, report)
    if network:
        from analyzer.network_export import write_network

        for path in write_network(result, network):
            err.print(f"wrote {path}")
    if not quiet:
        print_summary(result, err if out_path is None else out)
    errors = report_issues(result, issues_out)
    raise typer.Exit(EXIT_PARTIAL if errors else EXIT_OK)


def with_targets(settings: Settings, targets: Sequence[str]) -> Settings:
    """``settings`` with ``targets`` added to ``stance.targets.targets`` (and target stance on)."""
    if not targets:
        return settings
    from analyzer.stance.targets import parse_target

    for target in targets:
        parse_target(target)  # fails early, naming the bad value
    merged = settings.model_dump()
    configured = merged["stance"]["targets"]
    merged["stance"]["targets"] = {
        **configured,
        "enabled": True,
        "targets": (*configured["targets"], *targets),
    }
    return load_settings(**merged)


def _explain_params(value: bool) -> None:
    """``analyze --explain-params``: the parameters in force, then exit."""
    if not value:
        return
    from analyzer.config import explain_params as describe

    try:
        settings = load_settings()
    except AnalyzerError as exc:
        raise _fail(exc) from None
    section = ""
    for info in describe(settings):
        group = info.path.rsplit(".", 1)[0]
        if group != section:
            section = group
            out.print(f"\n[bold]{group}[/]", highlight=False)
        changed = "" if info.value == info.default else f"  (default {info.default!r})"
        out.print(f"  {info.path.rsplit('.', 1)[1]} = {info.value!r}{changed}", highlight=False)
        out.print(f"      {info.description}  [{info.env_var}]", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK)


@app.command()
def sensitivity(
    inputs: Annotated[
        list[str], typer.Argument(help="Inputs, as for analyze.", show_default=False)
    ],
    parameter: Annotated[
        str,
        typer.Option(
            "--param",
            help="Dotted setting to vary (see analyze --explain-params), or 'window' for every "
            "detector's window_seconds at once.",
        ),
    ] = "window",
    values: Annotated[
        str,
        typer.Option(
            "--values",
            help="Comma-separated grid; 'none' for None. Default for 'window': 60 s to 1 day.",
        ),
    ] = "60,300,900,3600,86400",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="Column mapping, as for analyze.")
    ] = None,
) -> None:
    """Rerun coordination over a grid of one parameter and show how the clusters change."""
    from analyzer.coordination.sensitivity import parse_value
    from analyzer.coordination.sensitivity import sensitivity as run_grid
    from analyzer.ingest import load_mapping, read_corpus

    grid = [parse_value(v) for v in values.split(",") if v.strip()]
    try:
        settings = load_settings()
        corpus = read_corpus(
            inputs, mapping=load_mapping(mapping) if mapping else None, params=settings.ingest
        )
        with err.status(f"running {len(grid) + 1} analyses"):
            rows = run_grid(corpus, settings, parameter, grid)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    table = Table(title=f"Sensitivity to {parameter} ({len(corpus.comments)} comments)")
    for column in (
        "value",
        "clusters",
        "flagged comments",
        "flagged accounts",
        "kept",
        "added",
        "largest cluster",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        marker = " (configured)" if row.is_reference else ""
        table.add_row(
            f"{row.value}{marker}",
            str(row.clusters),
            str(row.flagged_comments),
            str(row.flagged_accounts),
            f"{row.kept:.0%}",
            str(row.added),
            str(row.largest_cluster),
        )
    out.print(table)
    out.print(
        "kept: share of the comments flagged at the configured settings that are still flagged; "
        "added: flagged only at this value."
    )


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where the demo report and comments are written.")
    ] = Path("reports/demo"),
) -> None:
    """Analyze the shipped demo data (data/demo/) and compare with its planted labels."""
    try:
        result = run_analysis([str(DEMO_DIR)], load_settings(), None, show_progress=True)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    report_path, comments_path = out_dir / "report.json", out_dir / "comments.jsonl"
    write_json(result, report_path)
    write_result(result, OutputFormat.JSONL, comments_path)
    print_summary(result, out)
    if DEMO_LABELS.exists():
        _compare_with_labels(result, DEMO_LABELS)
    out.print(f"report: {report_path}\ncomments: {comments_path}")
    errors = report_issues(result, None)
    raise typer.Exit(EXIT_PARTIAL if errors else EXIT_OK)


def _compare_with_labels(result: AnalysisResult, labels_path: Path) -> None:
    """How the run's flags and stance compare with the hand labels shipped with the demo."""
    with labels_path.open(encoding="utf-8") as stream:
        labels = {row["comment_id"]: row for row in csv.DictReader(stream)}
    analyses = [a for r in result.reports for a in r.comments if a.comment.comment_id in labels]
    by_kind: dict[str, list[CommentAnalysis]] = {}
    for analysis in analyses:
        by_kind.setdefault(labels[analysis.comment.comment_id]["coordination"], []).append(analysis)
    for kind, members in sorted(by_kind.items()):
        flagged = sum(a.coordination.flagged for a in members)
        if kind == "organic":
            out.print(f"organic comments: {len(members)}; flagged: {flagged}")
            continue
        detectors = sorted({s.detector for a in members for s in a.coordination.signals})
        out.print(
            f"planted {kind} comments: {len(members)}; flagged: {flagged}; "
            f"signals on them: {', '.join(detectors) or 'none'}"
        )
    if analyses:
        gold = [labels[a.comment.comment_id]["stance"] for a in analyses]
        hits = sum(str(a.stance.label) == g for a, g in zip(analyses, gold, strict=True))
        # A reference point: a constant answer gets this many right.
        common = max(sorted(set(gold)), key=gold.count)
        out.print(
            f"stance agreement with the hand labels: {hits}/{len(analyses)} "
            f"({hits / len(analyses):.0%}, model {analyses[0].stance.model}); always "
            f"'{common}', the commonest label, would get {gold.count(common)}/{len(analyses)}. "
            "Per class: comment-analyzer evaluate stance --dataset demo"
        )


@train_app.command("stance-baseline")
def train_stance_baseline(
    data_dir: Annotated[
        Path,
        typer.Option(help="Folder with rumoureval2019/ and arc/ (from ../shared/data/stance)."),
    ] = SHARED_STANCE_DATA,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the model is written.")] = (
        PACKAGE_ROOT.parent / "data" / "models" / "stance-baseline"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same model.")] = 13,
) -> None:
    """Train the TF-IDF + logistic regression stance baseline and write its model card."""
    from analyzer.stance.training import train_stance_baseline as train

    try:
        with err.status("training stance baseline") as status:
            report = train(data_dir, out_dir, seed=seed, on_progress=status.update)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    out.print(report.summary())


@train_app.command("relevance")
def train_relevance(
    data_dir: Annotated[
        Path,
        typer.Option(help="Folder with arc/ (from ../shared/data/stance)."),
    ] = SHARED_STANCE_DATA,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the curve is written.")] = (
        PACKAGE_ROOT.parent / "data" / "models" / "relevance"
    ),
    sentence_model_dir: Annotated[
        Path | None,
        typer.Option(help="Sentence encoder; default the shipped data/models/minilm_sentence."),
    ] = None,
) -> None:
    """Fit the relatedness curve of stance.relevance_check on ARC pairs and write its card."""
    from analyzer.stance.training_relevance import train_relevance as train

    try:
        with err.status("fitting relevance curve") as status:
            report = train(
                data_dir, out_dir, sentence_model_dir=sentence_model_dir, on_progress=status.update
            )
    except AnalyzerError as exc:
        raise _fail(exc) from None
    out.print(report.summary())


@train_app.command("stance")
def train_stance(
    data_dir: Annotated[
        Path,
        typer.Option(help="Folder with rumoureval2019/ and arc/ (from ../shared/data/stance)."),
    ] = SHARED_STANCE_DATA,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the model is written.")] = (
        PACKAGE_ROOT.parent / "data" / "models" / "minilm_stance"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same recipe.")] = 1,
    epochs: Annotated[int, typer.Option(help="Epochs; the best one on dev is kept.")] = 5,
    max_length: Annotated[
        int, typer.Option(help="Tokens per (context, comment) pair, in training and inference.")
    ] = 128,
    threads: Annotated[int, typer.Option(help="CPU threads for torch; 0 = torch's default.")] = 0,
    num_layers: Annotated[
        int, typer.Option(help="Encoder layers kept (the lowest ones); fewer is faster.")
    ] = 6,
    teacher: Annotated[
        Path | None,
        typer.Option(
            help="Distil from this minilm_stance model directory (or its saved labels, from "
            "`python -m analyzer.stance.training_minilm label`): the student also learns the "
            "teacher's softened outputs on the training pairs. Must differ from --out."
        ),
    ] = None,
    distill_weight: Annotated[
        float | None,
        typer.Option(help="With --teacher: the teacher's share of the loss, in [0, 1); 0.5."),
    ] = None,
) -> None:
    """Fine-tune the MiniLM stance model (needs the 'stance' extra) and export it as int8 ONNX.

    55 minutes on 2 CPU cores (measured; 34 with --max-length 64); uses a CUDA GPU when
    one is present.
    """
    from dataclasses import replace

    from analyzer.stance.training_minilm import DISTILL_WEIGHT, SHIPPED_CONFIG, train_and_ship

    if distill_weight is not None and teacher is None:
        raise _fail(
            ConfigError(
                "--distill-weight was given without --teacher",
                hint="name the model to distil from with --teacher DIR",
            )
        )
    if teacher is not None and teacher.resolve() == out_dir.resolve():
        raise _fail(
            ConfigError(
                f"--teacher and --out are the same directory: {out_dir}",
                hint="copy the teacher elsewhere first; the new model would overwrite it",
            )
        )
    try:
        config = replace(
            SHIPPED_CONFIG,
            seed=seed,
            epochs=epochs,
            max_length=max_length,
            num_layers=num_layers,
            distill_weight=0.0
            if teacher is None
            else (DISTILL_WEIGHT if distill_weight is None else distill_weight),
        )
    except AnalyzerError as exc:
        raise _fail(exc) from None
    tasks: dict[str, TaskID] = {}
    try:
        with _progress(True) as progress:

            def on_batch(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)

            manifest = train_and_ship(
                data_dir,
                out_dir,
                config=config,
                threads=threads,
                teacher_dir=teacher,
                log=progress.console.print,
                on_progress=on_batch,
            )
    except AnalyzerError as exc:
        raise _fail(exc) from None
    out.print(f"wrote {out_dir} (dev: {manifest['dev']})")


evaluate_app = typer.Typer(help="Score models on the labelled sets.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("stance")
def evaluate_stance(
    dataset: Annotated[
        str,
        typer.Option(
            help="rumoureval2019 (SDQC), arc (claims), ruw (target stance toward Russia and "
            "Ukraine; evaluation only) or demo (the shipped demo's hand-labelled news comments, "
            "the product's own labels; needs no --data-dir)."
        ),
    ] = "rumoureval2019",
    split: Annotated[
        str,
        typer.Option(
            help="rumoureval2019: train|dev|test; arc: test|leave-debate-out; ruw: test; "
            "demo: all. Default: test (demo: all)."
        ),
    ] = "",
    model: Annotated[
        str, typer.Option(help="Registered stance classifier; default: the configured one.")
    ] = "",
    data_dir: Annotated[
        Path, typer.Option(help="Folder with rumoureval2019/ and arc/.")
    ] = SHARED_STANCE_DATA,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the JSON result and PNG plots.")
    ] = Path("reports") / "stance",
) -> None:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix through the analyze path."""
    from analyzer.stance.evaluation import evaluate, format_result, write_outputs

    try:
        settings = load_settings()
        result = evaluate(dataset, split, model or settings.stance.model, data_dir, settings)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    json_path, png_path = write_outputs(result, out_dir)
    out.print(format_result(result), highlight=False)
    out.print(f"wrote {json_path} and {png_path}")


@evaluate_app.command("agreement")
def evaluate_agreement(
    split: Annotated[str, typer.Option(help="RumourEval split: train|dev|test.")] = "dev",
    model: Annotated[
        str, typer.Option(help="Stance classifier the pair model uses; default: the configured.")
    ] = "",
    data_dir: Annotated[
        Path, typer.Option(help="Folder with rumoureval2019/.")
    ] = SHARED_STANCE_DATA,
) -> None:
    """Reply agreement on RumourEval direct replies (support=agree, deny=disagree, else neutral)."""
    from analyzer.stance.target_evaluation import agreement_evaluation, format_agreement

    try:
        settings = load_settings()
        chosen = model or settings.stance.model
        metrics, ece, seconds = agreement_evaluation(data_dir, split, chosen, settings)
    except AnalyzerError as exc:
        raise _fail(exc) from None
    out.print(format_agreement(metrics, ece, chosen, seconds), highlight=False)


@app.command()
def info() -> None:
    """Show the settings in force and the registered components."""
    from analyzer.coordination.base import DETECTORS
    from analyzer.pipeline import load_components
    from analyzer.stance.base import STANCE_CLASSIFIERS

    try:
        settings = load_settings()
    except AnalyzerError as exc:
        raise _fail(exc) from None
    load_components()
    out.print_json(json.dumps(settings.model_dump(mode="json")))
    out.print(f"stance classifiers: {', '.join(STANCE_CLASSIFIERS.names())}")
    out.print(f"coordination detectors: {', '.join(DETECTORS.names())}")


def main() -> None:
    app()
