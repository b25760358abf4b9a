"""Stateless analysis returns the CLI's JSONL contract per comment and stores nothing."""

from __future__ import annotations

import json
from datetime import datetime

from analyzer.export import comment_record
from analyzer.model import Article, Comment, Corpus
from analyzer.pipeline import Pipeline
from tests.api.conftest import Service
from tests.service_support import campaign_article

CONTRACT_KEYS = {
    "comment_id",
    "article_id",
    "author",
    "parent_id",
    "created_at",
    "text",
    "stance",
    "coordination",
    "run_id",
}


def test_analyze_returns_the_jsonl_contract(service: Service, shared_pipeline: Pipeline) -> None:
    payload = campaign_article()
    response = service.post("/v1/analyze", payload, role="viewer")
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] is False and len(body["comments"]) == 8
    # The same records the CLI writes for the same input (up to the run id).
    comments = payload["comments"]
    corpus = Corpus(
        articles=(Article("a1", title=str(payload["title"]), text=str(payload["text"])),),
        comments=tuple(
            Comment(
                c["comment_id"],
                "a1",
                c["text"],
                author=c["author"],
                created_at=datetime.fromisoformat(c["created_at"]),
            )
            for c in comments  # type: ignore[attr-defined]
        ),
    )
    expected = shared_pipeline.run(corpus)
    cli_records = [comment_record(a, body["run_id"]) for a in expected.reports[0].comments]
    assert body["comments"] == json.loads(json.dumps(cli_records))
    assert all(set(c) == CONTRACT_KEYS for c in body["comments"])
    assert body["run_info"]["run_id"] == body["run_id"]
    assert len(body["clusters"]) == 1
    # nothing was stored
    assert service.get("/v1/articles/a1").status_code == 404


def test_analyze_reports_bad_comments_and_skipped_signals(service: Service) -> None:
    payload = {
        "article_id": "s1",
        "title": "No timestamps here",
        "comments": [
            {"comment_id": "k1", "author": "a", "text": "I agree with this."},
            {"comment_id": "k2", "text": ""},
        ],
    }
    body = service.post("/v1/analyze", payload, role="viewer").json()
    assert [c["comment_id"] for c in body["comments"]] == ["k1"]
    assert [(e["id"], e["code"]) for e in body["errors"]] == [("k2", "empty_text")]
    assert "burst" in {s["signal"] for s in body["skipped_signals"]}


def test_analyze_and_store(service: Service) -> None:
    response = service.post("/v1/analyze?store=true", campaign_article(), role="moderator")
    assert response.status_code == 200 and response.json()["stored"] is True
    view = service.get("/v1/articles/a1").json()
    assert view["total"] == 8 and view["run_id"] == response.json()["run_id"]
    again = service.post("/v1/analyze?store=true", campaign_article(), role="moderator").json()
    assert len(again["comments"]) == 8  # an exact re-send is analyzed again, stored once
    assert service.get("/v1/articles/a1").json()["run_id"] == response.json()["run_id"]
