"""RumourEval scoring through the analyze path, on the synthetic stance data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analyzer.config import Settings
from analyzer.errors import DataError
from analyzer.model import Corpus, StanceResult
from analyzer.pipeline import Pipeline
from analyzer.stance import evaluation
from analyzer.stance.evaluation import evaluate, format_result
from tests.stance.synthetic import write_stance_data


def _with_events(root: Path, dev_events: dict[str, str]) -> Path:
    """Twitter rows; train on event 'seen', dev posts on the events given (default 'seen')."""
    write_stance_data(root)
    path = root / "rumoureval2019" / "rumoureval2019_subtaskA.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["platform"] = "twitter"
    frame["event"] = [
        dev_events.get(post, "seen") if split == "dev" else "seen"
        for split, post in zip(frame["split"], frame["post_id"], strict=True)
    ]
    frame.to_csv(path, index=False)
    return root


def test_dev_is_also_scored_on_events_train_has_not_seen(tmp_path: Path) -> None:
    dev = pd.read_csv(write_stance_data(tmp_path / "probe") / "rumoureval2019" /
                      "rumoureval2019_subtaskA.csv", dtype=str, keep_default_na=False)  # fmt: skip
    dev_replies = dev[(dev["split"] == "dev") & (dev["depth"] != "0")]["post_id"].tolist()
    new = {post: "new-event" for post in dev_replies[::2]}
    data = _with_events(tmp_path / "data", new)
    result = evaluate("rumoureval2019", "dev", "tfidf_baseline", data)
    names = [m.name for m in result.metrics]
    assert names[2] == "dev replies on events not in train (SDQC)"
    assert result.metrics[2].n == len(new) < result.metrics[0].n == len(dev_replies)
    assert any(f"{len(new)} of the {len(dev_replies)} dev replies" in n for n in result.notes)
    assert "events not in train" in format_result(result)


def test_no_extra_block_when_every_reply_is_on_a_new_event_or_none_is(tmp_path: Path) -> None:
    data = _with_events(tmp_path / "seen", {})
    assert len(evaluate("rumoureval2019", "dev", "tfidf_baseline", data).metrics) == 2
    # test's events are all new in the synthetic data as in the real split: nothing to add
    frame = pd.read_csv(data / "rumoureval2019" / "rumoureval2019_subtaskA.csv", dtype=str)
    frame.loc[frame["split"] == "test", "event"] = "unseen"
    frame.to_csv(data / "rumoureval2019" / "rumoureval2019_subtaskA.csv", index=False)
    assert len(evaluate("rumoureval2019", "test", "tfidf_baseline", data).metrics) == 2


def test_arc_is_also_scored_with_every_claim_negated(tmp_path: Path) -> None:
    result = evaluate("arc", "test", "tfidf_baseline", write_stance_data(tmp_path))
    plain, negated = result.metrics
    assert (
        negated.name == "ARC official test (4-class), claims negated (agree and disagree swapped)"
    )
    assert negated.n == plain.n  # every synthetic claim has an auxiliary to negate
    support = {m.name: {c.label: c.support for c in m.per_class} for m in result.metrics}
    assert support[negated.name]["agree"] == support[plain.name]["disagree"] > 0
    assert support[negated.name]["disagree"] == support[plain.name]["agree"] > 0
    assert support[negated.name]["discuss"] == support[plain.name]["discuss"]
    assert any(n.startswith(f"claims negated: {plain.n} of {plain.n} pairs") for n in result.notes)
    assert "claims negated" in format_result(result)


def test_the_negated_pass_shows_the_model_the_negated_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Corpus] = []
    real = evaluation.stance_by_comment

    def recording(
        corpus: Corpus, settings: Settings | Pipeline
    ) -> tuple[dict[str, StanceResult], float]:
        seen.append(corpus)
        return real(corpus, settings)

    monkeypatch.setattr(evaluation, "stance_by_comment", recording)
    evaluate("arc", "test", "tfidf_baseline", write_stance_data(tmp_path))
    plain, negated = seen
    assert [c.text for c in negated.comments] == [c.text for c in plain.comments]
    titles = {a.title: n.title for a, n in zip(plain.articles, negated.articles, strict=True)}
    assert titles["The central library will open on Sundays"] == (
        "The central library will not open on Sundays"
    )


def test_arc_loads_the_model_once_for_both_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Pipeline] = []
    real = Pipeline.from_settings.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Pipeline], settings: Settings | None = None) -> Pipeline:
        built.append(real(cls, settings))
        return built[-1]

    monkeypatch.setattr(Pipeline, "from_settings", classmethod(counting))
    result = evaluate("arc", "test", "tfidf_baseline", write_stance_data(tmp_path))
    assert len(result.metrics) == 2  # the plain and the negated pass both ran
    assert len(built) == 1


def test_demo_is_scored_in_the_products_own_labels_against_its_hand_labels() -> None:
    result = evaluate("demo", "", "tfidf_baseline", Path("unused"))
    (block,) = result.metrics
    assert (result.dataset, result.split) == ("demo", "all")
    assert block.labels == ("support", "oppose", "neutral", "unrelated")
    labels = evaluation.read_demo_labels(evaluation.DEMO_LABELS)
    assert block.n == len(labels) == sum(map(sum, block.confusion))
    gold_counts = {label: list(labels.values()).count(label) for label in block.labels}
    assert [sum(row) for row in block.confusion] == [gold_counts[k] for k in block.labels]
    assert result.calibration is not None
    assert "hand-labelled by this project" in format_result(result)


def test_demo_labels_name_the_bad_row_and_the_missing_comment(tmp_path: Path) -> None:
    bad = tmp_path / "labels.csv"
    bad.write_text("comment_id,article_id,stance,coordination\nc1,a1,agree,organic\n")
    with pytest.raises(DataError, match=r"line 2: stance 'agree' for comment 'c1'"):
        evaluation.read_demo_labels(bad)
    partial = tmp_path / "partial.csv"
    labels = evaluation.read_demo_labels(evaluation.DEMO_LABELS)
    dropped = sorted(labels)[0]
    partial.write_text(
        "comment_id,article_id,stance,coordination\n"
        + "".join(f"{k},a,{v},organic\n" for k, v in labels.items() if k != dropped)
    )
    with pytest.raises(DataError, match=rf"no label for 1 demo comment\(s\), e\.g\. {dropped}"):
        evaluation.evaluate_demo("all", "tfidf_baseline", labels_path=partial)
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "comment_id,article_id,stance,coordination\n"
        + "".join(f"{k},a,{v},organic\n" for k, v in labels.items())
        + "ghost-1,a,neutral,organic\n"
    )
    with pytest.raises(
        DataError, match=r"1 labelled demo comment\(s\) were not read, e\.g\. ghost-1"
    ):
        evaluation.evaluate_demo("all", "tfidf_baseline", labels_path=extra)
    with pytest.raises(DataError, match="the demo has one split: all"):
        evaluate("demo", "test", "tfidf_baseline", Path("unused"))
