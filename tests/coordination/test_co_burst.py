"""co_burst: the same accounts making up most of a quiet-bounded burst under several articles."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from analyzer.config import CoBurstParams
from analyzer.coordination.co_burst import (
    CoBurstDetector,
    distinctive_candidates,
    multi_scale_bursts,
    split_bursts,
)
from analyzer.model import Comment, EvidenceKind, Signal
from tests.builders import detection_input, make_comment
from tests.coordination import threads


def detect(comments: list[Comment], **params: object) -> list[Signal]:
    detector = CoBurstDetector(CoBurstParams.model_validate(params))
    return detector.detect(detection_input(comments, threads.ARTICLES))


def trio(article: str, minutes: float, prefix: str = "t") -> list[Comment]:
    """Three accounts posting one comment each, 40 s apart."""
    return [
        make_comment(
            f"{prefix}-{article}-{k}",
            f"Comment number {k} of {prefix} under {article}.",
            author=f"{prefix}{k}",
            article_id=article,
            minutes=minutes + 0.66 * k,
        )
        for k in range(3)
    ]


def test_bursts_are_cut_at_quiet_gaps_and_skip_comments_without_time_or_author() -> None:
    comments = [
        make_comment("a", author="x", minutes=0),
        make_comment("b", author="y", minutes=4),
        make_comment("c", author="z", minutes=30),  # 26 minutes of quiet before it
        make_comment("d", author=None, minutes=31),
        make_comment("e", author="w"),
    ]
    bursts = split_bursts(comments, 900.0)
    assert [[comments[r].comment_id for r in b.rows] for b in bursts] == [["a", "b"], ["c"]]
    assert bursts[0].accounts == frozenset({"x", "y"})
    assert bursts[0].ended_at - bursts[0].started_at == 240.0


def test_a_fast_run_inside_a_slower_thread_is_a_burst_at_the_shorter_gap() -> None:
    slow = [make_comment(f"s{i}", author=f"s{i}", minutes=10 * i) for i in range(3)]
    fast = [make_comment(f"f{i}", author=f"f{i}", minutes=25 + 0.5 * i) for i in range(3)]
    bursts = multi_scale_bursts([*slow, *fast], (900.0, 100.0))
    runs = {frozenset(b.accounts) for b in bursts}
    assert frozenset({"s0", "s1", "s2", "f0", "f1", "f2"}) in runs  # at 15 minutes
    assert frozenset({"f0", "f1", "f2"}) in runs  # at 100 seconds
    assert len(bursts) == len({(b.article_id, b.rows) for b in bursts})  # no run twice


def test_three_accounts_alone_in_bursts_under_two_articles_are_one_linking_signal() -> None:
    comments = [*threads.background(), *trio("art1", 3000), *trio("art2", 4500)]
    [signal] = detect(comments)
    assert signal.score == pytest.approx(0.725)  # 0.5 + 0.45 x share 1 x (1 - 0.5)
    assert set(signal.comment_ids) == {c.comment_id for c in comments[-6:]}
    group, *windows = signal.evidence
    assert group.kind is EvidenceKind.COMMENT_GROUP and group.authors == ("t0", "t1", "t2")
    assert [w.article_ids for w in windows] == [("art1",), ("art2",)]
    assert "3 of the 3 accounts" in windows[0].summary


def test_a_third_article_raises_the_score() -> None:
    comments = [*trio("art1", 3000), *trio("art2", 4500), *trio("art3", 6000)]
    [signal] = detect(comments)
    assert signal.score == pytest.approx(0.5 + 0.45 * 0.75)


@pytest.mark.parametrize(
    ("comments", "why"),
    [
        ([*trio("art1", 3000), *trio("art1", 4500)], "one article twice"),
        ([*trio("art1", 3000)[:2], *trio("art2", 4500)[:2]], "two accounts"),
        ([*trio("art1", 3000), *trio("art2", 4500, prefix="u")], "different accounts"),
    ],
    ids=["same_article", "two_accounts", "different_accounts"],
)
def test_no_group_without_enough_accounts_or_articles(comments: list[Comment], why: str) -> None:
    assert detect(comments) == [], why


def test_regulars_in_busy_threads_fall_below_the_share_bar() -> None:
    """The look-alike is co-timed under two articles; only the crowd around them keeps it out
    (3 of 11 accounts), so lowering ``min_share`` below 3/11 would flag it."""
    comments = [*threads.background(), *threads.busy_thread_regulars().comments]
    assert detect(comments) == []
    [signal] = detect(comments, min_share=0.25)
    assert {a for e in signal.evidence for a in e.authors} == {"arguer0", "arguer1", "arguer2"}


def test_busy_bursts_over_the_account_cap_are_not_considered() -> None:
    comments = [*trio("art1", 3000), *trio("art2", 4500)]
    assert detect(comments, max_burst_accounts=2) == []


def test_recruiting_by_shared_terms_can_be_turned_off() -> None:
    scenario = threads.sibling_with_a_one_off_account()
    comments = [*threads.background(), *scenario.comments]
    [with_terms] = detect(comments)
    [without] = detect(comments, min_shared_terms=0)
    assert "sib-oneoff" in with_terms.comment_ids
    assert "sib-oneoff" not in without.comment_ids
    assert "1 more account in those bursts used the group's distinctive terms" in (
        with_terms.summary
    )


def test_a_term_common_elsewhere_in_the_input_is_not_distinctive() -> None:
    scenario = threads.sibling_with_a_one_off_account()
    # 'kickbacks' now appears in 10 ordinary comments by other readers (10 of 71 > 0.3%).
    chatter = [
        make_comment(
            f"chat-{i}",
            f"Kickbacks are a national sport, part {i}.",
            author=f"chatter{i}",
            article_id="art7",
            minutes=20000 + 300 * i,
        )
        for i in range(10)
    ]
    [signal] = detect([*threads.background(), *scenario.comments, *chatter])
    assert "sib-oneoff" not in signal.comment_ids


def test_distinctive_candidates_keep_hashtags_links_and_content_words() -> None:
    text = "@mayor RT this: the Council’s #TunnelScam https://x.co/a is unbelievable and sad"
    assert distinctive_candidates(text) == frozenset(
        {"council's", "#tunnelscam", "https://x.co/a", "unbelievable"}
    )


def test_quiet_gaps_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="quiet gap"):
        CoBurstParams(quiet_gaps_seconds=(900.0, 0.0))
