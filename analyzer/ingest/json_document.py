"""JSON documents, parsed whole (use JSON Lines for inputs larger than memory).

Accepted layouts:

* ``{"articles": [...], "comments": [...]}`` (either list may be absent; articles may nest
  their comments);
* one article object with its comments nested under ``"comments"``;
* a list of such article objects (or of loose comment and article records).

Issues are located with a JSON path such as ``$.articles[2].comments[0]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from analyzer.ingest.records import ReadContext, RecordBuilder
from analyzer.ingest.sources import Source, SourceError, open_text
from analyzer.model import Severity

NESTED_COMMENTS = "comments"
_TYPE_KEY = "type"

Kind = Literal["comment", "article"]


def read_json(source: Source, context: ReadContext) -> None:
    collector = context.collector
    index = collector.open_source(source.name, "path")
    state = collector.source(index)
    builder = context.builder(index)

    def code_for(path: str) -> int:
        state.paths.append(path)
        return len(state.paths) - 1

    try:
        with open_text(source, context.mapping.encoding) as handle:
            document = json.load(handle)
    except SourceError as exc:
        collector.source_failed(index, str(exc))
        return
    except json.JSONDecodeError as exc:
        collector.source_failed(
            index,
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
            "nothing in this file was read",
        )
        return
    except RecursionError:
        collector.source_failed(index, "JSON nested too deeply to read")
        return
    article_key = context.mapping.articles.columns.article_id
    if isinstance(document, list):
        for position, item in enumerate(document):
            _item(item, builder, context, index, code_for, path=f"$[{position}]", kind=None)
    elif (
        isinstance(document, dict)
        and article_key not in document
        and ("articles" in document or NESTED_COMMENTS in document)
    ):
        layout: tuple[tuple[str, Kind], ...] = (
            ("articles", "article"),
            (NESTED_COMMENTS, "comment"),
        )
        for key, kind in layout:
            items = document.get(key, [])
            if not isinstance(items, list):
                collector.issue(
                    index,
                    code_for(f"$.{key}"),
                    key,
                    f"'{key}' must be a list, got {type(items).__name__}; it was skipped",
                    Severity.ERROR,
                )
                continue
            for position, item in enumerate(items):
                _item(
                    item, builder, context, index, code_for, path=f"$.{key}[{position}]", kind=kind
                )
    elif isinstance(document, dict):
        _item(document, builder, context, index, code_for, path="$", kind=None)
    else:
        collector.source_failed(
            index,
            f"expected a JSON object or list at the top, got {type(document).__name__}; "
            "see docs/input-formats.md for the accepted layouts",
        )
        return
    builder.finish()
    collector.progress()


def _item(
    item: object,
    builder: RecordBuilder,
    context: ReadContext,
    index: int,
    code_for: Callable[[str], int],
    *,
    path: str,
    kind: Kind | None,
) -> None:
    if not isinstance(item, dict):
        context.collector.issue(
            index,
            code_for(path),
            None,
            f"expected a JSON object, got {type(item).__name__}; it was skipped",
            Severity.ERROR,
        )
        return
    add_record(item, builder, context, index, code_for, path=path, kind=kind)


def add_record(
    record: dict[str, Any],
    builder: RecordBuilder,
    context: ReadContext,
    index: int,
    code_for: Callable[[str], int],
    *,
    path: str,
    kind: Kind | None = None,
) -> None:
    """Classify one JSON object and hand it (and any nested comments) to the builder.

    ``code_for(path)`` gives the location code for a (nested) record: a JSON path for documents,
    the same line number for every record of a JSON Lines line.
    """
    declared = record.get(_TYPE_KEY)
    if declared in ("article", "comment"):
        record = {key: value for key, value in record.items() if key != _TYPE_KEY}
        kind = kind or declared
    comment_key = context.mapping.comments.columns.comment_id
    article_key = context.mapping.articles.columns.article_id
    if kind is None:
        if comment_key in record:
            kind = "comment"
        elif article_key in record or NESTED_COMMENTS in record:
            kind = "article"
        else:
            context.collector.issue(
                index,
                code_for(path),
                None,
                f"cannot tell whether this record is a comment or an article: it has "
                f"neither '{comment_key}' nor '{article_key}'; it was skipped",
                Severity.ERROR,
            )
            return
    if kind == "comment":
        builder.comment_record(record, code_for(path))
        return
    nested = record.get(NESTED_COMMENTS)
    article = {key: value for key, value in record.items() if key != NESTED_COMMENTS}
    article_id = builder.article_record(article, code_for(path))
    if nested is None:
        return
    if not isinstance(nested, list):
        context.collector.issue(
            index,
            code_for(f"{path}.comments"),
            NESTED_COMMENTS,
            f"'comments' must be a list, got {type(nested).__name__}; it was skipped",
            Severity.ERROR,
            record_id=article_id,
        )
        return
    for position, comment in enumerate(nested):
        comment_path = f"{path}.comments[{position}]"
        if not isinstance(comment, dict):
            context.collector.issue(
                index,
                code_for(comment_path),
                None,
                f"expected a JSON object, got {type(comment).__name__}; it was skipped",
                Severity.ERROR,
            )
            continue
        builder.comment_record(comment, code_for(comment_path), article_id_default=article_id)
