"""The contract every coordination detector meets, and their registry."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, cast

from analyzer.model import Article, Comment, Requirement, Signal, StanceResult
from analyzer.registry import Registry

T = TypeVar("T")


class RunMemo:
    """Work that several detectors of one run share, done by the first that needs it.

    near_duplicate and semantic both time-order and quote-strip every comment; at a million
    comments doing that twice costs about 20 s. A value is tied to the object it was derived
    from (``of``) and recomputed when asked for another one, so detectors that see different
    comment subsets never share by mistake. One memo lives for one pipeline run.
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[object, object]] = {}

    def get(self, key: Hashable, of: object, compute: Callable[[], T]) -> T:
        held = self._values.get(key)
        if held is not None and held[0] is of:
            return cast(T, held[1])
        value = compute()
        self._values[key] = (of, value)
        return value


@dataclass(frozen=True, slots=True)
class DetectionInput:
    """What a detector sees: the comments it may use, their articles and their stance."""

    comments: tuple[Comment, ...]
    articles: Mapping[str, Article]
    stance: Mapping[str, StanceResult]
    memo: RunMemo = field(default_factory=RunMemo, compare=False, repr=False)


class Detector(Protocol):
    """Finds one family of coordination signals.

    ``requires`` lists what the data must have; the pipeline skips the detector (and says why)
    for articles or runs that lack it. ``detect`` must be deterministic, independent of input
    order, return scores in [0, 1], and give every signal a summary and evidence.

    Optional members the pipeline and tools look for: ``role`` ("primary": its evidence can
    stand alone; "supporting": it stays below the flag threshold except at documented strict
    settings) and ``unavailable_reason() -> str | None`` (a model or optional dependency is
    missing: the pipeline reports the signal as skipped with that reason instead of running).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    requires: ClassVar[frozenset[Requirement]]

    def __init__(self, params: Any) -> None: ...

    def detect(self, data: DetectionInput) -> list[Signal]: ...


DETECTORS: Registry[Detector] = Registry("detector")
