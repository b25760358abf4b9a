"""account: new-account clusters from platform metadata."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from analyzer.config import AccountParams
from analyzer.coordination.account import AccountDetector, account_created_at
from analyzer.model import Comment
from tests.builders import T0, detection_input, make_comment


def with_created(comment: Comment, value: str) -> Comment:
    return replace(comment, metadata=MappingProxyType({"author_created_at": value}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00+00:00"),
        ("1709208000", "2024-02-29T12:00:00+00:00"),
        ("soon", None),
        ("", None),
    ],
)
def test_account_created_at_parses_iso_and_unix(value: str, expected: str | None) -> None:
    parsed = account_created_at(with_created(make_comment(), value))
    assert (parsed.isoformat() if parsed else None) == expected


def test_new_accounts_in_one_window_are_supporting_evidence() -> None:
    comments = [
        with_created(
            make_comment(f"n{i}", author=f"fresh{i}", minutes=2 * i), "2024-02-29T12:00:00Z"
        )
        for i in range(4)
    ]
    comments += [
        with_created(make_comment(f"o{i}", author=f"old{i}", minutes=3 * i), "2015-01-01T00:00:00Z")
        for i in range(4)
    ]
    [signal] = AccountDetector(AccountParams()).detect(detection_input(comments))
    assert signal.comment_ids == ("n0", "n1", "n2", "n3")
    assert 0 < signal.score <= 0.45
    assert signal.summary.startswith("4 accounts created less than 7 days before commenting")
    assert T0 is not None


def test_old_accounts_give_nothing() -> None:
    comments = [
        with_created(make_comment(f"o{i}", author=f"old{i}", minutes=i), "2015-01-01T00:00:00Z")
        for i in range(6)
    ]
    assert AccountDetector(AccountParams()).detect(detection_input(comments)) == []
