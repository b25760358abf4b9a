"""near_duplicate: campaigns found, organic look-alikes left alone."""

from __future__ import annotations

import pytest

from analyzer.config import NearDuplicateParams
from analyzer.coordination import near_duplicate
from analyzer.coordination.near_duplicate import NearDuplicateDetector, account_factor
from analyzer.model import Article, Comment, EvidenceKind, Signal
from tests.builders import at, detection_input, make_article, make_comment

DEFAULT_FLAG_THRESHOLD = 0.5
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
QUOTE = (
    "Officials said the new bridge will be closed to all traffic for at least eighteen months "
    "while engineers replace the corroded steel beams."
)


def detect(
    comments: list[Comment], articles: list[Article] | None = None, **params: object
) -> list[Signal]:
    detector = NearDuplicateDetector(NearDuplicateParams.model_validate(params))
    return detector.detect(detection_input(comments, articles or [BODY]))


BODY = make_article("a1", "Council news", "The council met on Monday to discuss the park.")


def copies(texts: list[str] | tuple[str, ...]) -> list[Comment]:
    return [
        make_comment(f"c{i}", text, author=f"acct{i}", minutes=i) for i, text in enumerate(texts)
    ]


def test_copy_paste_across_three_accounts_is_flagged() -> None:
    [signal] = detect(copies([SCRIPT] * 3))
    assert signal.comment_ids == ("c0", "c1", "c2")
    assert signal.score == pytest.approx(account_factor(3))
    assert signal.score >= DEFAULT_FLAG_THRESHOLD
    assert signal.summary.startswith("3 accounts posted identical text (similarity 1.00)")
    assert "within 2 minutes under 1 article" in signal.summary


def test_mentions_and_marked_quotes_do_not_make_texts_alike() -> None:
    handles = "@ann_r @bob_k @cid_m @dee_n @eve_o @fay_p @gus_q @hal_s "
    replies = ["Totally agree.", "No way this passes.", "Source please?"]
    assert detect(copies([handles + r for r in replies])) == []
    quote = "(In reply to:" + SCRIPT + "-- someone) "
    assert detect(copies([quote + r for r in replies])) == []


def test_lightly_edited_copies_are_flagged() -> None:
    [signal] = detect(copies(EDITS))
    assert signal.comment_ids == ("c0", "c1", "c2", "c3")
    assert "near-identical" in signal.summary
    assert signal.score >= DEFAULT_FLAG_THRESHOLD


def test_evidence_names_the_group_and_the_shared_text() -> None:
    comments = copies(EDITS)
    [signal] = detect(comments)
    group, shared = signal.evidence
    assert group.kind is EvidenceKind.COMMENT_GROUP
    assert group.comment_ids == ("c0", "c1", "c2", "c3")
    assert group.authors == ("acct0", "acct1", "acct2", "acct3")
    assert group.article_ids == ("a1",)
    assert group.weight == 4.0  # number of accounts
    assert (group.started_at, group.ended_at) == (at(0), at(3))
    assert group.similarity is not None and 0.6 <= group.similarity < 1.0
    assert shared.kind is EvidenceKind.SHARED_TEXT
    assert shared.shared_text and len(shared.shared_text) >= 40
    texts = {c.comment_id: c.text for c in comments}
    assert all(shared.shared_text in texts[cid] for cid in shared.comment_ids)


def test_same_author_repeating_is_not_coordination() -> None:
    comments = [make_comment(f"c{i}", SCRIPT, author="one_person", minutes=i) for i in range(6)]
    assert detect(comments) == []


def test_two_accounts_are_not_enough_by_default() -> None:
    comments = copies([SCRIPT] * 2)
    assert detect(comments) == []
    [signal] = detect(comments, min_accounts=2)
    assert signal.score == pytest.approx(account_factor(2))


def test_comments_without_author_are_members_but_not_accounts() -> None:
    comments = [*copies([SCRIPT] * 2), make_comment("anon", SCRIPT, author=None, minutes=3)]
    assert detect(comments) == []
    comments.append(make_comment("c9", SCRIPT, author="acct9", minutes=4))
    [signal] = detect(comments)
    assert "anon" in signal.comment_ids
    assert signal.summary.startswith("3 accounts")


