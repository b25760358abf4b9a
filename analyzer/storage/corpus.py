"""Articles and comments: idempotent ingestion and loading back as domain types.

Ingestion is idempotent by id: re-sending a batch stores nothing twice. Articles may be
corrected (a changed title or text updates the row); comments are immutable once stored, so a
comment id that comes back with different content is rejected for that item only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from analyzer.model import Article, Comment, Corpus
from analyzer.storage.tables import ArticleRow, CommentRow

# Parameters per IN (...) list; SQLite's default limit is 32766, PostgreSQL's 65535.
CHUNK = 500


class ItemStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What happened to one article or comment of an ingest request."""

    kind: str  # "article" | "comment"
    record_id: str
    status: ItemStatus
    article_id: str | None = None
    code: str | None = None  # set when rejected
    message: str | None = None


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    articles: tuple[ItemOutcome, ...]
    comments: tuple[ItemOutcome, ...]
    # Articles whose stored content changed: the ones that need a new analysis run.
    changed_article_ids: tuple[str, ...]

    @property
    def rejected(self) -> tuple[ItemOutcome, ...]:
        return tuple(o for o in (*self.articles, *self.comments) if o.status is ItemStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    article: Article
    comment_count: int
    latest_run_id: str | None
    ingested_at: datetime
    updated_at: datetime


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _article_fields(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "published_at": article.published_at,
        "metadata_": dict(article.metadata),
    }


def _comment_matches(row: CommentRow, comment: Comment) -> bool:
    return (
        row.article_id == comment.article_id
        and row.text == comment.text
        and row.author == comment.author
        and row.created_at == comment.created_at
        and row.parent_id == comment.parent_id
    )


def store_corpus(session: Session, corpus: Corpus, *, now: datetime | None = None) -> IngestOutcome:
    """Insert new articles and comments, update changed articles, report each item's fate.

    Comments whose article is neither in ``corpus`` nor stored are rejected.
    """
    now = now or datetime.now(UTC)
    article_ids = list(dict.fromkeys(a.article_id for a in corpus.articles))
    existing_articles = {
        row.article_id: row
        for ids in chunks(article_ids)
        for row in session.scalars(select(ArticleRow).where(ArticleRow.article_id.in_(ids)))
    }
    article_outcomes: list[ItemOutcome] = []
    changed: set[str] = set()
    for article in corpus.articles:
        row = existing_articles.get(article.article_id)
        fields = _article_fields(article)
        if row is None:
            row = ArticleRow(
                article_id=article.article_id, ingested_at=now, updated_at=now, **fields
            )
            session.add(row)
            existing_articles[article.article_id] = row
            changed.add(article.article_id)
            status = ItemStatus.CREATED
        elif any(getattr(row, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now
            changed.add(article.article_id)
            status = ItemStatus.UPDATED
        else:
            status = ItemStatus.UNCHANGED
        article_outcomes.append(
            ItemOutcome("article", article.article_id, status, article.article_id)
        )
    session.flush()

    # Comments of articles that were stored before this request.
    missing_article_ids = sorted({c.article_id for c in corpus.comments} - set(existing_articles))
    for ids in chunks(missing_article_ids):
        for row in session.scalars(select(ArticleRow).where(ArticleRow.article_id.in_(ids))):
            existing_articles[row.article_id] = row

    comment_ids = [c.comment_id for c in corpus.comments]
    existing_comments = {
        row.comment_id: row
        for ids in chunks(comment_ids)
        for row in session.scalars(select(CommentRow).where(CommentRow.comment_id.in_(ids)))
    }
    next_position = _next_positions(session, {c.article_id for c in corpus.comments})
    comment_outcomes: list[ItemOutcome] = []
    new_rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for comment in corpus.comments:
        outcome = _comment_outcome(comment, existing_articles, existing_comments, seen)
        comment_outcomes.append(outcome)
        if outcome.status is not ItemStatus.CREATED:
            continue
        seen.add(comment.comment_id)
        position = next_position[comment.article_id]
        next_position[comment.article_id] = position + 1
        new_rows.append(
            {
                "comment_id": comment.comment_id,
                "article_id": comment.article_id,
                "position": position,
                "author": comment.author,
                "text": comment.text,
                "created_at": comment.created_at,
                "parent_id": comment.parent_id,
                "metadata_": dict(comment.metadata),
                "ingested_at": now,
            }
        )
        changed.add(comment.article_id)
    if new_rows:
        session.execute(insert(CommentRow), new_rows)
    return IngestOutcome(
        articles=tuple(article_outcomes),
        comments=tuple(comment_outcomes),
        changed_article_ids=tuple(sorted(changed)),
    )


def _comment_outcome(
    comment: Comment,
    articles: dict[str, ArticleRow],
    existing: dict[str, CommentRow],
    seen: set[str],
) -> ItemOutcome:
    def rejected(code: str, message: str) -> ItemOutcome:
        return ItemOutcome(
            "comment", comment.comment_id, ItemStatus.REJECTED, comment.article_id, code, message
        )

    if comment.comment_id in seen:
        return rejected(
            "duplicate_id",
            f"comment id '{comment.comment_id}' appears more than once in this request; "
            "the first one was kept",
        )
    row = existing.get(comment.comment_id)
    if row is not None:
        if row.article_id != comment.article_id:
            return rejected(
                "id_conflict",
                f"comment id '{comment.comment_id}' is already stored under article "
                f"'{row.article_id}'; comment ids are unique across articles",
            )
        if not _comment_matches(row, comment):
            return rejected(
                "id_conflict",
                f"comment '{comment.comment_id}' is already stored with different content; "
                "stored comments are immutable, send an edit under a new comment id",
            )
        return ItemOutcome("comment", comment.comment_id, ItemStatus.UNCHANGED, comment.article_id)
    if comment.article_id not in articles:
        return rejected(
            "unknown_article",
            f"article '{comment.article_id}' does not exist; send it in 'articles' first",
        )
    return ItemOutcome("comment", comment.comment_id, ItemStatus.CREATED, comment.article_id)


def _next_positions(session: Session, article_ids: Iterable[str]) -> defaultdict[str, int]:
    positions: defaultdict[str, int] = defaultdict(int)
    ids = sorted(article_ids)
    for chunk in chunks(ids):
        query = (
            select(CommentRow.article_id, func.max(CommentRow.position))
            .where(CommentRow.article_id.in_(chunk))
            .group_by(CommentRow.article_id)
        )
        for article_id, position in session.execute(query):
            positions[article_id] = int(position) + 1
    return positions


def article_from_row(row: ArticleRow) -> Article:
    return Article(
        article_id=row.article_id,
        title=row.title,
        text=row.text,
        url=row.url,
        published_at=row.published_at,
        metadata=dict(row.metadata_ or {}),
    )


def comment_from_row(row: CommentRow) -> Comment:
    return Comment(
        comment_id=row.comment_id,
        article_id=row.article_id,
        text=row.text,
        author=row.author,
        created_at=row.created_at,
        parent_id=row.parent_id,
        metadata=dict(row.metadata_ or {}),
    )


def load_corpus(session: Session, article_ids: Sequence[str] | None = None) -> Corpus:
    """Stored articles (all, or those listed) with their comments in arrival order."""
    if article_ids is None:
        article_rows = list(session.scalars(select(ArticleRow).order_by(ArticleRow.article_id)))
    else:
        article_rows = [
            row
            for ids in chunks(sorted(set(article_ids)))
            for row in session.scalars(select(ArticleRow).where(ArticleRow.article_id.in_(ids)))
        ]
        article_rows.sort(key=lambda r: r.article_id)
    comments: list[Comment] = []
    ids = [r.article_id for r in article_rows]
    for chunk in chunks(ids):
        query = (
            select(CommentRow)
            .where(CommentRow.article_id.in_(chunk))
            .order_by(CommentRow.article_id, CommentRow.position)
        )
        comments.extend(comment_from_row(row) for row in session.scalars(query))
    return Corpus(
        articles=tuple(article_from_row(r) for r in article_rows), comments=tuple(comments)
    )


def get_article(session: Session, article_id: str) -> StoredArticle | None:
    row = session.get(ArticleRow, article_id)
    if row is None:
        return None
    count = session.scalar(
        select(func.count()).select_from(CommentRow).where(CommentRow.article_id == article_id)
    )
    return _stored(row, int(count or 0))


def list_articles(session: Session, *, limit: int, offset: int) -> tuple[int, list[StoredArticle]]:
    total = int(session.scalar(select(func.count()).select_from(ArticleRow)) or 0)
    rows = list(
        session.scalars(
            select(ArticleRow)
            .order_by(ArticleRow.ingested_at.desc(), ArticleRow.article_id)
            .limit(limit)
            .offset(offset)
        )
    )
    counts: dict[str, int] = {}
    for chunk in chunks([r.article_id for r in rows]):
        query = (
            select(CommentRow.article_id, func.count())
            .where(CommentRow.article_id.in_(chunk))
            .group_by(CommentRow.article_id)
        )
        counts.update({a: int(n) for a, n in session.execute(query)})
    return total, [_stored(r, counts.get(r.article_id, 0)) for r in rows]


def _stored(row: ArticleRow, comment_count: int) -> StoredArticle:
    return StoredArticle(
        article=article_from_row(row),
        comment_count=comment_count,
        latest_run_id=row.latest_run_id,
        ingested_at=row.ingested_at,
        updated_at=row.updated_at,
    )


def recent_comments(
    session: Session, *, window_seconds: float, limit: int
) -> tuple[tuple[Article, ...], tuple[Comment, ...]]:
    """The stored comments posted within ``window_seconds`` of the newest one (at most
    ``limit``, the newest kept), oldest first, with their articles: what a moderation hook's
    rolling window held before a restart. Comments without a timestamp are left out."""
    newest = session.scalar(select(func.max(CommentRow.created_at)))
    if newest is None:
        return (), ()
    since = newest - timedelta(seconds=window_seconds)
    rows = list(
        session.scalars(
            select(CommentRow)
            .where(CommentRow.created_at.is_not(None), CommentRow.created_at >= since)
            .order_by(CommentRow.created_at.desc(), CommentRow.comment_id.desc())
            .limit(limit)
        )
    )
    comments = tuple(comment_from_row(row) for row in reversed(rows))
    article_ids = sorted({c.article_id for c in comments})
    articles = [
        article_from_row(row)
        for chunk in chunks(article_ids)
        for row in session.scalars(select(ArticleRow).where(ArticleRow.article_id.in_(chunk)))
    ]
    return tuple(articles), comments
