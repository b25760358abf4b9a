"""``comment-analyzer evaluate stance``: score a registered stance classifier on a labelled set.

Every dataset goes through the same path users run: the labelled rows become a :class:`Corpus`
(articles and comments), :func:`analyzer.pipeline.analyze` labels it (coordination detectors
off), and the product labels are mapped back to the dataset's scheme.

- ``rumoureval2019``: each thread's source post is the article, every reply a comment (with its
  ``parent_id``). Scored as the task was: 4-class SDQC macro-F1 (support -> support, oppose ->
  deny, otherwise questioning -> query, else comment). ``replies`` is the product's unit (posts
  with empty or deleted text count as ``comment``: nothing was judged). ``all_posts`` adds the
  source posts, which the product does not judge (an article's own text); they are counted as
  ``support`` -- what an article does to its own claim -- so the number is comparable with the
  official all-posts score (the winner's 0.6187).
- ``arc``: each claim is an article, each reader comment a comment. ``--split test`` is the
  official (in-topic) test, 4 classes; ``--split leave-debate-out`` holds out whole debates
  (conversations.py) and scores the related pairs only (agree/disagree/discuss, 3 classes).
- ``demo``: the shipped demo corpus (data/demo/), read as ``analyze`` reads it, against its
  hand labels (data/demo-labels.csv): the product's own four labels toward each article's
  central claim, on news comments. Written by this project and small (131 comments), but the
  only set here labelled in the product's scheme; split ``all``.

Outputs a JSON result and a PNG (confusion matrices, plus a reliability diagram where the
classifier gives probabilities).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.config import DEMO_DIR, DEMO_LABELS, Settings, load_settings
from analyzer.errors import DataError
from analyzer.model import AnalysisResult, Article, Comment, Corpus, StanceResult
from analyzer.pipeline import Pipeline
from analyzer.stance.calibration import (
    PRODUCT_LABELS,
    CalibrationReport,
    calibration_report,
    reliability_plot,
)
from analyzer.stance.conversations import SDQC, ArcPairs, load_arc_pairs, negated_claim
from analyzer.stance.datasets import RUMOUREVAL_FILE, to_sdqc
from analyzer.stance.training import ClassificationMetrics, classification_metrics

DATASETS: tuple[str, ...] = ("rumoureval2019", "arc", "ruw", "demo")
DEFAULT_SPLIT = {"rumoureval2019": "test", "arc": "test", "ruw": "test", "demo": "all"}
WINNER_ALL_POSTS = 0.6187  # BLCU_NLP, SemEval-2019 task 7A (published)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    dataset: str
    split: str
    model: str
    metrics: tuple[ClassificationMetrics, ...]
    calibration: CalibrationReport | None
    seconds: float
    comments_per_second: float
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "model": self.model,
            "metrics": [asdict(m) for m in self.metrics],
            "ece": None if self.calibration is None else self.calibration.ece,
            "seconds": self.seconds,
            "comments_per_second": self.comments_per_second,
            "notes": list(self.notes),
        }


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows of an all-string frame (read with ``dtype=str``) as plain dicts."""
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def stance_only_settings(model: str, base: Settings | None, **stance_overrides: object) -> Settings:
    """``base`` with the stance model ``model`` and no coordination detectors (scoring runs)."""
    base = base or load_settings()
    merged = base.model_dump()
    # Evidence does not change labels; leave-one-sentence-out would only slow scoring down.
    merged["stance"] = {**merged["stance"], "model": model, "explain": False, **stance_overrides}
    merged["coordination"] = {**merged["coordination"], "detectors": ()}
    return load_settings(**merged)


def stance_by_comment(
    corpus: Corpus, settings: Settings | Pipeline
) -> tuple[dict[str, StanceResult], float]:
    """Every comment's stance through the pipeline users run, and the seconds the run took
    (models are loaded before the clock starts; pass a built pipeline to load them once)."""
    pipeline = settings if isinstance(settings, Pipeline) else Pipeline.from_settings(settings)
    started = time.perf_counter()
    result: AnalysisResult = pipeline.run(corpus)
    seconds = time.perf_counter() - started
    stances = {a.comment.comment_id: a.stance for r in result.reports for a in r.comments}
    return stances, seconds


