"""The moderation-hook check: one comment at a time against a rolling window.

The central test feeds a thread in time order and compares every verdict with what the corpus
detector reports on the thread up to that comment.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from analyzer.config import CoordinationParams, NearDuplicateParams
from analyzer.coordination.near_duplicate import NearDuplicateDetector
from analyzer.coordination.streaming import HOOK_BURST_VERSION, StreamingChecker
from analyzer.model import Comment, Signal
from tests.builders import T0, at, detection_input, make_article, make_comment
from tests.coordination import threads

DAY = 86_400.0
SCRIPT = (
    "Vote NO on measure 12. It will destroy hundreds of local jobs and raise your property "
    "taxes by 20 percent. Share this before Tuesday!"
)
EDITS = (
    SCRIPT,
    SCRIPT.replace("hundreds of", "many").replace("Share this", "Please share this"),
    SCRIPT.replace("20 percent", "twenty percent") + " #NoOn12",
    SCRIPT.replace("Vote NO", "Vote no") + " https://example.org/vote?ref=a1b2",
)


VOCABULARY = (
    "tram budget river council tunnel bus ticket mayor station bridge parking levy school "
    "winter traffic cyclist heritage zoning harbour library pension audit ferry housing"
)


def distinct_text(seed: int) -> str:
    """A sentence of ten words drawn for ``seed``: unrelated to every other seed's."""
    rng = random.Random(seed)
    return " ".join(rng.sample(VOCABULARY.split(), 10)) + "."


def checker(
    window_seconds: float = 30 * DAY, max_comments: int = 10_000, **params: object
) -> StreamingChecker:
    coordination = CoordinationParams.model_validate(params)
    return StreamingChecker(coordination, window_seconds=window_seconds, max_comments=max_comments)


def edited_campaign() -> list[Comment]:
    """Four accounts posting lightly edited copies, and one repeating itself later."""
    comments = [
        make_comment(f"edit-{i}", text, author=f"editor{i}", article_id="art3", minutes=500 + i)
        for i, text in enumerate(EDITS)
    ]
    comments.append(
        make_comment("edit-4", EDITS[1], author="editor1", article_id="art4", minutes=508)
    )
    return comments


def parent_quotes() -> list[Comment]:
    """Replies that quote their parent at length, each with different words of their own."""
    parent = make_comment(
        "parent",
        "The tunnel under the river will cost at least four hundred million dollars more "
        "than the council admitted in its spring budget.",
        author="origin",
        article_id="art5",
        minutes=700,
    )
    tails = ("Source?", "I doubt that very much.", "That is outrageous!", "Old news.")
    replies = [
        make_comment(
            f"reply-{i}",
            f"{parent.text} {tail}",
            author=f"replier{i}",
            article_id="art5",
            parent_id="parent",
            minutes=701 + i,
        )
        for i, tail in enumerate(tails)
    ]
    return [parent, *replies]


def thread() -> list[Comment]:
    comments = [
        *threads.background(),
        *threads.copy_paste().comments,
        *threads.quoting_the_article().comments,
        *threads.famous_quote().comments,
        *threads.plus_one_replies().comments,
        *edited_campaign(),
        *parent_quotes(),
    ]
    return sorted(comments, key=lambda c: (c.created_at or T0, c.comment_id))


def corpus_signal(prefix: list[Comment], comment_id: str) -> Signal | None:
    detector = NearDuplicateDetector(NearDuplicateParams())
    found = [
        s
        for s in detector.detect(detection_input(prefix, threads.ARTICLES))
        if comment_id in s.comment_ids
    ]
    assert len(found) <= 1
    return found[0] if found else None


def hook_signal(signals: tuple[Signal, ...]) -> Signal | None:
    found = [s for s in signals if s.detector == "near_duplicate"]
    return found[0] if found else None


def test_each_check_equals_the_corpus_detector_on_the_thread_so_far() -> None:
    comments = thread()
    hook = checker()
    for article in threads.ARTICLES:
        hook.register_article(article)
    flagged = set()
    for i, comment in enumerate(comments):
        verdict = hook.check(comment)
        expected = corpus_signal(comments[: i + 1], comment.comment_id)
        assert hook_signal(verdict.signals) == expected, comment.comment_id
        if verdict.flagged:
            flagged.add(comment.comment_id)
    # The campaigns are caught as they arrive (from the third account on); nothing organic is.
    assert flagged == {"copy-2", "copy-3", "edit-2", "edit-3", "edit-4"}


