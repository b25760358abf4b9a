"""Gathers what every reader produced into one Corpus, and checks what needs the whole input.

Readers hand over valid articles and comments with a location code (a row or line number, or an
index into a source's list of JSON paths); the collector rejects repeated comment ids, merges
repeated articles, and at the end adds bare articles for ids nothing described and warns about
replies to comments that are not there.
"""

from __future__ import annotations

import dataclasses
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from analyzer.model import Article, Comment, Corpus, RecordIssue, Severity

# How a location code is shown: "row 12", "line 7", or a JSON path (code = index into paths).
LocationKind = Literal["row", "line", "path"]


@dataclass(slots=True)
class SourceState:
    """Bookkeeping for one input while it is read (mutable; it never leaves this package)."""

    name: str
    location_kind: LocationKind
    has_articles: bool = False
    records_seen: int = 0
    failed: bool = False
    error: str | None = None
    paths: list[str] = field(default_factory=list)

    def describe(self, code: int) -> str | None:
        if code < 0:
            return None
        if self.location_kind == "path":
            return self.paths[code]
        return f"{self.location_kind} {code}"


_ARTICLE_FIELDS = ("title", "text", "url", "published_at")


class CorpusCollector:
    def __init__(self, on_progress: Callable[[int], None] | None = None) -> None:
        self._on_progress = on_progress
        self._sources: list[SourceState] = []
        self._issues: list[RecordIssue] = []
        self._articles: dict[str, Article] = {}
        self._article_conflicts: set[str] = set()
        self._comments: list[Comment] = []
        self._comment_index: dict[str, int] = {}
        # Where each kept comment came from, compactly (8 bytes a comment): its location code,
        # and for each source the index of its first comment (sources are read one by one).
        self._comment_location = array("q")
        self._source_starts: list[int] = []  # comment index where each run of a source begins
        self._start_sources: list[int] = []  # ... and that source
        self._current_source = -1

    # -- sources and issues ----------------------------------------------------------------

    def open_source(self, name: str, location_kind: LocationKind) -> int:
        self._sources.append(SourceState(name, location_kind))
        return len(self._sources) - 1

    def source(self, index: int) -> SourceState:
        return self._sources[index]

    def issue(
        self,
        source: int,
        code: int,
        field_name: str | None,
        message: str,
        severity: Severity,
        *,
        record_id: str | None = None,
    ) -> None:
        state = self._sources[source]
        self._issues.append(
            RecordIssue(
                source=state.name,
                location=state.describe(code),
                field=field_name,
                message=message,
                severity=severity,
                record_id=record_id,
            )
        )

    def source_failed(self, source: int, message: str) -> None:
        """The file (or the rest of it) could not be read: one ERROR without a location."""
        state = self._sources[source]
        state.failed = True
        state.error = state.error or message
        self._issues.append(
            RecordIssue(
                source=state.name,
                location=None,
                field=None,
                message=message,
                severity=Severity.ERROR,
            )
        )

    def unreadable(self) -> list[SourceState]:
        return [s for s in self._sources if s.failed and s.records_seen == 0]

    @property
    def sources(self) -> tuple[SourceState, ...]:
        return tuple(self._sources)

    @property
    def comment_count(self) -> int:
        return len(self._comments)

    def progress(self) -> None:
        if self._on_progress is not None:
            self._on_progress(len(self._comments))

    # -- records -----------------------------------------------------------------------------

    def add_article(self, source: int, code: int, article: Article) -> None:
        self._sources[source].has_articles = True
        known = self._articles.get(article.article_id)
        if known is None:
            self._articles[article.article_id] = article
            return
        if known == article:
            return
        merged, conflicts = _merge_articles(known, article)
        if merged is not known:
            self._articles[article.article_id] = merged
        if conflicts and article.article_id not in self._article_conflicts:
            self._article_conflicts.add(article.article_id)  # one warning per article
            self.issue(
                source,
                code,
                conflicts[0],
                f"article '{article.article_id}' was described before with a different "
                f"{', '.join(conflicts)}; the first description is kept",
                Severity.WARNING,
                record_id=article.article_id,
            )

    def add_comment(self, source: int, code: int, comment: Comment) -> None:
        first = self._comment_index.get(comment.comment_id)
        if first is not None:
            where = self._where(first)
            self.issue(
                source,
                code,
                "comment_id",
                f"duplicate comment_id '{comment.comment_id}' (first seen at {where}); "
                "this record was dropped and the first kept",
                Severity.ERROR,
                record_id=comment.comment_id,
            )
            return
        if source != self._current_source:
            self._current_source = source
            self._source_starts.append(len(self._comments))
            self._start_sources.append(source)
        self._comment_index[comment.comment_id] = len(self._comments)
        self._comments.append(comment)
        self._comment_location.append(code)

    def _source_of(self, index: int) -> int:
        return self._start_sources[bisect_right(self._source_starts, index) - 1]

    def _where(self, index: int) -> str:
        state = self._sources[self._source_of(index)]
        location = state.describe(self._comment_location[index])
        return state.name + (f", {location}" if location else "")

    # -- the end -----------------------------------------------------------------------------

    def finish(self) -> Corpus:
        """Bare articles for unknown ids, dangling reply warnings, then the frozen corpus."""
        articles = dict(self._articles)
        for index, comment in enumerate(self._comments):
            if comment.article_id in articles:
                continue
            articles[comment.article_id] = Article(article_id=comment.article_id)
            source = self._source_of(index)
            if self._sources[source].has_articles:
                self.issue(
                    source,
                    self._comment_location[index],
                    "article_id",
                    f"no article record for article_id '{comment.article_id}'; "
                    "an article with only this id was created",
                    Severity.WARNING,
                    record_id=comment.comment_id,
                )
        for index, comment in enumerate(self._comments):
            parent = comment.parent_id
            if parent is not None and parent not in self._comment_index:
                self.issue(
                    self._source_of(index),
                    self._comment_location[index],
                    "parent_id",
                    f"parent_id '{parent}' is not a comment in the input; kept as given",
                    Severity.WARNING,
                    record_id=comment.comment_id,
                )
        self.progress()
        return Corpus(
            articles=tuple(articles.values()),
            comments=tuple(self._comments),
            issues=tuple(self._issues),
        )


def _merge_articles(known: Article, new: Article) -> tuple[Article, list[str]]:
    """Fill fields the first description left empty; name fields both set differently."""
    conflicts = []
    filled: dict[str, Any] = {}
    for name in _ARTICLE_FIELDS:
        old_value = getattr(known, name)
        new_value = getattr(new, name)
        if new_value in (None, ""):
            continue
        if old_value in (None, ""):
            filled[name] = new_value
        elif old_value != new_value:
            conflicts.append(name)
    extra = {k: v for k, v in new.metadata.items() if k not in known.metadata}
    if extra:
        filled["metadata"] = MappingProxyType({**known.metadata, **extra})
    return (dataclasses.replace(known, **filled) if filled else known), conflicts
