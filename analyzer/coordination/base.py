"""The contract every coordination detector meets, and their registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from analyzer.model import Article, Comment, Requirement, Signal, StanceResult
from analyzer.registry import Registry


@dataclass(frozen=True, slots=True)
class DetectionInput:
    """What a detector sees: the comments it may use, their articles and their stance."""

    comments: tuple[Comment, ...]
    articles: Mapping[str, Article]
    stance: Mapping[str, StanceResult]


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