def test_a_flagged_verdict_names_the_group_and_explains_itself() -> None:
    hook = checker()
    for comment in edited_campaign()[:3]:
        verdict = hook.check(comment)
    assert verdict.flagged and verdict.score >= 0.5
    assert verdict.matched_comment_ids == ("edit-0", "edit-1")
    assert verdict.matched_authors == ("editor0", "editor1")
    assert verdict.summary.startswith("3 accounts posted near-identical text")
    assert {e.kind.value for e in verdict.evidence} == {"comment_group", "shared_text"}
    assert verdict.recorded and verdict.window_comments == 3


def test_two_accounts_are_matched_but_not_flagged() -> None:
    hook = checker()
    hook.check(make_comment("a", SCRIPT, author="x", minutes=0))
    verdict = hook.check(make_comment("b", SCRIPT, author="y", minutes=1))
    assert not verdict.flagged and verdict.signals == ()
    assert verdict.matched_comment_ids == ("a",)
    assert "fewer than the 3 accounts a group needs" in verdict.summary


def test_organic_comment_reports_what_was_not_computed() -> None:
    hook = checker()
    verdict = hook.check(make_comment("a", "I take the bus every day and it is fine.", minutes=0))
    assert not verdict.flagged and verdict.score == 0.0
    assert verdict.summary.startswith("No signal above threshold among the signals computed")
    skipped = {s.name: s.reason for s in verdict.skipped_signals}
    assert "co_commenting" in skipped and "history" in skipped["co_commenting"]
    assert {"generic_endorsement", "account", "stance_influx"} <= set(skipped)
    # Every default detector the hook skips has its own reason, not the generic one.
    assert all("not available one comment at a time" not in r for r in skipped.values())
    assert "near_duplicate" not in skipped
    short = hook.check(make_comment("b", "+1", minutes=1))
    reasons = {s.name: s.reason for s in short.skipped_signals}
    assert "shorter than 25 characters" in reasons["near_duplicate"]


def test_dry_run_leaves_the_window_unchanged() -> None:
    hook = checker()
    for comment in edited_campaign()[:2]:
        hook.check(comment)
    third = edited_campaign()[2]
    dry = hook.check(third, record=False)
    assert len(hook) == 2 and not dry.recorded and dry.window_comments == 2
    real = hook.check(third)
    assert real.recorded and len(hook) == 3
    assert (dry.flagged, dry.score, dry.signals) == (real.flagged, real.score, real.signals)
    # A later comment sees the same window as if the dry run had never happened.
    again = hook.check(edited_campaign()[3])
    assert again.matched_comment_ids == ("edit-0", "edit-1", "edit-2")


def test_rechecking_a_held_comment_returns_its_verdict_without_adding_it() -> None:
    hook = checker()
    for comment in edited_campaign()[:3]:
        first = hook.check(comment)
    second = hook.check(edited_campaign()[2])
    assert len(hook) == 3 and not second.recorded
    assert (second.score, second.signals) == (first.score, first.signals)


def test_comments_older_than_the_window_are_evicted() -> None:
    hook = checker(window_seconds=3600.0)
    for i in range(2):
        hook.check(make_comment(f"old-{i}", SCRIPT, author=f"o{i}", minutes=i))
    assert len(hook) == 2
    late = hook.check(make_comment("late", SCRIPT, author="late", minutes=60.5))
    assert len(hook) == 2  # old-0 (minute 0) left: the newest time is minute 60.5
    assert late.matched_comment_ids == ()  # old-1 is held but outside the 15-minute link window
    assert hook.oldest_at() == at(1)


def test_max_comments_caps_the_window_and_slots_are_reused_safely() -> None:
    hook = checker(max_comments=5)
    for i in range(40):  # distinct texts fill and recycle every signature slot
        hook.check(make_comment(f"n{i}", distinct_text(i), author=f"n{i}", minutes=i * 0.1))
        assert len(hook) <= 5
    verdicts = [
        hook.check(make_comment(f"s{i}", SCRIPT, author=f"s{i}", minutes=5 + i)) for i in range(3)
    ]
    assert verdicts[-1].flagged and verdicts[-1].matched_comment_ids == ("s0", "s1")
    assert len(hook) == 5
    # Stale signatures in reused slots link nothing: an evicted text checked again is new.
    again = hook.check(make_comment("n0-again", distinct_text(0), author="z", minutes=9))
    assert again.matched_comment_ids == ()


def test_a_group_larger_than_the_window_keeps_only_held_members() -> None:
    hook = checker(max_comments=4)
    for i in range(6):
        verdict = hook.check(make_comment(f"c{i}", SCRIPT, author=f"a{i}", minutes=i))
    assert verdict.matched_comment_ids == ("c2", "c3", "c4")  # 4 held, c5 among them


