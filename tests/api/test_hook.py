"""POST /v1/check: the moderation hook, one comment at a time against a rolling window."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from analyzer.config import Settings
from api.app import create_app
from tests.api.conftest import Service, ServiceFactory
from tests.service_support import CAMPAIGN_TEXT, campaign_article

ARTICLE = {"title": "City council approves new bike lanes", "text": "The council voted 7-2."}


def comment(i: int, text: str = CAMPAIGN_TEXT, **fields: Any) -> dict[str, Any]:
    return {
        "comment_id": f"h{i}",
        "article_id": "a-hook",
        "author": f"acct{i}",
        "text": text,
        "created_at": f"2024-05-01T10:0{i}:00Z",
        **fields,
    }


def test_third_copy_is_flagged_with_evidence_and_what_was_not_computed(service: Service) -> None:
    first = service.post("/v1/check", comment(0, article=ARTICLE))
    assert first.status_code == 200
    body = first.json()
    assert body["flagged"] is False and body["matched_comment_ids"] == []
    assert body["summary"].startswith("No signal above threshold among the signals computed")
    service.post("/v1/check", comment(1))
    third = service.post("/v1/check", comment(2)).json()
    assert third["flagged"] is True and third["score"] >= 0.5
    assert third["matched_comment_ids"] == ["h0", "h1"]
    assert third["matched_authors"] == ["acct0", "acct1"]
    assert third["summary"].startswith("3 accounts posted identical text")
    assert [s["detector"] for s in third["signals"]] == ["near_duplicate"]
    assert {e["kind"] for e in third["evidence"]} == {"comment_group", "shared_text"}
    not_computed = {s["signal"]: s["reason"] for s in third["not_computed"]}
    assert "history" in not_computed["co_commenting"]
    assert third["recorded"] is True and third["window"]["comments"] == 3
    assert third["window"]["oldest_at"] == "2024-05-01T10:00:00Z"
    assert third["checked_at"] == "2024-05-01T10:02:00Z"
    assert 0 < third["elapsed_ms"] < 2000


def test_dry_run_is_not_remembered(service: Service) -> None:
    service.post("/v1/check", comment(0))
    dry = service.post("/v1/check", comment(1, record=False)).json()
    assert dry["recorded"] is False and dry["matched_comment_ids"] == ["h0"]
    later = service.post("/v1/check", comment(2)).json()
    assert later["matched_comment_ids"] == ["h0"] and later["window"]["comments"] == 2


def test_needs_the_moderator_role_and_valid_fields(service: Service) -> None:
    assert service.post("/v1/check", comment(0), role=None).status_code == 401
    denied = service.post("/v1/check", comment(0), role="viewer")
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    empty = service.post("/v1/check", comment(0, text="   "))
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_request"
    assert "empty_text" in empty.json()["detail"]
    bad_time = service.post("/v1/check", comment(0, created_at="yesterday"))
    assert bad_time.status_code == 422 and "invalid_time" in bad_time.json()["detail"]
    missing = service.post("/v1/check", {"comment_id": "x", "text": "hi"})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_failed"


def test_comment_without_time_is_placed_at_arrival(service: Service) -> None:
    body = service.post("/v1/check", comment(0, created_at=None)).json()
    assert body["checked_at"].endswith("Z") and body["recorded"] is True


def test_window_is_warmed_from_stored_comments_and_uses_the_stored_article(
    make_service: ServiceFactory,
) -> None:
    first = make_service()
    assert first.post("/v1/articles", {"articles": [campaign_article()]}).status_code == 200
    url = first.app.state.settings.database_url
    # A second service on the same database starts with the stored comments in its window.
    settings = Settings(database_url=url, api=first.app.state.settings.api)
    app = create_app(settings, pipeline_factory=lambda _settings: first.app.state.pipeline)
    with TestClient(app) as client:
        assert len(app.state.hook) == 8
        check = {
            "comment_id": "late-copy",
            "article_id": "a1",
            "author": "sock9",
            "text": CAMPAIGN_TEXT,
            "created_at": "2024-05-01T09:40:00Z",
        }
        body = client.post("/v1/check", json=check, headers=first.headers("moderator")).json()
    assert body["flagged"] is True
    assert body["matched_comment_ids"] == ["c0", "c1", "c2", "c3"]


def test_warm_start_can_be_turned_off(make_service: ServiceFactory) -> None:
    service = make_service(hook_warm_start=False, hook_max_comments=2)
    service.post("/v1/articles", {"articles": [campaign_article()]})
    assert len(service.app.state.hook) == 0
    for i in range(3):
        body = service.post("/v1/check", comment(i)).json()
    assert body["window"] == {
        "comments": 2,
        "window_seconds": 86400.0,
        "max_comments": 2,
        "oldest_at": "2024-05-01T10:01:00Z",
    }


def test_cluster_listing_carries_the_stance_split(service: Service) -> None:
    assert service.post("/v1/articles", {"articles": [campaign_article()]}).status_code == 200
    [item] = service.get("/v1/clusters").json()["clusters"]
    assert item["cluster"]["stance_counts"] == {
        "support": 0,
        "oppose": 4,
        "neutral": 0,
        "unrelated": 0,
    }
    view = service.get("/v1/articles/a1").json()
    assert view["clusters"][0]["stance_counts"]["oppose"] == 4
