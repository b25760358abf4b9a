"""Wire models -> domain types (validating each item on its own), and domain -> wire records.

A batch never fails whole because of one bad comment: each invalid article or comment becomes
an ``ItemError`` naming where it is in the request, and the rest is processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from analyzer.model import Article, Comment, Corpus
from analyzer.storage.corpus import IngestOutcome, ItemOutcome
from analyzer.storage.tables import ID_LENGTH
from api.schemas import ArticleIn, CommentIn, ItemCounts, ItemError


@dataclass(frozen=True, slots=True)
class Parsed:
    corpus: Corpus
    errors: tuple[ItemError, ...]
    locations: dict[tuple[str, str], str]  # (kind, id) -> where in the request


class _ItemInvalidError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _check_id(value: str, field: str) -> str:
    if not value.strip():
        raise _ItemInvalidError("invalid_id", f"{field} is empty")
    if len(value) > ID_LENGTH:
        raise _ItemInvalidError(
            "invalid_id", f"{field} is {len(value)} characters long; at most {ID_LENGTH} allowed"
        )
    return value


def _parse_time(value: str | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _ItemInvalidError(
            "invalid_time",
            f"{field} {value[:40]!r} is not an ISO-8601 time (e.g. 2024-05-01T09:30:00Z)",
        ) from None
    if parsed.tzinfo is None:
        raise _ItemInvalidError(
            "invalid_time",
            f"{field} {value!r} has no timezone; add 'Z' for UTC or an offset like +02:00",
        )
    return parsed


def _article(item: ArticleIn) -> Article:
    return Article(
        article_id=_check_id(item.article_id, "article_id"),
        title=item.title,
        text=item.text,
        url=item.url,
        published_at=_parse_time(item.published_at, "published_at"),
        metadata=MappingProxyType(dict(item.metadata)),
    )


def _comment(item: CommentIn, article_id: str | None, max_text_chars: int) -> Comment:
    comment_id = _check_id(item.comment_id, "comment_id")
    if article_id is None:
        if item.article_id is None:
            raise _ItemInvalidError("missing_article_id", "a top-level comment needs an article_id")
        article_id = _check_id(item.article_id, "article_id")
    elif item.article_id is not None and item.article_id != article_id:
        raise _ItemInvalidError(
            "article_mismatch",
            f"comment names article_id {item.article_id!r} but is nested under {article_id!r}",
        )
    if not item.text.strip():
        raise _ItemInvalidError("empty_text", "text is empty")
    if len(item.text) > max_text_chars:
        raise _ItemInvalidError(
            "text_too_long",
            f"text has {len(item.text)} characters; the limit is {max_text_chars} "
            "(ANALYZER_INGEST__MAX_TEXT_CHARS)",
        )
    if item.parent_id is not None:
        _check_id(item.parent_id, "parent_id")
    return Comment(
        comment_id=comment_id,
        article_id=article_id,
        text=item.text,
        author=item.author or None,
        created_at=_parse_time(item.created_at, "created_at"),
        parent_id=item.parent_id or None,
        metadata=MappingProxyType(dict(item.metadata)),
    )


def parse_items(
    articles: Sequence[ArticleIn],
    comments: Sequence[CommentIn],
    *,
    max_text_chars: int,
    comment_article_id: str | None = None,
    comments_location: str = "comments",
) -> Parsed:
    """Validate every item on its own. ``comment_article_id`` puts top-level comments under
    one article (the append endpoint)."""
    errors: list[ItemError] = []
    good_articles: list[Article] = []
    good_comments: list[Comment] = []
    locations: dict[tuple[str, str], str] = {}
    seen_articles: set[str] = set()
    seen_comments: set[str] = set()

    def reject(
        kind: str, item_id: str, article_id: str | None, where: str, exc: _ItemInvalidError
    ) -> None:
        errors.append(
            ItemError(
                kind="article" if kind == "article" else "comment",
                id=item_id,
                article_id=article_id,
                code=exc.code,
                message=exc.message,
                location=where,
            )
        )

    def add_comment(item: CommentIn, article_id: str | None, where: str) -> None:
        try:
            comment = _comment(item, article_id, max_text_chars)
            if comment.comment_id in seen_comments:
                raise _ItemInvalidError(
                    "duplicate_id",
                    f"comment id {comment.comment_id!r} appears more than once in this request; "
                    "the first one was kept",
                )
        except _ItemInvalidError as exc:
            reject("comment", item.comment_id, article_id or item.article_id, where, exc)
            return
        seen_comments.add(comment.comment_id)
        locations[("comment", comment.comment_id)] = where
        good_comments.append(comment)

    for a_index, item in enumerate(articles):
        where = f"articles[{a_index}]"
        try:
            article = _article(item)
            if article.article_id in seen_articles:
                raise _ItemInvalidError(
                    "duplicate_id",
                    f"article id {article.article_id!r} appears more than once in this request; "
                    "the first one was kept (its comments are still read)",
                )
        except _ItemInvalidError as exc:
            reject("article", item.article_id, item.article_id, where, exc)
            if exc.code != "duplicate_id":
                for c_index, comment in enumerate(item.comments):
                    reject(
                        "comment",
                        comment.comment_id,
                        item.article_id,
                        f"{where}.comments[{c_index}]",
                        _ItemInvalidError("article_rejected", "its article was rejected"),
                    )
                continue
        else:
            seen_articles.add(article.article_id)
            locations[("article", article.article_id)] = where
            good_articles.append(article)
        for c_index, comment in enumerate(item.comments):
            add_comment(comment, item.article_id, f"{where}.comments[{c_index}]")
    for c_index, comment in enumerate(comments):
        add_comment(comment, comment_article_id, f"{comments_location}[{c_index}]")
    return Parsed(
        corpus=Corpus(articles=tuple(good_articles), comments=tuple(good_comments)),
        errors=tuple(errors),
        locations=locations,
    )


def outcome_errors(outcome: IngestOutcome, parsed: Parsed) -> list[ItemError]:
    """Items the store refused (id conflicts, unknown articles), as wire errors."""
    return [
        ItemError(
            kind="article" if o.kind == "article" else "comment",
            id=o.record_id,
            article_id=o.article_id,
            code=o.code or "rejected",
            message=o.message or "rejected",
            location=parsed.locations.get((o.kind, o.record_id), ""),
        )
        for o in outcome.rejected
    ]


def counts(outcomes: Sequence[ItemOutcome], rejected_before: int) -> ItemCounts:
    tally = ItemCounts(rejected=rejected_before)
    for outcome in outcomes:
        field = str(outcome.status)
        setattr(tally, field, getattr(tally, field) + 1)
    return tally


def article_record(article: Article) -> dict[str, Any]:
    return {
        "article_id": article.article_id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "published_at": iso(article.published_at),
    }


def rejected_count(errors: Sequence[ItemError], kind: str) -> int:
    return sum(1 for e in errors if e.kind == kind)
