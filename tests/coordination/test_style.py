"""style: look-alike writing, impostor margin, reply support."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.config import StyleParams
from analyzer.coordination.style import StyleDetector, distort, habit_similarity, pair_score
from analyzer.model import Comment, Signal
from tests.builders import detection_input, make_comment
from tests.coordination import threads


def detect(comments: list[Comment], **params: object) -> list[Signal]:
    return StyleDetector(StyleParams.model_validate(params)).detect(detection_input(comments))


def test_distortion_keeps_function_words_markers_and_punctuation() -> None:
    text = "Well... the Mayor is RITE imo!! NATO agrees."
    assert distort(text) == "X*... the X* is RITE imo!! XX *."


def test_habit_similarity_is_one_for_identical_habits() -> None:
    rows = np.array([[0.1, 0.0, 2.0], [0.2, 0.5, 1.0]], dtype=np.float32)
    sim = habit_similarity(rows, rows)
    assert sim[0, 0] == pytest.approx(1.0) and sim[1, 1] == pytest.approx(1.0)
    assert 0.0 <= sim[0, 1] < 1.0


def test_scores_stay_supporting_without_replies() -> None:
    params = StyleParams()
    assert pair_score(1.0, 0, params) <= 0.45
    assert pair_score(params.threshold, params.min_replies, params) == pytest.approx(0.5)


def test_sockpuppets_that_reply_to_each_other_are_found() -> None:
    comments = [*threads.background(), *threads.sockpuppets().comments]
    [signal] = detect(comments)
    assert signal.score >= 0.5
    assert signal.summary.startswith("2 accounts write in a near-identical style")
    assert "replied to each other 15 times" in signal.summary


def test_without_replies_the_same_pair_is_supporting_only() -> None:
    comments = [*threads.background()]
    comments += [
        make_comment(c.comment_id, c.text, author=c.author, minutes=1)
        for c in threads.sockpuppets().comments
    ]
    [signal] = detect(comments)
    assert signal.score < 0.5


def test_an_impostor_as_close_as_the_partner_blocks_the_pair() -> None:
    """A third account writing just like them: nobody is singled out."""
    puppets = list(threads.sockpuppets().comments)
    third = [
        make_comment(f"x-{c.comment_id}", c.text, author="puppet_c", minutes=2) for c in puppets
    ]
    assert detect([*threads.background(), *puppets, *third]) == []


def test_accounts_with_too_little_text_are_not_profiled() -> None:
    comments = [*threads.background(), *threads.sockpuppets().comments]
    assert detect(comments, min_comments=9) == []
