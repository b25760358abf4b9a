"""Parquet tables, read with pyarrow one record batch (``params.chunk_rows`` rows) at a time.

Rows are numbered from 1 (Parquet has no header row). Typed columns are accepted: numbers
become text for ids, timestamps are taken as they are (naive ones per ``naive_timezone``).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.ingest.records import ReadContext
from analyzer.ingest.sources import Source
from analyzer.ingest.tables import TableSink


def read_parquet(source: Source, context: ReadContext) -> None:
    collector = context.collector
    index = collector.open_source(source.name, "row")
    sink = TableSink(source, index, context)
    assert source.path is not None
    next_row = 1
    try:
        parquet = pq.ParquetFile(source.path)
        if not sink.start(parquet.schema_arrow.names):
            return
        for batch in parquet.iter_batches(batch_size=context.params.chunk_rows):
            columns = [column.to_pylist() for column in batch.columns]
            sink.rows(columns, range(next_row, next_row + batch.num_rows))
            next_row += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        read = f"rows 1-{next_row - 1} were read; " if next_row > 1 else ""
        collector.source_failed(
            index, f"cannot read as Parquet: {exc}; {read}the rest of the file was not read"
        )
    finally:
        sink.builder.finish()
