"""Article context: short articles verbatim, long ones title + lead + the most similar sentences."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from analyzer.config import load_settings
from analyzer.coordination.sentence_encoder import (
    DEFAULT_SENTENCE_MODEL_DIR,
    OnnxSentenceEncoder,
    missing_files,
)
from analyzer.errors import ConfigError, ModelError
from analyzer.model import Article
from analyzer.stance.context import (
    ArticleSentences,
    ContextSelector,
    EmbeddingRanker,
    LexicalRanker,
    SentenceRanker,
    make_ranker,
)
from tests.builders import make_comment, needs_sentence_encoder

LONG = Article(
    article_id="a1",
    title="City council debates the harbour line",
    text=(
        "The council met on Monday to debate the new harbour tram line. "
        + "Officials presented figures on ridership and traffic. " * 6
        + "The levy on waterfront property would fund two thirds of the cost. "
        + "Residents of the old town asked for more night buses. " * 6
    ),
)

# Written for this test. The comment restates the dredging sentence without sharing a word
# with it (nor with any other sentence, stop words aside), so word overlap cannot find it.
HARBOUR = Article(
    article_id="h1",
    title="Harbour district plans",
    text=(
        "The city council met on Tuesday evening to review proposals for the harbour district. "
        "Officials said the new tram line would open in the spring of next year. "
        "A levy on waterfront property owners would pay for most of the construction. "
        "Fishermen worried that dredging the port would scare away the cod. "
        "The mayor promised more street lighting along the promenade. "
        "Local schools are to receive extra funding for music lessons. "
        "Parking fees in the old town are set to double. "
        "Night buses are to run every twenty minutes on weekends."
    ),
)
DREDGING = "Fishermen worried that dredging the port would scare away the cod."
PARAPHRASE = "Anglers fear digging up the seabed drives fish off."


@pytest.fixture(scope="module")
def encoder() -> OnnxSentenceEncoder:
    return OnnxSentenceEncoder(threads=1)


class CountingEncoder:
    """The real encoder, counting ``encode`` calls and texts."""

    def __init__(self, inner: OnnxSentenceEncoder) -> None:
        self.inner = inner
        self.calls: list[int] = []
        self.checksum = inner.checksum

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        return self.inner.encode(texts)

    def cosine_matrix(
        self, left: NDArray[np.float32], right: NDArray[np.float32]
    ) -> NDArray[np.float64]:
        return self.inner.cosine_matrix(left, right)


def embedding_ranker(encoder: OnnxSentenceEncoder) -> tuple[EmbeddingRanker, CountingEncoder]:
    ranker = EmbeddingRanker(Path("/nonexistent"))  # never loaded: the encoder is injected
    counting = CountingEncoder(encoder)
    ranker._encoder = counting  # type: ignore[assignment]
    return ranker, counting


@pytest.mark.parametrize("ranker", [LexicalRanker(), EmbeddingRanker(Path("/nonexistent"))])
def test_short_article_is_used_whole_without_ranking(ranker: SentenceRanker) -> None:
    # The embedding ranker points at no model: loading it would raise, so none is loaded.
    article = Article(article_id="a", title="Title", text="One. Two https://t.co/x three.")
    context = ContextSelector(600, ranker).select(article, "anything")
    assert context.text == "Title. One. Two https://t.co/x three."
    assert context.passages == ()


@needs_sentence_encoder
def test_short_articles_never_call_the_encoder(encoder: OnnxSentenceEncoder) -> None:
    ranker, counting = embedding_ranker(encoder)
    short = Article(article_id="s", title="Bridge closes", text="Repairs start Monday.")
    comments = [make_comment(f"c{i}", f"comment {i}", article_id="s") for i in range(5)]
    contexts = ContextSelector(600, ranker).contexts(comments, {"s": short})
    assert {c.text for c in contexts} == {"Bridge closes. Repairs start Monday."}
    assert counting.calls == []


def test_lexical_keeps_title_lead_and_the_sentence_sharing_words() -> None:
    context = ContextSelector(300, LexicalRanker()).select(
        LONG, "The waterfront levy is unfair to owners"
    )
    assert context.text.startswith("City council debates the harbour line. The council met")
    assert len(context.text) <= 300
    first = context.passages[0]
    assert "levy on waterfront property" in first.text
    assert LONG.text[first.start : first.end].strip() == first.text
    assert 0.0 < first.similarity <= 1.0


def test_lexical_misses_a_paraphrase() -> None:
    context = ContextSelector(300, LexicalRanker()).select(HARBOUR, PARAPHRASE)
    assert DREDGING not in [p.text for p in context.passages]


@needs_sentence_encoder
def test_embedding_finds_the_paraphrased_sentence(encoder: OnnxSentenceEncoder) -> None:
    ranker, _ = embedding_ranker(encoder)
    context = ContextSelector(300, ranker).select(HARBOUR, PARAPHRASE)
    assert context.text.startswith("Harbour district plans. The city council met")
    assert len(context.text) <= 300
    first = context.passages[0]
    assert first.text == DREDGING
    assert HARBOUR.text[first.start : first.end].strip() == DREDGING
    assert DREDGING in context.text
    others = [p.similarity for p in context.passages[1:]]
    assert all(first.similarity > s for s in others)
    assert ranker.min_similarity < first.similarity <= 1.0


@needs_sentence_encoder
def test_embedding_batches_sentences_and_comments(encoder: OnnxSentenceEncoder) -> None:
    ranker, counting = embedding_ranker(encoder)
    other = Article(article_id="a1", title=LONG.title, text=LONG.text)
    comments = [
        make_comment("p1", PARAPHRASE, article_id="h1"),
        make_comment("p2", "The levy will ruin owners", article_id="a1"),
        make_comment("p3", "Who pays for the tram?", article_id="h1"),
        make_comment("p4", "no article", article_id="missing"),
    ]
    contexts = ContextSelector(300, ranker).contexts(comments, {"h1": HARBOUR, "a1": other})
    # One call for every body sentence of both long articles, one for the three comments.
    sentences = sum(len(ArticleSentences(a, 300).rest) for a in (HARBOUR, other))
    assert counting.calls == [sentences, 3]
    assert contexts[0].passages[0].text == DREDGING
    assert "levy" in contexts[1].passages[0].text
    assert contexts[3].text == "" and contexts[3].passages == ()


@needs_sentence_encoder
def test_relevance_is_measured_in_the_same_batch_for_short_and_long_articles(
    encoder: OnnxSentenceEncoder,
) -> None:
    ranker, counting = embedding_ranker(encoder)
    short = Article(article_id="s", title="Bridge closes", text="Repairs start Monday.")
    comments = [
        make_comment("p1", PARAPHRASE, article_id="h1"),
        make_comment("p2", "When do the bridge repairs start?", article_id="s"),
        make_comment("p3", "no article", article_id="missing"),
    ]
    plain = ContextSelector(300, ranker).contexts(comments, {"h1": HARBOUR, "s": short})
    calls_plain = list(counting.calls)
    measured = ContextSelector(300, ranker).contexts(
        comments, {"h1": HARBOUR, "s": short}, measure_relevance=True
    )
    # One call for the units of both articles (heads included), one for the two comments.
    units = len(ArticleSentences(HARBOUR, 300).units) + len(ArticleSentences(short, 300).units)
    assert counting.calls[len(calls_plain) :] == [units, 2]
    assert [c.match for c in plain] == [None, None, None]
    harbour, bridge, missing = measured
    assert harbour.match is not None and harbour.match.text == DREDGING
    assert harbour.match.units == len(ArticleSentences(HARBOUR, 300).units)
    assert harbour.match.start is not None and harbour.match.end is not None
    assert HARBOUR.text[harbour.match.start : harbour.match.end].strip() == DREDGING
    assert harbour.passages[0].text == DREDGING  # the context is chosen as before
    # The short article stays verbatim; its head (title + lead) is its only unit.
    assert bridge.text == "Bridge closes. Repairs start Monday."
    assert bridge.match is not None and bridge.match.units == 1
    assert (
        bridge.match.start is None and bridge.match.text == "Bridge closes. Repairs start Monday."
    )
    assert missing.match is None  # nothing to compare with


def test_relevance_needs_the_embedding_ranker() -> None:
    with pytest.raises(TypeError, match="embedding ranker"):
        ContextSelector(300, LexicalRanker()).contexts(
            [make_comment("c", "x", article_id="a1")], {"a1": LONG}, measure_relevance=True
        )


def test_missing_article_gives_empty_context() -> None:
    assert ContextSelector(300, LexicalRanker()).select(None, "hello").text == ""


def test_missing_sentence_model_file_says_which_and_how_to_fix(tmp_path: Path) -> None:
    if not DEFAULT_SENTENCE_MODEL_DIR.is_dir():
        pytest.skip("data/models/minilm_sentence is absent")
    copy = tmp_path / "minilm_sentence"
    shutil.copytree(DEFAULT_SENTENCE_MODEL_DIR, copy, ignore=shutil.ignore_patterns("*.onnx"))
    ranker = make_ranker("embedding", model_dir=copy)
    with pytest.raises(ModelError) as raised:
        ranker.load()
    message = str(raised.value)
    assert "stance context selection" in message
    assert f"{copy} lacks model.int8.onnx" in message
    assert "restore data/models/minilm_sentence" in message
    assert "context_selection='lexical'" in message


def test_corrupt_sentence_model_is_refused(tmp_path: Path) -> None:
    if missing_files(DEFAULT_SENTENCE_MODEL_DIR):
        pytest.skip("data/models/minilm_sentence is absent")
    copy = tmp_path / "minilm_sentence"
    shutil.copytree(DEFAULT_SENTENCE_MODEL_DIR, copy, ignore=shutil.ignore_patterns("*.onnx"))
    (copy / "model.int8.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="sha256"):
        make_ranker("embedding", model_dir=copy).load()


@pytest.mark.parametrize(
    ("value", "kind"), [("embedding", EmbeddingRanker), ("lexical", LexicalRanker)]
)
def test_setting_picks_the_ranker(value: str, kind: type) -> None:
    settings = load_settings(stance={"context_selection": value})
    assert settings.stance.context_selection == value
    assert isinstance(make_ranker(settings.stance.context_selection), kind)


def test_default_setting_is_embedding() -> None:
    assert load_settings().stance.context_selection == "embedding"


def test_unknown_context_selection_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"context_selection.*'embedding' or 'lexical'"):
        load_settings(stance={"context_selection": "semantic"})
