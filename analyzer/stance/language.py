"""Which comments the English stance model may judge.

The MiniLM model was trained on English only. Each comment's language is identified with lingua
(high-accuracy mode over a fixed set of common languages); a comment in another language gets
``supported: false`` and a reason instead of a silent English guess. Text too short or too
ambiguous to identify (``"lol"``, ``"+1"``, an emoji) is scored, and the result says why
(language ``"und"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.errors import ModelError

SUPPORTED_LANGUAGES: frozenset[str] = frozenset({"en"})
UNDETERMINED = "und"

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


class LanguageGate:
    """Identifies comment languages; the lingua models load on first use (about 10 s)."""

    def __init__(self, supported: frozenset[str] = SUPPORTED_LANGUAGES) -> None:
        self.supported = supported
        self._detector: Any = None

    def _build(self) -> Any:
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
            .build()
        )

    def detect(self, texts: Sequence[str]) -> list[LanguageVerdict]:
        if not texts:
            return []
        if self._detector is None:
            self._detector = self._build()
        detected = self._detector.detect_languages_in_parallel_of(list(texts))
        return [
            self.verdict(None if d is None else d.iso_code_639_1.name.lower()) for d in detected
        ]

    def verdict(self, code: str | None) -> LanguageVerdict:
        if code is None:
            return LanguageVerdict(
                language=UNDETERMINED,
                supported=True,
                reason="too short or ambiguous to identify the language; scored as English",
            )
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
