"""Which comments the English stance model may judge.

The MiniLM model was trained on English only. Each comment's language is identified with lingua
(high-accuracy mode over a fixed set of common languages); a comment in another language gets
``supported: false`` and a reason instead of a silent English guess. Text too short or too
ambiguous to identify (``"lol"``, ``"wow!"``, ``"+1"``, an emoji) is scored, and the result says
why (language ``"und"``).

Speed and accuracy, measured on the RumourEval-2019 test replies (docs/stance-model.md):

- @mentions, links and ``#`` are removed before detection: they are not words of any language,
  and lingua read ``"@user @user2 Can you confirm?"`` as Portuguese;
- fewer than ``MIN_WORDS`` words of plain Latin letters is too short to tell (lingua called
  ``"wow"`` Polish); short texts in other scripts (Cyrillic, Arabic, ...) still go to lingua;
- plain-ASCII text in which English function words are frequent is English without asking
  lingua (60% of the replies); no other candidate language is written that way;
- lingua reads at most ``MAX_CHARS`` characters (its cost grows with the text; on the test
  replies the first 240 characters gave the same verdict as the whole text for every reply);
- the lingua detector (about 6-10 s and 650 MB to load) is built once per process, with all
  its models loaded up front, and shared.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.errors import ModelError

SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en"})
UNDETERMINED = "und"
MIN_WORDS = 4
MAX_CHARS = 240
TOO_SHORT_REASON = "too short or ambiguous to identify the language; scored as English"

_NOT_LANGUAGE = re.compile(r"@\w+|https?://\S+|www\.\S+|#")
_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Frequent English function words; a plain-ASCII text with enough of them is English.
_ENGLISH_FUNCTION_WORDS = frozenset(
    (
        *("the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "for", "is", "are"),
        *("was", "were", "be", "been", "it", "this", "that", "with", "as", "at", "by", "from"),
        *("not", "no", "you", "i", "he", "she", "we", "they", "what", "who", "why", "how"),
        *("do", "does", "did", "have", "has", "had", "will", "would", "can", "could", "should"),
        *("just", "so", "if", "there", "their", "my", "your", "me", "his", "her", "our"),
        *("them", "all", "about", "like", "it's", "don't", "i'm", "that's", "can't"),
    )
)
ENGLISH_SHARE = 0.2  # share of function words for the plain-ASCII fast path

# The languages lingua chooses among: the ones news comments are most often written in. A wider
# set makes short English texts more often mistaken for a rarer language.
CANDIDATE_LANGUAGES: tuple[str, ...] = (
    "ENGLISH", "RUSSIAN", "UKRAINIAN", "BELARUSIAN", "GERMAN", "FRENCH", "SPANISH", "ITALIAN",
    "PORTUGUESE", "POLISH", "DUTCH", "TURKISH", "ARABIC", "CHINESE", "JAPANESE", "KOREAN",
    "CZECH", "SWEDISH", "DANISH", "HINDI", "ROMANIAN", "HUNGARIAN", "GREEK", "FINNISH",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LanguageVerdict:
    language: str  # ISO 639-1 code, or "und" when it could not be identified
    supported: bool
    reason: str | None  # why the text is (or is scored despite being) outside the model's scope


def detection_text(text: str) -> str:
    """The text with @mentions, links and ``#`` removed, whitespace collapsed."""
    return " ".join(_NOT_LANGUAGE.sub(" ", text).split())


def plainly_english(words: Sequence[str], text: str) -> bool:
    """Plain ASCII with at least two English function words making up 20% of its words."""
    if not text.isascii():
        return False
    hits = sum(1 for w in words if w in _ENGLISH_FUNCTION_WORDS)
    return hits >= 2 and hits >= ENGLISH_SHARE * len(words)


@functools.cache
def shared_detector() -> Any:
    """The lingua detector over ``CANDIDATE_LANGUAGES``, built once per process."""
    try:
        from lingua import Language, LanguageDetectorBuilder  # noqa: PLC0415
    except ImportError:
        raise ModelError(
            "the 'lingua-language-detector' package is not installed",
            hint="install the stance extra: pip install -e '.[stance]'",
        ) from None

    languages = [getattr(Language, name) for name in CANDIDATE_LANGUAGES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(0.1)
        .with_preloaded_language_models()  # load now, not in the middle of the first batch
        .build()
    )


class LanguageGate:
    """Identifies comment languages; lingua loads on first use (about 10 s, once per process)."""

    def __init__(self, supported: frozenset[str] = SUPPORTED_LANGUAGES) -> None:
        self.supported = supported

    def load(self) -> None:
        """Load lingua's models now (about 6-10 s and 650 MB, once per process)."""
        shared_detector()

    def detect(self, texts: Sequence[str]) -> list[LanguageVerdict]:
        codes: list[str | None] = [None] * len(texts)
        ask: list[int] = []
        cleaned: list[str] = []
        for i, text in enumerate(texts):
            clean = detection_text(text)
            words = _LETTERS.findall(clean.lower())
            if len(words) < MIN_WORDS and all(w.isascii() for w in words):
                continue  # a few Latin-script words ("wow", "Nicad"): too short to tell
            if plainly_english(words, clean):
                codes[i] = "en"
                continue
            ask.append(i)
            cleaned.append(clean[:MAX_CHARS])
        if ask:
            detected = shared_detector().detect_languages_in_parallel_of(cleaned)
            for i, d in zip(ask, detected, strict=True):
                codes[i] = None if d is None else d.iso_code_639_1.name.lower()
        return [self.verdict(code) for code in codes]

    def verdict(self, code: str | None) -> LanguageVerdict:
        if code is None:
            return LanguageVerdict(language=UNDETERMINED, supported=True, reason=TOO_SHORT_REASON)
        if code in self.supported:
            return LanguageVerdict(language=code, supported=True, reason=None)
        return LanguageVerdict(
            language=code,
            supported=False,
            reason=(
                f"language '{code}' is not supported by this stance model "
                f"(supported: {', '.join(sorted(self.supported))}); no stance was inferred"
            ),
        )
