"""JSON Lines: one record per line, read line by line (a file of any size, or stdin).

A record is a comment (it has a comment_id), an article (an article_id and no comment_id, or
``"type": "article"``), or one article with its comments nested under ``"comments"``. Blank
lines are skipped; a line that is not a JSON object is an ERROR for that line only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from analyzer.ingest.json_document import add_record
from analyzer.ingest.records import ReadContext, RecordBuilder
from analyzer.ingest.sources import Source, SourceError, open_text
from analyzer.model import Severity


def read_jsonl(source: Source, context: ReadContext, stdin: Iterable[str] | None = None) -> None:
    """Read a JSON Lines file, or ``stdin`` (already-decoded lines) when given."""
    collector = context.collector
    index = collector.open_source(source.name, "line")
    builder = context.builder(index)
    progress = _Progress()
    try:
        if stdin is not None:
            _read_lines(stdin, builder, context, index, progress)
        else:
            with open_text(source, context.mapping.encoding) as handle:
                _read_lines(handle, builder, context, index, progress)
    except SourceError as exc:
        collector.source_failed(index, str(exc))
    except UnicodeDecodeError as exc:  # stdin cannot be checked before it is read
        collector.source_failed(
            index,
            f"cannot decode the input after line {progress.line}: {exc.reason}; the rest was "
            "not read. Send UTF-8",
        )
    finally:
        builder.finish()
        collector.progress()


class _Progress:
    line = 0


def _read_lines(
    lines: Iterable[str],
    builder: RecordBuilder,
    context: ReadContext,
    index: int,
    progress: _Progress,
) -> None:
    collector = context.collector
    every = context.params.chunk_rows
    for number, line in enumerate(lines, start=1):
        progress.line = number
        text = line.removeprefix("\ufeff") if number == 1 else line
        text = text.strip()
        if not text:
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            collector.issue(
                index,
                number,
                None,
                f"not valid JSON ({exc.msg} at column {exc.colno}); the line was skipped",
                Severity.ERROR,
            )
            continue
        if not isinstance(record, dict):
            collector.issue(
                index,
                number,
                None,
                f"expected a JSON object, got {type(record).__name__}; the line was skipped",
                Severity.ERROR,
            )
            continue
        add_record(record, builder, context, index, _at_line(number), path="$")
        if number % every == 0:
            collector.progress()


def _at_line(number: int) -> Callable[[str], int]:
    """Every record on a line, nested comments too, is located by the line number."""
    return lambda _path: number
