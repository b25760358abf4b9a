"""template: one skeleton, different names, numbers or links."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.config import TemplateParams
from analyzer.coordination.template import TemplateDetector, skeleton_of, word_order_keys
from analyzer.model import Comment, EvidenceKind, Signal
from tests.builders import detection_input, make_article, make_comment

TEXT = "Call Councillor {name} at {phone} and tell them to vote against the tunnel budget now."


def detect(comments: list[Comment], article_text: str = "", **params: object) -> list[Signal]:
    detector = TemplateDetector(TemplateParams.model_validate(params))
    return detector.detect(detection_input(comments, [make_article("a1", "Budget", article_text)]))


def filled(fills: list[tuple[str, str]], minutes: float = 3) -> list[Comment]:
    return [
        make_comment(
            f"t{i}", TEXT.format(name=n, phone=p), author=f"caller{i}", minutes=minutes * i
        )
        for i, (n, p) in enumerate(fills)
    ]


FILLS = [("Harper", "555-0101"), ("Mary Nguyen", "555-0142"), ("Okafor", "555-0177")]


def test_skeleton_replaces_slots_and_merges_adjacent_names() -> None:
    skeleton = skeleton_of("Call Mary Nguyen at 555-0142, see https://x.org/a and ask @clerk. Why?")
    assert skeleton.text == "call <name> at <num> see <url> and ask <user> why"
    assert skeleton.fills == ("Mary Nguyen", "555-0142", "https://x.org/a", "@clerk")
    assert skeleton.fixed_words == 6


def test_sentence_initial_capitals_are_fixed_words() -> None:
    assert skeleton_of("Harper said no. Vote now").tokens == ("harper", "said", "no", "vote", "now")


def test_a_filled_template_is_one_signal_with_the_skeleton_as_evidence() -> None:
    [signal] = detect(filled(FILLS))
    assert signal.comment_ids == ("t0", "t1", "t2")
    # "Councillor Harper" is one <name> slot: adjacent capitalized words merge.
    assert signal.summary.startswith("3 accounts posted one template (12 fixed words, 2 slots)")
    shared = next(e for e in signal.evidence if e.kind is EvidenceKind.SHARED_TEXT)
    assert shared.shared_text == (
        "call <name> at <num> and tell them to vote against the tunnel budget now"
    )
    assert "Councillor Mary Nguyen | 555-0142" in shared.summary
    assert signal.score == pytest.approx(12 / 14 * 0.75)


def test_verbatim_copies_are_left_to_near_duplicate_unless_asked() -> None:
    copies = filled([FILLS[0]] * 3)
    assert detect(copies) == []
    assert detect(copies, min_distinct_fills=1)


def test_two_accounts_are_not_enough() -> None:
    assert detect(filled(FILLS[:2])) == []


def test_a_gap_longer_than_the_window_splits_the_group() -> None:
    assert detect(filled(FILLS, minutes=60 * 24 * 2)) == []
    assert detect(filled(FILLS, minutes=60 * 24 * 2), window_seconds=None)


def test_comments_that_mostly_quote_the_article_are_left_out() -> None:
    article = TEXT.format(name="Harper", phone="555-0101")
    # Every comment now quotes most of the article's own sentence: not a template.
    comments = [
        make_comment(f"q{i}", f"{article} {w}", author=f"quoter{i}", minutes=i)
        for i, w in enumerate(["Yes.", "No.", "Maybe."])
    ]
    assert detect(comments, article_text=article) == []


def test_any_word_with_a_digit_is_one_number_slot_and_i_contractions_are_fixed() -> None:
    assert skeleton_of("Bus 12b leaves at 5:30pm today").tokens == (
        "bus",
        "<num>",
        "leaves",
        "at",
        "<num>",
        "today",
    )
    assert skeleton_of("Yes and I'm sure Bob agrees").tokens == (
        "yes",
        "and",
        "i'm",
        "sure",
        "<name>",
        "agrees",
    )


def test_word_order_keys_see_fixed_words_only() -> None:
    texts = [TEXT.format(name=n, phone=p) for n, p in FILLS]
    keys = word_order_keys([*texts, TEXT.format(name="Harper", phone="555").replace("now", "soon")])
    assert len(set(keys[:3].tolist())) == 1  # fillings differ, lower-case words do not
    assert keys[3] != keys[0]
    assert word_order_keys([]).shape == (0,)


def test_comments_sharing_no_word_order_are_never_templated_one_by_one() -> None:
    detector = TemplateDetector(TemplateParams())
    comments = [
        *filled(FILLS),
        make_comment("x", "Something else entirely, said Bob.", author="other"),
    ]
    assert {c.comment_id for c in detector._sharing_word_order(comments)} == {"t0", "t1", "t2"}
    # The same template two days apart by 3 accounts is no candidate with a 1-day window.
    assert detector._sharing_word_order(filled(FILLS, minutes=60 * 24 * 2)) == []


_PIECES = st.sampled_from(
    [
        "Vote",
        "for",
        "Smith",
        "on",
        "May",
        "3rd",
        "42",
        "x9y",
        "#tag",
        "@bob",
        "http://x.co/a",
        "www.a.org",
        "don't",
        "I'm",
        "O'Neil",
        " ",
        "  ",
        "\t",
        "\n",
        "...",
        "!",
        "-",
        "_",
        ",",
        "hello",
        "helloWorld",
        "'",
        "A",
        "a",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=14).map("".join), min_size=1, max_size=6))
def test_small_ascii_batches_get_the_arrow_keys(texts: list[str]) -> None:
    """Small ASCII batches skip Arrow (RE2 recompiles per call); the keys must not change."""
    padded = [*texts, "é"]  # one non-ASCII text sends the batch down the Arrow path
    assert word_order_keys(texts).tolist() == word_order_keys(padded)[:-1].tolist()
