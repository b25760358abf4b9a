"""Errors raised by the store. The service maps each to an HTTP status in one table."""

from __future__ import annotations

from analyzer.errors import AnalyzerError


class StorageError(AnalyzerError):
    """The database cannot be opened, migrated or reached."""

    code = "storage_unavailable"


class NotFoundError(AnalyzerError):
    """A record with the given id does not exist."""

    code = "not_found"

    def __init__(self, kind: str, record_id: str, *, hint: str | None = None) -> None:
        super().__init__(f"{kind} '{record_id}' does not exist", hint=hint)
        self.kind = kind
        self.record_id = record_id


class ConflictError(AnalyzerError):
    """The request contradicts what is stored (e.g. an appeal of a different target)."""

    code = "conflict"


class InvalidRequestError(AnalyzerError):
    """A well-formed request that asks for something impossible (e.g. a bad filter value)."""

    code = "invalid_request"
