"""CSV and TSV tables, read by pandas in chunks of ``params.chunk_rows`` rows.

Every cell stays a string (no type guessing, empty cells are ''). Rows are numbered as a
spreadsheet shows them: the header is row 1, so the first data row is row 2, however many
physical lines quoted multi-line cells take. Rows with too many fields are skipped by pandas
with a warning, which becomes an ERROR issue for that row; later rows keep their true numbers.

A broken quote makes the rest of the file unreadable. The rows before it are still kept: the
chunk that failed is read again, up to the broken row.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import pandas as pd

from analyzer.ingest.records import ReadContext
from analyzer.ingest.sources import Format, Source, SourceError, open_text
from analyzer.ingest.tables import TableSink
from analyzer.model import Severity

_SKIPPED = re.compile(r"Skipping line (\d+): (.*)")
_PARSER_ROW = re.compile(r"row (\d+)")  # pandas counts rows from 0, the header included
_PARSER_LINE = re.compile(r"line (\d+)")  # ... and "lines" from 1: our row numbers


@dataclass(slots=True)
class _Progress:
    """Where reading got to; shared by the first pass and a salvage pass."""

    started: bool = False  # the header was checked
    last_row: int = 1  # the last row handed on (1: the header)
    skipped: set[int] = field(default_factory=set)  # rows the parser dropped


def read_csv(source: Source, context: ReadContext) -> None:
    _CsvReader(source, context).read()


class _CsvReader:
    def __init__(self, source: Source, context: ReadContext) -> None:
        self._source = source
        self._context = context
        self._index = context.collector.open_source(source.name, "row")
        self._sink = TableSink(source, self._index, context)
        self._progress = _Progress()

    def read(self) -> None:
        collector = self._context.collector
        progress = self._progress
        try:
            self._consume(nrows=None)
        except SourceError as exc:
            collector.source_failed(self._index, str(exc))
        except pd.errors.EmptyDataError:
            collector.source_failed(self._index, "the file is empty: expected a header row")
        except pd.errors.ParserError as exc:
            detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
            detail = _PARSER_ROW.sub(lambda m: f"row {int(m.group(1)) + 1}", detail)
            detail = _PARSER_LINE.sub(lambda m: f"row {m.group(1)}", detail)
            self._salvage(detail)
            read = (
                f"rows up to row {progress.last_row} were read; " if progress.last_row > 1 else ""
            )
            collector.source_failed(
                self._index,
                f"CSV parse error: {detail}; {read}the rest of the file was not read. Check the "
                "quoting around that row",
            )
        except UnicodeDecodeError as exc:  # only if the file changed after the decode check
            collector.source_failed(self._index, f"cannot decode: {exc}")
        finally:
            self._sink.builder.finish()

    def _salvage(self, detail: str) -> None:
        """Read the rows between the last good chunk and the row the parser choked on."""
        progress = self._progress
        match = re.search(r"row (\d+)", detail)
        if match is None:
            return
        bad_row = int(match.group(1))
        if bad_row <= progress.last_row + 1:
            return
        parsed_before = bad_row - 2 - sum(1 for row in progress.skipped if row < bad_row)
        try:
            self._consume(nrows=parsed_before)
        except (pd.errors.ParserError, SourceError, UnicodeDecodeError):
            return  # the first error is the one reported

    def _consume(self, nrows: int | None) -> None:
        progress = self._progress
        after = progress.last_row  # a salvage pass skips what the first pass handed on
        with open_text(self._source, self._context.mapping.encoding) as handle:
            for numbers, frame in self._frames(handle, nrows):
                if not progress.started:
                    if not self._sink.start([str(column) for column in frame.columns]):
                        return
                    progress.started = True
                skip = sum(1 for number in numbers if number <= after)
                kept = numbers[skip:]
                if kept:
                    rows = frame.iloc[skip:] if skip else frame
                    self._sink.rows([rows[column].tolist() for column in rows.columns], kept)
                    progress.last_row = kept[-1]

    def _frames(
        self, handle: IO[str], nrows: int | None
    ) -> Iterator[tuple[list[int], pd.DataFrame]]:
        """Chunks with the true row number of each of their rows."""
        progress = self._progress
        reader = pd.read_csv(
            handle,
            sep="\t" if self._source.format is Format.TSV else ",",
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            index_col=False,
            chunksize=self._context.params.chunk_rows,
            nrows=nrows,
            on_bad_lines="warn",
            engine="c",
        )
        next_row = 2
        with reader:
            while True:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", pd.errors.ParserWarning)
                    try:
                        frame = next(reader)
                    except StopIteration:
                        frame = None
                    finally:  # also when the chunk fails: a salvage pass needs the skips
                        for warning in caught:
                            for match in _SKIPPED.finditer(str(warning.message)):
                                self._skipped_row(int(match.group(1)), match.group(2).strip())
                if frame is None:
                    return
                numbers = []
                for _ in range(len(frame)):
                    while next_row in progress.skipped:
                        next_row += 1
                    numbers.append(next_row)
                    next_row += 1
                yield numbers, frame

    def _skipped_row(self, row: int, reason: str) -> None:
        if row in self._progress.skipped:
            return  # reported by the first pass
        self._progress.skipped.add(row)
        self._context.collector.issue(
            self._index, row, None, f"malformed row skipped: {reason}", Severity.ERROR
        )
