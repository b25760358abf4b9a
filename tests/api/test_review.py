"""Clusters and their evidence packets, the queue, decisions, appeals and the audit log."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service
from tests.service_support import CAMPAIGN_TEXT, campaign_article


@pytest.fixture
def ingested(service: Service) -> Service:
    assert service.post("/v1/articles", {"articles": [campaign_article()]}).status_code == 200
    return service


def _cluster_id(service: Service) -> str:
    return str(service.get("/v1/clusters").json()["clusters"][0]["cluster"]["cluster_id"])


def test_clusters_and_evidence_packet(ingested: Service) -> None:
    listed = ingested.get("/v1/clusters").json()
    assert listed["total"] == 1
    assert ingested.get("/v1/clusters?article_id=other").json()["total"] == 0
    assert ingested.get("/v1/clusters?detector=burst").json()["total"] == 0
    assert ingested.get("/v1/clusters?detector=near_duplicate").json()["total"] == 1
    cluster_id = _cluster_id(ingested)
    packet = ingested.get(f"/v1/clusters/{cluster_id}").json()
    assert [m["comment_id"] for m in packet["members"]] == ["c0", "c1", "c2", "c3"]
    assert [a["author"] for a in packet["accounts"]] == ["sock0", "sock1", "sock2", "sock3"]
    assert packet["articles"] == [
        {
            "article_id": "a1",
            "title": "City council approves new bike lanes",
            "url": None,
            "comment_count": 4,
        }
    ]
    assert packet["shared_text"]["text"] == CAMPAIGN_TEXT
    assert all(d["similarity"] == 1.0 for d in packet["shared_text"]["diffs"])
    assert packet["time_span"] == {
        "started_at": "2024-05-01T09:30:00Z",
        "ended_at": "2024-05-01T09:33:00Z",
        "seconds": 180.0,
    }
    assert packet["stance_split"] == {"support": 0, "oppose": 4, "neutral": 0, "unrelated": 0}
    assert packet["signals"][0]["detector"] == "near_duplicate"
    assert packet["summary"].startswith("4 comments by 4 accounts")


def test_shared_text_diff_shows_edits(ingested: Service) -> None:
    edited = CAMPAIGN_TEXT.replace("total waste", "complete waste")
    ingested.post(
        "/v1/articles/a1/comments",
        {
            "comments": [
                {
                    "comment_id": "c9",
                    "author": "sock9",
                    "text": edited,
                    "created_at": "2024-05-01T09:34:00Z",
                }
            ]
        },
    )
    packet = ingested.get(f"/v1/clusters/{_cluster_id(ingested)}").json()
    diff = next(d for d in packet["shared_text"]["diffs"] if d["comment_id"] == "c9")
    assert {"op": "replace", "text": "complete"} in diff["ops"] and diff["similarity"] < 1.0


def test_queue_and_decisions(ingested: Service) -> None:
    cluster_id = _cluster_id(ingested)
    queue = ingested.get("/v1/queue").json()
    assert [i["target_id"] for i in queue["items"]] == [cluster_id]
    priority = queue["items"][0]["priority"]
    assert priority["value"] == pytest.approx(
        priority["severity"] * priority["reach"] * priority["coordination"]
    )

    decision = ingested.post(
        "/v1/decisions",
        {
            "target_type": "cluster",
            "target_id": cluster_id,
            "action": "label_coordinated",
            "reason_code": "coordinated_inauthentic",
            "note": "copy-paste",
        },
    )
    assert decision.status_code == 201
    decided = decision.json()
    assert decided["actor_name"] == "moderator-key" and decided["run_id"]
    assert ingested.get("/v1/queue").json()["total"] == 0
    assert (
        ingested.get("/v1/queue?status=decided").json()["items"][0]["latest_decision"][
            "decision_id"
        ]
        == decided["decision_id"]
    )

    missing = ingested.post(
        "/v1/decisions",
        {"target_type": "comment", "target_id": "nope", "action": "remove", "reason_code": "spam"},
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_bulk_decisions_and_appeals(ingested: Service) -> None:
    bulk = ingested.post(
        "/v1/decisions",
        {
            "decisions": [
                {
                    "target_type": "comment",
                    "target_id": "c0",
                    "action": "remove",
                    "reason_code": "spam",
                },
                {
                    "target_type": "comment",
                    "target_id": "ghost",
                    "action": "remove",
                    "reason_code": "spam",
                },
                {
                    "target_type": "author",
                    "target_id": "sock1",
                    "action": "suspend_author",
                    "reason_code": "coordinated_inauthentic",
                },
            ]
        },
    )
    assert bulk.status_code == 200
    body = bulk.json()
    assert (body["recorded"], body["rejected"]) == (2, 1)
    assert [r["status"] for r in body["results"]] == ["recorded", "rejected", "recorded"]
    assert body["results"][1]["error"]["code"] == "not_found"
    removed = body["results"][0]["decision"]["decision_id"]

    appeal = ingested.post(
        "/v1/decisions",
        {
            "target_type": "comment",
            "target_id": "c0",
            "action": "reinstate",
            "reason_code": "appeal_upheld",
            "appeal_of": removed,
            "note": "author explained",
        },
    )
    assert appeal.status_code == 201
    wrong = ingested.post(
        "/v1/decisions",
        {
            "target_type": "comment",
            "target_id": "c1",
            "action": "reinstate",
            "reason_code": "appeal_upheld",
            "appeal_of": removed,
        },
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "conflict"
    detail = ingested.get(f"/v1/decisions/{removed}").json()
    assert [a["decision_id"] for a in detail["appeals"]] == [appeal.json()["decision_id"]]
    assert (
        ingested.get(f"/v1/decisions/{appeal.json()['decision_id']}").json()["contests"][
            "decision_id"
        ]
        == removed
    )


def test_audit_log(ingested: Service) -> None:
    ingested.post(
        "/v1/decisions",
        {"target_type": "comment", "target_id": "c2", "action": "remove", "reason_code": "spam"},
        headers={"X-Request-ID": "trace-42"},
    )
    audit = ingested.get("/v1/audit", role="moderator").json()
    actions = [e["action"] for e in audit["events"]]
    assert actions == ["decision.remove", "analysis.ingest"]
    event = audit["events"][0]
    assert (
        event["evidence"]["comment_id"] == "c2" and event["evidence"]["stance"]["label"] == "oppose"
    )
    assert event["model_versions"]["stance"] == "keyword_test@1"
    assert event["actor_role"] == "moderator" and event["request_id"] == "trace-42"
    filtered = ingested.get(
        "/v1/audit?action=analysis.&newest_first=false", role="moderator"
    ).json()
    assert [e["action"] for e in filtered["events"]] == ["analysis.ingest"]
    assert ingested.get("/v1/audit?target_id=c2", role="moderator").json()["total"] == 1
