"""Ingestion: files, directories, globs and stdin in any supported format -> one Corpus.

One reader per format (``seed_text``, ``json_document``, ``jsonl``, ``csv_table``,
``parquet_table``); ``sources`` expands and decodes inputs, ``mapping`` says which column holds
which field, ``records`` validates each record, ``collector`` checks what needs the whole input.
A bad record never stops the run: it becomes a RecordIssue and the rest is kept. Only when no
input at all can be read does :func:`read_corpus` raise :class:`InputError`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from analyzer.config import IngestParams
from analyzer.errors import InputError
from analyzer.ingest.collector import CorpusCollector
from analyzer.ingest.csv_table import read_csv
from analyzer.ingest.json_document import read_json
from analyzer.ingest.jsonl import read_jsonl
from analyzer.ingest.mapping import (
    DEFAULT_MAPPING,
    ArticleColumns,
    ArticleColumnsInComments,
    ArticleTable,
    ColumnMapping,
    CommentColumns,
    CommentTable,
    DropRule,
    load_mapping,
    mapping_from_dict,
    shipped_mappings,
)
from analyzer.ingest.parquet_table import read_parquet
from analyzer.ingest.records import ReadContext
from analyzer.ingest.seed_text import read_seed_text
from analyzer.ingest.sources import (
    FORMAT_BY_SUFFIX,
    Format,
    Source,
    articles_sibling,
    expand,
    make_source,
    unique_sources,
)
from analyzer.model import Corpus, Severity

__all__ = [
    "FORMAT_BY_SUFFIX",
    "ArticleColumns",
    "ArticleColumnsInComments",
    "ArticleTable",
    "ColumnMapping",
    "CommentColumns",
    "CommentTable",
    "DropRule",
    "Format",
    "load_mapping",
    "mapping_from_dict",
    "read_corpus",
    "shipped_mappings",
]

_DEFAULT_PARAMS = IngestParams.model_validate({})


def read_corpus(
    sources: Sequence[str | Path],
    *,
    mapping: ColumnMapping | None = None,
    params: IngestParams = _DEFAULT_PARAMS,
    stdin: TextIO | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Corpus:
    """Read every source into one Corpus, in input order.

    ``sources`` are files, directories (recursed), globs, or ``"-"`` for JSON Lines on stdin
    (``stdin`` if given, else ``sys.stdin``). ``on_progress(n)`` gets the number of comments
    read so far after every chunk. Problems with single records, or with some of the files,
    are returned in ``Corpus.issues``; :class:`InputError` is raised only when nothing could
    be read at all.
    """
    if isinstance(sources, str | Path):
        sources = [sources]
    if not sources:
        raise InputError(
            "no input given", hint="pass files, directories, glob patterns, or - for stdin"
        )
    mapping = mapping or DEFAULT_MAPPING
    collector = CorpusCollector(on_progress)
    context = ReadContext(collector, mapping, params)
    articles_file = mapping.articles.file
    planned: list[Source] = []
    siblings: dict[str, Path | None] = {}
    for given in sources:
        expansion = expand(given, articles_file)
        if expansion.error is not None:
            failed = collector.open_source(expansion.given, "row")
            collector.source_failed(failed, expansion.error)
        for source in expansion.sources:
            if source.role == "comments":
                sibling = articles_sibling(source, articles_file)
                siblings[source.name] = sibling
                if sibling is not None:
                    planned.append(make_source(sibling, articles_file))
            planned.append(source)
    for source in unique_sources(planned):
        first_index = len(collector.sources)
        _read(source, context, stdin)
        if source.role == "comments":
            _link_articles(source, siblings.get(source.name), first_index, collector, articles_file)
    corpus = collector.finish()
    _raise_if_nothing_read(collector)
    return corpus


def _read(source: Source, context: ReadContext, stdin: TextIO | None) -> None:
    if source.path is None:
        read_jsonl(source, context, stdin=stdin if stdin is not None else sys.stdin)
    elif source.format is Format.SEED_TEXT:
        read_seed_text(source, context)
    elif source.format is Format.JSON:
        read_json(source, context)
    elif source.format is Format.JSONL:
        read_jsonl(source, context)
    elif source.format is Format.PARQUET:
        read_parquet(source, context)
    else:
        read_csv(source, context)


def _link_articles(
    comments: Source,
    sibling: Path | None,
    index: int,
    collector: CorpusCollector,
    articles_file: str | None,
) -> None:
    """Comments whose articles table was read expect every article id to be described there."""
    state = collector.source(index)
    if sibling is not None:
        resolved = sibling.resolve()
        for other in collector.sources:
            if other.records_seen and Path(other.name).resolve() == resolved:
                state.has_articles = True
    elif articles_file is not None:
        collector.issue(
            index,
            -1,
            None,
            f"the column mapping names the articles table '{articles_file}', but there is no "
            f"such file next to {comments.name}; articles were created from ids alone",
            Severity.WARNING,
        )


def _raise_if_nothing_read(collector: CorpusCollector) -> None:
    states = collector.sources
    unreadable = collector.unreadable()
    if not states or len(unreadable) < len(states):
        return
    if len(unreadable) == 1:
        only = unreadable[0]
        raise InputError(
            f"cannot read {only.name}: {only.error}",
            hint="fix or convert the file; docs/input-formats.md lists the accepted formats",
        )
    listed = "; ".join(f"{state.name}: {state.error}" for state in unreadable)
    raise InputError(
        f"none of the {len(unreadable)} inputs could be read: {listed}",
        hint="fix or convert the files; docs/input-formats.md lists the accepted formats",
    )
