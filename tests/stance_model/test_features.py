"""Conversation features: each cue fires on the text it describes and stays in [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.stance.features import FEATURE_NAMES, conversation_features


def feature(name: str, text: str, parent: str | None = None, depth: int = 1) -> float:
    row = conversation_features([text], [parent], [depth])[0]
    return float(row[FEATURE_NAMES.index(name)])


@pytest.mark.parametrize(
    ("name", "text", "parent", "depth", "expected"),
    [
        ("has_question_mark", "Is this confirmed?", None, 1, 1.0),
        ("has_question_mark", "This is confirmed.", None, 1, 0.0),
        ("ends_with_question", "Source?", None, 1, 1.0),
        ("question_word_start", "@bbc why would they do that", None, 1, 1.0),
        ("negation", "That didn't happen", None, 1, 1.0),
        ("denial_cue", "This is a hoax", None, 1, 1.0),
        ("support_cue", "Confirmed by the police", None, 1, 1.0),
        ("has_url", "see https://example.org/x", None, 1, 1.0),
        ("parent_question", "yes", "Is it true?", 2, 1.0),
        ("parent_negation", "yes", "It is not true", 2, 1.0),
        ("nested", "yes", "parent", 3, 1.0),
        ("nested", "yes", None, 1, 0.0),
        ("depth", "yes", None, 9, 1.0),
        ("very_short", "so true", None, 1, 1.0),
        ("mention_start", "@someone agreed", None, 1, 1.0),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 24 else None,
)
def test_cue(name: str, text: str, parent: str | None, depth: int, expected: float) -> None:
    assert feature(name, text, parent, depth) == expected


def test_features_are_bounded_and_one_row_per_comment() -> None:
    texts = ["", "a" * 5000, "Why? Why?! " * 40, "normal text"]
    rows = conversation_features(texts, [None, "x?", None, "no"], [0, 1, 7, 2])
    assert rows.shape == (4, len(FEATURE_NAMES))
    assert np.all(rows >= 0.0) and np.all(rows <= 1.0)
