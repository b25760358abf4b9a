"""Ingest, append, read back annotated, summarize."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Service, ServiceFactory
from tests.service_support import CAMPAIGN_TEXT, campaign_article


def _ingest(service: Service, *articles: dict[str, Any]) -> Any:
    return service.post("/v1/articles", {"articles": list(articles)})


def test_ingest_then_read_back_with_annotations(service: Service) -> None:
    response = _ingest(service, campaign_article())
    assert response.status_code == 200
    body = response.json()
    assert body["articles"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    assert body["comments"]["created"] == 8 and body["errors"] == []
    assert body["analyzed_article_ids"] == ["a1"]

    view = service.get("/v1/articles/a1").json()
    assert view["article"]["title"] == "City council approves new bike lanes"
    assert view["run_id"] == body["run_id"] and view["total"] == 8
    labels = [c["stance"]["label"] for c in view["comments"]]
    assert labels == ["oppose"] * 4 + ["support", "support", "neutral", "unrelated"]
    flagged = [c["coordination"]["flagged"] for c in view["comments"]]
    assert flagged == [True] * 4 + [False] * 4
    cluster_id = view["comments"][0]["coordination"]["cluster_id"]
    assert [c["cluster_id"] for c in view["clusters"]] == [cluster_id]
    assert view["comments"][0]["stance"]["model"] == "keyword_test@1"
    assert view["comments"][0]["stance"]["evidence"][0]["span"]["text"] == "waste"
    assert view["run_info"]["components"][0]["name"] == "keyword_test"


def test_reingest_is_idempotent(service: Service) -> None:
    first = _ingest(service, campaign_article()).json()
    again = _ingest(service, campaign_article()).json()
    assert again["run_id"] is None
    assert again["comments"] == {"created": 0, "updated": 0, "unchanged": 8, "rejected": 0}
    view = service.get("/v1/articles/a1").json()
    assert view["total"] == 8 and view["run_id"] == first["run_id"]


def test_filters_pagination_and_ordering(service: Service) -> None:
    _ingest(service, campaign_article())
    get = service.get
    assert get("/v1/articles/a1?flagged=true").json()["total"] == 4
    assert get("/v1/articles/a1?stance=support").json()["total"] == 2
    assert [c["comment_id"] for c in get("/v1/articles/a1?author=sock3").json()["comments"]] == [
        "c3"
    ]
    assert get("/v1/articles/a1?questioning=true").json()["total"] == 1
    page = get("/v1/articles/a1?limit=3&offset=3").json()
    assert [c["comment_id"] for c in page["comments"]] == ["c3", "c4", "c5"]
    assert page["next_offset"] == 6
    last = get("/v1/articles/a1?limit=3&offset=6").json()
    assert last["next_offset"] is None and len(last["comments"]) == 2
    newest = get("/v1/articles/a1?order=-created_at&limit=2").json()["comments"]
    assert [c["comment_id"] for c in newest] == ["c7", "c6"]


def test_per_item_errors_do_not_fail_the_batch(service: Service) -> None:
    article = campaign_article()
    article["comments"] = [
        {"comment_id": "ok", "text": "Fine comment.", "created_at": "2024-05-01T10:00:00+02:00"},
        {"comment_id": "empty", "text": "   "},
        {"comment_id": "badtime", "text": "x", "created_at": "yesterday"},
        {"comment_id": "naive", "text": "x", "created_at": "2024-05-01T10:00:00"},
        {"comment_id": "ok", "text": "Duplicate id."},
        {"comment_id": "x" * 300, "text": "Id too long."},
        {"comment_id": "other", "text": "x", "article_id": "elsewhere"},
    ]
    payload = {
        "articles": [
            article,
            {"article_id": "", "comments": [{"comment_id": "orphan", "text": "t"}]},
        ],
        "comments": [{"comment_id": "top", "text": "no article id"}],
    }
    body = service.post("/v1/articles", payload).json()
    codes = {(e["id"][:10], e["code"], e["location"]) for e in body["errors"]}
    assert codes == {
        ("empty", "empty_text", "articles[0].comments[1]"),
        ("badtime", "invalid_time", "articles[0].comments[2]"),
        ("naive", "invalid_time", "articles[0].comments[3]"),
        ("ok", "duplicate_id", "articles[0].comments[4]"),
        ("x" * 10, "invalid_id", "articles[0].comments[5]"),
        ("other", "article_mismatch", "articles[0].comments[6]"),
        ("", "invalid_id", "articles[1]"),
        ("orphan", "article_rejected", "articles[1].comments[0]"),
        ("top", "missing_article_id", "comments[0]"),
    }
    assert body["comments"]["created"] == 1 and body["comments"]["rejected"] == 8
    assert body["articles"]["rejected"] == 1
    assert service.get("/v1/articles/a1").json()["total"] == 1


def test_stored_conflicts_are_item_errors(service: Service) -> None:
    _ingest(service, campaign_article())
    changed = campaign_article("a2", prefix="z")
    changed["comments"] = [{"comment_id": "c0", "text": "reused id"}]
    body = _ingest(service, changed).json()
    assert [(e["id"], e["code"], e["location"]) for e in body["errors"]] == [
        ("c0", "id_conflict", "articles[0].comments[0]")
    ]


def test_append_comments_reanalyzes_incrementally(service: Service) -> None:
    first = _ingest(service, campaign_article()).json()
    response = service.post(
        "/v1/articles/a1/comments",
        {"comments": [{"comment_id": "c8", "author": "sock8", "text": CAMPAIGN_TEXT}]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["run_id"] != first["run_id"]
    assert [c["comment_id"] for c in body["analyzed"]] == ["c8"]
    assert body["analyzed"][0]["coordination"]["flagged"] is True
    assert body["analyzed"][0]["run_id"] == body["run_id"]
    view = service.get("/v1/articles/a1").json()
    assert view["total"] == 9 and view["run_id"] == body["run_id"]
    old = service.get(f"/v1/articles/a1?run_id={first['run_id']}").json()
    assert old["total"] == 8  # the earlier run stays queryable
    missing = service.post(
        "/v1/articles/nope/comments", {"comments": [{"comment_id": "q", "text": "t"}]}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_summary(service: Service) -> None:
    _ingest(service, campaign_article())
    summary = service.get("/v1/articles/a1/summary").json()
    shares = {s["label"]: s for s in summary["stance"]}
    assert shares["oppose"]["count"] == 4 and shares["oppose"]["share"] == 0.5
    assert 0.2 < shares["oppose"]["ci_low"] < 0.5 < shares["oppose"]["ci_high"] < 0.8
    assert summary["coordinated"]["comment_count"] == 4 and summary["cluster_count"] == 1
    assert summary["bucket"] == "hour" and len(summary["over_time"]) == 5
    assert service.get("/v1/articles/a1/summary?bucket=day").json()["bucket"] == "day"


def test_article_without_comments_reads_unanalyzed(service: Service) -> None:
    body = service.post("/v1/articles", {"articles": [{"article_id": "bare", "title": "T"}]}).json()
    assert body["run_id"] is not None  # a new article is analyzed (with no comments)
    view = service.get("/v1/articles/bare").json()
    assert view["total"] == 0 and view["comments"] == []


def test_list_articles(service: Service) -> None:
    _ingest(service, campaign_article("a1"), campaign_article("a2", prefix="b"))
    listed = service.get("/v1/articles?limit=1").json()
    assert listed["total"] == 2 and len(listed["articles"]) == 1 and listed["next_offset"] == 1
    assert listed["articles"][0]["comment_count"] == 8


def test_large_batches_run_as_jobs(make_service: ServiceFactory) -> None:
    service = make_service(sync_max_comments=5)
    response = _ingest(service, campaign_article())
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == job["location"] == f"/v1/jobs/{job['job_id']}"
    done = service.wait(job["location"])
    assert done["status"] == "succeeded", done
    assert done["result"]["comments"]["created"] == 8
    assert service.get("/v1/articles/a1").json()["total"] == 8
    appended = service.post(
        "/v1/articles/a1/comments",
        {"comments": [{"comment_id": f"n{i}", "text": f"note {i}"} for i in range(6)]},
    )
    assert appended.status_code == 202
    assert service.wait(appended.json()["location"])["result"]["comments"]["created"] == 6
