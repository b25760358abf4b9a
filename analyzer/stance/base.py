"""The contract every stance classifier meets, and their registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Protocol

from analyzer.config import StanceParams
from analyzer.model import Article, Comment, ComponentInfo, StanceResult
from analyzer.registry import Registry


class StanceClassifier(Protocol):
    """Labels each comment's stance toward its article.

    ``predict`` returns one result per comment, in input order; ``checksum`` is the sha256 of
    the model file it loaded (None for a model with no file); ``parts`` names the other models
    it loaded (e.g. a sentence encoder), so a run records every model that shaped its labels.
    """

    name: ClassVar[str]
    version: ClassVar[str]

    @property
    def checksum(self) -> str | None: ...

    def parts(self) -> tuple[ComponentInfo, ...]: ...

    @classmethod
    def from_params(cls, params: StanceParams) -> StanceClassifier: ...

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]: ...


STANCE_CLASSIFIERS: Registry[StanceClassifier] = Registry("stance classifier")