@pytest.mark.parametrize("text", ["+1", "This.", "agreed!!", "lol", "So true"])
def test_short_replies_are_not_compared(text: str) -> None:
    comments = [make_comment(f"c{i}", text, author=f"acct{i}", minutes=i) for i in range(10)]
    assert detect(comments) == []


def test_readers_quoting_the_same_article_sentence_are_not_a_campaign() -> None:
    own_words = [
        "Unbelievable, how will I get to work now?",
        "Good. Those beams were a disaster waiting to happen.",
        "Eighteen months means three years, as always.",
        "Who signed off on the original inspection?",
    ]
    comments = [
        make_comment(f"c{i}", f'"{QUOTE}" {words}', author=f"acct{i}", minutes=i)
        for i, words in enumerate(own_words)
    ]
    article = make_article("a1", "Bridge to close", f"In the city today. {QUOTE} More to come.")
    assert detect(comments, [article]) == []
    # The same comments are flagged when quote stripping is turned off.
    assert len(detect(comments, [article], strip_quotes_words=0)) == 1


def test_replies_quoting_their_parent_are_not_a_campaign() -> None:
    parent = make_comment("p", QUOTE, author="original_poster", minutes=0)
    replies = [
        make_comment(
            f"r{i}", f"> {QUOTE}\n{words}", author=f"acct{i}", minutes=1 + i, parent_id="p"
        )
        for i, words in enumerate(
            ["Source?", "Not true at all, I drove over it today.", "Finally."]
        )
    ]
    signals = detect([parent, *replies])
    assert signals == []


def test_a_famous_quote_posted_days_apart_is_not_linked() -> None:
    quote = "Be the change that you wish to see in the world, as a wise man once said to us all."
    comments = [
        make_comment(f"c{i}", quote, author=f"acct{i}", article_id=f"a{i}", minutes=i * 2 * 1440)
        for i in range(6)
    ]
    assert detect(comments) == []
    assert len(detect(comments, window_seconds=None)) == 1


def test_comments_without_timestamps_are_linked_regardless_of_time() -> None:
    comments = [make_comment(f"c{i}", SCRIPT, author=f"acct{i}") for i in range(3)]
    [signal] = detect(comments)
    assert "(no timestamps)" in signal.summary
    mixed = [
        comments[0],
        *(make_comment(f"t{d}", SCRIPT, author=f"t{d}", minutes=d * 1440) for d in (0, 5)),
    ]
    [signal] = detect(mixed)  # 5 days apart, but each is linked to the comment with no time
    assert "within 5 days (1 comment without a time)" in signal.summary


def test_a_campaign_across_articles_lists_every_article() -> None:
    comments = [
        make_comment(f"c{i}", SCRIPT, author=f"acct{i}", article_id=f"a{i % 3}", minutes=i)
        for i in range(6)
    ]
    [signal] = detect(comments)
    assert signal.evidence[0].article_ids == ("a0", "a1", "a2")
    assert "under 3 articles" in signal.summary


def test_unrelated_groups_give_separate_signals() -> None:
    other = "Measure 12 is the best thing for our schools, vote yes and tell your neighbours."
    comments = [
        *copies([SCRIPT] * 3),
        *(make_comment(f"d{i}", other, author=f"other{i}", minutes=i) for i in range(3)),
    ]
    signals = detect(comments)
    assert [s.comment_ids for s in signals] == [("c0", "c1", "c2"), ("d0", "d1", "d2")]


def test_a_flood_of_copies_is_one_group() -> None:
    comments = [
        make_comment(f"c{i:04d}", SCRIPT, author=f"acct{i}", created_at=at(seconds=i))
        for i in range(400)
    ]
    [signal] = detect(comments)
    assert len(signal.comment_ids) == 400
    assert signal.evidence[0].weight == 400.0


def test_small_batches_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    comments = [
        *copies(EDITS),
        *[make_comment(f"u{i}", SCRIPT, author=f"anon{i}") for i in range(3)],
        *[
            make_comment(f"o{i}", f"An unrelated remark number {i} on page {i}.", minutes=i)
            for i in range(20)
        ],
    ]
    expected = detect(comments)
    monkeypatch.setattr(near_duplicate, "HASH_BATCH_ROWS", 3)
    assert detect(comments) == expected
    assert len(expected) == 1 and len(expected[0].comment_ids) == 7
