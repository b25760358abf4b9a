"""The shipped MiniLM classifier: contract, language gate, abstention, evidence.

Runs on the int8 ONNX model in data/models/minilm_stance (skips when it or onnxruntime is
absent). The lingua models take ~10 s to load, so most tests inject a fixed language gate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from analyzer.config import DEFAULT_MODELS_DIR, StanceParams
from analyzer.coordination.sentence_encoder import DEFAULT_SENTENCE_MODEL_DIR
from analyzer.errors import ModelError
from analyzer.model import EvidenceKind, StanceLabel
from analyzer.stance.agreement import PairAgreement
from analyzer.stance.cascade import baseline_outputs, gate_inputs
from analyzer.stance.context import ArticleContext, ArticleMatch, EmbeddingRanker, LexicalRanker
from analyzer.stance.language import LanguageGate, LanguageVerdict
from analyzer.stance.minilm_stance import (
    DEFAULT_MODEL_DIR,
    MiniLMStanceClassifier,
    MiniLMStanceModel,
    _relevance_evidence,
    thread_structure,
)
from analyzer.stance.relevance import DEFAULT_RELEVANCE_DIR, RelevanceCurve, curve_checksum
from tests.builders import make_article, make_comment

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
if not (DEFAULT_MODEL_DIR / "manifest.json").is_file():
    pytest.skip("the shipped minilm_stance model is absent", allow_module_level=True)


class FixedGate(LanguageGate):
    """Every text is English, except those listed as another language."""

    def __init__(self, others: dict[str, str] | None = None) -> None:
        super().__init__()
        self.others = others or {}

    def detect(self, texts: Sequence[str]) -> list[LanguageVerdict]:
        return [self.verdict(self.others.get(t, "en")) for t in texts]


@pytest.fixture(scope="module")
def model() -> MiniLMStanceModel:
    return MiniLMStanceModel(DEFAULT_MODEL_DIR, threads=1)


@pytest.fixture(scope="module")
def fast_model() -> MiniLMStanceModel:
    return MiniLMStanceModel(DEFAULT_MODEL_DIR, threads=1, fast=True)


def classifier(model: MiniLMStanceModel, **kwargs: Any) -> MiniLMStanceClassifier:
    return MiniLMStanceClassifier(
        model, language_gate=FixedGate(kwargs.pop("others", None)), **kwargs
    )


ARTICLE = make_article(
    "a1", "Police confirm the bridge will close for repairs", "The city said work starts Monday."
)
LONG_ARTICLE = make_article(
    "a2",
    "Council backs harbour levy",
    "The council voted for the levy. "
    + "Officials presented traffic figures for the old town. " * 12
    + "The levy on waterfront property funds two thirds of the tram line.",
)
COMMENTS = [
    make_comment("c1", "Is there any source for this? I can't find it anywhere."),
    make_comment("c2", "This is fake news, the bridge is not closing."),
    make_comment("c3", "Confirmed, I saw the notice at the bridge this morning."),
    make_comment("c4", "Nice weather today.", parent_id="c3"),
]


def test_contract(model: MiniLMStanceModel) -> None:
    results = classifier(model).predict(COMMENTS, {"a1": ARTICLE})
    assert [r.comment_id for r in results] == [c.comment_id for c in COMMENTS]
    for r in results:
        assert 0.0 <= r.confidence <= 1.0
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert r.confidence == pytest.approx(max(r.scores.values()))
        assert r.scores[str(r.label)] == pytest.approx(r.confidence)
        assert 0.0 <= r.questioning_score <= 1.0
        assert r.model == "minilm_stance@1.3.0"
        assert r.supported and r.language == "en"
    assert classifier(model).predict([], {}) == []


def test_deterministic_and_independent_of_order(model: MiniLMStanceModel) -> None:
    forward = classifier(model).predict(COMMENTS, {"a1": ARTICLE})
    backward = classifier(model).predict(COMMENTS[::-1], {"a1": ARTICLE})
    by_id = {r.comment_id: r for r in backward}
    for r in forward:
        assert by_id[r.comment_id].label == r.label
        assert by_id[r.comment_id].confidence == pytest.approx(r.confidence, abs=1e-6)


def test_clear_cases(model: MiniLMStanceModel) -> None:
    results = {r.comment_id: r for r in classifier(model).predict(COMMENTS, {"a1": ARTICLE})}
    assert results["c1"].questioning
    assert results["c2"].label is StanceLabel.OPPOSE
    assert results["c4"].label is StanceLabel.NEUTRAL and not results["c4"].questioning


def test_fast_profile_clear_cases(fast_model: MiniLMStanceModel) -> None:
    comments = [*COMMENTS, make_comment("q", "@reporter is this real?")]
    clf = classifier(fast_model)
    results = {r.comment_id: r for r in clf.predict(comments, {"a1": ARTICLE})}
    assert results["q"].questioning
    assert results["c2"].label is StanceLabel.OPPOSE
    assert results["c4"].label is StanceLabel.NEUTRAL and not results["c4"].questioning
    assert results["c2"].model == "minilm_stance@1.3.0+fast"
    assert fast_model.tokenizer.max_length == 64


def test_gate_decides_plain_comments_and_the_encoder_the_rest(
    fast_model: MiniLMStanceModel,
) -> None:
    gate = fast_model.gate
    assert gate is not None and fast_model.baseline is not None
    clf = classifier(fast_model)
    inputs = clf.inputs(COMMENTS, {"a1": ARTICLE})
    lexical = baseline_outputs(fast_model.baseline, COMMENTS, {"a1": ARTICLE})
    chars = [len(c.text) for c in COMMENTS]
    decided = gate.decides(gate.logits(gate_inputs(lexical, inputs.features)), lexical, chars)
    assert decided.tolist() == [True, False, False, True]
    with_gate = clf.predict(COMMENTS, {"a1": ARTICLE})
    fast_model.gate = None
    try:
        encoder_only = clf.predict(COMMENTS, {"a1": ARTICLE})
    finally:
        fast_model.gate = gate
    for a, b, gated in zip(with_gate, encoder_only, decided.tolist(), strict=True):
        said_gate = [e for e in a.evidence if "lexical gate" in e.summary]
        assert len(said_gate) == int(gated)
        if gated:
            assert a.label is StanceLabel.NEUTRAL
            assert a.scores["support"] + a.scores["oppose"] < gate.polar_below
        else:  # encoder scores; int8 activations are quantized per batch (up to ~0.07 here)
            assert a.scores == pytest.approx(dict(b.scores), abs=0.1)


class RecordingRanker(LexicalRanker):
    """The lexical ranker, recording the comments it is asked to rank."""

    def __init__(self) -> None:
        self.ranked: list[str] = []

    def similarities(
        self, groups: Sequence[tuple[Sequence[str], Sequence[str]]]
    ) -> list[npt.NDArray[np.float64]]:
        self.ranked.extend(c for _, comments in groups for c in comments)
        return super().similarities(groups)


def test_fast_profile_selects_context_only_for_the_encoders_comments(
    fast_model: MiniLMStanceModel,
) -> None:
    gate, baseline = fast_model.gate, fast_model.baseline
    assert gate is not None and baseline is not None
    comments = [
        make_comment(c.comment_id, c.text, article_id="a2", parent_id=c.parent_id) for c in COMMENTS
    ]
    ranker = RecordingRanker()
    clf = classifier(fast_model, context_ranker=ranker)
    inputs = clf.inputs(comments, {"a2": LONG_ARTICLE}, with_context=False)
    assert ranker.ranked == [] and {c.text for c in inputs.contexts} == {""}
    lexical = baseline_outputs(baseline, comments, {"a2": LONG_ARTICLE})
    chars = [len(c.text) for c in comments]
    gate_logits = gate.logits(gate_inputs(lexical, inputs.features))
    decided = gate.decides(gate_logits, lexical, chars).tolist()
    assert any(decided) and not all(decided)
    results = clf.predict(comments, {"a2": LONG_ARTICLE})
    assert ranker.ranked == [
        c.text for c, gated in zip(comments, decided, strict=True) if not gated
    ]
    for result, gated in zip(results, decided, strict=True):
        if gated:
            assert not [e for e in result.evidence if e.kind is EvidenceKind.ARTICLE_PASSAGE]


def test_unsupported_language_is_not_guessed(model: MiniLMStanceModel) -> None:
    russian = make_comment("r1", "Это ложь и пропаганда.")
    (result,) = classifier(model, others={russian.text: "ru"}).predict([russian], {"a1": ARTICLE})
    assert not result.supported and result.abstained
    assert result.language == "ru" and "not supported" in (result.unsupported_reason or "")
    assert len(set(result.scores.values())) == 1  # uniform: no guess


def test_abstains_below_threshold(model: MiniLMStanceModel) -> None:
    results = classifier(model, abstain_below=1.01).predict(COMMENTS, {"a1": ARTICLE})
    assert all(r.abstained for r in results)
    assert not any(r.abstained for r in classifier(model).predict(COMMENTS, {"a1": ARTICLE}))


def test_evidence_spans_point_into_the_texts(model: MiniLMStanceModel) -> None:
    long_article = LONG_ARTICLE
    comment = make_comment(
        "x1",
        "This is false. The levy on waterfront property will never fund the tram line. "
        "Lies from the council again.",
        article_id="a2",
    )
    for ranker, method in ((None, "embedding"), (LexicalRanker(), "lexical")):
        (result,) = classifier(model, context_ranker=ranker).predict(
            [comment], {"a2": long_article}
        )
        passages = [e for e in result.evidence if e.kind is EvidenceKind.ARTICLE_PASSAGE]
        assert passages and passages[0].summary.startswith(
            "responds to: 'The levy on waterfront property funds"
        )
        for e in passages:
            assert e.span is not None
            assert long_article.text[e.span.start : e.span.end].strip() == e.span.text
            assert e.similarity is not None and 0.0 < e.similarity <= 1.0
            assert f"{method} similarity {e.similarity:.2f}" in e.summary
            assert f"article characters {e.span.start}-{e.span.end}" in e.summary
    for e in result.evidence:
        if e.kind is EvidenceKind.TEXT_SPAN:
            assert e.span is not None and e.weight is not None and e.weight > 0
            assert comment.text[e.span.start : e.span.end] == e.span.text


def test_thread_structure() -> None:
    comments = [
        make_comment("p"),
        make_comment("r1", "reply", parent_id="p"),
        make_comment("r2", "reply to reply", parent_id="r1"),
        make_comment("orphan", "parent elsewhere", parent_id="missing"),
    ]
    thread = thread_structure(comments)
    assert thread.depths == (1, 2, 3, 2)
    assert thread.parents == (None, comments[0].text, "reply", None)


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    for item in DEFAULT_MODEL_DIR.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "model.sha256").write_text("0" * 64 + "  model.int8.onnx\n")
    with pytest.raises(ModelError, match="sha256"):
        MiniLMStanceModel(tmp_path)


def test_missing_sentence_model_fails_at_start_up(tmp_path: Path) -> None:
    params = StanceParams(model="minilm_stance", sentence_model_dir=tmp_path / "absent")
    with pytest.raises(
        ModelError, match=r"stance context selection .*absent lacks manifest.json"
    ) as raised:
        MiniLMStanceClassifier.from_params(params)
    assert "restore data/models/minilm_sentence" in str(raised.value)
    assert "context_selection='lexical'" in str(raised.value)


def test_parts_name_the_context_selection_and_its_encoder_checksum(
    model: MiniLMStanceModel,
) -> None:
    embedding = EmbeddingRanker(threads=1)
    embedding.load()
    (part,) = classifier(model, context_ranker=embedding).parts()
    shipped = (DEFAULT_SENTENCE_MODEL_DIR / "model.sha256").read_text().split()[0]
    assert (part.kind, part.name, part.checksum) == (
        "stance_context",
        "embedding_context_selection",
        shipped,
    )
    (lexical,) = classifier(model, context_ranker=LexicalRanker()).parts()
    assert (lexical.name, lexical.checksum) == ("lexical_context_selection", None)


def test_fast_profile_parts_also_name_the_gate_baseline(fast_model: MiniLMStanceModel) -> None:
    context, gate = classifier(fast_model, context_ranker=LexicalRanker()).parts()
    assert context.kind == "stance_context"
    shipped = (DEFAULT_MODELS_DIR / "stance-baseline" / "model.sha256").read_text().split()[0]
    assert (gate.kind, gate.name, gate.checksum) == ("stance_gate", "tfidf_baseline", shipped)
    assert fast_model.gate is not None and gate.checksum == fast_model.gate.baseline_sha256


def test_missing_model_dir_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="train stance"):
        MiniLMStanceModel(tmp_path / "nope")


def test_pair_rows_match_padded_batches(model: MiniLMStanceModel) -> None:
    tokenizer = model.tokenizer
    contexts = ["Police confirm the bridge closes", "Police confirm the bridge closes", ""]
    comments = ["Is this true?", "Nope, fake. " * 80, "ok"]
    rows = tokenizer.encode_rows(contexts, comments)
    batch = tokenizer.encode(contexts, comments)
    assert [len(r) for r in rows] == batch.attention_mask.sum(axis=1).tolist()
    assert max(len(r) for r in rows) == tokenizer.max_length  # the long comment is cut
    for row, ids in zip(rows, batch.input_ids.tolist(), strict=True):
        assert ids[: len(row)] == row


def test_comment_chars_read_marks_the_truncation_point(model: MiniLMStanceModel) -> None:
    tokenizer = model.tokenizer
    long = " ".join(f"Sentence number {k} says the bridge is open." for k in range(60))
    short, cut = tokenizer.comment_chars_read(["Police confirm"] * 2, ["Is this true?", long])
    assert short == len("Is this true?")
    assert 0 < cut < len(long)
    # What was read tokenizes to the comment part of the model input.
    (row,) = tokenizer.encode_rows(["Police confirm"], [long])
    (head,) = tokenizer.encode_rows(["Police confirm"], [long[:cut]])
    assert head == row


def test_evidence_only_from_sentences_the_model_read(model: MiniLMStanceModel) -> None:
    filler = " ".join(f"point {k} about old town traffic figures" for k in range(30))
    head = "Fake! This is a lie, the bridge is not closing. Total hoax. "
    text = f"{head}{filler}. The council is right."
    comment = make_comment("x2", text, article_id="a1")
    (result,) = classifier(model).predict([comment], {"a1": ARTICLE})
    assert result.label is StanceLabel.OPPOSE
    spans = [e.span for e in result.evidence if e.kind is EvidenceKind.TEXT_SPAN]
    assert spans and spans[0] is not None
    assert spans[0].start < text.index(filler)  # never the unread last sentence


def test_fast_profile_missing_says_how_to_fix(tmp_path: Path) -> None:
    for item in DEFAULT_MODEL_DIR.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    del manifest["fast"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert MiniLMStanceModel(tmp_path).gate is None
    with pytest.raises(ModelError, match="no fast profile") as info:
        MiniLMStanceModel(tmp_path, fast=True)
    assert "stance.fast=false" in (info.value.hint or "")


def copy_with_long_comments(
    directory: Path, long_comments: Any, key: str = "long_comments"
) -> Path:
    for item in DEFAULT_MODEL_DIR.iterdir():
        (directory / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest[key] = long_comments
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


# Pushes every long comment to "neutral": a calibration anyone can tell from the default one.
NEUTRAL_LONG = {"min_chars": 120, "offsets": [-4.0, -4.0, 0.0, 4.0, 0.0], "temperature": 1.0}
LONG_TEXT = (
    "Confirmed, I saw the notice at the bridge this morning. The council posted the dates on "
    "its site and the crews are already there."
)


def test_long_comments_take_their_own_calibration(tmp_path: Path, model: MiniLMStanceModel) -> None:
    long_model = MiniLMStanceModel(copy_with_long_comments(tmp_path, NEUTRAL_LONG), threads=1)
    assert len(LONG_TEXT) >= 120
    short_text = "Confirmed, I saw the notice at the bridge this morning."
    inputs = classifier(model).inputs(
        [make_comment("l1", LONG_TEXT), make_comment("l2", short_text)], {"a1": ARTICLE}
    )
    args = (list(inputs.segment_a), list(inputs.texts), inputs.features)
    default, long = model.proba(*args), long_model.proba(*args)
    np.testing.assert_allclose(long[1], default[1])  # short: the default calibration
    assert long[0, 3] > 0.9 > default[0, 3]  # long: pushed to comment
    # A shortened comment can keep its original calibration (evidence deltas rely on it).
    kept = long_model.proba(*args, lengths=[len(LONG_TEXT), len(LONG_TEXT)])
    np.testing.assert_allclose(kept[0], long[0])
    assert kept[1, 3] > 0.9
    # The fast profile's encoder reads 64 tokens; the calibration was fitted at 128.
    assert MiniLMStanceModel(tmp_path, threads=1, fast=True).long_comments is None


def test_a_long_comment_says_it_took_the_long_comment_calibration(tmp_path: Path) -> None:
    calibrated = {**NEUTRAL_LONG, "fitted_on": "667 ARC news comments"}
    long_model = MiniLMStanceModel(copy_with_long_comments(tmp_path, calibrated), threads=1)
    short_text = "Confirmed, I saw the notice at the bridge this morning."
    long_result, short_result = classifier(long_model).predict(
        [make_comment("l1", LONG_TEXT), make_comment("l2", short_text)], {"a1": ARTICLE}
    )
    (note,) = [e for e in long_result.evidence if e.kind is EvidenceKind.CALIBRATION]
    assert note.comment_ids == ("l1",)
    assert "fitted on 667 ARC news comments" in note.summary
    assert f"{len(LONG_TEXT)} characters, at least 120" in note.summary
    assert not [e for e in short_result.evidence if e.kind is EvidenceKind.CALIBRATION]


def test_one_calibration_adds_no_calibration_evidence(model: MiniLMStanceModel) -> None:
    (result,) = classifier(model).predict([make_comment("l1", LONG_TEXT)], {"a1": ARTICLE})
    assert model.long_comments is None
    assert not [e for e in result.evidence if e.kind is EvidenceKind.CALIBRATION]


def test_a_rejected_long_comment_calibration_is_not_used(
    tmp_path: Path, model: MiniLMStanceModel
) -> None:
    rejected = copy_with_long_comments(tmp_path, NEUTRAL_LONG, key="long_comments_rejected")
    long_model = MiniLMStanceModel(rejected, threads=1)
    assert long_model.long_comments is None
    inputs = classifier(model).inputs([make_comment("l1", LONG_TEXT)], {"a1": ARTICLE})
    args = (list(inputs.segment_a), list(inputs.texts), inputs.features)
    np.testing.assert_allclose(long_model.proba(*args), model.proba(*args))


def test_evidence_deltas_keep_the_comments_calibration(tmp_path: Path) -> None:
    boost = {"min_chars": 120, "offsets": [3.0, -3.0, 0.0, -3.0, 0.0], "temperature": 1.0}
    long_model = MiniLMStanceModel(copy_with_long_comments(tmp_path, boost), threads=1)
    comment = make_comment("l1", LONG_TEXT)
    chosen = classifier(long_model)
    (result,) = chosen.predict([comment], {"a1": ARTICLE})
    assert result.label is StanceLabel.SUPPORT
    (span,) = [e for e in result.evidence if e.kind is EvidenceKind.TEXT_SPAN]
    assert span.span is not None and span.weight is not None
    inputs = chosen.inputs([comment], {"a1": ARTICLE})
    first_end = LONG_TEXT.index(".") + 1
    reduced = [LONG_TEXT[first_end:].strip(), LONG_TEXT[:first_end].strip()]
    assert all(len(r) < 120 for r in reduced)  # alone they would take the default calibration
    # As the classifier batches them: both shortened versions in one call (int8 activations
    # are quantized per batch).
    without = long_model.proba(
        [inputs.segment_a[0]] * 2,
        reduced,
        np.repeat(inputs.features, 2, axis=0),
        lengths=[len(LONG_TEXT)] * 2,
    )
    drops = result.scores["support"] - without[:, 0]
    assert span.weight == pytest.approx(drops.max(), abs=1e-6)


@pytest.mark.parametrize(
    ("long_comments", "message"),
    [
        ({"min_chars": 281, "offsets": [0.0] * 5}, "malformed"),
        ({"min_chars": 281, "offsets": [0.0] * 4, "temperature": 1.0}, "needs 5 offsets"),
        ({"min_chars": 281, "offsets": [0.0] * 5, "temperature": 0.0}, "temperature > 0"),
    ],
)
def test_a_broken_long_comment_calibration_is_refused(
    tmp_path: Path, long_comments: Any, message: str
) -> None:
    with pytest.raises(ModelError, match=message) as info:
        MiniLMStanceModel(copy_with_long_comments(tmp_path, long_comments))
    assert "manifest.json" in str(info.value)


OFF_TOPIC = make_comment(
    "off",
    "My cat knocked a mug of tea over my laptop this morning, what a start to the week.",
    article_id="a2",
)
ON_TOPIC = make_comment(
    "on", "The levy on waterfront property is unfair to the owners who pay it.", article_id="a2"
)


@pytest.fixture(scope="module")
def curve() -> RelevanceCurve:
    return RelevanceCurve.read(DEFAULT_RELEVANCE_DIR)


def test_relevance_check_calls_an_off_topic_comment_unrelated_and_says_why(
    model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    clf = classifier(model, relevance=curve, relevance_checksum="sha")
    off, on = clf.predict([OFF_TOPIC, ON_TOPIC], {"a2": LONG_ARTICLE})
    assert off.label is StanceLabel.UNRELATED and on.label is not StanceLabel.UNRELATED
    assert off.model == on.model == "minilm_stance@1.3.0+relevance"
    for result in (off, on):
        assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-6)
    (why,) = [e for e in off.evidence if e.kind is EvidenceKind.RELEVANCE]
    assert why.similarity is not None and why.similarity < 0.2
    if why.span is None:  # the closest text was the head, which includes the title
        assert "(the title and lead)" in why.summary
    else:
        assert LONG_ARTICLE.text[why.span.start : why.span.end].strip() == why.span.text
    assert why.article_ids == ("a2",) and "off the article's topic" in why.summary
    assert not [e for e in on.evidence if e.kind is EvidenceKind.RELEVANCE]


def test_relevance_check_only_moves_probability_to_and_from_unrelated(
    model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    comments = [OFF_TOPIC, ON_TOPIC, *COMMENTS]
    articles = {"a1": ARTICLE, "a2": LONG_ARTICLE}
    plain = classifier(model, context_ranker=EmbeddingRanker(threads=1)).predict(comments, articles)
    checked = classifier(model, context_ranker=EmbeddingRanker(threads=1), relevance=curve).predict(
        comments, articles
    )
    for before, after in zip(plain, checked, strict=True):
        rest = {k: v for k, v in before.scores.items() if k != "unrelated"}
        rest_after = {k: v for k, v in after.scores.items() if k != "unrelated"}
        total, total_after = sum(rest.values()), sum(rest_after.values())
        for label, value in rest.items():  # the other labels keep their proportions
            assert rest_after[label] / total_after == pytest.approx(value / total, abs=0.02)
        assert after.label in {before.label, StanceLabel.UNRELATED}


def test_relevance_check_is_named_among_the_parts(
    model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    checksum = curve_checksum(DEFAULT_RELEVANCE_DIR)
    context, relevance = classifier(model, relevance=curve, relevance_checksum=checksum).parts()
    assert context.kind == "stance_context"
    assert (relevance.kind, relevance.name, relevance.version, relevance.checksum) == (
        "stance_relevance",
        "embedding_relevance",
        curve.version,
        checksum,
    )


def test_relevance_check_with_lexical_context_selection_is_refused(
    model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    with pytest.raises(ModelError, match="context selection is 'lexical'"):
        classifier(model, context_ranker=LexicalRanker(), relevance=curve)


def test_fast_profile_checks_only_the_comments_the_encoder_reads(
    fast_model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    clf = classifier(fast_model, relevance=curve)
    comments = [OFF_TOPIC, ON_TOPIC, *COMMENTS]
    articles = {"a1": ARTICLE, "a2": LONG_ARTICLE}
    inputs = clf.inputs(comments, articles, with_context=False)
    _, filled, gate_polar = clf._proba5(comments, articles, inputs)
    for row, i in enumerate(filled.usable):
        measured = filled.contexts[i].match is not None
        assert measured == (row not in gate_polar)
    assert gate_polar  # the gate decided some, so the test means something


def test_relevance_check_from_settings_loads_the_shipped_curve() -> None:
    clf = MiniLMStanceClassifier.from_params(
        StanceParams(model="minilm_stance", relevance_check=True, threads=1)
    )
    assert clf.relevance == RelevanceCurve.read(DEFAULT_RELEVANCE_DIR)
    assert clf.relevance_checksum == curve_checksum(DEFAULT_RELEVANCE_DIR)
    off = MiniLMStanceClassifier.from_params(StanceParams(model="minilm_stance", threads=1))
    assert off.relevance is None and off.model_id == "minilm_stance@1.3.0"


def test_a_curve_fitted_with_another_encoder_fails_at_start_up(
    tmp_path: Path, curve: RelevanceCurve
) -> None:
    replace(curve, sentence_model_sha256="0" * 64).write(tmp_path)
    params = StanceParams(
        model="minilm_stance", relevance_check=True, relevance_model_dir=tmp_path, threads=1
    )
    with pytest.raises(ModelError, match="another scale") as raised:
        MiniLMStanceClassifier.from_params(params)
    assert "train relevance" in str(raised.value)


def test_relevance_evidence_points_into_the_article_for_a_body_sentence(
    curve: RelevanceCurve,
) -> None:
    sentence = "The levy on waterfront property funds two thirds of the tram line."
    start = LONG_ARTICLE.text.index(sentence)
    match = ArticleMatch(0.08, sentence, 15, start, start + len(sentence))
    why = _relevance_evidence(OFF_TOPIC, ArticleContext("", (), match), curve, "embedding")
    assert why.span is not None
    assert LONG_ARTICLE.text[why.span.start : why.span.end] == sentence == why.span.text
    assert f"article characters {start}-{start + len(sentence)}" in why.summary
    assert f"below {float(curve.threshold(15)):.2f}" in why.summary
    assert "an article of 15 sentence(s)" in why.summary


def test_reply_agreement_judges_replies_without_the_relevance_check(
    model: MiniLMStanceModel, curve: RelevanceCurve
) -> None:
    checked = classifier(model, relevance=curve, relevance_checksum="sha")
    agreement = PairAgreement.from_params(StanceParams().reply_agreement, checked)
    judge = agreement.classifier
    assert isinstance(judge, MiniLMStanceClassifier)
    assert judge.relevance is None and judge.model_id == "minilm_stance@1.3.0"
    assert judge.model is checked.model and judge.context is checked.context  # nothing reloaded
    assert checked.relevance is curve  # the article stance keeps its check
    unchecked = classifier(model)
    assert unchecked.without_relevance() is unchecked
