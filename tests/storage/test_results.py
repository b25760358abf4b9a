"""Runs are stored whole and read back equal to what the pipeline produced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from analyzer.model import Comment, Corpus, StanceLabel
from analyzer.pipeline import Pipeline
from analyzer.storage import workflows
from analyzer.storage.errors import NotFoundError
from analyzer.storage.results import (
    CommentFilter,
    CommentOrder,
    RunKind,
    comment_page,
    get_cluster,
    get_run,
    list_clusters,
    load_report,
)
from analyzer.storage.reviews import Actor
from analyzer.storage.store import Store
from tests.service_support import CAMPAIGN_TEXT, campaign_corpus, detailed_keyword_pipeline

ACTOR = Actor("tester", "moderator", None)


def test_stored_report_equals_the_pipeline_report(store: Store, pipeline: Pipeline) -> None:
    stored = workflows.ingest(store, pipeline, campaign_corpus(), ACTOR)
    assert stored.result is not None
    produced = stored.result.reports[0]
    assert produced.clusters, "the planted campaign should form a cluster"
    with store.reading() as session:
        loaded = load_report(session, "a1")
    assert loaded == produced


def test_stored_stance_details_equal_the_pipeline_report(store: Store) -> None:
    """Abstention, language support, target stances and reply agreement survive storage."""
    stored = workflows.ingest(store, detailed_keyword_pipeline(), campaign_corpus(), ACTOR)
    assert stored.result is not None
    produced = stored.result.reports[0]
    stances = [a.stance for a in produced.comments]
    assert any(s.abstained for s in stances) and not all(s.supported for s in stances)
    assert any(len(s.targets) == 2 for s in stances)
    assert any(s.reply_agreement is not None for s in stances)
    with store.reading() as session:
        loaded = load_report(session, "a1")
    assert loaded == produced


def test_filters_and_ordering(store: Store, pipeline: Pipeline) -> None:
    result = workflows.ingest(store, pipeline, campaign_corpus(), ACTOR).result
    assert result is not None
    run_id = result.run_info.run_id
    with store.reading() as session:
        total, flagged = comment_page(session, "a1", run_id, filters=CommentFilter(flagged=True))
        _, opposing = comment_page(
            session, "a1", run_id, filters=CommentFilter(stance=StanceLabel.OPPOSE)
        )
        _, by_author = comment_page(session, "a1", run_id, filters=CommentFilter(author="sock2"))
        _, newest = comment_page(session, "a1", run_id, order=CommentOrder.CREATED_AT_DESC, limit=2)
        count, second_page = comment_page(session, "a1", run_id, limit=3, offset=3)
    assert total == 4 and {a.comment.comment_id for a in flagged} == {"c0", "c1", "c2", "c3"}
    assert all(a.comment.text == CAMPAIGN_TEXT for a in opposing)
    assert [a.comment.comment_id for a in by_author] == ["c2"]
    assert [a.comment.comment_id for a in newest] == ["c7", "c6"]
    assert count == 8 and [a.comment.comment_id for a in second_page] == ["c3", "c4", "c5"]


def test_rescoring_keeps_old_runs_queryable(store: Store, pipeline: Pipeline) -> None:
    first = workflows.ingest(store, pipeline, campaign_corpus(), ACTOR).result
    assert first is not None
    rescored = workflows.reanalyze(store, pipeline, ACTOR)
    assert rescored.run_info.run_id != first.run_info.run_id
    with store.reading() as session:
        latest = load_report(session, "a1")
        old = load_report(session, "a1", first.run_info.run_id)
        old_run = get_run(session, first.run_info.run_id)
        rerun = get_run(session, rescored.run_info.run_id)
    assert latest.run_info.run_id == rescored.run_info.run_id
    assert old.run_info.run_id == first.run_info.run_id
    assert old_run.kind is RunKind.INGEST and rerun.kind is RunKind.REANALYZE
    assert {c.name for c in old.run_info.components} == {"keyword_test", "near_duplicate", "burst"}
    assert [a.stance for a in old.comments] == [a.stance for a in latest.comments]


def test_idempotent_reingest_starts_no_run(store: Store, pipeline: Pipeline) -> None:
    workflows.ingest(store, pipeline, campaign_corpus(), ACTOR)
    again = workflows.ingest(store, pipeline, campaign_corpus(), ACTOR)
    assert again.result is None


def test_append_reanalyzes_the_whole_article(store: Store, pipeline: Pipeline) -> None:
    workflows.ingest(store, pipeline, campaign_corpus(), ACTOR)
    extra = replace(
        campaign_corpus().comments[0], comment_id="c8", author="sock8"
    )  # a fifth copy of the campaign text
    appended = workflows.append(store, pipeline, "a1", [extra], ACTOR)
    assert appended.result is not None
    report = appended.result.reports[0]
    assert len(report.comments) == 9
    assert report.clusters[0].comment_ids == ("c0", "c1", "c2", "c3", "c8")
    with pytest.raises(NotFoundError, match="article 'missing' does not exist"):
        workflows.append(store, pipeline, "missing", [extra], ACTOR)


def test_clusters_listing_shows_only_current_runs(store: Store, pipeline: Pipeline) -> None:
    first = workflows.ingest(store, pipeline, campaign_corpus(), ACTOR).result
    assert first is not None
    workflows.reanalyze(store, pipeline, ACTOR)
    with store.reading() as session:
        total, clusters, run_ids = list_clusters(session)
        cluster_id = clusters[0].cluster_id
        _, old_run = get_cluster(session, cluster_id, first.run_info.run_id)
        _, newest_run = get_cluster(session, cluster_id)
        _, none = list_clusters(session, article_id="other")[:2]
        with pytest.raises(NotFoundError):
            get_cluster(session, "cl-missing")
    assert total == 1 and run_ids[0] != first.run_info.run_id
    assert old_run == first.run_info.run_id and newest_run == run_ids[0]
    assert none == []


def test_cross_article_campaign_after_reanalyze(store: Store, pipeline: Pipeline) -> None:
    workflows.ingest(store, pipeline, campaign_corpus("a1", prefix="x"), ACTOR)
    workflows.ingest(store, pipeline, campaign_corpus("a2", prefix="y"), ACTOR)
    with store.reading() as session:
        before = list_clusters(session)[1]
    assert all(len(c.article_ids) == 1 for c in before)
    result = workflows.reanalyze(store, pipeline, ACTOR)
    assert any(len(c.article_ids) == 2 for c in result.clusters)
    with store.reading() as session:
        after = list_clusters(session)[1]
    assert any(c.article_ids == ("a1", "a2") for c in after)


def test_reanalyze_unknown_article(store: Store, pipeline: Pipeline) -> None:
    with pytest.raises(NotFoundError, match="article 'nope'"):
        workflows.reanalyze(store, pipeline, ACTOR, article_ids=["nope"])


def test_comment_without_analysis_reads_as_not_analyzed(store: Store) -> None:
    from analyzer.storage.corpus import store_corpus  # noqa: PLC0415

    with store.transaction() as session:
        store_corpus(
            session,
            Corpus(articles=campaign_corpus().articles, comments=(Comment("z", "a1", "t"),)),
        )
    with store.reading() as session, pytest.raises(NotFoundError, match="no analysis run"):
        load_report(session, "a1")


def test_concurrent_appends_keep_every_comment(store: Store, pipeline: Pipeline) -> None:
    """Appends to one article serialize, so its latest run sees every comment."""
    workflows.ingest(store, pipeline, campaign_corpus(), ACTOR)
    extras = [Comment(f"t{i}", "a1", f"Thread {i} has its own opinion.") for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(
            pool.map(lambda c: workflows.append(store, pipeline, "a1", [c], ACTOR), extras)
        )
    assert all(o.result is not None for o in outcomes)
    with store.reading() as session:
        report = load_report(session, "a1")
    assert len(report.comments) == 14
