"""Helpers for the ingestion tests: fixture paths, file writers, issue filters."""

from __future__ import annotations

from pathlib import Path

from analyzer.model import Corpus, RecordIssue, Severity

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_text(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def issues(
    corpus: Corpus, severity: Severity | None = None, field: str | None = None
) -> list[RecordIssue]:
    return [
        issue
        for issue in corpus.issues
        if (severity is None or issue.severity is severity)
        and (field is None or issue.field == field)
    ]


def comment_ids(corpus: Corpus) -> list[str]:
    return [comment.comment_id for comment in corpus.comments]


COMMENTS_HEADER = "comment_id,article_id,author,text,created_at,parent_id\n"