def test_warm_start_gives_the_same_verdicts_as_checking_one_by_one() -> None:
    comments = thread()
    one_by_one = checker()
    warmed = checker()
    for hook in (one_by_one, warmed):
        for article in threads.ARTICLES:
            hook.register_article(article)
    split = len(comments) - 10
    for comment in comments[:split]:
        one_by_one.check(comment)
    assert warmed.warm(reversed(comments[:split])) == split  # any order: warm sorts by time
    for comment in comments[split:]:
        expected, got = one_by_one.check(comment), warmed.check(comment)
        assert (got.score, got.signals, got.matched_comment_ids) == (
            expected.score,
            expected.signals,
            expected.matched_comment_ids,
        )


def test_article_text_is_stripped_as_in_a_corpus_run() -> None:
    hook = checker()
    scenario = threads.quoting_the_article()
    verdicts = [hook.check(c) for c in scenario.comments]
    assert any(v.matched_comment_ids for v in verdicts)  # the article's text is not known
    known = checker()
    known.register_article(threads.ARTICLES[2])
    assert all(known.check(c).matched_comment_ids == () for c in scenario.comments)


def test_comment_without_time_is_placed_at_its_arrival() -> None:
    hook = checker()
    verdict = hook.check(make_comment("a", SCRIPT), received_at=at(3))
    assert verdict.checked_at == at(3)


def burst_thread() -> list[Comment]:
    """A quiet article (a comment every 20 minutes for 4 hours), then 12 comments in 3 minutes."""
    quiet = [
        make_comment(f"q{i}", distinct_text(i), author=f"q{i}", minutes=20 * i) for i in range(12)
    ]
    rush = [
        make_comment(f"r{i}", distinct_text(100 + i), author=f"r{i}", minutes=240 + i / 4)
        for i in range(12)
    ]
    return quiet + rush


def test_burst_rate_is_tested_on_the_trailing_window() -> None:
    hook = checker()
    verdicts = {c.comment_id: hook.check(c) for c in burst_thread()}
    assert not any(s.detector == "burst" for v in list(verdicts.values())[:12] for s in v.signals)
    [signal] = [s for s in verdicts["r11"].signals if s.detector == "burst"]
    assert signal.detector_version == HOOK_BURST_VERSION
    assert 0.0 < signal.score <= 1.0
    assert set(signal.comment_ids) == {f"r{i}" for i in range(12)}
    assert signal.summary.startswith("12 comments under article a1 in the last 10 minutes")
    off = checker(detectors=("near_duplicate",))
    assert not any(off.check(c).signals for c in burst_thread())


def test_burst_is_not_tested_in_the_launch_period() -> None:
    hook = checker()
    rush = [
        make_comment(f"r{i}", distinct_text(i), author=f"r{i}", minutes=i / 4) for i in range(12)
    ]
    assert not any(hook.check(c).signals for c in rush)


def test_concurrent_checks_are_safe() -> None:
    hook = checker()
    comments = [
        make_comment(
            f"c{i}",
            SCRIPT if i % 10 == 0 else distinct_text(i),
            author=f"u{i}",
            minutes=i * 0.01,
        )
        for i in range(200)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(hook.check, comments))
    assert len(hook) == 200
    copies = {f"c{i}" for i in range(0, 200, 10)}
    assert sum(1 for v in verdicts if v.flagged) == len(copies) - 2
    final = hook.check(make_comment("c0", SCRIPT))  # held: its group now has all 20 copies
    assert set(final.matched_comment_ids) == copies - {"c0"}


@pytest.mark.parametrize(
    ("window_seconds", "max_comments"), [(0.0, 10), (10.0, 0)], ids=["no-window", "no-room"]
)
def test_bounds_must_be_positive(window_seconds: float, max_comments: int) -> None:
    with pytest.raises(ValueError, match="window_seconds must be > 0"):
        checker(window_seconds=window_seconds, max_comments=max_comments)


def test_updated_article_text_is_used_for_stripping() -> None:
    hook = checker()
    hook.register_article(make_article("a1", "t", "nothing relevant here at all"))
    hook.check(make_comment("first", "An early comment under the first version.", minutes=0))
    hook.register_article(make_article("a1", "t", SCRIPT))
    tails = ("Wow.", "No way.", "Sad.")
    verdicts = [
        hook.check(make_comment(f"q{i}", f"{SCRIPT} {tail}", author=f"q{i}", minutes=1 + i))
        for i, tail in enumerate(tails)
    ]
    assert all(v.matched_comment_ids == () for v in verdicts)
