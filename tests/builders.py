"""Small builders for test objects: sensible defaults, so each test shows only what matters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from analyzer.coordination.base import DetectionInput
from analyzer.coordination.sentence_encoder import DEFAULT_SENTENCE_MODEL_DIR, unavailable_reason
from analyzer.model import Article, Comment, ComponentInfo, StanceLabel, StanceResult

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
"""A fixed, timezone-aware reference time for tests."""

# Tests that run the shipped int8 sentence encoder skip where it cannot load.
needs_sentence_encoder = pytest.mark.skipif(
    unavailable_reason(DEFAULT_SENTENCE_MODEL_DIR, setting="semantic.model_dir") is not None,
    reason="needs onnxruntime, tokenizers and data/models/minilm_sentence",
)


def at(minutes: float = 0.0, *, seconds: float = 0.0) -> datetime:
    """``T0`` plus an offset: ``at(3)`` is three minutes after T0."""
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def make_comment(
    comment_id: str = "c1",
    text: str = "A perfectly ordinary comment about the article.",
    *,
    author: str | None = "reader",
    article_id: str = "a1",
    created_at: datetime | None = None,
    minutes: float | None = None,
    parent_id: str | None = None,
) -> Comment:
    """A comment; ``minutes`` is a shortcut for ``created_at=at(minutes)``."""
    if minutes is not None:
        created_at = at(minutes)
    return Comment(
        comment_id=comment_id,
        article_id=article_id,
        text=text,
        author=author,
        created_at=created_at,
        parent_id=parent_id,
    )


def make_article(article_id: str = "a1", title: str = "A headline", text: str = "") -> Article:
    return Article(article_id=article_id, title=title, text=text)


def detection_input(
    comments: Iterable[Comment],
    articles: Iterable[Article] = (),
    stance: Mapping[str, StanceResult] | None = None,
) -> DetectionInput:
    """What a detector sees; every article a comment names exists (empty if not given)."""
    comments = tuple(comments)
    by_id = {a.article_id: a for a in articles}
    for comment in comments:
        by_id.setdefault(comment.article_id, Article(article_id=comment.article_id))
    return DetectionInput(comments=comments, articles=by_id, stance=dict(stance or {}))


def make_stance(comment_id: str, label: StanceLabel = StanceLabel.NEUTRAL) -> StanceResult:
    """A confident stance result, for detectors that read stance."""
    scores = {lab.value: (1.0 if lab is label else 0.0) for lab in StanceLabel}
    return StanceResult(
        comment_id=comment_id,
        label=label,
        confidence=1.0,
        scores=scores,
        questioning=False,
        questioning_score=0.0,
        evidence=(),
        model="test@0",
    )


class NeutralStance:
    """A stance classifier for tests where the pipeline or detectors are under test: every
    comment neutral, with confidence 1."""

    name, version, checksum = "neutral", "0", None

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        return [make_stance(c.comment_id) for c in comments]
