"""Evidence pieces several detectors build the same way: a comment group and its time span."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from analyzer.coordination.clustering import describe_duration, plural
from analyzer.model import Article, Comment, Evidence, EvidenceKind

ACCOUNT_FACTOR_BASE = 0.5


def accounts_factor(accounts: int, base: float = ACCOUNT_FACTOR_BASE) -> float:
    """How much the number of distinct accounts adds to a score: 0 for one, saturating at 1.

    With the default base: 0.5 for 2 accounts, 0.75 for 3, 0.875 for 4, 0.94 for 5.
    """
    return 1.0 - base ** max(accounts - 1, 0)


def time_span(members: Sequence[Comment]) -> tuple[datetime | None, datetime | None]:
    times = sorted(c.created_at for c in members if c.created_at is not None)
    return (times[0], times[-1]) if times else (None, None)


def when_text(members: Sequence[Comment]) -> str:
    """'within 4 minutes', '(no timestamps)': for one-sentence summaries."""
    started_at, ended_at = time_span(members)
    timed = sum(1 for c in members if c.created_at is not None)
    if started_at is None or ended_at is None:
        return "(no timestamps)"
    if timed == 1:
        return "(only 1 comment has a timestamp)"
    text = f"within {describe_duration((ended_at - started_at).total_seconds())}"
    if timed < len(members):
        text += f" ({plural(len(members) - timed, 'comment')} without a time)"
    return text


def group_evidence(
    members: Sequence[Comment],
    summary: str,
    *,
    similarity: float | None = None,
    weight: float | None = None,
) -> Evidence:
    """A COMMENT_GROUP naming the members, their accounts, articles and time span."""
    started_at, ended_at = time_span(members)
    return Evidence(
        kind=EvidenceKind.COMMENT_GROUP,
        summary=summary,
        comment_ids=tuple(sorted({c.comment_id for c in members})),
        authors=tuple(sorted({c.author for c in members if c.author})),
        article_ids=tuple(sorted({c.article_id for c in members})),
        similarity=similarity,
        weight=weight,
        started_at=started_at,
        ended_at=ended_at,
    )


def required_accounts(
    members: Sequence[Comment], articles: Mapping[str, Article], min_accounts: int
) -> int:
    """Accounts a paraphrase group needs: one more when none of its articles has any text.

    Without the article's text, quote stripping cannot remove readers quoting it, and several
    readers quoting one sentence look like a copy (research: "No article text:
    quote_stripping not_applied and raise the account threshold").
    """
    for comment in members:
        article = articles.get(comment.article_id)
        if article is not None and (article.text.strip() or article.title.strip()):
            return min_accounts
    return min_accounts + 1


def unique_by_id(comments: Sequence[Comment]) -> list[Comment]:
    """One comment per id (the first in id order), sorted by id: order-independent input."""
    seen: dict[str, Comment] = {}
    for comment in sorted(comments, key=lambda c: (c.comment_id, c.text, c.author or "")):
        seen.setdefault(comment.comment_id, comment)
    return list(seen.values())
