"""What CSV and Parquet readers share: a header checked once, then rows in column chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat

from analyzer.ingest.records import ArticleSchema, CommentSchema, ReadContext, RecordBuilder
from analyzer.ingest.sources import Source


class TableSink:
    """Feeds the rows of one comments or articles table to a RecordBuilder."""

    def __init__(self, source: Source, source_index: int, context: ReadContext) -> None:
        self._source = source
        self._index = source_index
        self._context = context
        self.builder: RecordBuilder = context.builder(source_index)
        self._comment_schema: CommentSchema | None = None
        self._article_schema: ArticleSchema | None = None

    def start(self, header: Sequence[str]) -> bool:
        """Compile the header; False (and a file-level error) when required columns lack."""
        table = "comments" if self._source.role == "comments" else "articles"
        schema: CommentSchema | ArticleSchema
        if self._source.role == "articles":
            schema = self._article_schema = self.builder.article_schema(header)
        else:
            schema = self._comment_schema = self.builder.comment_schema(header)
        if schema.missing_required:
            shown = ", ".join(repr(name) for name in header[:30])
            more = f" and {len(header) - 30} more" if len(header) > 30 else ""
            self._context.collector.source_failed(
                self._index,
                f"the {table} table lacks {', '.join(schema.missing_required)}; "
                f"its columns are {shown}{more}. Map them under [{table}.columns] in a column "
                "mapping (see docs/input-formats.md)",
            )
            return False
        self.builder.warn_unused(schema.unused_entries, table)
        return True

    def rows(self, columns: Sequence[Sequence[object]], codes: Iterable[int]) -> None:
        """One chunk, as columns in header order; ``codes`` are the rows' numbers."""
        rows = zip(*columns, repeat(""))  # the padding every row carries (ROW_PADDING)
        if self._comment_schema is not None:
            schema = self._comment_schema
            add_comment = self.builder.comment_row
            for code, values in zip(codes, rows, strict=False):
                add_comment(schema, values, code)
        elif self._article_schema is not None:
            article_schema = self._article_schema
            add_article = self.builder.article_row
            for code, values in zip(codes, rows, strict=False):
                add_article(article_schema, values, code)
        self._context.collector.progress()
