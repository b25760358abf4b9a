"""Ingest, append and reanalyze: store the input, run the pipeline, store the run; atomically.

Each workflow is one transaction that first locks the articles it touches (SQLite: the write
lock; PostgreSQL: ``SELECT ... FOR UPDATE``), so two appends to one article cannot leave it
pointing at a run that misses the other's comments.

Incremental analysis: appending comments re-runs the pipeline on all of that article's stored
comments plus the new ones and stores a new run. Coordination across articles is computed
within each request's articles; a ``reanalyze`` job over many (or all) articles refreshes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analyzer.model import AnalysisResult, Comment, Corpus
from analyzer.storage.codec import model_versions
from analyzer.storage.corpus import IngestOutcome, ItemStatus, chunks, load_corpus, store_corpus
from analyzer.storage.errors import ConflictError, NotFoundError
from analyzer.storage.results import RunKind, save_result
from analyzer.storage.reviews import Actor, append_audit
from analyzer.storage.store import Store
from analyzer.storage.tables import ArticleRow

if TYPE_CHECKING:
    from analyzer.pipeline import Pipeline

ATTEMPTS = 2  # a concurrent insert of the same new ids fails once, then sees them as stored


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    outcome: IngestOutcome
    result: AnalysisResult | None  # None when nothing changed (an idempotent re-send)


def _lock_articles(session: Session, article_ids: Sequence[str]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the transaction already holds the database write lock
    for chunk in chunks(sorted(set(article_ids))):
        session.execute(
            select(ArticleRow.article_id)
            .where(ArticleRow.article_id.in_(chunk))
            .order_by(ArticleRow.article_id)
            .with_for_update()
        ).all()


def _analyze_changed(
    session: Session,
    pipeline: Pipeline,
    outcome: IngestOutcome,
    *,
    kind: RunKind,
    actor: Actor,
    request_id: str | None,
) -> AnalysisResult | None:
    if not outcome.changed_article_ids:
        return None
    corpus = load_corpus(session, outcome.changed_article_ids)
    result = pipeline.run(corpus)
    save_result(session, result, kind=kind, created_by=actor.key_id)
    append_audit(
        session,
        actor,
        action=f"analysis.{kind}",
        request_id=request_id,
        model_versions=model_versions(result.run_info.components),
        details={
            "run_id": result.run_info.run_id,
            "article_ids": list(outcome.changed_article_ids),
            "comments_created": sum(1 for c in outcome.comments if c.status is ItemStatus.CREATED),
            "items_rejected": len(outcome.rejected),
        },
    )
    return result


def ingest(
    store: Store,
    pipeline: Pipeline,
    corpus: Corpus,
    actor: Actor,
    *,
    kind: RunKind = RunKind.INGEST,
    request_id: str | None = None,
) -> StoredAnalysis:
    """Store ``corpus`` (idempotently) and analyze every article it changed, as one run."""
    touched = [a.article_id for a in corpus.articles] + [c.article_id for c in corpus.comments]
    for attempt in range(ATTEMPTS):
        try:
            with store.transaction() as session:
                _lock_articles(session, touched)
                outcome = store_corpus(session, corpus)
                result = _analyze_changed(
                    session, pipeline, outcome, kind=kind, actor=actor, request_id=request_id
                )
                return StoredAnalysis(outcome, result)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise ConflictError(
                    "another request stored the same ids at the same time",
                    hint="send the request again; ingestion is idempotent",
                ) from None
    raise AssertionError("unreachable")


def append(
    store: Store,
    pipeline: Pipeline,
    article_id: str,
    comments: Sequence[Comment],
    actor: Actor,
    *,
    request_id: str | None = None,
) -> StoredAnalysis:
    """Append ``comments`` to a stored article and re-analyze that article."""
    with store.reading() as session:
        if session.get(ArticleRow, article_id) is None:
            raise NotFoundError("article", article_id, hint="create it with POST /v1/articles")
    return ingest(
        store,
        pipeline,
        Corpus(articles=(), comments=tuple(comments)),
        actor,
        kind=RunKind.APPEND,
        request_id=request_id,
    )


def reanalyze(
    store: Store,
    pipeline: Pipeline,
    actor: Actor,
    *,
    article_ids: Sequence[str] | None = None,
    request_id: str | None = None,
) -> AnalysisResult:
    """Re-run the pipeline over stored articles (all by default) as one new run.

    Older runs stay stored; the articles now point at the new run.
    """
    with store.transaction() as session:
        if article_ids is not None:
            _lock_articles(session, article_ids)
            corpus = load_corpus(session, article_ids)
            missing = sorted(set(article_ids) - {a.article_id for a in corpus.articles})
            if missing:
                raise NotFoundError("article", missing[0], hint="reanalyze only stored articles")
        else:
            corpus = load_corpus(session)
            _lock_articles(session, [a.article_id for a in corpus.articles])
        result = pipeline.run(corpus)
        save_result(session, result, kind=RunKind.REANALYZE, created_by=actor.key_id)
        append_audit(
            session,
            actor,
            action=f"analysis.{RunKind.REANALYZE}",
            request_id=request_id,
            model_versions=model_versions(result.run_info.components),
            details={
                "run_id": result.run_info.run_id,
                "article_ids": [a.article_id for a in corpus.articles],
            },
        )
        return result
