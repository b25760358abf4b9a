"""Conversation features fed to the stance head beside the encoder's pooled text.

Earlier RumourEval systems gained most on the rare classes from a handful of thread cues: how
deep the reply sits, question marks and question words (query), negation and denial words
(deny), agreement words (support), links, and what the parent said. Each feature is a float in
[0, 1]; the order is part of the model format (``FEATURE_NAMES`` is saved with the model).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

FEATURE_NAMES: tuple[str, ...] = (
    "depth",  # 1 = direct reply to the article/source, capped at 5
    "nested",  # replies to another comment
    "has_question_mark",
    "ends_with_question",
    "question_word_start",
    "negation",
    "denial_cue",
    "support_cue",
    "has_url",
    "parent_question",
    "parent_negation",
    "length",  # words / 60, capped at 1
    "very_short",  # at most 3 words
    "exclamation",
    "mention_start",  # starts with @user (Twitter-style addressing)
)

_WORD = re.compile(r"[a-z']+")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^\W*(?:@\w+\s+)*(?:who|what|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"would|will|should|really|source|any\s+proof|proof)\b",
    re.IGNORECASE,
)
_NEGATION = frozenset(
    {"not", "no", "never", "nothing", "nobody", "none", "cannot", "neither", "nor", "without"}
)
_DENIAL = frozenset(
    {
        "fake", "hoax", "false", "lie", "lies", "lying", "liar", "untrue", "debunked", "wrong",
        "rumor", "rumour", "rumors", "rumours", "misleading", "nonsense", "bs", "bullshit",
        "propaganda", "fabricated", "hypocrisy", "denied", "denies", "deny",
    }
)  # fmt: skip
_SUPPORT = frozenset(
    {
        "true", "confirmed", "confirms", "confirm", "yes", "indeed", "exactly", "agree", "agreed",
        "right", "correct", "breaking", "reports", "reported", "according", "official",
        "good", "great", "smart", "crucial", "strong", "support", "supports",
    }
)  # fmt: skip


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _has_negation(words: Sequence[str]) -> bool:
    return any(w in _NEGATION or w.endswith("n't") for w in words)


def conversation_features(
    comments: Sequence[str], parents: Sequence[str | None], depths: Sequence[int]
) -> FloatArray:
    """One row of ``len(FEATURE_NAMES)`` floats per comment."""
    rows = np.zeros((len(comments), len(FEATURE_NAMES)), dtype=np.float32)
    for i, (text, parent, depth) in enumerate(zip(comments, parents, depths, strict=True)):
        words = _words(text)
        word_set = set(words)
        stripped = text.strip()
        parent_text = parent or ""
        parent_words = _words(parent_text)
        rows[i] = (
            min(max(depth, 1), 5) / 5.0,
            float(depth > 1),
            float("?" in text),
            float(stripped.endswith("?")),
            float(bool(_QUESTION_START.match(stripped))),
            float(_has_negation(words)),
            float(bool(word_set & _DENIAL)),
            float(bool(word_set & _SUPPORT)),
            float(bool(_URL.search(text))),
            float("?" in parent_text),
            float(_has_negation(parent_words)),
            min(len(words) / 60.0, 1.0),
            float(len(words) <= 3),
            float("!" in text),
            float(stripped.startswith("@")),
        )
    return rows
