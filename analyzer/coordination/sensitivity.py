"""Sensitivity analysis: rerun coordination over a grid of one parameter, see clusters change.

Researchers asked to see how findings depend on the time window (the research recommends
reporting at least two windows). ``sensitivity`` classifies stance once, then reruns every
enabled detector and the cluster assembly for each value of one parameter and compares each
run with the run at the configured value: how many clusters, flagged comments and accounts,
and how much of the reference's flagged set is still flagged (``kept``) or newly flagged
(``added``).

The parameter is a dotted settings path (``coordination.near_duplicate.threshold``) or the
shortcut ``window``, which sets every detector's ``window_seconds`` at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from analyzer.config import Settings, StanceParams
from analyzer.coordination.base import DETECTORS
from analyzer.errors import ConfigError
from analyzer.model import AnalysisResult, Article, Comment, ComponentInfo, Corpus, StanceResult

if TYPE_CHECKING:
    from analyzer.pipeline import Pipeline

WINDOW_SHORTCUT = "window"
DEFAULT_WINDOWS = (60.0, 300.0, 900.0, 3600.0, 86400.0)


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    value: object
    clusters: int
    flagged_comments: int
    flagged_accounts: int
    kept: float  # share of the reference run's flagged comments still flagged
    added: int  # flagged here but not in the reference run
    largest_cluster: int
    is_reference: bool


class _FixedStance:
    """Replays stance results computed once, so a grid does not re-run the stance model."""

    name: ClassVar[str] = "replayed_stance"
    version: ClassVar[str] = "1"

    def __init__(self, results: Mapping[str, StanceResult]) -> None:
        self._results = results

    @property
    def checksum(self) -> str | None:
        return None

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    @classmethod
    def from_params(cls, params: StanceParams) -> _FixedStance:
        raise ConfigError(
            "replayed stance results cannot be built from settings",
            hint="sensitivity() builds them from a first run",
        )

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        return [self._results[c.comment_id] for c in comments]


def _window_paths(settings: Settings) -> list[str]:
    coordination = settings.coordination
    return [
        f"coordination.{name}.window_seconds"
        for name in type(coordination).model_fields
        if hasattr(getattr(coordination, name), "window_seconds")
    ]


def with_value(settings: Settings, parameter: str, value: object) -> Settings:
    """A copy of ``settings`` with ``parameter`` (dotted path or 'window') set to ``value``."""
    paths = _window_paths(settings) if parameter == WINDOW_SHORTCUT else [parameter]
    data: dict[str, Any] = settings.model_dump(mode="python")
    for path in paths:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(
                    f"unknown parameter '{path}'",
                    hint="use a dotted path from `comment-analyzer analyze --explain-params`, "
                    "or 'window'",
                )
            node = node[part]
        if parts[-1] not in node:
            raise ConfigError(
                f"unknown parameter '{path}'",
                hint="use a dotted path from `comment-analyzer analyze --explain-params`",
            )
        node[parts[-1]] = value
    try:
        return type(settings).model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{parameter}={value!r} is not a valid setting: {exc}",
            hint="check the value's type and range in --explain-params",
        ) from None


def parse_value(text: str) -> object:
    """'900' -> 900.0, 'none' -> None, 'true' -> True, anything else stays a string."""
    lowered = text.strip().lower()
    if lowered in {"none", "null"}:
        return None
    if lowered in {"true", "false"}:
        return lowered == "true"
    try:
        return float(text) if any(ch in text for ch in ".e") else int(text)
    except ValueError:
        return text.strip()


def _flags(result: AnalysisResult) -> tuple[set[str], set[str]]:
    comments = {a.comment.comment_id: a for r in result.reports for a in r.comments}
    flagged = {cid for cid, a in comments.items() if a.coordination.flagged}
    accounts = {comments[cid].comment.author for cid in flagged if comments[cid].comment.author}
    return flagged, {a for a in accounts if a}


def sensitivity(
    corpus: Corpus,
    settings: Settings,
    parameter: str,
    values: Sequence[object],
    pipeline: Pipeline | None = None,
) -> list[SensitivityRow]:
    """One row per value. The reference run uses ``pipeline`` (default: built from
    ``settings``); its stance results are replayed for every other value."""
    from analyzer.pipeline import Pipeline  # noqa: PLC0415  (the pipeline imports this package)

    base = pipeline or Pipeline.from_settings(settings)
    reference = base.run(corpus)
    stance = {a.comment.comment_id: a.stance for r in reference.reports for a in r.comments}
    fixed = _FixedStance(stance)
    ref_flagged, _ = _flags(reference)
    rows: list[SensitivityRow] = []
    for value in values:
        changed = with_value(settings, parameter, value)
        detectors = [
            DETECTORS.get(name)(getattr(changed.coordination, name))
            for name in changed.coordination.detectors
        ]
        result = Pipeline(changed, fixed, detectors).run(corpus)
        flagged, accounts = _flags(result)
        rows.append(
            SensitivityRow(
                value=value,
                clusters=len(result.clusters),
                flagged_comments=len(flagged),
                flagged_accounts=len(accounts),
                kept=len(flagged & ref_flagged) / len(ref_flagged) if ref_flagged else 1.0,
                added=len(flagged - ref_flagged),
                largest_cluster=max((len(c.comment_ids) for c in result.clusters), default=0),
                is_reference=changed.digest() == settings.digest(),
            )
        )
    return rows
