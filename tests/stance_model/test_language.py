"""The language gate: English is scored, other languages are refused with a reason."""

from __future__ import annotations

import pytest

from analyzer.stance.language import UNDETERMINED, LanguageGate


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
