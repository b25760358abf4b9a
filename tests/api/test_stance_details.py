"""Stored runs keep every stance field: the API reads back the JSONL contract's stance object,
abstention, language support, target stances and reply agreement included."""

from __future__ import annotations

import json

import pytest

from analyzer.export import stance_record
from analyzer.pipeline import Pipeline
from api.schemas import StanceOut
from tests.api.conftest import Service
from tests.service_support import campaign_article, campaign_corpus, detailed_keyword_pipeline


@pytest.fixture(scope="module")
def shared_pipeline() -> Pipeline:
    """Overrides the plain keyword pipeline: every comment's stance has its details filled."""
    return detailed_keyword_pipeline()


def test_stored_stance_details_read_back_as_the_cli_writes_them(
    service: Service, shared_pipeline: Pipeline
) -> None:
    ingested = service.post("/v1/articles", {"articles": [campaign_article()]})
    assert ingested.status_code == 200, ingested.text

    view = service.get("/v1/articles/a1").json()

    expected = shared_pipeline.run(campaign_corpus()).reports[0].comments
    cli_stances = json.loads(json.dumps([stance_record(a.stance) for a in expected]))
    stances = [c["stance"] for c in view["comments"]]
    assert stances == cli_stances
    assert any(s["targets"] for s in stances) and any(s["reply_agreement"] for s in stances)
    assert any(s["abstained"] for s in stances) and not all(s["supported"] for s in stances)
    # The documented wire schema names exactly the contract's fields.
    for stance in stances:
        assert set(StanceOut.model_fields) == set(stance)
        StanceOut.model_validate(stance)


def test_openapi_documents_the_stance_details(service: Service) -> None:
    schemas = service.client.get("/openapi.json").json()["components"]["schemas"]
    stance = schemas["StanceOut"]["properties"]
    assert {"abstained", "language", "supported", "unsupported_reason"} <= set(stance)
    assert stance["targets"]["items"]["$ref"].endswith("/TargetStanceOut")
    assert {"parent_id", "label", "scores"} <= set(schemas["ReplyAgreementOut"]["properties"])
