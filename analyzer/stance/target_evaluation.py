"""Scoring target stance (RUW) and reply agreement (RumourEval direct replies).

Both go through the path users run (:func:`analyzer.pipeline.analyze`, detectors off) and
read the labels back from ``stance.targets`` / ``stance.reply_agreement``.

- ``ruw``: RUW tweets (``ruw/ruw_<split>.csv``), each labelled FAVOR / AGAINST / NONE toward
  Russia and toward Ukraine. **Evaluation only**: RUW has no licence, so nothing here was
  trained or tuned on it. Every tweet is a comment under one empty article, judged against
  the configured targets ``RUW_TARGETS`` with ``RUW_OPPOSED`` (the two sides of the war).
  Reported per target: 3-class macro-F1, per-class F1, F_avg (mean of FAVOR and AGAINST F1,
  SemEval-2016's metric) and the expected macro-F1 of uniform random guessing; plus the same
  without the relation (each target on its own mentions only), as an ablation.
- ``agreement``: RumourEval replies to the source post (depth 1), where SDQC is relative to
  the parent: support -> agree, deny -> disagree, query/comment -> neutral. The source post is
  a comment and each direct reply its child.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.config import Settings
from analyzer.errors import DataError
from analyzer.model import Article, Comment, Corpus
from analyzer.stance.calibration import calibration_report
from analyzer.stance.datasets import REMOVED_TEXTS
from analyzer.stance.evaluation import (
    EvaluationResult,
    rumoureval_rows,
    stance_by_comment,
    stance_only_settings,
)
from analyzer.stance.training import ClassificationMetrics, classification_metrics

RUW_FILES = {split: Path("ruw") / f"ruw_{split}.csv" for split in ("train", "val", "test")}
RUW_LABELS: tuple[str, ...] = ("FAVOR", "AGAINST", "NONE")
# Fixed before RUW was scored, from general knowledge: each side's head of state is an alias
# (the built-in gazetteer adds demonyms, capitals and "Kremlin").
RUW_TARGETS: tuple[str, ...] = ("Russia=Putin", "Ukraine=Zelensky|Zelenskyy|Zelenskiy")
RUW_OPPOSED: tuple[tuple[str, str], ...] = (("Russia", "Ukraine"),)
PREVIOUS_RUW = {"Russia": 0.320, "Ukraine": 0.319}  # the removed claim-pair attempt
AGREEMENT_LABELS: tuple[str, ...] = ("agree", "disagree", "neutral")


def uniform_guess_macro_f1(gold: Sequence[str], labels: Sequence[str]) -> float:
    """Expected macro-F1 of guessing each label with equal probability (chance level)."""
    share = {label: sum(g == label for g in gold) / max(1, len(gold)) for label in labels}
    guess = 1.0 / len(labels)
    return float(
        np.mean([2 * share[c] * guess / (share[c] + guess) if share[c] else 0.0 for c in labels])
    )


def f_avg(metrics: ClassificationMetrics) -> float:
    by_label = {c.label: c.f1 for c in metrics.per_class}
    return (by_label["FAVOR"] + by_label["AGAINST"]) / 2.0


def read_ruw(data_dir: Path, split: str) -> pd.DataFrame:
    if split not in RUW_FILES:
        raise DataError(f"unknown RUW split '{split}'", hint="valid splits: train, val, test")
    path = Path(data_dir) / RUW_FILES[split]
    if not path.is_file():
        raise DataError(
            f"RUW file not found: {path}",
            hint="pass --data-dir ../shared/data/stance (the UTF-8 ruw_<split>.csv files)",
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    expected = {"Tweet", "Target 1", "Stance 1", "Target 2", "Stance 2"}
    if not expected <= set(frame.columns):
        raise DataError(
            f"{path} lacks column(s) {', '.join(sorted(expected - set(frame.columns)))}",
            hint="use the ruw_<split>.csv files described in ruw/PROVENANCE.md",
        )
    return frame


def ruw_predictions(
    frame: pd.DataFrame,
    model: str,
    settings: Settings | None,
    *,
    relations: bool = True,
) -> tuple[dict[str, dict[str, tuple[str, float]]], float]:
    """Tweet row -> target -> (label, confidence), through ``analyze``."""
    article = Article(article_id="ruw")
    comments = tuple(
        Comment(comment_id=f"ruw-{i}", article_id="ruw", text=text)
        for i, text in enumerate(frame["Tweet"].tolist())
    )
    overrides: dict[str, object] = {
        "targets": {
            "targets": RUW_TARGETS,
            "extract": False,
            "opposed": RUW_OPPOSED if relations else (),
        },
        "reply_agreement": {"enabled": False},
    }
    stances, seconds = stance_by_comment(
        Corpus((article,), comments), stance_only_settings(model, settings, **overrides)
    )
    out: dict[str, dict[str, tuple[str, float]]] = {}
    for comment in comments:
        result = stances[comment.comment_id]
        out[comment.comment_id] = {
            t.target: (str(t.label).upper(), t.confidence) for t in result.targets
        }
    return out, seconds


def ruw_metrics(
    frame: pd.DataFrame, predictions: dict[str, dict[str, tuple[str, float]]], tag: str
) -> tuple[list[ClassificationMetrics], list[str]]:
    metrics: list[ClassificationMetrics] = []
    notes: list[str] = []
    for column in ("1", "2"):
        targets = frame[f"Target {column}"].str.strip().tolist()
        gold = frame[f"Stance {column}"].str.strip().str.upper().tolist()
        pred, conf = [], []
        for i, target in enumerate(targets):
            label, confidence = predictions[f"ruw-{i}"].get(target, ("NONE", 1.0))
            pred.append(label)
            conf.append(confidence)
        name = targets[0] if len(set(targets)) == 1 else f"target {column}"
        m = classification_metrics(
            f"RUW {name} ({tag})", gold, pred, RUW_LABELS, confidence=np.asarray(conf)
        )
        metrics.append(m)
        notes.append(
            f"{name} ({tag}): macro-F1 {m.macro_f1:.3f}, F_avg {f_avg(m):.3f}, ECE {m.ece:.3f}; "
            f"uniform guessing {uniform_guess_macro_f1(gold, RUW_LABELS):.3f}; "
            f"previous claim-pair attempt {PREVIOUS_RUW.get(name, float('nan')):.3f}"
        )
    return metrics, notes


def rumoureval_agreement_corpus(data_dir: Path, split: str) -> tuple[Corpus, dict[str, str]]:
    """Source posts as comments, their direct replies as children; gold agreement per reply."""
    frame = rumoureval_rows(data_dir, split)
    to_agreement = {
        "support": "agree",
        "deny": "disagree",
        "query": "neutral",
        "comment": "neutral",
    }
    articles: dict[str, Article] = {}
    comments: dict[str, Comment] = {}
    gold: dict[str, str] = {}
    for row in frame.to_dict("records"):
        thread = str(row["thread_id"])
        articles.setdefault(thread, Article(article_id=thread))
        comments.setdefault(
            thread, Comment(comment_id=thread, article_id=thread, text=str(row["source_text"]))
        )
        if str(row["depth"]).strip() != "1" or str(row["text"]).strip() in REMOVED_TEXTS:
            continue
        post = str(row["post_id"])
        comments[post] = Comment(
            comment_id=post, article_id=thread, text=str(row["text"]), parent_id=thread
        )
        gold[post] = to_agreement[str(row["label"]).strip().lower()]
    return Corpus(tuple(articles.values()), tuple(comments.values())), gold


def agreement_evaluation(
    data_dir: Path, split: str, model: str, settings: Settings | None = None
) -> tuple[ClassificationMetrics, float, float]:
    """(metrics, ECE, seconds) of reply agreement on RumourEval direct replies."""
    corpus, gold = rumoureval_agreement_corpus(data_dir, split)
    overrides: dict[str, object] = {
        "targets": {"enabled": False},
        "reply_agreement": {"enabled": True},
    }
    stances, seconds = stance_by_comment(corpus, stance_only_settings(model, settings, **overrides))
    ids = sorted(gold)
    pred, conf = [], []
    for comment_id in ids:
        agreement = stances[comment_id].reply_agreement
        pred.append("neutral" if agreement is None else str(agreement.label))
        conf.append(0.0 if agreement is None else agreement.confidence)
    metrics = classification_metrics(
        f"RumourEval {split} direct replies: agreement with the parent",
        [gold[i] for i in ids],
        pred,
        AGREEMENT_LABELS,
        confidence=np.asarray(conf),
    )
    report = calibration_report(conf, [gold[i] == p for i, p in zip(ids, pred, strict=True)])
    return metrics, report.ece, seconds


def evaluate_ruw(
    data_dir: Path, split: str, model: str, settings: Settings | None = None
) -> EvaluationResult:
    """Target stance on RUW (evaluation only): with the Russia-Ukraine relation, and without."""
    frame = read_ruw(data_dir, split)
    predictions, seconds = ruw_predictions(frame, model, settings, relations=True)
    metrics, notes = ruw_metrics(frame, predictions, "shipped: aliases + opposed relation")
    alone, _ = ruw_predictions(frame, model, settings, relations=False)
    ablation, ablation_notes = ruw_metrics(frame, alone, "ablation: no relation")
    return EvaluationResult(
        dataset="ruw",
        split=split,
        model=f"{model}+targets",
        metrics=(*metrics, *ablation),
        calibration=None,
        seconds=seconds,
        comments_per_second=len(frame) / max(seconds, 1e-9),
        notes=(
            *notes,
            *ablation_notes,
            f"targets {', '.join(RUW_TARGETS)}; opposed {RUW_OPPOSED}; RUW is evaluation only "
            "(no licence): nothing was trained or tuned on it",
        ),
    )


def format_agreement(metrics: ClassificationMetrics, ece: float, model: str, seconds: float) -> str:
    lines = [
        f"{metrics.name} ({model}, {metrics.n / max(seconds, 1e-9):.0f} comments/s end to end)",
        f"n={metrics.n} accuracy {metrics.accuracy:.3f} macro-F1 {metrics.macro_f1:.3f} "
        f"ECE {ece:.3f}",
        "  "
        + "  ".join(
            f"{c.label} F1 {c.f1:.3f} (P {c.precision:.2f} R {c.recall:.2f}, n={c.support})"
            for c in metrics.per_class
        ),
        "  confusion (rows gold, columns predicted): " + " ".join(metrics.labels),
    ]
    for label, row in zip(metrics.labels, metrics.confusion, strict=True):
        lines.append(f"  {label:>8} " + " ".join(f"{v:6d}" for v in row))
    return "\n".join(lines)
