"""co_commenting: distinct articles, activity-normalized, supporting unless strict."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.config import CoCommentingParams
from analyzer.coordination.co_commenting import CoCommentingDetector, co_active_rows, pair_score
from analyzer.model import Comment, Signal
from tests.builders import detection_input, make_comment


def detect(comments: list[Comment], **params: object) -> list[Signal]:
    detector = CoCommentingDetector(CoCommentingParams.model_validate(params))
    return detector.detect(detection_input(comments))


def crew(articles: int, members: int = 3, gap_minutes: float = 4) -> list[Comment]:
    return [
        make_comment(
            f"crew-{a}-{m}",
            f"text {a} {m}",
            author=f"crew{m}",
            article_id=f"art{a}",
            minutes=1440 * a + gap_minutes * m,
        )
        for a in range(articles)
        for m in range(members)
    ]


@pytest.mark.parametrize(
    ("articles", "jaccard", "expected"),
    [
        (2, 1.0, 0.45 * 0.5),  # supporting only
        (3, 1.0, 0.45 * 0.75),  # three articles: still supporting
        (4, 0.5, 0.45 * 0.5 * 0.875),  # enough articles, article sets too different
        (4, 1.0, 0.5 + 0.45 * 0.5),  # strict bar met
        (5, 1.0, 0.5 + 0.45 * 0.75),
    ],
)
def test_pair_score(articles: int, jaccard: float, expected: float) -> None:
    assert pair_score(articles, jaccard, CoCommentingParams()) == pytest.approx(expected)


def test_a_crew_under_four_articles_is_one_strict_group() -> None:
    [signal] = detect(crew(4))
    assert signal.score == pytest.approx(0.5 + 0.45 * 0.5)
    assert len(signal.comment_ids) == 12
    assert signal.summary.startswith("3 accounts repeatedly commented under the same articles")
    pairs = [e for e in signal.evidence[1:]]
    assert {(e.authors, e.weight, e.similarity) for e in pairs} == {
        (("crew0", "crew1"), 4.0, 1.0),
        (("crew0", "crew2"), 4.0, 1.0),
        (("crew1", "crew2"), 4.0, 1.0),
    }


@pytest.mark.parametrize("articles", [2, 3])
def test_fewer_than_four_articles_is_supporting_evidence_only(articles: int) -> None:
    signals = detect(crew(articles))
    assert len(signals) == 3  # one signal per supporting pair, never grouped
    assert all(s.score < 0.5 and len(s.evidence) == 2 for s in signals)


def test_supporting_pairs_never_borrow_a_strict_pairs_score() -> None:
    """crew0-crew1 are strict (4 articles); crew1-crew2 only share 2: two separate signals."""
    comments = [
        c for c in crew(4) if not (c.author == "crew2" and c.article_id in {"art2", "art3"})
    ]
    strict, *weak = sorted(detect(comments), key=lambda s: -s.score)
    assert strict.score >= 0.5 and len(weak) == 2 and all(s.score < 0.5 for s in weak)
    assert not any(cid.endswith("-2") for cid in strict.comment_ids)


def test_arguing_in_one_thread_counts_one_article_not_many_messages() -> None:
    comments = [
        make_comment(f"c{i}", author=("ann", "bob")[i % 2], article_id="art0", minutes=i)
        for i in range(30)
    ]
    comments.append(make_comment("x", author="ann", article_id="art1", minutes=5000))
    comments.append(make_comment("y", author="bob", article_id="art2", minutes=6000))
    assert detect(comments) == []


def test_heavy_regulars_are_normalized_away() -> None:
    """Two accounts co-active under 4 articles, but each commenting under 20: Jaccard 4/36."""
    comments = crew(4, members=2)
    for a in range(4, 20):
        comments.append(
            make_comment(f"r0-{a}", author="crew0", article_id=f"art{a}", minutes=1440 * a)
        )
        comments.append(
            make_comment(f"r1-{a}", author="crew1", article_id=f"art{a}", minutes=1440 * a + 300)
        )
    assert detect(comments) == []
    assert detect(comments, min_jaccard=0.05)  # the raw co-activity is there


def test_outside_the_window_is_not_co_active() -> None:
    assert detect(crew(4, gap_minutes=20)) == []
    assert detect(crew(4, gap_minutes=20), window_seconds=3600)


def test_co_active_rows_pairs_different_accounts_within_the_window() -> None:
    article = np.array([0, 0, 0, 1], dtype=np.int64)
    times = np.array([0.0, 100.0, 5000.0, 50.0])
    account = np.array([0, 1, 2, 3], dtype=np.int64)
    left, right = co_active_rows(article, times, account, 900.0, 10)
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 1)]
