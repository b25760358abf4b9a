"""The contract every registered coordination detector meets (house style: one suite, all of them).

A new detector is covered as soon as it registers. ``contract_corpus`` should make it fire at
least once (``test_corpus_exercises_the_detector``): extend the corpus when adding one.
"""

from __future__ import annotations

import random
from dataclasses import asdict, replace
from types import MappingProxyType

import pytest

import analyzer.coordination  # noqa: F401  (registers the detectors)
from analyzer.config import CoordinationParams
from analyzer.coordination.base import DETECTORS, DetectionInput, Detector
from analyzer.model import Comment, Signal
from tests.builders import detection_input, make_article, make_comment, make_stance
from tests.coordination import threads

CAMPAIGN = (
    "The council is lying about the budget again. Call your councillor today and demand "
    "the audit they promised before the vote!"
)
ARTICLE_TEXT = (
    "The city council approved the budget on Tuesday after a long debate. The mayor said the "
    "audit promised last year would be published before the next vote on transit funding."
)


_BURST_TEXTS = (
    "Finally someone says it out loud.",
    "Transit should come first, roads second.",
    "Who pays for all of this in the end?",
    "My street has had potholes for three years.",
    "The audit will show nothing, mark my words.",
    "Good luck getting a bus after 9pm anyway.",
    "I was at the meeting and it was chaos.",
    "Property taxes are already too high here.",
    "Can anyone explain the reserve fund numbers?",
    "This is the best news this week, honestly.",
)


def contract_corpus() -> tuple[Comment, ...]:
    """Organic threads plus one copy-paste campaign, one burst and comments without times."""
    comments: list[Comment] = []
    # A slow organic thread under a1 over two days (one comment every 2 hours).
    for i in range(24):
        comments.append(
            make_comment(
                f"a1-org-{i:02d}",
                f"Organic thought number {i} about the budget and the transit plan, in my words.",
                author=f"reader{i % 9}",
                minutes=120 * i,
            )
        )
    # A burst under a1, ten hours in: 10 comments in 5 minutes from 8 accounts.
    for i in range(10):
        comments.append(
            make_comment(
                f"a1-burst-{i}",
                _BURST_TEXTS[i],
                author=f"burster{i % 8}",
                minutes=600 + 0.5 * i + 7,
            )
        )
    # A copy-paste campaign across a1 and a2 by 4 accounts within 6 minutes; one light edit.
    for i in range(4):
        text = CAMPAIGN if i != 2 else CAMPAIGN.replace("again", "AGAIN").replace("!", ".")
        comments.append(
            make_comment(
                f"camp-{i}",
                text,
                author=f"puppet{i}",
                article_id="a1" if i % 2 == 0 else "a2",
                minutes=1500 + 2 * i,
            )
        )
    # The campaign test threads that the text-free and account-level detectors need:
    # sock-puppets replying to each other, a crew co-commenting under four articles, generic
    # praise by five accounts, and four brand-new accounts under one article.
    comments.extend(threads.sockpuppets().comments)
    comments.extend(threads.slow_co_commenting().comments)
    comments.extend(threads.generic_endorsement().comments)
    for i in range(4):
        comments.append(
            replace(
                make_comment(
                    f"new-{i}",
                    f"First time commenting here, view number {i} on the levy.",
                    author=f"fresh{i}",
                    article_id="a2",
                    minutes=3000 + 5 * i,
                ),
                metadata=MappingProxyType({"author_created_at": "2024-02-29T12:00:00Z"}),
            )
        )
    # Comments without timestamps under a3 (one reply to another).
    comments.append(make_comment("a3-x", "Nothing to see here, just my view of it.", author="x"))
    comments.append(
        make_comment(
            "a3-y", "I disagree with you entirely on this one.", author="y", parent_id="a3-x"
        )
    )
    return tuple(comments)


def contract_input(comments: tuple[Comment, ...]) -> DetectionInput:
    return detection_input(
        comments,
        articles=[make_article("a1", "Council approves budget", ARTICLE_TEXT), make_article("a2")],
        stance={c.comment_id: make_stance(c.comment_id) for c in comments},
    )


def build(name: str) -> Detector:
    params = getattr(CoordinationParams(), name)
    return DETECTORS.get(name)(params)


# The semantic detector loads a sentence encoder: slow, and skipped where it is not installed.
DETECTOR_NAMES = [
    pytest.param(name, marks=pytest.mark.slow) if name == "semantic" else name
    for name in DETECTORS.names()
]


def run(name: str, comments: tuple[Comment, ...]) -> list[Signal]:
    return build(name).detect(contract_input(comments))


def test_every_signal_family_is_registered() -> None:
    assert set(DETECTORS.names()) == {
        "account",
        "burst",
        "co_burst",
        "co_commenting",
        "generic_endorsement",
        "near_duplicate",
        "semantic",
        "style",
        "template",
    }


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_detector_declares_its_role(name: str) -> None:
    assert getattr(DETECTORS.get(name), "role", None) in {"primary", "supporting"}


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_detector_declares_name_version_and_requirements(name: str) -> None:
    cls = DETECTORS.get(name)
    assert cls.name == name
    assert cls.version and cls.version[0].isdigit()
    assert isinstance(cls.requires, frozenset)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_corpus_exercises_the_detector(name: str) -> None:
    assert run(name, contract_corpus()), f"{name} found nothing in the contract corpus"


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_signals_are_well_formed(name: str) -> None:
    comments = contract_corpus()
    ids = {c.comment_id for c in comments}
    cls = DETECTORS.get(name)
    for signal in run(name, comments):
        assert signal.detector == name
        assert signal.detector_version == cls.version
        assert 0.0 <= signal.score <= 1.0
        assert signal.summary.strip()
        assert signal.evidence, "every signal carries evidence"
        assert signal.comment_ids and set(signal.comment_ids) <= ids
        for evidence in signal.evidence:
            assert evidence.summary.strip()
            assert set(evidence.comment_ids) <= ids
            if evidence.similarity is not None:
                assert 0.0 <= evidence.similarity <= 1.0


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_empty_input_gives_no_signals(name: str) -> None:
    assert run(name, ()) == []


@pytest.mark.parametrize("name", DETECTOR_NAMES)
def test_detection_is_deterministic(name: str) -> None:
    comments = contract_corpus()
    assert run(name, comments) == run(name, comments)


@pytest.mark.parametrize("name", DETECTOR_NAMES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_detection_does_not_depend_on_input_order(name: str, seed: int) -> None:
    comments = list(contract_corpus())
    expected = [asdict(s) for s in run(name, tuple(comments))]
    random.Random(seed).shuffle(comments)
    assert [asdict(s) for s in run(name, tuple(comments))] == expected
