"""Account signals, where the platform sends them: many brand-new accounts under one article.

Platforms know when an account was created; comment exports often do not carry it (Coral's
moderation payload does not). When comments carry ``author_created_at`` (or
``author_created``) in their metadata, as ISO-8601 or Unix seconds, an account is **new** for a
comment posted less than ``new_account_days`` after the account was created.

Per article, the new accounts' comments are scanned in time order; the window of
``window_seconds`` holding the most distinct new accounts is reported when it has at least
``min_accounts``. This is **supporting** evidence only (new readers arrive after every big
story): ``score = min(0.45, 0.15 + 0.3 x share x (1 - 0.5 ** (accounts - 1)))`` where ``share``
is the new accounts' share of all accounts commenting in that window. Comment volume per
account and first-seen time are in the evidence summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from analyzer.config import AccountParams
from analyzer.coordination.base import DETECTORS, DetectionInput
from analyzer.coordination.clustering import describe_duration, plural
from analyzer.coordination.evidence import accounts_factor, group_evidence, unique_by_id
from analyzer.ingest.times import TimeParseError, TimeParser
from analyzer.model import Comment, Requirement, Signal

CREATED_KEYS = ("author_created_at", "author_created")
_TIMES = TimeParser()  # the ingest parser: ISO-8601 and epoch seconds/milliseconds, naive = UTC
SUPPORT_CAP = 0.45


def account_created_at(comment: Comment) -> datetime | None:
    """The author's account creation time from the comment's metadata, if present and valid."""
    for key in CREATED_KEYS:
        try:
            parsed = _TIMES.parse(comment.metadata.get(key, "").strip())
        except TimeParseError:
            continue
        if parsed is not None:
            return parsed[0]
    return None


def has_account_metadata(comment: Comment) -> bool:
    return account_created_at(comment) is not None


@DETECTORS.register("account")
class AccountDetector:
    """Clusters of brand-new accounts commenting under one article within a short window."""

    name: ClassVar[str] = "account"
    version: ClassVar[str] = "1.0.0"
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.AUTHORS, Requirement.TIMESTAMPS, Requirement.AUTHOR_METADATA}
    )
    role: ClassVar[str] = "supporting"

    def __init__(self, params: AccountParams) -> None:
        self.params = params

    def detect(self, data: DetectionInput) -> list[Signal]:
        by_article: dict[str, list[Comment]] = defaultdict(list)
        for comment in unique_by_id(data.comments):
            if comment.author and comment.created_at is not None:
                by_article[comment.article_id].append(comment)
        found = []
        for article_id in sorted(by_article):
            comments = sorted(by_article[article_id], key=lambda c: (c.created_at, c.comment_id))
            signal = self._article_signal(article_id, comments)
            if signal is not None:
                found.append(signal)
        return found

    def _is_new(self, comment: Comment) -> bool:
        created = account_created_at(comment)
        if created is None or comment.created_at is None:
            return False
        age_days = (comment.created_at - created).total_seconds() / 86400
        return age_days < self.params.new_account_days

    def _article_signal(self, article_id: str, comments: Sequence[Comment]) -> Signal | None:
        new = [c for c in comments if self._is_new(c)]
        best: list[Comment] = []
        for start, first in enumerate(new):
            assert first.created_at is not None
            window = [
                c
                for c in new[start:]
                if c.created_at is not None
                and (c.created_at - first.created_at).total_seconds() <= self.params.window_seconds
            ]
            if len({c.author for c in window}) > len({c.author for c in best}):
                best = window
        accounts = sorted({c.author for c in best if c.author})
        if len(accounts) < self.params.min_accounts:
            return None
        assert best[0].created_at is not None and best[-1].created_at is not None
        start_at, end_at = best[0].created_at, best[-1].created_at
        everyone = {
            c.author
            for c in comments
            if c.created_at is not None and start_at <= c.created_at <= end_at
        }
        share = len(accounts) / max(len(everyone), 1)
        score = min(SUPPORT_CAP, 0.15 + 0.3 * share * accounts_factor(len(accounts)))
        ages = [
            (c.created_at - created).total_seconds() / 86400
            for c in best
            if c.created_at is not None and (created := account_created_at(c)) is not None
        ]
        summary = (
            f"{plural(len(accounts), 'account')} created less than "
            f"{self.params.new_account_days:g} days before commenting posted under article "
            f"{article_id} within {describe_duration((end_at - start_at).total_seconds())} "
            f"({share:.0%} of the accounts active then; youngest {min(ages):.1f} days old)"
        )
        evidence = group_evidence(
            best,
            "comments by new accounts; similarity is their share of the accounts active in "
            "the window, weight the number of new accounts",
            similarity=share,
            weight=float(len(accounts)),
        )
        return Signal(
            detector=self.name,
            detector_version=self.version,
            score=score,
            summary=summary,
            comment_ids=evidence.comment_ids,
            evidence=(evidence,),
        )
