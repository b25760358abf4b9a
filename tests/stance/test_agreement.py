"""Reply agreement (analyzer/stance/agreement.py) and the pipeline/export wiring of both extras."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.config import StanceParams, load_settings
from analyzer.export import comment_record
from analyzer.model import (
    AgreementLabel,
    Article,
    Comment,
    ComponentInfo,
    Corpus,
    StanceLabel,
    StanceResult,
)
from analyzer.pipeline import Pipeline
from analyzer.stance.agreement import REPLY_AGREEMENT, PairAgreement, agreement_scores
from tests.builders import make_comment


class KeywordClassifier:
    """Stance from a keyword: 'yes' supports the article, 'no' opposes it, else neutral."""

    name: ClassVar[str] = "keyword"
    version: ClassVar[str] = "0"
    checksum = None

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []  # (article text, comment text)

    @classmethod
    def from_params(cls, params: StanceParams) -> KeywordClassifier:
        return cls()

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        out = []
        for comment in comments:
            self.seen.append((articles[comment.article_id].text, comment.text))
            words = comment.text.lower().split()
            label = (
                StanceLabel.SUPPORT
                if "yes," in words or "yes" in words
                else StanceLabel.OPPOSE
                if "no," in words or "no" in words
                else StanceLabel.NEUTRAL
            )
            scores = {str(lab): (0.7 if lab is label else 0.1) for lab in StanceLabel}
            out.append(
                StanceResult(
                    comment_id=comment.comment_id,
                    label=label,
                    confidence=0.7,
                    scores=MappingProxyType(scores),
                    questioning=False,
                    questioning_score=0.0,
                    evidence=(),
                    model="keyword@0",
                )
            )
        return out


THREAD = [
    make_comment("p", "The bridge will be finished in May."),
    make_comment("r1", "Yes, exactly, the contractor confirmed it.", parent_id="p"),
    make_comment("r2", "No, that is wrong, it slipped to autumn.", parent_id="p"),
    make_comment("r3", "I drive over it every day.", parent_id="p"),
    make_comment("r4", "Yes, true.", parent_id="missing"),  # parent not in the batch
]


def test_component_is_registered_by_name_and_version() -> None:
    component = REPLY_AGREEMENT.get("pair_agreement").from_params(
        StanceParams().reply_agreement, KeywordClassifier()
    )
    assert (component.name, component.version) == ("pair_agreement", "1.0.0")


def test_replies_are_judged_against_their_parent_text() -> None:
    classifier = KeywordClassifier()
    results = PairAgreement(classifier).judge(THREAD)
    assert set(results) == {"r1", "r2", "r3"}  # not the top-level comment, not the orphan
    assert {k: r.label for k, r in results.items()} == {
        "r1": AgreementLabel.AGREE,
        "r2": AgreementLabel.DISAGREE,
        "r3": AgreementLabel.NEUTRAL,
    }
    assert all(article == "The bridge will be finished in May." for article, _ in classifier.seen)
    assert results["r1"].parent_id == "p"
    assert results["r1"].model == "pair_agreement@1.0.0+keyword@0"


def test_scores_fold_onto_three_labels_and_evidence_quotes_the_cues() -> None:
    results = PairAgreement(KeywordClassifier()).judge(THREAD)
    for result in results.values():
        assert abs(sum(result.scores.values()) - 1.0) < 1e-9
        assert result.confidence == pytest.approx(result.scores[str(result.label)])
    agree = results["r1"]
    cues = {e.span.text.lower() for e in agree.evidence if e.span is not None}
    assert {"yes", "exactly", "confirmed"} <= cues
    text = THREAD[1].text
    for evidence in agree.evidence:
        assert evidence.span is not None
        assert text[evidence.span.start : evidence.span.end] == evidence.span.text
    assert any("wrong" in e.summary for e in results["r2"].evidence)


def test_agreement_scores_put_unrelated_into_neutral() -> None:
    result = KeywordClassifier().predict([make_comment("c", "hm")], {"a1": Article("a1")})[0]
    scores = agreement_scores(result)
    assert scores == pytest.approx({"agree": 0.1, "disagree": 0.1, "neutral": 0.8})


def test_pipeline_fills_both_extras_and_lists_them_in_run_info() -> None:
    settings = load_settings(
        stance={"reply_agreement": {"enabled": True}, "targets": {"targets": ["Freedonia"]}},
        coordination={"detectors": ()},
    )
    corpus = Corpus(
        (Article("a1", text="Freedonia opened the bridge."),),
        (
            make_comment("p", "Freedonia is corrupt and its bridge is a disgrace."),
            make_comment("r", "Totally agree, well said.", parent_id="p"),
        ),
    )
    pipeline = Pipeline.from_settings(settings)
    result = pipeline.run(corpus)
    by_id = {a.comment.comment_id: a for a in result.reports[0].comments}
    assert by_id["p"].stance.reply_agreement is None
    reply = by_id["r"].stance.reply_agreement
    assert reply is not None and reply.parent_id == "p"
    parent_targets = {t.target: t for t in by_id["p"].stance.targets}
    assert str(parent_targets["Freedonia"].label) == "against"
    kinds = {(c.kind, c.name) for c in result.run_info.components}
    assert {("target_stance", "lexical_target"), ("reply_agreement", "pair_agreement")} <= kinds
    record = comment_record(by_id["r"], result.run_info.run_id)
    assert record["stance"]["reply_agreement"]["parent_id"] == "p"
    assert record["stance"]["reply_agreement"]["label"] in {"agree", "disagree", "neutral"}
    parent_record = comment_record(by_id["p"], result.run_info.run_id)
    freedonia = next(t for t in parent_record["stance"]["targets"] if t["target"] == "Freedonia")
    assert freedonia["label"] == "against" and freedonia["basis"] == "mention"
    assert freedonia["evidence"][0]["span"]["unit"] == "char"
    json.dumps(record)  # the contract is plain JSON


def test_extras_can_be_switched_off() -> None:
    settings = load_settings(
        stance={"targets": {"enabled": False}, "reply_agreement": {"enabled": False}},
        coordination={"detectors": ()},
    )
    pipeline = Pipeline.from_settings(settings)
    result = pipeline.run(Corpus((), (make_comment("p"), make_comment("r", parent_id="p"))))
    for analysis in result.reports[0].comments:
        assert analysis.stance.targets == ()
        assert analysis.stance.reply_agreement is None
    assert {c.kind for c in result.run_info.components} == {"stance"}


def test_cli_target_option_adds_a_target(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"comment_id": "c1", "article_id": "a1", "text": "Putin is a war criminal."})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["analyze", str(source), "-q", "--out", str(out), "--target", "Russia=Putin"]
    )
    assert result.exit_code == 0, result.output
    row = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    russia = next(t for t in row["stance"]["targets"] if t["target"] == "Russia")
    assert (russia["label"], russia["source"]) == ("against", "user")


def test_cli_rejects_a_target_without_a_name(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"comment_id": "c1", "article_id": "a1", "text": "hi"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(source), "-q", "--target", "=Putin"])
    assert result.exit_code == 2
    assert "has no name" in result.output
