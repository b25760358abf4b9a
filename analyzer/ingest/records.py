"""Raw records (table rows, JSON objects, parsed seed comments) -> Article / Comment.

Every reader funnels through :class:`RecordBuilder`, so each field is validated the same way
whatever the format. Per record, the first fatal problem drops it with one ERROR issue; other
problems keep it with a WARNING. See docs/input-formats.md for the full catalogue.

Rows arrive as value sequences plus a header compiled once into a schema (column positions),
which keeps the per-row work to a few index lookups. Every row carries one extra trailing ''
(see :data:`ROW_PADDING`); a column the source lacks points at it, so absent and empty read
the same without a branch. JSON objects are compiled the same way, cached by key order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import cast

from analyzer.config import IngestParams
from analyzer.ingest.collector import CorpusCollector
from analyzer.ingest.mapping import ColumnMapping
from analyzer.ingest.times import TimeParseError, TimeParser
from analyzer.model import EMPTY_METADATA, Article, Comment, Severity

ROW_PADDING = ("",)  # appended to every row; absent columns point at it
NO_LOCATION = -1


class NotScalarError(TypeError):
    """A field that must be text holds a JSON list or object."""


def cell_text(value: object) -> str:
    """One cell as text: '' for missing values; lists and objects are refused."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        raise NotScalarError(type(value).__name__)
    return str(value)


def metadata_text(value: object) -> str:
    """Like :func:`cell_text`, but lists and objects become compact JSON."""
    try:
        return cell_text(value)
    except NotScalarError:
        return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class DropCheck:
    position: int
    values: frozenset[str] | None  # None: drop when non-empty


@dataclass(frozen=True, slots=True)
class CommentSchema:
    comment_id: int
    article_id: int
    text: int
    author: int
    created_at: int
    parent_id: int
    article_fields: tuple[tuple[str, int], ...]
    extras: tuple[tuple[str, int], ...]
    drops: tuple[DropCheck, ...]
    missing_required: tuple[str, ...]  # "canonical (column 'name')"
    unused_entries: tuple[str, ...]  # mapped or rule columns the header lacks


@dataclass(frozen=True, slots=True)
class ArticleSchema:
    article_id: int
    title: int
    text: int
    url: int
    published_at: int
    extras: tuple[tuple[str, int], ...]
    drops: tuple[DropCheck, ...]
    missing_required: tuple[str, ...]
    unused_entries: tuple[str, ...]


def _drop_checks(
    rules: Sequence[tuple[str, tuple[str, ...], bool]], position: Mapping[str, int]
) -> tuple[tuple[DropCheck, ...], list[str]]:
    checks = []
    unused = []
    for column, values, non_empty in rules:
        if column not in position:
            unused.append(f"drop rule column '{column}'")
            continue
        checks.append(DropCheck(position[column], None if non_empty else frozenset(values)))
    return tuple(checks), unused


def _dropped(checks: Sequence[DropCheck], values: Sequence[object]) -> bool:
    for check in checks:
        cell = metadata_text(values[check.position])
        if check.values is None:
            if cell.strip():
                return True
        elif cell in check.values:
            return True
    return False


_EMPTY_CELLS = ("", None)


def _extras(extras: Sequence[tuple[str, int]], values: Sequence[object]) -> Mapping[str, str]:
    """Non-empty extra cells as text (a comprehension: this runs once per row)."""
    kept = {
        name: values[position] for name, position in extras if values[position] not in _EMPTY_CELLS
    }
    if not kept:
        return EMPTY_METADATA
    for value in kept.values():
        if type(value) is not str:  # JSON and Parquet values; CSV cells are always str
            return _extras_slow(kept)
    return MappingProxyType(cast(dict[str, str], kept))  # all values are str here


def _extras_slow(kept: dict[str, object]) -> Mapping[str, str]:
    texts = {name: metadata_text(value) for name, value in kept.items()}
    return MappingProxyType({name: text for name, text in texts.items() if text})


