"""Times in every accepted form -> timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from analyzer.ingest.times import TimeParseError, TimeParser

NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected", "naive"),
    [
        pytest.param("2024-03-01T12:00:00Z", NOON, False, id="iso-z"),
        pytest.param("2024-03-01T14:00:00+02:00", NOON, False, id="iso-offset"),
        pytest.param("2024-03-01T07:00:00-0500", NOON, False, id="iso-offset-no-colon"),
        pytest.param("2024-03-01 12:00:00.000", NOON, True, id="iso-naive-space"),
        pytest.param("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC), True, id="date-only"),
        pytest.param("20240301", datetime(2024, 3, 1, tzinfo=UTC), True, id="basic-date"),
        pytest.param(" 2024-03-01T12:00:00Z ", NOON, False, id="padded"),
        pytest.param("1709294400", NOON, False, id="epoch-seconds-text"),
        pytest.param("1709294400.0", NOON, False, id="epoch-seconds-float-text"),
        pytest.param("1709294400000", NOON, False, id="epoch-milliseconds-text"),
        pytest.param(1709294400, NOON, False, id="epoch-seconds-number"),
        pytest.param(1709294400000, NOON, False, id="epoch-milliseconds-number"),
        pytest.param(datetime(2024, 3, 1, 12), NOON, True, id="naive-datetime"),
        pytest.param(date(2024, 3, 1), datetime(2024, 3, 1, tzinfo=UTC), True, id="date-object"),
    ],
)
def test_accepted_forms(raw: object, expected: datetime, naive: bool) -> None:
    assert TimeParser().parse(raw) == (expected, naive)


@pytest.mark.parametrize("raw", ["", "   ", None], ids=["empty", "blank", "none"])
def test_empty_is_no_time(raw: object) -> None:
    assert TimeParser().parse(raw) is None


@pytest.mark.parametrize(
    "raw",
    ["yesterday", "2024-13-45", "1e400", True, ["2024"], float("inf")],
    ids=["words", "impossible-date", "overflow", "bool", "list", "infinity"],
)
def test_rejected(raw: object) -> None:
    with pytest.raises(TimeParseError):
        TimeParser().parse(raw)


def test_custom_formats_and_naive_zone() -> None:
    twitter = TimeParser(("%a %b %d %H:%M:%S %z %Y",))
    assert twitter.parse("Fri Mar 01 12:00:00 +0000 2024") == (NOON, False)

    eastern = TimeParser(("%Y-%m-%d EST",), naive_timezone="-05:00")
    assert eastern.parse("2024-03-01 EST") == (datetime(2024, 3, 1, 5, tzinfo=UTC), True)

    vienna = TimeParser(naive_timezone="Europe/Vienna")  # CET in March: UTC+1
    assert vienna.parse("2024-03-01T13:00:00") == (NOON, True)
