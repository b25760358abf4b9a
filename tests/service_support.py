"""Test support for the service and its store: a deterministic stance classifier, a pipeline
built on it with the real detectors, and stores on SQLite or PostgreSQL.

The keyword classifier is a test double for the trained baseline: API and storage tests assert
exact labels, which a trained model should not be pinned to. One test runs the real pipeline.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from analyzer.config import CoordinationParams, Settings, StanceParams
from analyzer.model import (
    AgreementLabel,
    Article,
    Comment,
    ComponentInfo,
    Corpus,
    Evidence,
    EvidenceKind,
    ReplyAgreement,
    Span,
    StanceLabel,
    StanceResult,
    TargetStance,
    TargetStanceLabel,
)
from analyzer.pipeline import Pipeline
from analyzer.storage.store import Store

POSTGRES_URL_ENV = "COMMENT_ANALYZER_TEST_POSTGRES_URL"

_CUES: Mapping[StanceLabel, tuple[str, ...]] = {
    StanceLabel.SUPPORT: ("agree", "great", "safer", "finally", "good"),
    StanceLabel.OPPOSE: ("waste", "disagree", "terrible", "against", "wrong"),
    StanceLabel.UNRELATED: ("unsubscribe", "weather"),
}


class KeywordStance:
    """Labels by the first cue word found; neutral otherwise. '?' marks questioning."""

    name: ClassVar[str] = "keyword_test"
    version: ClassVar[str] = "1"

    @property
    def checksum(self) -> str | None:
        return None

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    @classmethod
    def from_params(cls, params: StanceParams) -> KeywordStance:
        return cls()

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        return [self._one(c) for c in comments]

    def _one(self, comment: Comment) -> StanceResult:
        lowered = comment.text.lower()
        label = StanceLabel.NEUTRAL
        evidence: tuple[Evidence, ...] = ()
        for candidate, cues in _CUES.items():
            for cue in cues:
                match = re.search(rf"\b{cue}\b", lowered)
                if match:
                    label = candidate
                    span = Span(
                        match.start(), match.end(), comment.text[match.start() : match.end()]
                    )
                    evidence = (
                        Evidence(
                            EvidenceKind.TEXT_SPAN, f"the word '{cue}'", span=span, weight=1.0
                        ),
                    )
                    break
            if evidence:
                break
        scores = {str(s): (0.7 if s is label else 0.1) for s in StanceLabel}
        questioning = "?" in comment.text
        return StanceResult(
            comment_id=comment.comment_id,
            label=label,
            confidence=0.7,
            scores=scores,
            questioning=questioning,
            questioning_score=0.9 if questioning else 0.1,
            evidence=evidence,
            model=f"{self.name}@{self.version}",
        )


TEST_DETECTORS = ("near_duplicate", "burst")


def keyword_pipeline(settings: Settings | None = None) -> Pipeline:
    """The real pipeline and detectors, with the keyword classifier for stance. By default
    only the near-duplicate and burst detectors run, so tests can assert exact flags."""
    import analyzer.coordination  # noqa: F401, PLC0415  (registers the detectors)
    from analyzer.coordination.base import DETECTORS  # noqa: PLC0415

    settings = settings or Settings(coordination=CoordinationParams(detectors=TEST_DETECTORS))
    detectors = [
        DETECTORS.get(name)(getattr(settings.coordination, name))
        for name in settings.coordination.detectors
    ]
    return Pipeline(settings, KeywordStance(), detectors)


class DetailedKeywordStance(KeywordStance):
    """The keyword classifier, plus every optional StanceResult field filled in, varying by
    comment, so the stored round trip of each one is checked."""

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        return [
            _detailed(result, index)
            for index, result in enumerate(super().predict(comments, articles))
        ]


def _detailed(result: StanceResult, index: int) -> StanceResult:
    mention = Evidence(
        EvidenceKind.TEXT_SPAN,
        "names the council",
        span=Span(0, 4, "This"),
        weight=0.5,
    )
    targets = tuple(
        TargetStance(
            target=target,
            label=label,
            confidence=0.625,
            scores={"favor": 0.125, "against": 0.625, "none": 0.25},
            basis=basis,
            evidence=(mention,) if basis == "mention" else (),
            source=source,
            model="keyword_targets@1",
        )
        for target, label, basis, source in (
            ("city council", TargetStanceLabel.AGAINST, "mention", "user"),
            ("cyclists", TargetStanceLabel.NONE, "none", "article"),
        )[: index % 3]
    )
    agreement = (
        ReplyAgreement(
            parent_id=f"c{index - 1}",
            label=AgreementLabel.DISAGREE if index % 4 == 1 else AgreementLabel.AGREE,
            confidence=0.75,
            scores={"agree": 0.125, "disagree": 0.75, "neutral": 0.125},
            evidence=(
                Evidence(EvidenceKind.TEXT_SPAN, "a rebuttal cue", comment_ids=(f"c{index - 1}",)),
            ),
            model="keyword_agreement@1",
        )
        if index % 2
        else None
    )
    return replace(
        result,
        abstained=index % 3 == 0,
        language=("en", "und", None)[index % 3],
        supported=index != 5,
        unsupported_reason="written in a language the model was not trained on"
        if index == 5
        else None,
        targets=targets,
        reply_agreement=agreement,
    )


def detailed_keyword_pipeline() -> Pipeline:
    """The keyword pipeline with every optional stance field filled (DetailedKeywordStance)."""
    plain = keyword_pipeline()
    return Pipeline(plain.settings, DetailedKeywordStance(), plain.detectors)


_TEMPLATE: list[Path] = []


def _migrated_template() -> Path:
    """One migrated SQLite file per test process; tests copy it (migrating costs ~0.2 s)."""
    if not _TEMPLATE:
        directory = Path(tempfile.mkdtemp(prefix="analyzer-db-template-"))
        atexit.register(shutil.rmtree, directory, True)
        template = directory / "template.db"
        Store.connect(f"sqlite:///{template}").close()  # closing checkpoints the WAL into it
        _TEMPLATE.append(template)
    return _TEMPLATE[0]


def sqlite_url(directory: os.PathLike[str] | str) -> str:
    """A SQLite store in ``directory``, already migrated to head (a copy of a template)."""
    target = Path(directory) / "service-test.db"
    if not target.exists():
        shutil.copyfile(_migrated_template(), target)
    return f"sqlite:///{target}"


def postgres_store() -> Iterator[Store]:
    """A store in a fresh PostgreSQL schema, dropped afterwards."""
    base = os.environ[POSTGRES_URL_ENV]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    store = Store.connect(url.render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.close()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


CAMPAIGN_TEXT = (
    "This new bike lane plan is a total waste of taxpayer money and nobody asked for it."
)
ORGANIC_TEXTS = (
    "Finally, this will make my commute so much safer.",
    "I agree, great news for families with kids.",
    "How much will the construction cost the city?",
    "The weather has been awful this week anyway.",
)


def campaign_article(article_id: str = "a1", *, prefix: str = "c") -> dict[str, object]:
    """An article payload (wire format) with a 4-account copy-paste campaign and 4 organic
    comments, all timestamped."""
    comments = [
        {
            "comment_id": f"{prefix}{i}",
            "author": f"sock{i}",
            "text": CAMPAIGN_TEXT,
            "created_at": f"2024-05-01T09:3{i}:00Z",
        }
        for i in range(4)
    ] + [
        {
            "comment_id": f"{prefix}{4 + i}",
            "author": f"reader{i}",
            "text": text,
            "created_at": f"2024-05-01T1{i}:05:00Z",
        }
        for i, text in enumerate(ORGANIC_TEXTS)
    ]
    return {
        "article_id": article_id,
        "title": "City council approves new bike lanes",
        "text": "The council voted 7-2 on Tuesday to add protected bike lanes downtown.",
        "comments": comments,
    }


def campaign_corpus(article_id: str = "a1", *, prefix: str = "c") -> Corpus:
    from datetime import datetime  # noqa: PLC0415

    payload = campaign_article(article_id, prefix=prefix)
    article = Article(article_id=article_id, title=str(payload["title"]), text=str(payload["text"]))
    comments = tuple(
        Comment(
            comment_id=c["comment_id"],
            article_id=article_id,
            text=c["text"],
            author=c["author"],
            created_at=datetime.fromisoformat(c["created_at"]),
        )
        for c in payload["comments"]  # type: ignore[attr-defined]
    )
    return Corpus(articles=(article,), comments=comments)
