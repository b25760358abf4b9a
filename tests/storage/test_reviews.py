"""Decisions, appeals, audit snapshots and the review queue."""

from __future__ import annotations

import math

import pytest

from analyzer.pipeline import Pipeline
from analyzer.storage import workflows
from analyzer.storage.results import list_clusters
from analyzer.storage.review_queue import QueueStatus, build_queue, priority_of
from analyzer.storage.reviews import (
    Action,
    Actor,
    AuditFilter,
    DecisionRequest,
    ReasonCode,
    TargetType,
    get_decision,
    list_audit,
    record_decisions,
)
from analyzer.storage.store import Store
from tests.service_support import campaign_corpus

ALICE = Actor("alice", "moderator", "k-alice")


@pytest.fixture
def cluster_id(store: Store, pipeline: Pipeline) -> str:
    workflows.ingest(store, pipeline, campaign_corpus(), ALICE)
    with store.reading() as session:
        return list_clusters(session)[1][0].cluster_id


def _decide(store: Store, *requests: DecisionRequest) -> list[object]:
    with store.transaction() as session:
        return list(record_decisions(session, requests, ALICE, request_id="req-1"))


def test_decision_is_audited_with_evidence_and_model_versions(
    store: Store, cluster_id: str
) -> None:
    [outcome] = _decide(
        store,
        DecisionRequest(
            TargetType.CLUSTER, cluster_id, Action.LABEL_COORDINATED, ReasonCode.SPAM, "same text"
        ),
    )
    decision = outcome.decision  # type: ignore[attr-defined]
    assert decision.actor_name == "alice" and decision.run_id is not None
    with store.reading() as session:
        total, events = list_audit(session, AuditFilter(target_id=cluster_id), limit=10, offset=0)
    assert total == 1
    event = events[0]
    assert event.action == "decision.label_coordinated" and event.request_id == "req-1"
    assert event.decision_id == decision.decision_id
    assert event.evidence["cluster_id"] == cluster_id
    assert event.evidence["comment_ids"] == ["c0", "c1", "c2", "c3"]
    assert event.model_versions["stance"] == "keyword_test@1"
    assert event.model_versions["detector:near_duplicate"].startswith("near_duplicate@")


def test_bulk_decisions_report_each_item(store: Store, cluster_id: str) -> None:
    outcomes = _decide(
        store,
        DecisionRequest(TargetType.COMMENT, "c0", Action.REMOVE, ReasonCode.SPAM),
        DecisionRequest(TargetType.COMMENT, "missing", Action.REMOVE, ReasonCode.SPAM),
        DecisionRequest(TargetType.AUTHOR, "sock1", Action.SUSPEND_AUTHOR, ReasonCode.SPAM),
        DecisionRequest(TargetType.AUTHOR, "nobody", Action.SUSPEND_AUTHOR, ReasonCode.SPAM),
    )
    assert [o.decision is not None for o in outcomes] == [True, False, True, False]  # type: ignore[attr-defined]
    assert "comment 'missing' does not exist" in str(outcomes[1].error)  # type: ignore[attr-defined]
    with store.reading() as session:
        _, events = list_audit(session, AuditFilter(target_type="author"), limit=10, offset=0)
    assert events[0].evidence["comment_count"] == 1
    assert events[0].evidence["comments"][0]["flagged"] is True


def test_appeals_link_to_the_decision_they_contest(store: Store, cluster_id: str) -> None:
    [removed] = _decide(
        store, DecisionRequest(TargetType.COMMENT, "c1", Action.REMOVE, ReasonCode.SPAM)
    )
    removed_id = removed.decision.decision_id  # type: ignore[attr-defined]
    appeal, wrong_target, unknown = _decide(
        store,
        DecisionRequest(
            TargetType.COMMENT,
            "c1",
            Action.REINSTATE,
            ReasonCode.APPEAL_UPHELD,
            appeal_of=removed_id,
        ),
        DecisionRequest(
            TargetType.COMMENT,
            "c2",
            Action.REINSTATE,
            ReasonCode.APPEAL_UPHELD,
            appeal_of=removed_id,
        ),
        DecisionRequest(
            TargetType.COMMENT, "c1", Action.REINSTATE, ReasonCode.APPEAL_UPHELD, appeal_of="nope"
        ),
    )
    assert appeal.decision.appeal_of == removed_id  # type: ignore[attr-defined]
    assert "not comment 'c2'" in str(wrong_target.error)  # type: ignore[attr-defined]
    assert "decision 'nope' does not exist" in str(unknown.error)  # type: ignore[attr-defined]
    with store.reading() as session:
        decision, appeals = get_decision(session, removed_id)
        _, events = list_audit(session, AuditFilter(action_prefix="appeal."), limit=10, offset=0)
    assert [a.decision_id for a in appeals] == [appeal.decision.decision_id]  # type: ignore[attr-defined]
    assert decision.action is Action.REMOVE
    assert [e.action for e in events] == ["appeal.reinstate"]


def test_queue_orders_by_priority_and_hides_decided(store: Store, cluster_id: str) -> None:
    with store.reading() as session:
        [item] = build_queue(session)
    assert item.target_type == "cluster" and item.target_id == cluster_id
    # 4 opposing comments on one article, score = the cluster's score
    assert item.priority.severity == 1.0
    assert item.priority.reach == pytest.approx(1 - math.exp(-0.4))
    assert item.priority.value == pytest.approx(
        item.priority.severity * item.priority.reach * item.priority.coordination
    )
    _decide(
        store,
        DecisionRequest(TargetType.CLUSTER, cluster_id, Action.APPROVE, ReasonCode.FALSE_POSITIVE),
    )
    with store.reading() as session:
        assert build_queue(session) == []
        assert [i.target_id for i in build_queue(session, status=QueueStatus.DECIDED)] == [
            cluster_id
        ]
    _decide(
        store, DecisionRequest(TargetType.CLUSTER, cluster_id, Action.ESCALATE, ReasonCode.OTHER)
    )
    with store.reading() as session:
        assert [i.target_id for i in build_queue(session)] == [cluster_id]  # escalated: open again


@pytest.mark.parametrize(
    ("labels", "articles", "severity", "reach"),
    [
        pytest.param(["oppose"] * 10, 1, 1.0, 1 - math.exp(-1), id="one-sided"),
        pytest.param(["oppose", "support"] * 5, 1, 0.5, 1 - math.exp(-1), id="split"),
        pytest.param(["neutral"] * 5, 2, 0.5, 1 - math.exp(-1), id="two-articles"),
        pytest.param([], 1, 0.5, 0.0, id="empty"),
    ],
)
def test_priority_formula(labels: list[str], articles: int, severity: float, reach: float) -> None:
    priority = priority_of(labels, articles, 0.8)
    assert priority.severity == pytest.approx(severity)
    assert priority.reach == pytest.approx(reach)
    assert priority.value == pytest.approx(severity * reach * 0.8)