class RecordBuilder:
    """Validates the records of one source and hands the good ones to the collector."""

    def __init__(
        self,
        collector: CorpusCollector,
        source: int,
        mapping: ColumnMapping,
        params: IngestParams,
    ) -> None:
        self._collector = collector
        self._source = source
        self._state = collector.source(source)
        self._mapping = mapping
        self._max_chars = params.max_text_chars
        self._times = {
            "comments": TimeParser(mapping.comments.time_formats, mapping.comments.naive_timezone),
            "articles": TimeParser(mapping.articles.time_formats, mapping.articles.naive_timezone),
        }
        self._warn_naive = {
            "comments": mapping.comments.naive_timezone is None,
            "articles": mapping.articles.naive_timezone is None,
        }
        self._comment_times = self._times["comments"]
        self._add_comment = collector.add_comment
        self._naive: dict[tuple[str, str], list[int]] = {}  # -> [count, first location]
        self._comment_schemas: dict[tuple[str, ...], CommentSchema] = {}
        self._article_schemas: dict[tuple[str, ...], ArticleSchema] = {}

    # -- schemas -------------------------------------------------------------------------------

    def comment_schema(self, header: Sequence[str]) -> CommentSchema:
        key = tuple(header)
        cached = self._comment_schemas.get(key)
        if cached is not None:
            return cached
        table = self._mapping.comments
        cols = table.columns
        position = {name: index for index, name in enumerate(key)}
        absent = len(key)
        mapped = {
            "comment_id": cols.comment_id,
            "article_id": cols.article_id,
            "text": cols.text,
            "author": cols.author,
            "created_at": cols.created_at,
            "parent_id": cols.parent_id,
        }
        missing = [
            f"{field} (column '{mapped[field]}')"
            for field in ("comment_id", "article_id", "text")
            if mapped[field] not in position
        ]
        unused = [
            f"{field} column '{mapped[field]}'"
            for field in sorted(cols.model_fields_set & {"author", "created_at", "parent_id"})
            if mapped[field] not in position
        ]
        article_fields = []
        for field, column in table.article_columns.items():
            if column in position:
                article_fields.append((field, position[column]))
            else:
                unused.append(f"article {field} column '{column}'")
        drops, unused_drops = _drop_checks(
            [(rule.column, rule.values, rule.non_empty) for rule in table.drop_rows], position
        )
        consumed = set(mapped.values()) | {column for _, column in table.article_columns.items()}
        consumed |= set(table.ignore_columns)
        schema = CommentSchema(
            comment_id=position.get(cols.comment_id, absent),
            article_id=position.get(cols.article_id, absent),
            text=position.get(cols.text, absent),
            author=position.get(cols.author, absent),
            created_at=position.get(cols.created_at, absent),
            parent_id=position.get(cols.parent_id, absent),
            article_fields=tuple(article_fields),
            extras=tuple((name, i) for i, name in enumerate(key) if name not in consumed),
            drops=drops,
            missing_required=tuple(missing),
            unused_entries=tuple(unused + unused_drops),
        )
        self._comment_schemas[key] = schema
        return schema

    def article_schema(self, header: Sequence[str]) -> ArticleSchema:
        key = tuple(header)
        cached = self._article_schemas.get(key)
        if cached is not None:
            return cached
        table = self._mapping.articles
        cols = table.columns
        position = {name: index for index, name in enumerate(key)}
        absent = len(key)
        mapped = {
            "article_id": cols.article_id,
            "title": cols.title,
            "text": cols.text,
            "url": cols.url,
            "published_at": cols.published_at,
        }
        missing = []
        if cols.article_id not in position:
            missing.append(f"article_id (column '{cols.article_id}')")
        unused = [
            f"{field} column '{mapped[field]}'"
            for field in sorted(cols.model_fields_set - {"article_id"})
            if mapped[field] not in position
        ]
        drops, unused_drops = _drop_checks(
            [(rule.column, rule.values, rule.non_empty) for rule in table.drop_rows], position
        )
        consumed = set(mapped.values()) | set(table.ignore_columns)
        schema = ArticleSchema(
            article_id=position.get(cols.article_id, absent),
            title=position.get(cols.title, absent),
            text=position.get(cols.text, absent),
            url=position.get(cols.url, absent),
            published_at=position.get(cols.published_at, absent),
            extras=tuple((name, i) for i, name in enumerate(key) if name not in consumed),
            drops=drops,
            missing_required=tuple(missing),
            unused_entries=tuple(unused + unused_drops),
        )
        self._article_schemas[key] = schema
        return schema

    def warn_unused(self, unused: Sequence[str], table: str) -> None:
        """Once per table: mapping entries that name columns the table does not have."""
        if unused:
            self._collector.issue(
                self._source,
                NO_LOCATION,
                None,
                f"the column mapping names {', '.join(unused)}, which the {table} table does "
                "not have; those entries were ignored",
                Severity.WARNING,
            )

    # -- comments -----------------------------------------------------------------------------

    def comment_row(
        self,
        schema: CommentSchema,
        values: Sequence[object],
        code: int,
        article_id_default: str | None = None,
    ) -> None:
        """One row of a comments table, padded with :data:`ROW_PADDING`."""
        if schema.drops and _dropped(schema.drops, values):
            return
        self._state.records_seen += 1
        comment_id = values[schema.comment_id]
        article_id = values[schema.article_id]
        text = values[schema.text]
        author = values[schema.author]
        parent_id = values[schema.parent_id]
        if type(comment_id) is not str:
            comment_id = self._required(comment_id, "comment_id", code, None)
            if comment_id is None:
                return
        comment_id = comment_id.strip()
        if not comment_id:
            column = self._mapping.comments.columns.comment_id
            self._reject(code, "comment_id", f"missing comment_id (column '{column}')", None)
            return
        if type(article_id) is not str:
            article_id = self._required(article_id, "article_id", code, comment_id)
            if article_id is None:
                return
        article_id = article_id.strip()
        if article_id_default is not None:
            if article_id and article_id != article_id_default:
                self._warn(
                    code,
                    "article_id",
                    f"article_id '{article_id}' differs from the enclosing article "
                    f"'{article_id_default}'; the enclosing article is used",
                    comment_id,
                )
            article_id = article_id_default
        if not article_id:
            column = self._mapping.comments.columns.article_id
            self._reject(code, "article_id", f"missing article_id (column '{column}')", comment_id)
            return
        if type(text) is not str:
            text = self._required(text, "text", code, comment_id)
            if text is None:
                return
        checked = self._checked_text(text, code, comment_id)
        if checked is None:
            return
        if type(author) is not str:
            author = self._optional(author, "author", code, comment_id)
        author = author.strip() or None
        if type(parent_id) is not str:
            parent_id = self._optional(parent_id, "parent_id", code, comment_id)
        parent_id = parent_id.strip() or None
        if parent_id is not None:
            if parent_id == article_id:
                parent_id = None  # a reply to the article itself is a top-level comment
            elif parent_id == comment_id:
                self._warn(
                    code, "parent_id", "parent_id is the comment's own id; ignored", comment_id
                )
                parent_id = None
        raw_time = values[schema.created_at]
        created_at = None if raw_time == "" else self._created_at(raw_time, code, comment_id)
        if schema.article_fields:
            self._article_from_comment(schema, values, article_id, code)
        self._add_comment(
            self._source,
            code,
            Comment(
                comment_id=comment_id,
                article_id=article_id,
                text=checked,
                author=author,
                created_at=created_at,
                parent_id=parent_id,
                metadata=_extras(schema.extras, values) if schema.extras else EMPTY_METADATA,
            ),
        )

    def comment_record(
        self, record: Mapping[str, object], code: int, article_id_default: str | None = None
    ) -> None:
        """One JSON object holding a comment."""
        schema = self.comment_schema(tuple(record))
        self.comment_row(schema, (*record.values(), *ROW_PADDING), code, article_id_default)

    def comment_fields(
        self,
        code: int,
        *,
        comment_id: str,
        article_id: str,
        text: str,
        author: str | None,
    ) -> None:
        """A comment whose fields a reader already separated (the seed text format)."""
        self._state.records_seen += 1
        checked = self._checked_text(text, code, comment_id)
        if checked is None:
            return
        self._collector.add_comment(
            self._source,
            code,
            Comment(
                comment_id=comment_id, article_id=article_id, text=checked, author=author or None
            ),
        )

    def _checked_text(self, raw: str, code: int, comment_id: str) -> str | None:
        text = raw.strip()
        if not text:
            self._reject(code, "text", "empty text; the comment was dropped", comment_id)
            return None
        if len(text) > self._max_chars:
            self._reject(
                code,
                "text",
                f"text is {len(text):,} characters long, over the limit of "
                f"{self._max_chars:,}; the comment was dropped (raise ingest.max_text_chars, "
                "env ANALYZER_INGEST__MAX_TEXT_CHARS, to keep such comments)",
                comment_id,
            )
            return None
        return text

    def _article_from_comment(
        self, schema: CommentSchema, values: Sequence[object], article_id: str, code: int
    ) -> None:
        fields = {
            name: metadata_text(values[index]).strip() for name, index in schema.article_fields
        }
        published_raw = fields.get("published_at", "")
        published_at = (
            self._time(published_raw, "published_at", "comments", code, article_id)
            if published_raw
            else None
        )
        self._collector.add_article(
            self._source,
            code,
            Article(
                article_id=article_id,
                title=fields.get("title", ""),
                text=fields.get("text", ""),
                url=fields.get("url") or None,
                published_at=published_at,
            ),
        )

    # -- articles -----------------------------------------------------------------------------

    def article_row(self, schema: ArticleSchema, values: Sequence[object], code: int) -> str | None:
        """One row of an articles table; returns the article id when the row was kept."""
        if schema.drops and _dropped(schema.drops, values):
            return None
        self._state.records_seen += 1
        article_id = values[schema.article_id]
        if type(article_id) is not str:
            article_id = self._required(article_id, "article_id", code, None)
            if article_id is None:
                return None
        article_id = article_id.strip()
        if not article_id:
            column = self._mapping.articles.columns.article_id
            self._reject(code, "article_id", f"missing article_id (column '{column}')", None)
            return None
        title, text, url = (
            self._optional(values[position], field, code, article_id).strip()
            for position, field in (
                (schema.title, "title"),
                (schema.text, "text"),
                (schema.url, "url"),
            )
        )
        raw_time = values[schema.published_at]
        published_at = (
            None
            if raw_time == ""
            else self._time(raw_time, "published_at", "articles", code, article_id)
        )
        self._collector.add_article(
            self._source,
            code,
            Article(
                article_id=article_id,
                title=title,
                text=text,
                url=url or None,
                published_at=published_at,
                metadata=_extras(schema.extras, values),
            ),
        )
        return article_id

    def article_record(self, record: Mapping[str, object], code: int) -> str | None:
        """One JSON object holding an article (without its nested comments)."""
        schema = self.article_schema(tuple(record))
        return self.article_row(schema, (*record.values(), *ROW_PADDING), code)

    def article_fields(self, code: int, *, article_id: str, title: str, text: str) -> None:
        self._state.records_seen += 1
        self._collector.add_article(
            self._source, code, Article(article_id=article_id, title=title, text=text)
        )

    # -- shared ---------------------------------------------------------------------------------

    def _required(self, value: object, field: str, code: int, record_id: str | None) -> str | None:
        try:
            return cell_text(value)
        except NotScalarError as exc:
            self._reject(code, field, f"{field} must be text, got a JSON {exc}", record_id)
            return None

    def _optional(self, value: object, field: str, code: int, record_id: str) -> str:
        if type(value) is str:
            return value
        try:
            return cell_text(value)
        except NotScalarError as exc:
            self._warn(code, field, f"{field} must be text, got a JSON {exc}; ignored", record_id)
            return ""

    def _created_at(self, raw: object, code: int, comment_id: str) -> datetime | None:
        """The hot path of :meth:`_time` for comment times."""
        try:
            parsed = self._comment_times.parse(raw)
        except TimeParseError as exc:
            self._warn(code, "created_at", f"{exc}; kept without a time", comment_id)
            return None
        if parsed is None:
            return None
        if parsed[1] and self._warn_naive["comments"]:
            self._naive.setdefault(("comments", "created_at"), [0, code])[0] += 1
        return parsed[0]

    def _time(
        self, raw: object, field: str, table: str, code: int, record_id: str
    ) -> datetime | None:
        try:
            parsed = self._times[table].parse(raw)
        except TimeParseError as exc:
            self._warn(code, field, f"{exc}; kept without a time", record_id)
            return None
        if parsed is None:
            return None
        value, naive = parsed
        if naive and self._warn_naive[table]:
            seen = self._naive.setdefault((table, field), [0, code])
            seen[0] += 1
        return value

    def _reject(self, code: int, field: str, message: str, record_id: str | None) -> None:
        self._collector.issue(
            self._source, code, field, message, Severity.ERROR, record_id=record_id
        )

    def _warn(self, code: int, field: str, message: str, record_id: str | None) -> None:
        self._collector.issue(
            self._source, code, field, message, Severity.WARNING, record_id=record_id
        )

    def finish(self) -> None:
        """Per-file summaries: one warning per field whose times had no UTC offset."""
        for (table, field), (count, first) in self._naive.items():
            self._collector.issue(
                self._source,
                first,
                field,
                f"{count:,} {field} value(s) had no UTC offset and were taken as UTC (this is "
                f"the first); set naive_timezone under [{table}] in the column mapping if "
                "they are local times",
                Severity.WARNING,
            )
        self._naive.clear()


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What every reader needs: where results go and how to read fields."""

    collector: CorpusCollector
    mapping: ColumnMapping
    params: IngestParams

    def builder(self, source: int) -> RecordBuilder:
        return RecordBuilder(self.collector, source, self.mapping, self.params)
