from __future__ import annotations

import pytest

from analyzer.config import load_settings
from analyzer.errors import ConfigError


def test_defaults_load_and_hash_is_stable() -> None:
    assert load_settings().digest() == load_settings().digest()


def test_nested_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    default_digest = load_settings().digest()
    monkeypatch.setenv("ANALYZER_COORDINATION__NEAR_DUPLICATE__THRESHOLD", "0.8")
    monkeypatch.setenv("ANALYZER_COORDINATION__DETECTORS", '["near_duplicate"]')
    settings = load_settings()
    assert settings.coordination.near_duplicate.threshold == 0.8
    assert settings.coordination.detectors == ("near_duplicate",)
    assert settings.digest() != default_digest


def test_unknown_environment_variable_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_COORDINATOIN__FLAG_THRESHOLD", "0.7")
    with pytest.raises(ConfigError, match="ANALYZER_COORDINATOIN__FLAG_THRESHOLD"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("ANALYZER_COORDINATION__FLAG_THRESHOLD", "1.5", "coordination.flag_threshold"),
        ("ANALYZER_INGEST__MAX_TEXT_CHARS", "-3", "ingest.max_text_chars"),
        ("ANALYZER_COORDINATION__NEAR_DUPLICATE__BANDS", "4", "near_duplicate.bands"),
    ],
    ids=["threshold-out-of-range", "negative-limit", "unknown-nested-key"],
)
def test_invalid_values_name_the_field(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_settings()


def test_unknown_override_is_rejected() -> None:
    with pytest.raises(ConfigError, match="nonsense"):
        load_settings(nonsense=1)


def test_malformed_json_value_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_COORDINATION__DETECTORS", "[near_duplicate")
    with pytest.raises(ConfigError, match="invalid settings"):
        load_settings()


def test_relevance_check_without_sentence_embeddings_fails_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANALYZER_STANCE__MODEL", "minilm_stance")
    monkeypatch.setenv("ANALYZER_STANCE__CONTEXT_SELECTION", "lexical")
    assert not load_settings().stance.relevance_check  # opt-in: lexical alone is fine
    monkeypatch.setenv("ANALYZER_STANCE__RELEVANCE_CHECK", "true")
    with pytest.raises(
        ConfigError, match="context_selection='embedding', or relevance_check=false"
    ):
        load_settings()
