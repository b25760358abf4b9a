"""The TF-IDF baseline classifier: predict contract, evidence spans, loading and checksums."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from analyzer.config import StanceParams
from analyzer.errors import ModelError
from analyzer.model import Article, Comment, StanceLabel, StanceResult
from analyzer.stance import STANCE_CLASSIFIERS
from analyzer.stance.baseline import (
    CHECKSUM_FILE,
    DEFAULT_MODEL_DIR,
    MANIFEST_FILE,
    MODEL_FILE,
    TOKEN_PATTERN,
    TRUSTED_TYPES,
    BaselineModel,
    TfidfBaselineClassifier,
    foreign_types,
    normalize_text,
    read_model,
    write_model,
)
from analyzer.stance.datasets import concat_pairs, load_arc, load_rumoureval
from analyzer.stance.training import TrainingConfig, fit_model
from tests.builders import make_article, make_comment
from tests.stance.synthetic import write_stance_data

TRAIN_HINT = "comment-analyzer train stance-baseline"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> BaselineModel:
    data = write_stance_data(tmp_path_factory.mktemp("stance-data"))
    rumoureval = load_rumoureval(data, "train").replies().with_text()
    train = concat_pairs([rumoureval, load_arc(data, "train")], dataset="toy", split="train")
    return fit_model(train, rumoureval, TrainingConfig(min_df=1), c=10.0)


@pytest.fixture(scope="module")
def model_dir(tiny_model: BaselineModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stance-model")
    write_model(tiny_model, folder / MODEL_FILE)
    return folder


@pytest.fixture
def classifier(model_dir: Path) -> TfidfBaselineClassifier:
    return TfidfBaselineClassifier.from_params(StanceParams(model_path=model_dir))


ARTICLES = {
    "a1": make_article("a1", "The city council approves new bike lanes downtown", "Work starts."),
    "a2": make_article("a2", "A new stadium will be built by the river"),
}
COMMENTS = (
    make_comment("c1", "Great decision, I fully agree with the bike lanes."),
    make_comment("c2", "The bike lanes story is a LIE, totally fake news."),
    make_comment("c3", "Is the stadium confirmed? Any source for this?", article_id="a2"),
    make_comment("c4", "Don\u2019t believe it, the stadium thing is debunked.", article_id="a2"),
    make_comment("c5", "My neighbour was talking about the bike lanes yesterday."),
    make_comment("c6", ""),
    make_comment("c7", "zzz qqq unknownword"),
)


def predict(
    classifier: TfidfBaselineClassifier, comments: Sequence[Comment] = COMMENTS
) -> list[StanceResult]:
    return classifier.predict(comments, ARTICLES)


def test_is_registered_under_its_name() -> None:
    assert STANCE_CLASSIFIERS.get("tfidf_baseline") is TfidfBaselineClassifier


def test_one_valid_result_per_comment_in_input_order(
    classifier: TfidfBaselineClassifier,
) -> None:
    results = predict(classifier)
    assert [r.comment_id for r in results] == [c.comment_id for c in COMMENTS]
    for result in results:
        assert isinstance(result.label, StanceLabel)
        assert set(result.scores) == {str(label) for label in StanceLabel}
        assert math.isclose(sum(result.scores.values()), 1.0, abs_tol=1e-9)
        assert all(0.0 <= p <= 1.0 for p in result.scores.values())
        assert result.confidence == max(result.scores.values())
        assert result.scores[str(result.label)] == result.confidence
        assert 0.0 <= result.questioning_score <= 1.0
        assert result.model == "tfidf_baseline@1.0.0"
        assert result.evidence, "every result explains itself"
        assert result.evidence[0].summary.startswith(f"leans {result.label}:")


def test_learns_the_obvious_cues(classifier: TfidfBaselineClassifier) -> None:
    by_id = {r.comment_id: r for r in predict(classifier)}
    assert by_id["c1"].label is StanceLabel.SUPPORT
    assert by_id["c2"].label is StanceLabel.OPPOSE
    assert by_id["c4"].label is StanceLabel.OPPOSE
    assert by_id["c3"].questioning and not by_id["c1"].questioning
    assert by_id["c3"].questioning_score > by_id["c5"].questioning_score


def test_evidence_spans_point_into_the_comment_text(classifier: TfidfBaselineClassifier) -> None:
    texts = {c.comment_id: c.text for c in COMMENTS}
    spans_seen = 0
    for result in predict(classifier):
        taken: list[tuple[int, int]] = []
        for evidence in result.evidence:
            assert evidence.comment_ids == (result.comment_id,)
            if evidence.span is None:
                continue
            spans_seen += 1
            span = evidence.span
            assert texts[result.comment_id][span.start : span.end] == span.text
            assert span.text.strip() == span.text and span.text
            assert evidence.weight is not None and evidence.weight > 0
            assert all(span.end <= s or e <= span.start for s, e in taken), "no overlaps"
            taken.append((span.start, span.end))
        weights = [e.weight for e in result.evidence if e.weight is not None]
        assert weights == sorted(weights, reverse=True)
    assert spans_seen >= 8


def test_evidence_spans_are_vocabulary_terms(
    classifier: TfidfBaselineClassifier, tiny_model: BaselineModel
) -> None:
    vocabulary = tiny_model.vectorizer.vocabulary_
    texts = [
        "LIES, lies and more lies!!! Don\u2019t believe the  bike-lanes story.",
        "agree?? I fully agree; exactly right, the stadium (really) is great",
        "great great great",
    ]
    comments = [make_comment(f"v{i}", text) for i, text in enumerate(texts)]
    spans = 0
    for result in classifier.predict(comments, ARTICLES):
        for evidence in result.evidence:
            if evidence.span is not None:
                spans += 1
                tokens = re.findall(TOKEN_PATTERN, normalize_text(evidence.span.text).lower())
                assert " ".join(tokens) in vocabulary, evidence.span.text
    assert spans >= 5


def test_evidence_keeps_the_original_case_and_apostrophes(
    classifier: TfidfBaselineClassifier,
) -> None:
    by_id = {r.comment_id: r for r in predict(classifier)}
    shown = {e.span.text for e in by_id["c2"].evidence if e.span is not None}
    assert "LIE" in shown or "fake" in shown
    apostrophe = {e.span.text for e in by_id["c4"].evidence if e.span is not None}
    assert apostrophe, "the curly-apostrophe comment still gets spans"


def test_comments_without_known_words_get_a_summary_without_a_span(
    classifier: TfidfBaselineClassifier,
) -> None:
    by_id = {r.comment_id: r for r in predict(classifier)}
    for comment_id in ("c6", "c7"):
        (evidence,) = by_id[comment_id].evidence
        assert evidence.span is None and evidence.summary.startswith("leans ")


def test_empty_input_gives_empty_output(classifier: TfidfBaselineClassifier) -> None:
    assert classifier.predict([], ARTICLES) == []


def test_deterministic_and_independent_of_input_order(
    classifier: TfidfBaselineClassifier,
) -> None:
    first = predict(classifier)
    assert predict(classifier) == first
    reversed_ = {r.comment_id: r for r in predict(classifier, COMMENTS[::-1])}
    assert all(reversed_[r.comment_id] == r for r in first)


def test_batch_and_single_predictions_agree(classifier: TfidfBaselineClassifier) -> None:
    batch = predict(classifier)
    singles = [predict(classifier, [c])[0] for c in COMMENTS]
    for one, other in zip(batch, singles, strict=True):
        assert one.label == other.label
        assert one.scores == pytest.approx(other.scores)


def test_without_article_text_unrelated_is_never_claimed(
    classifier: TfidfBaselineClassifier,
) -> None:
    comments = [make_comment("x1", "Nothing to do with anything here.", article_id="gone")]
    (result,) = classifier.predict(comments, {})
    assert result.scores["unrelated"] == 0.0
    assert math.isclose(sum(result.scores.values()), 1.0)
    assert "no title or text" in result.evidence[0].summary
    empty = {"e": Article(article_id="e")}
    (same,) = classifier.predict([make_comment("x1", comments[0].text, article_id="e")], empty)
    assert same.scores == result.scores


def test_off_topic_comment_leans_unrelated(classifier: TfidfBaselineClassifier) -> None:
    comment = make_comment("o1", "The library will open on Sundays, that is my view on it.")
    (result,) = classifier.predict([comment], ARTICLES)
    (on_topic,) = classifier.predict(
        [make_comment("o2", "The bike lanes will open on Sundays, that is my view on it.")],
        ARTICLES,
    )
    assert result.scores["unrelated"] > on_topic.scores["unrelated"]


def test_context_is_title_plus_lead(model_dir: Path) -> None:
    short = TfidfBaselineClassifier.from_params(StanceParams(model_path=model_dir, context_chars=1))
    article = {"a1": make_article("a1", "Weather", "The bike lanes are approved downtown.")}
    comment = [make_comment("c1", "Great decision, I fully agree with the bike lanes.")]
    (with_lead,) = TfidfBaselineClassifier.from_params(StanceParams(model_path=model_dir)).predict(
        comment, article
    )
    (title_only,) = short.predict(comment, article)
    assert with_lead.scores["unrelated"] < title_only.scores["unrelated"]


# -- files, checksums, trust ---------------------------------------------------------------------


def test_checksum_is_the_sha256_of_the_file(
    classifier: TfidfBaselineClassifier, model_dir: Path
) -> None:
    recorded = (model_dir / CHECKSUM_FILE).read_text(encoding="utf-8").split()
    assert recorded == [classifier.checksum, MODEL_FILE]
    assert hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest() == recorded[0]


def test_model_path_may_name_the_file_or_its_folder(model_dir: Path) -> None:
    by_file = TfidfBaselineClassifier.from_params(StanceParams(model_path=model_dir / MODEL_FILE))
    by_dir = TfidfBaselineClassifier.from_params(StanceParams(model_path=model_dir))
    assert by_file.checksum == by_dir.checksum


def test_missing_model_fails_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        TfidfBaselineClassifier.from_params(StanceParams(model_path=tmp_path / "nope.skops"))
    assert "not found" in caught.value.message and "nope.skops" in caught.value.message
    assert caught.value.hint is not None and TRAIN_HINT in caught.value.hint


def test_changed_file_fails_the_checksum_before_loading(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[-10] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum mismatch") as caught:
        TfidfBaselineClassifier.from_params(StanceParams(model_path=copy))
    assert caught.value.hint is not None and TRAIN_HINT in caught.value.hint


def test_missing_checksum_file_refuses_to_load(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    (copy / CHECKSUM_FILE).unlink()
    with pytest.raises(ModelError, match="no checksum file"):
        read_model(copy / MODEL_FILE)


def _write_with_checksum(path: Path, state: object) -> None:
    data = sio.dumps(state)
    path.write_bytes(data)
    path.with_name(CHECKSUM_FILE).write_text(
        f"{hashlib.sha256(data).hexdigest()}  {path.name}\n", encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("intruder", "type_name"),
    [
        (Fraction(1, 3), "fractions.Fraction"),  # untrusted by skops too
        (LogisticRegression(), "LogisticRegression"),  # skops would trust it; we do not
    ],
    ids=["untrusted", "skops-default-trusted"],
)
def test_anything_beyond_plain_data_is_refused_even_with_a_good_checksum(
    tiny_model: BaselineModel, tmp_path: Path, intruder: object, type_name: str
) -> None:
    state = {**tiny_model.to_state(), "extra": intruder}
    _write_with_checksum(tmp_path / MODEL_FILE, state)
    with pytest.raises(ModelError, match=f"outside builtins and numpy.*{type_name}"):
        read_model(tmp_path / MODEL_FILE)


def test_write_model_refuses_a_state_it_could_not_load(
    tiny_model: BaselineModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = {**tiny_model.to_state(), "extra": Fraction(1, 3)}
    monkeypatch.setattr(BaselineModel, "to_state", lambda self: state)
    with pytest.raises(ModelError, match=r"fractions\.Fraction"):
        write_model(tiny_model, tmp_path / MODEL_FILE)
    assert not (tmp_path / MODEL_FILE).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "not a stance-baseline model"),
        ({"format_version": 99}, "format version 99"),
        ({"labels": ["support", "oppose", "neutral"]}, "inconsistent"),
        ({"stance_coef": np.zeros((4, 3), dtype=np.float32)}, "stance_coef has shape"),
        ({"cue_names": ["similarity", "sparkle"]}, "unknown cue"),
        ({"temperature": 0.0}, "temperature"),
        ({"vectorizer_settings": {"analyzer": "char"}}, "bad vectorizer settings"),
        ({"idf": np.ones(3, dtype=np.float32)}, "idf has shape"),
    ],
    ids=["format", "version", "labels", "shape", "cue", "temperature", "settings", "idf"],
)
def test_malformed_model_state_is_a_model_error(
    tiny_model: BaselineModel, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    state = {**tiny_model.to_state(), **change}
    _write_with_checksum(tmp_path / MODEL_FILE, state)
    with pytest.raises(ModelError, match=message):
        read_model(tmp_path / MODEL_FILE)


def test_saved_state_is_plain_data_without_pruned_terms(tiny_model: BaselineModel) -> None:
    tiny_model.vectorizer.stop_words_ = {"a raw training phrase"}
    state = tiny_model.to_state()
    plain = (str, bool, int, float, list, dict, np.ndarray)
    assert all(isinstance(value, plain) for value in state.values())
    assert "a raw training phrase" not in repr(state)
    assert state["vocabulary"].split("\n") == list(tiny_model.vectorizer.get_feature_names_out())


def test_model_file_holds_only_builtins_and_numpy(model_dir: Path) -> None:
    data = (model_dir / MODEL_FILE).read_bytes()
    assert set(sio.get_untrusted_types(data=data)) <= set(TRUSTED_TYPES)
    assert foreign_types(data) == set()


def test_equal_models_give_identical_files(tiny_model: BaselineModel, tmp_path: Path) -> None:
    first = write_model(tiny_model, tmp_path / "one" / MODEL_FILE)
    second = write_model(tiny_model, tmp_path / "two" / MODEL_FILE)
    assert first == second


def test_write_then_read_round_trips(tiny_model: BaselineModel, model_dir: Path) -> None:
    loaded, checksum = read_model(model_dir / MODEL_FILE)
    assert len(checksum) == 64
    assert loaded.labels == tiny_model.labels
    assert np.array_equal(loaded.stance_coef, tiny_model.stance_coef)
    assert loaded.vectorizer.vocabulary_ == tiny_model.vectorizer.vocabulary_


# -- the shipped model ---------------------------------------------------------------------------


def test_shipped_model_loads_and_classifies() -> None:
    classifier = TfidfBaselineClassifier.from_params(StanceParams())
    manifest = json.loads((DEFAULT_MODEL_DIR / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["sha256"] == classifier.checksum
    assert manifest["labels"] == ["support", "oppose", "neutral", "unrelated"]
    assert manifest["version"] == TfidfBaselineClassifier.version
    assert (DEFAULT_MODEL_DIR / MODEL_FILE).stat().st_size < 5_000_000
    article = make_article(
        "a1",
        "Council votes to close the central library",
        "The council voted on Tuesday to close the central library next year to save money.",
    )
    comments = [
        make_comment("q", "Is this confirmed? What is the source for the library closing?"),
        make_comment("s", "Absolutely right, well done council."),
        make_comment("o", "This is false, nobody voted for anything."),
        make_comment("u", "Anyone know a good recipe for banana bread with walnuts?"),
    ]
    results = classifier.predict(comments, {"a1": article})
    assert [r.comment_id for r in results] == ["q", "s", "o", "u"]
    by_id = {r.comment_id: r for r in results}
    # A regression check on the shipped file, not a quality claim: see MODEL_CARD.md for that.
    assert by_id["q"].questioning and not by_id["s"].questioning and not by_id["o"].questioning
    assert by_id["s"].label is StanceLabel.SUPPORT
    assert by_id["o"].label is StanceLabel.OPPOSE
    assert by_id["u"].scores["unrelated"] > by_id["s"].scores["unrelated"]
    for result, comment in zip(results, comments, strict=True):
        for evidence in result.evidence:
            if evidence.span is not None:
                assert comment.text[evidence.span.start : evidence.span.end] == evidence.span.text
