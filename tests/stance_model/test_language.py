"""The language gate: English is scored, other languages are refused with a reason."""

from __future__ import annotations

import pytest

from analyzer.stance import language
from analyzer.stance.language import (
    MAX_CHARS,
    UNDETERMINED,
    LanguageGate,
    detection_text,
    plainly_english,
)


def test_verdicts() -> None:
    gate = LanguageGate()
    assert gate.verdict("en").supported
    refused = gate.verdict("ru")
    assert not refused.supported and "'ru'" in (refused.reason or "")
    unknown = gate.verdict(None)
    assert unknown.supported and unknown.language == UNDETERMINED and unknown.reason


@pytest.mark.slow
def test_lingua_detects_russian_and_english() -> None:
    verdicts = LanguageGate().detect(
        ["Это ложь и пропаганда, никаких доказательств нет.", "This report clearly shows strength."]
    )
    assert [v.language for v in verdicts] == ["ru", "en"]
    assert [v.supported for v in verdicts] == [False, True]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("@RyGuySA @JoelGuy_ Can you confirm?", "Can you confirm?"),
        ("Look https://t.co/x1 #breaking now", "Look breaking now"),
        ("  plain\n text ", "plain text"),
    ],
    ids=["mentions", "link-and-hashtag", "whitespace"],
)
def test_detection_text_drops_what_is_not_language(text: str, cleaned: str) -> None:
    assert detection_text(text) == cleaned


@pytest.mark.parametrize(
    "text",
    ["wow", "@Carolde Wow!", "Nooooo!!", "Valar Morghulis", "+1", "😱😱", ""],
    ids=["wow", "mention-wow", "nooo", "two-words", "plus-one", "emoji", "empty"],
)
def test_few_latin_words_are_undetermined_without_lingua(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(language, "shared_detector", _no_lingua)
    (verdict,) = LanguageGate().detect([text])
    assert verdict.language == UNDETERMINED and verdict.supported and verdict.reason


@pytest.mark.parametrize(
    "text",
    [
        "@RyGuySA @BOSBEER2006 Looks like a tornado to me, is it real?",
        "This is fake, the bridge is not closing at all.",
        "I don't think that's what they said in the report",
    ],
    ids=["mentions", "denial", "contractions"],
)
def test_plain_english_skips_lingua(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "shared_detector", _no_lingua)
    (verdict,) = LanguageGate().detect([text])
    assert verdict.language == "en" and verdict.supported and verdict.reason is None


@pytest.mark.parametrize(
    ("words", "english"),
    [
        (["this", "is", "not", "true"], True),
        (["das", "ist", "nicht", "wahr", "und", "falsch"], False),
        (["el", "gobierno", "no", "dijo", "nada"], False),  # one function word is not enough
        (["the", "a"] + ["word"] * 20, False),  # two hits but under 20% of the words
    ],
    ids=["english", "german", "spanish-one-hit", "too-rare"],
)
def test_plainly_english_needs_frequent_function_words(words: list[str], english: bool) -> None:
    assert plainly_english(words, " ".join(words)) is english


def test_other_texts_go_to_lingua_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    class Detector:
        def detect_languages_in_parallel_of(self, texts: list[str]) -> list[None]:
            seen.extend(texts)
            return [None] * len(texts)

    monkeypatch.setattr(language, "shared_detector", Detector)
    long_german = "Die Regierung hat heute erklärt, dass die Brücke geschlossen wird. " * 10
    verdicts = LanguageGate().detect(["wow", long_german, "Это ложь и пропаганда"])
    assert seen == [detection_text(long_german)[:MAX_CHARS], "Это ложь и пропаганда"]
    assert [v.language for v in verdicts] == [UNDETERMINED] * 3


def _no_lingua() -> object:
    raise AssertionError("lingua must not be needed for this text")
