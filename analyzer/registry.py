"""Name -> factory registries for pipeline components (spaCy-style, versioned)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from analyzer.errors import UnknownComponentError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a component name to its class. Duplicate names are rejected."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def add(cls: type[T]) -> type[T]:
            if name in self._entries:
                raise ValueError(
                    f"{self.kind} '{name}' is already registered by {self._entries[name].__name__}"
                )
            self._entries[name] = cls
            return cls

        return add

    def get(self, name: str) -> type[T]:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownComponentError(
                f"unknown {self.kind} '{name}'",
                hint=f"known {self.kind}s: {known}",
            ) from None

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._entries))

    def __contains__(self, name: object) -> bool:
        return name in self._entries
