"""Error types. Each message says what was wrong, where, and what to do about it."""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class; ``hint`` tells the user how to fix the problem."""

    code = "analyzer_error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(AnalyzerError):
    """Settings are invalid; raised once, at start-up."""

    code = "invalid_config"


class UnknownComponentError(ConfigError):
    code = "unknown_component"


class InputError(AnalyzerError):
    """An input file or stream cannot be read at all."""

    code = "unreadable_input"


class ModelError(AnalyzerError):
    """A model file is missing, corrupt, or does not match its recorded checksum."""

    code = "model_error"


class DataError(AnalyzerError):
    """Training or evaluation data is missing or not in the expected shape."""

    code = "data_error"