def _calibration(stances: Sequence[StanceResult], gold_product: Sequence[str]) -> CalibrationReport:
    return calibration_report(
        [s.confidence for s in stances],
        [str(s.label) == g for s, g in zip(stances, gold_product, strict=True)],
    )


def _read_rumoureval(data_dir: Path) -> pd.DataFrame:
    """Every RumourEval row, every column a string."""
    path = Path(data_dir) / RUMOUREVAL_FILE
    if not path.is_file():
        raise DataError(
            f"RumourEval file not found: {path}", hint="pass --data-dir ../shared/data/stance"
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _split_rows(everything: pd.DataFrame, split: str) -> pd.DataFrame:
    frame = everything[everything["split"] == split]
    if frame.empty:
        raise DataError(
            f"no RumourEval rows with split '{split}'", hint="valid splits: train, dev, test"
        )
    return frame


def rumoureval_rows(data_dir: Path, split: str) -> pd.DataFrame:
    """The RumourEval rows of one split, every column a string."""
    return _split_rows(_read_rumoureval(data_dir), split)


def rumoureval_corpus(data_dir: Path, split: str) -> tuple[pd.DataFrame, Corpus]:
    """One RumourEval split as ``analyze`` sees it: source posts are articles, replies with text
    are comments (with their ``parent_id``); also returns the split's rows, for scoring."""
    frame = rumoureval_rows(data_dir, split)
    return frame, _corpus_of(frame)


def _corpus_of(frame: pd.DataFrame) -> Corpus:
    articles = {}
    comments = []
    for row in _rows(frame):
        if row["depth"].strip() in {"", "0"}:
            articles[row["thread_id"]] = Article(
                article_id=row["thread_id"], text=row["source_text"]
            )
            continue
        if row["text"].strip() in {"", "[deleted]", "[removed]"}:
            continue
        parent = None if row["parent_id"] in {"", row["thread_id"]} else row["parent_id"]
        comments.append(
            Comment(
                comment_id=row["post_id"],
                article_id=row["thread_id"],
                text=row["text"],
                parent_id=parent,
            )
        )
    for row in _rows(frame):  # threads whose source row is missing
        articles.setdefault(
            row["thread_id"], Article(article_id=row["thread_id"], text=row["source_text"])
        )
    return Corpus(tuple(articles.values()), tuple(comments))


def evaluate_rumoureval(
    data_dir: Path, split: str, model: str, settings: Settings | None = None
) -> EvaluationResult:
    everything = _read_rumoureval(data_dir)
    frame = _split_rows(everything, split)
    corpus = _corpus_of(frame)
    comments = corpus.comments
    stances, seconds = stance_by_comment(corpus, stance_only_settings(model, settings))
    gold, pred, gold_all, pred_all = [], [], [], []
    judged: list[StanceResult] = []
    judged_gold: list[str] = []
    unseen = _unseen_event_rows(everything, split, frame)
    gold_unseen: list[str] = []
    pred_unseen: list[str] = []
    for row in _rows(frame):
        label = row["label"].strip().lower()
        is_source = row["depth"].strip() in {"", "0"}
        stance = stances.get(row["post_id"])
        predicted = (
            "support"
            if is_source
            else ("comment" if stance is None else to_sdqc(stance.label, stance.questioning))
        )
        gold_all.append(label)
        pred_all.append(predicted)
        if not is_source:
            gold.append(label)
            pred.append(predicted)
            if row["post_id"] in unseen:
                gold_unseen.append(label)
                pred_unseen.append(predicted)
            if stance is not None:
                judged.append(stance)
                judged_gold.append({"support": "support", "deny": "oppose"}.get(label, "neutral"))
    metrics: tuple[ClassificationMetrics, ...] = (
        classification_metrics(f"{split} replies (SDQC)", gold, pred, SDQC),
        classification_metrics(
            f"{split} all posts (SDQC, sources as support)", gold_all, pred_all, SDQC
        ),
    )
    notes: tuple[str, ...] = ()
    if 0 < len(gold_unseen) < len(gold):
        metrics += (
            classification_metrics(
                f"{split} replies on events not in train (SDQC)", gold_unseen, pred_unseen, SDQC
            ),
        )
        notes = (
            f"{len(gold_unseen)} of the {len(gold)} {split} replies are on events train does not "
            "have (new Twitter events, and Reddit, where every thread is new); the rest share "
            "a Twitter event with train, so the full split overstates performance on new events",
        )
    calibration = _calibration(judged, judged_gold) if judged else None
    return EvaluationResult(
        dataset="rumoureval2019",
        split=split,
        model=model,
        metrics=metrics,
        calibration=calibration,
        seconds=seconds,
        comments_per_second=len(comments) / max(seconds, 1e-9),
        notes=(
            f"{len(comments)} replies with text judged; {len(gold) - len(comments)} empty/deleted "
            "replies count as 'comment'",
            "all-posts: source posts are not judged by the product and count as 'support'; "
            f"SemEval-2019 winner all-posts macro-F1 {WINNER_ALL_POSTS}",
            *notes,
        ),
    )


def _unseen_event_rows(everything: pd.DataFrame, split: str, frame: pd.DataFrame) -> frozenset[str]:
    """Post ids of ``split`` on events train has not seen: Twitter events absent from train,
    and all Reddit posts (RumourEval's ``event`` is the subreddit there; each thread is its own
    rumour and no thread spans splits). Empty for train or without platform/event columns."""
    if split == "train" or not {"platform", "event"} <= set(frame.columns):
        return frozenset()
    train = everything[everything["split"] == "train"]
    seen = set(train.loc[train["platform"] == "twitter", "event"])
    new = (frame["platform"] == "reddit") | (
        (frame["platform"] == "twitter") & ~frame["event"].isin(seen)
    )
    return frozenset(frame.loc[new, "post_id"])


ARC_LABEL_OF = {
    "support": "agree",
    "oppose": "disagree",
    "neutral": "discuss",
    "unrelated": "unrelated",
}
SWAPPED_ARC = {
    "agree": "disagree",
    "disagree": "agree",
    "discuss": "discuss",
    "unrelated": "unrelated",
}


def _arc_predictions(
    pairs: ArcPairs, rows: Sequence[int], pipeline: Pipeline, *, negate: bool
) -> tuple[list[StanceResult], float]:
    """The product's stance for ARC pairs, each claim an article (negated with ``negate``)."""
    claims = sorted({pairs.claims[i] for i in rows})
    claim_ids = {c: f"claim-{k}" for k, c in enumerate(claims)}
    articles = tuple(
        Article(article_id=claim_ids[c], title=str(negated_claim(c)) if negate else c)
        for c in claims
    )
    comments = tuple(
        Comment(comment_id=f"pair-{i}", article_id=claim_ids[pairs.claims[i]], text=pairs.bodies[i])
        for i in rows
    )
    stances, seconds = stance_by_comment(Corpus(articles, comments), pipeline)
    return [stances[f"pair-{i}"] for i in rows], seconds


def evaluate_arc(
    data_dir: Path, split: str, model: str, settings: Settings | None = None
) -> EvaluationResult:
    if split not in {"test", "leave-debate-out"}:
        raise DataError(f"unknown ARC split '{split}'", hint="valid splits: test, leave-debate-out")
    pairs = load_arc_pairs(data_dir, ("test",) if split == "test" else ("train", "test"))
    if split == "test":
        rows = list(range(len(pairs.stances)))
    else:
        rows = [i for i, s in enumerate(pairs.stances) if s != "unrelated" and pairs.held_out[i]]
    labels = ("agree", "disagree", "discuss") + (("unrelated",) if split == "test" else ())
    name = (
        "ARC official test (4-class)"
        if split == "test"
        else "ARC leave-debate-out, related pairs (3-class)"
    )
    pipeline = Pipeline.from_settings(stance_only_settings(model, settings))
    results, seconds = _arc_predictions(pairs, rows, pipeline, negate=False)
    gold = [pairs.stances[i] for i in rows]
    pred = [ARC_LABEL_OF[str(s.label)] for s in results]
    # The same comments against the negated claims: a model that reads the claim swaps agree
    # and disagree; one that reads only the comment's tone does not.
    negatable = [i for i in rows if negated_claim(pairs.claims[i]) is not None]
    negated, _ = _arc_predictions(pairs, negatable, pipeline, negate=True)
    negated_pred = [ARC_LABEL_OF[str(s.label)] for s in negated]
    original = dict(zip(rows, pred, strict=True))
    polar = [(original[i], p) for i, p in zip(negatable, negated_pred, strict=True)]
    polar = [(a, b) for a, b in polar if a in {"agree", "disagree"}]
    swapped = sum(1 for a, b in polar if b == SWAPPED_ARC[a])
    metrics = (
        classification_metrics(name, gold, pred, labels),
        classification_metrics(
            f"{name}, claims negated (agree and disagree swapped)",
            [SWAPPED_ARC[pairs.stances[i]] for i in negatable],
            negated_pred,
            labels,
        ),
    )
    inverse = {v: k for k, v in ARC_LABEL_OF.items()}
    return EvaluationResult(
        dataset="arc",
        split=split,
        model=model,
        metrics=metrics,
        calibration=_calibration(results, [inverse[g] for g in gold]),
        seconds=seconds,
        comments_per_second=len(rows) / max(seconds, 1e-9),
        notes=(
            "leave-debate-out: debates rebuilt from claim wording; every pair of a held-out debate "
            "was excluded from training"
            if split != "test"
            else "official ARC test: all its claims also occur in train (in-topic); unrelated "
            "pairs are synthetic",
            f"claims negated: {len(negatable)} of {len(rows)} pairs (claims under three words "
            "are skipped); of the pairs first predicted agree or disagree, "
            f"{swapped} of {len(polar)} swapped to the other when the claim was negated",
        ),
    )


def read_demo_labels(path: Path) -> dict[str, str]:
    """``comment_id -> stance`` from the demo's label file; a bad row is named, not skipped."""
    labels: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        for line, row in enumerate(csv.DictReader(stream), start=2):
            stance = (row.get("stance") or "").strip()
            if stance not in PRODUCT_LABELS or not row.get("comment_id"):
                raise DataError(
                    f"{path}, line {line}: stance {stance!r} for comment "
                    f"{row.get('comment_id')!r} is not one of {', '.join(PRODUCT_LABELS)}",
                    hint="fix the row in data/demo/build_demo.py and rerun it",
                )
            labels[row["comment_id"]] = stance
    return labels


def evaluate_demo(
    split: str,
    model: str,
    settings: Settings | None = None,
    *,
    demo_dir: Path = DEMO_DIR,
    labels_path: Path = DEMO_LABELS,
) -> EvaluationResult:
    from analyzer.ingest import read_corpus  # noqa: PLC0415

    if split != "all":
        raise DataError(f"unknown demo split '{split}'", hint="the demo has one split: all")
    settings = stance_only_settings(model, settings)
    corpus = read_corpus([demo_dir], params=settings.ingest)
    labels = read_demo_labels(labels_path)
    unlabelled = [c.comment_id for c in corpus.comments if c.comment_id not in labels]
    if unlabelled:
        raise DataError(
            f"{labels_path}: no label for {len(unlabelled)} demo comment(s), e.g. "
            f"{', '.join(unlabelled[:3])}",
            hint="rerun python data/demo/build_demo.py, which writes corpus and labels together",
        )
    read = {c.comment_id for c in corpus.comments}
    unread = sorted(set(labels) - read)
    if unread:  # ingest dropped them: scoring the rest would overstate what was measured
        problems = "; ".join(issue.describe() for issue in corpus.issues[:2])
        raise DataError(
            f"{demo_dir}: {len(unread)} labelled demo comment(s) were not read, e.g. "
            f"{', '.join(unread[:3])}" + (f" ({problems})" if problems else ""),
            hint="rerun python data/demo/build_demo.py, which writes corpus and labels together",
        )
    stances, seconds = stance_by_comment(corpus, settings)
    ordered = [stances[c.comment_id] for c in corpus.comments]
    gold = [labels[c.comment_id] for c in corpus.comments]
    articles = len({c.article_id for c in corpus.comments})
    return EvaluationResult(
        dataset="demo",
        split=split,
        model=model,
        metrics=(
            classification_metrics(
                "demo news comments, product labels (4-class)",
                gold,
                [str(s.label) for s in ordered],
                PRODUCT_LABELS,
            ),
        ),
        calibration=_calibration(ordered, gold),
        seconds=seconds,
        comments_per_second=len(ordered) / max(seconds, 1e-9),
        notes=(
            f"{len(ordered)} comments on {articles} fictional news articles, written and "
            "hand-labelled by this project (data/demo/README.md): stance toward each article's "
            "central claim; never used to train or tune a model. Small: read the per-class "
            "counts before the averages",
        ),
    )


def evaluate(
    dataset: str, split: str, model: str, data_dir: Path, settings: Settings | None = None
) -> EvaluationResult:
    """Score ``model`` on ``dataset``; an empty ``split`` means the dataset's usual one."""
    split = split or DEFAULT_SPLIT.get(dataset, "")
    if dataset == "demo":  # shipped with the repository; data_dir is not read
        return evaluate_demo(split, model, settings)
    if dataset == "rumoureval2019":
        return evaluate_rumoureval(data_dir, split, model, settings)
    if dataset == "arc":
        return evaluate_arc(data_dir, split, model, settings)
    if dataset == "ruw":  # target stance (stance.targets); target_evaluation.py
        from analyzer.stance.target_evaluation import evaluate_ruw  # noqa: PLC0415

        return evaluate_ruw(data_dir, split, model, settings)
    raise DataError(f"unknown dataset '{dataset}'", hint=f"valid datasets: {', '.join(DATASETS)}")


def write_outputs(result: EvaluationResult, out_dir: Path) -> tuple[Path, Path]:
    """``<dataset>-<split>-<model>.json`` and ``.png`` (confusion matrices + reliability)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{result.dataset}-{result.split}-{result.model}"
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(result.to_json(), indent=1), encoding="utf-8")
    panels = len(result.metrics)  # the reliability diagram gets a file of its own
    fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, 4.4), squeeze=False)
    for ax, m in zip(axes[0], result.metrics, strict=True):
        matrix = np.asarray(m.confusion)
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(m.labels)), m.labels, rotation=45)
        ax.set_yticks(range(len(m.labels)), m.labels)
        for (r, c), v in np.ndenumerate(matrix):
            ax.text(c, r, str(v), ha="center", va="center", fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{m.name}\nmacro-F1 {m.macro_f1:.3f}", fontsize=9)
    fig.tight_layout()
    png_path = out_dir / f"{stem}.png"
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    if result.calibration is not None:
        reliability_plot(
            result.calibration,
            out_dir / f"{stem}-reliability.png",
            f"{result.model} on {result.dataset} {result.split}",
        )
    return json_path, png_path


def format_result(result: EvaluationResult) -> str:
    lines = [
        f"{result.model} on {result.dataset} / {result.split} "
        f"({result.comments_per_second:.0f} comments/s end to end, models loaded beforehand)"
    ]
    for m in result.metrics:
        lines.append(f"\n{m.name}: n={m.n} accuracy {m.accuracy:.3f} macro-F1 {m.macro_f1:.3f}")
        lines.append(
            "  "
            + "  ".join(
                f"{c.label} F1 {c.f1:.3f} (P {c.precision:.2f} R {c.recall:.2f}, n={c.support})"
                for c in m.per_class
            )
        )
        width = max(len(label) for label in m.labels)
        lines.append("  confusion (rows gold, columns predicted): " + " ".join(m.labels))
        for label, row in zip(m.labels, m.confusion, strict=True):
            lines.append(f"  {label:>{width}} " + " ".join(f"{v:6d}" for v in row))
    if result.dataset == "rumoureval2019":
        lines.append(f"\nSemEval-2019 winner (BLCU_NLP), all posts: macro-F1 {WINNER_ALL_POSTS}")
    if result.calibration is not None:
        lines.append(f"expected calibration error (product labels): {result.calibration.ece:.3f}")
    lines.extend(f"note: {n}" for n in result.notes)
    return "\n".join(lines)
