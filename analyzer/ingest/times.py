"""Turning the many ways corpora write a time into timezone-aware UTC datetimes.

Tried in order: a datetime object (Parquet), epoch seconds or milliseconds (numbers, or strings
of digits), ISO-8601 (``Z``, offsets, date-only), then the mapping's strptime formats.
"""

from __future__ import annotations

import math
import re
from contextlib import suppress
from datetime import UTC, date, datetime, time, tzinfo

from analyzer.ingest.mapping import parse_timezone

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
# Epoch values above this are milliseconds: 1e11 seconds is the year 5138.
_MILLISECONDS_FROM = 1e11


class TimeParseError(ValueError):
    """The value is not a time in any accepted form."""


# (the time in UTC, whether the input had no UTC offset and the parser's zone was assumed)
ParsedTime = tuple[datetime, bool]


class TimeParser:
    def __init__(self, formats: tuple[str, ...] = (), naive_timezone: str | None = None) -> None:
        self._formats = formats
        self._zone: tzinfo = UTC if naive_timezone is None else parse_timezone(naive_timezone)

    def parse(self, raw: object) -> ParsedTime | None:
        """None for an empty value; raises TimeParseError naming what was accepted."""
        if type(raw) is str:
            if raw[4:5] == "-":  # the common case, ISO-8601 with a 4-digit year: fast path
                try:
                    value = datetime.fromisoformat(raw)
                except ValueError:
                    return self._parse_text(raw)
                return (value, False) if value.tzinfo is UTC else self._aware(value)
            return self._parse_text(raw)
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return self._aware(raw)
        if isinstance(raw, date):
            return self._aware(datetime.combine(raw, time()))
        if isinstance(raw, bool):
            raise TimeParseError(f"expected a time, got {raw!r}")
        if isinstance(raw, int | float):
            return _from_epoch(float(raw), raw), False
        raise TimeParseError(f"expected a time, got a {type(raw).__name__}")

    def _parse_text(self, raw: str) -> ParsedTime | None:
        text = raw.strip()
        if not text:
            return None
        if text[0].isdigit() and _NUMBER.match(text):
            if len(text) == 8 and text.isdigit():  # 20240131 is a basic ISO date, not epoch
                return self._aware(datetime.strptime(text, "%Y%m%d"))
            return _from_epoch(float(text), raw), False
        with suppress(ValueError):  # not ISO-8601: try the mapping's formats next
            return self._aware(datetime.fromisoformat(text))
        for fmt in self._formats:
            try:
                return self._aware(datetime.strptime(text, fmt))
            except ValueError:
                continue
        tried = "ISO-8601, epoch seconds/milliseconds"
        if self._formats:
            tried += ", " + ", ".join(repr(fmt) for fmt in self._formats)
        raise TimeParseError(
            f"cannot read {raw!r} as a time (tried {tried}); "
            "add its format to 'time_formats' in the column mapping"
        )

    def _aware(self, value: datetime) -> ParsedTime:
        zone = value.tzinfo
        if zone is UTC:
            return value, False
        if zone is None or value.utcoffset() is None:
            return value.replace(tzinfo=self._zone).astimezone(UTC), True
        return value.astimezone(UTC), False


def _from_epoch(number: float, raw: object) -> datetime:
    if not math.isfinite(number):
        raise TimeParseError(f"cannot read {raw!r} as a time")
    seconds = number / 1000.0 if abs(number) >= _MILLISECONDS_FROM else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise TimeParseError(f"epoch value {raw!r} is out of range") from None
