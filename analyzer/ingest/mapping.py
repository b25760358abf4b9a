"""Column mapping: which source column holds which canonical field, per table.

A mapping is a TOML file (see docs/input-formats.md) validated by the frozen pydantic models
below. Every key is optional; an empty mapping reads files that already use the canonical
names. Unknown keys fail with the list of valid ones, so a typo never falls back silently.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from analyzer.errors import ConfigError

COMMENT_FIELDS = ("comment_id", "article_id", "author", "text", "created_at", "parent_id")
ARTICLE_FIELDS = ("article_id", "title", "text", "url", "published_at")
SHIPPED_MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "data" / "mappings"

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_timezone(name: str) -> tzinfo:
    """``UTC``, a fixed offset like ``-05:00``, or an IANA name like ``Europe/Vienna``."""
    if name.upper() in {"UTC", "Z", "GMT"}:
        return UTC
    offset = _OFFSET.match(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        return timezone(sign * delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use 'UTC', an offset like '-05:00' "
            "or an IANA name like 'Europe/Vienna'"
        ) from None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _TimeOptions(_Frozen):
    time_formats: tuple[str, ...] = Field(
        default=(),
        description=(
            "strptime formats tried, in order, after ISO-8601 and epoch seconds/milliseconds "
            "failed, e.g. '%a %b %d %H:%M:%S %z %Y' for Twitter's created_at."
        ),
    )
    naive_timezone: str | None = Field(
        default=None,
        description=(
            "Zone for times without a UTC offset: 'UTC', '-05:00' or an IANA name. "
            "Unset means UTC, with one warning per file that naive times were seen."
        ),
    )

    @field_validator("time_formats")
    @classmethod
    def _formats_have_directives(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        for fmt in formats:
            if "%" not in fmt:
                raise ValueError(f"time format {fmt!r} has no % directive (see strptime)")
        return formats

    @field_validator("naive_timezone")
    @classmethod
    def _zone_exists(cls, name: str | None) -> str | None:
        if name is not None:
            parse_timezone(name)
        return name


class DropRule(_Frozen):
    """Rows matching the rule are skipped: they are not comments (or articles) at all."""

    column: str = Field(min_length=1, description="Source column the rule looks at.")
    values: tuple[str, ...] = Field(
        default=(), description="Drop the row when the cell equals one."
    )
    non_empty: bool = Field(default=False, description="Drop the row when the cell is not empty.")
    reason: str = Field(default="", description="Why; for the reader of the mapping file.")

    @model_validator(mode="after")
    def _exactly_one_condition(self) -> DropRule:
        if bool(self.values) == self.non_empty:
            raise ValueError(
                f"drop rule on column {self.column!r} needs exactly one of "
                "'values = [...]' or 'non_empty = true'"
            )
        return self


class CommentColumns(_Frozen):
    """Canonical comment field -> column (or JSON key) in the source."""

    comment_id: str = Field(default="comment_id", min_length=1)
    article_id: str = Field(default="article_id", min_length=1)
    author: str = Field(default="author", min_length=1)
    text: str = Field(default="text", min_length=1)
    created_at: str = Field(default="created_at", min_length=1)
    parent_id: str = Field(default="parent_id", min_length=1)


class ArticleColumns(_Frozen):
    """Canonical article field -> column (or JSON key) in the source."""

    article_id: str = Field(default="article_id", min_length=1)
    title: str = Field(default="title", min_length=1)
    text: str = Field(default="text", min_length=1)
    url: str = Field(default="url", min_length=1)
    published_at: str = Field(default="published_at", min_length=1)


class ArticleColumnsInComments(_Frozen):
    """Article fields taken from columns of the comments table (one table per corpus).

    The article id is the comment's ``article_id``; the first non-empty value per article wins.
    """

    title: str | None = None
    text: str | None = None
    url: str | None = None
    published_at: str | None = None

    def items(self) -> tuple[tuple[str, str], ...]:
        pairs = (
            ("title", self.title),
            ("text", self.text),
            ("url", self.url),
            ("published_at", self.published_at),
        )
        return tuple((name, column) for name, column in pairs if column is not None)


class CommentTable(_TimeOptions):
    columns: CommentColumns = CommentColumns()
    article_columns: ArticleColumnsInComments = ArticleColumnsInComments()
    drop_rows: tuple[DropRule, ...] = ()
    ignore_columns: tuple[str, ...] = Field(
        default=(), description="Extra columns not copied into Comment.metadata."
    )


class ArticleTable(_TimeOptions):
    file: str | None = Field(
        default=None,
        description=(
            "File name of the articles table, looked up next to each comments table. "
            "Unset: 'articles.<ext>' beside 'comments.<ext>' (or 'X_articles' beside "
            "'X_comments') is picked up when it exists."
        ),
    )
    columns: ArticleColumns = ArticleColumns()
    drop_rows: tuple[DropRule, ...] = ()
    ignore_columns: tuple[str, ...] = Field(
        default=(), description="Extra columns not copied into Article.metadata."
    )


class ColumnMapping(_Frozen):
    """How to read one family of inputs. The default reads canonical column names as they are."""

    name: str = "default"
    description: str = ""
    encoding: str | None = Field(
        default=None,
        description=(
            "Text encoding when the file has no byte-order mark; unset means UTF-8. "
            "A BOM (UTF-8, UTF-16, UTF-32) always wins."
        ),
    )
    comments: CommentTable = CommentTable()
    articles: ArticleTable = ArticleTable()

    @field_validator("encoding")
    @classmethod
    def _encoding_exists(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown encoding {name!r} (see Python's codecs)") from None
        return name


DEFAULT_MAPPING = ColumnMapping()


def shipped_mappings() -> dict[str, Path]:
    """Mapping files shipped in ``data/mappings/``, by name (file stem)."""
    if not SHIPPED_MAPPINGS_DIR.is_dir():
        return {}
    return {path.stem: path for path in sorted(SHIPPED_MAPPINGS_DIR.glob("*.toml"))}


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a mapping TOML file; a bare name like ``socc`` picks a shipped mapping."""
    candidate = Path(path)
    if not candidate.exists():
        shipped = shipped_mappings()
        if str(path) in shipped:
            candidate = shipped[str(path)]
        else:
            known = ", ".join(shipped) or "none"
            raise ConfigError(
                f"column mapping {str(path)!r} not found",
                hint=f"pass a path to a .toml file or a shipped mapping name ({known})",
            )
    try:
        with candidate.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"column mapping {candidate} is not valid TOML: {exc}",
            hint="see docs/input-formats.md for the file format",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read column mapping {candidate}: {exc.strerror}") from None
    return mapping_from_dict(raw, source=str(candidate))


def mapping_from_dict(raw: dict[str, Any], *, source: str = "mapping") -> ColumnMapping:
    """Validate a parsed mapping; every problem is listed with its key path."""
    try:
        return ColumnMapping.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error["loc"], error["type"], error["msg"]) for error in exc.errors()]
        raise ConfigError(
            f"invalid column mapping {source}: " + "; ".join(problems),
            hint="see docs/input-formats.md for every key and its meaning",
        ) from None


def _describe(loc: tuple[int | str, ...], kind: str, message: str) -> str:
    key = ".".join(str(part) for part in loc)
    if kind == "extra_forbidden":
        valid = _valid_keys(loc[:-1])
        return f"unknown key '{key}' (valid here: {', '.join(valid)})"
    return f"'{key}': {message.removeprefix('Value error, ')}"


def _valid_keys(parent: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = ColumnMapping
    for part in parent:
        if isinstance(part, int):
            continue  # index into a list of rules
        annotation = model.model_fields[str(part)].annotation
        nested = _model_in(annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
