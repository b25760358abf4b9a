"""semantic: LSH candidates without the model; skipped with a reason when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import SemanticParams, load_settings
from analyzer.coordination.base import DETECTORS, RunMemo
from analyzer.coordination.evidence import required_accounts
from analyzer.coordination.semantic import SemanticDetector
from analyzer.model import Article, Comment, Corpus
from analyzer.pipeline import Pipeline
from tests.builders import NeutralStance, detection_input, make_comment
from tests.coordination import threads


def candidate_ids(comments: list[Comment], **params: object) -> set[tuple[str, str]]:
    detector = SemanticDetector(SemanticParams.model_validate(params))
    found = detector.candidates(comments, {a.article_id: a for a in threads.ARTICLES})
    ordered, pairs = found.comments, found.pairs
    assert set(found.texts) == set(pairs.left.tolist()) | set(pairs.right.tolist())
    return {
        tuple(sorted((ordered[a].comment_id, ordered[b].comment_id)))
        for a, b in zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)
    }


def test_paraphrases_become_candidates_and_unrelated_comments_do_not() -> None:
    comments = [*threads.background(), *threads.paraphrase().comments]
    found = candidate_ids(comments)
    assert found, "paraphrases share their content words"
    assert all(a.startswith("para-") and b.startswith("para-") for a, b in found)


def test_same_author_and_short_comments_are_not_candidates() -> None:
    same = [
        make_comment(f"s{i}", threads.PARAPHRASES[i], author="one", minutes=i) for i in range(4)
    ]
    assert candidate_ids(same) == set()
    short = [
        make_comment(f"t{i}", "Tunnel cost lies!", author=f"u{i}", minutes=i) for i in range(4)
    ]
    assert candidate_ids(short) == set()


def test_candidates_of_too_few_accounts_are_not_embedded() -> None:
    # Four paraphrases by two accounts: no group of three accounts can come of them.
    two = [
        make_comment(f"p{i}", text, author=f"u{i % 2}", minutes=i)
        for i, text in enumerate(threads.PARAPHRASES)
    ]
    assert candidate_ids(two) == set()
    assert candidate_ids(two, min_accounts=2)


def test_the_window_limits_candidates() -> None:
    spread = [
        make_comment(f"p{i}", text, author=f"u{i}", minutes=120 * i)
        for i, text in enumerate(threads.PARAPHRASES)
    ]
    assert candidate_ids(spread) == set()
    assert candidate_ids(spread, window_seconds=None)


def test_a_missing_model_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    detector = SemanticDetector(SemanticParams(model_dir=tmp_path))
    reason = detector.unavailable_reason()
    assert reason is not None and "tokenizer.json" in reason


def test_the_pipeline_reports_semantic_as_skipped_when_the_model_is_missing(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        coordination={
            "detectors": ["near_duplicate", "semantic"],
            "semantic": {"model_dir": tmp_path},
        }
    )
    detectors = [
        DETECTORS.get(n)(getattr(settings.coordination, n)) for n in settings.coordination.detectors
    ]
    pipeline = Pipeline(settings, NeutralStance(), detectors)  # type: ignore[arg-type]
    comments = (*threads.background(), *threads.paraphrase().comments)
    result = pipeline.run(Corpus(threads.ARTICLES, comments))
    [skipped] = [s for s in result.skipped_signals if s.name == "semantic"]
    assert skipped.article_id is None and "tokenizer.json" in skipped.reason


def test_semantic_signal_evidence_names_the_most_similar_pair() -> None:
    detector = SemanticDetector(SemanticParams())
    if detector.unavailable_reason():
        pytest.skip(detector.unavailable_reason() or "")
    [signal] = detector.detect(
        detection_input([*threads.background(), *threads.paraphrase().comments], threads.ARTICLES)
    )
    assert signal.summary.startswith("4 accounts posted comments with the same meaning")
    assert signal.evidence[1].summary.startswith("most similar pair:")
    assert 0.5 <= signal.score <= 1.0


def test_groups_under_articles_without_any_text_need_one_more_account() -> None:
    comments = [make_comment(f"c{i}", "x", author=f"u{i}") for i in range(3)]
    with_text = {"a1": Article("a1", "Title", "Body of the article.")}
    bare = {"a1": Article("a1")}
    assert required_accounts(comments, with_text, 3) == 3
    assert required_accounts(comments, bare, 3) == 4


def test_a_shared_run_memo_changes_nothing_but_the_work_done() -> None:
    """semantic reuses near_duplicate's time order and stripped texts through the run's memo;
    the candidates (and so the signals) are the same as when it strips on its own."""
    comments = [
        *threads.background(),
        *threads.paraphrase().comments,
        *threads.copy_paste().comments,
        *threads.quoting_the_article().comments,
    ]
    data = detection_input(comments, threads.ARTICLES)
    near_duplicate = DETECTORS.get("near_duplicate")(load_settings().coordination.near_duplicate)
    near_duplicate.detect(data)  # fills data.memo
    detector = SemanticDetector(SemanticParams())
    alone = detector.candidates(data.comments, data.articles)
    shared = detector.candidates(data.comments, data.articles, memo=data.memo)
    assert shared.comments == alone.comments
    assert shared.texts == alone.texts
    assert shared.pairs.left.tolist() == alone.pairs.left.tolist()
    assert shared.pairs.right.tolist() == alone.pairs.right.tolist()


def test_the_run_memo_never_shares_across_different_comment_sets() -> None:
    memo = RunMemo()
    first, second = tuple(["a"]), tuple(["a"])
    assert memo.get("key", first, lambda: 1) == 1
    assert memo.get("key", first, lambda: 2) == 1  # same object: reused
    assert memo.get("key", second, lambda: 3) == 3  # equal but another object: recomputed
