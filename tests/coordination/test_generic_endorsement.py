"""generic_endorsement: short one-sided generic comments by several accounts on one article."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import GenericEndorsementParams, load_settings
from analyzer.coordination.base import DETECTORS
from analyzer.coordination.generic_endorsement import GenericEndorsementDetector, content_words
from analyzer.ingest import read_corpus
from analyzer.model import Comment, EvidenceKind, Signal, StanceLabel
from analyzer.pipeline import Pipeline
from tests.builders import NeutralStance, detection_input, make_article, make_comment, make_stance
from tests.coordination.threads import ARTICLES, generic_endorsement


def detect(comments: list[Comment], **params: object) -> list[Signal]:
    detector = GenericEndorsementDetector(GenericEndorsementParams.model_validate(params))
    return detector.detect(detection_input(comments, ARTICLES))


def test_content_words_drop_stop_words_and_possessives() -> None:
    assert content_words("This report clearly shows Russia's strength.") == [
        "report",
        "clearly",
        "shows",
        "russia",
        "strength",
    ]


def test_timed_generic_praise_by_five_accounts_flags() -> None:
    [signal] = detect(list(generic_endorsement().comments))
    assert signal.score >= 0.5
    assert "5 of them within 30 minutes" in signal.summary
    spans = [e for e in signal.evidence if e.kind is EvidenceKind.TEXT_SPAN]
    assert len(spans) == 5 and all(e.span is not None for e in spans)


def test_three_untimed_accounts_stay_supporting() -> None:
    comments = [
        make_comment(c.comment_id, c.text, author=c.author, article_id=c.article_id)
        for c in generic_endorsement().comments[:3]
    ]
    [signal] = detect(comments)
    assert 0 < signal.score <= 0.45


@pytest.mark.parametrize(
    "text",
    [
        "+1 great",  # too short
        "Great point but the tunnel estimate in the appendix ignores the 2019 soil survey and "
        "inflation since then, which matters for the river crossing more than anything else "
        "in this whole plan and the budget, so please read it again before you decide",
        "Good idea but a terrible plan for the neighbourhood honestly.",  # praise and attack
    ],
)
def test_comments_that_are_not_generic_one_sided_are_ignored(text: str) -> None:
    comments = [make_comment(f"c{i}", text, author=f"u{i}", article_id="art1") for i in range(5)]
    assert detect(comments) == []


def test_stance_decides_when_there_are_no_lexicon_words() -> None:
    comments = [
        make_comment(
            f"c{i}", "Somebody said it about the river and the tunnel at last", author=f"u{i}"
        )
        for i in range(3)
    ]
    data = detection_input(
        comments,
        [make_article("a1", "Tunnel under the river")],
        {c.comment_id: make_stance(c.comment_id, StanceLabel.SUPPORT) for c in comments},
    )
    detector = GenericEndorsementDetector(GenericEndorsementParams(min_generic_share=0.0))
    [signal] = detector.detect(data)
    assert "stance: support" in signal.evidence[1].summary


@pytest.mark.shared_data
def test_seed_generic_endorsements_are_surfaced_and_timing_signals_skipped(
    seed_path: Path,
) -> None:
    corpus = read_corpus([str(seed_path)])
    settings = load_settings()
    detectors = [
        DETECTORS.get(n)(getattr(settings.coordination, n)) for n in settings.coordination.detectors
    ]
    pipeline = Pipeline(settings, NeutralStance(), detectors)  # type: ignore[arg-type]
    result = pipeline.run(corpus)
    [report] = result.reports
    by_author = {a.comment.author: a.coordination for a in report.comments}
    generic = {
        author
        for author, coordination in by_author.items()
        if any(s.detector == "generic_endorsement" for s in coordination.signals)
    }
    assert generic == {"Mariposa", "Muchacha", "Africa"}
    [signal] = by_author["Mariposa"].signals
    assert signal.summary.startswith("3 accounts posted short generic praise")
    assert len([e for e in signal.evidence if e.kind is EvidenceKind.TEXT_SPAN]) == 3
    # Surfaced, not flagged: three untimed generic comments are supporting evidence only.
    assert not any(c.flagged for c in by_author.values())
    skipped = {s.name for s in result.skipped_signals}
    assert {"burst", "co_commenting", "account"} <= skipped
    reasons = " ".join(s.reason for s in result.skipped_signals)
    assert "no comment timestamps" in reasons
