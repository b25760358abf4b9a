"""Idempotent ingestion by article and comment id."""

from __future__ import annotations

from dataclasses import replace

from analyzer.model import Article, Comment, Corpus
from analyzer.storage.corpus import ItemStatus, get_article, load_corpus, store_corpus
from analyzer.storage.store import Store
from tests.service_support import campaign_corpus


def _statuses(outcomes: tuple[object, ...]) -> list[str]:
    return [str(o.status) for o in outcomes]  # type: ignore[attr-defined]


def test_first_ingest_creates_everything(store: Store) -> None:
    corpus = campaign_corpus()
    with store.transaction() as session:
        outcome = store_corpus(session, corpus)
    assert _statuses(outcome.articles) == ["created"]
    assert _statuses(outcome.comments) == ["created"] * 8
    assert outcome.changed_article_ids == ("a1",)
    with store.reading() as session:
        loaded = load_corpus(session)
    assert loaded.articles == corpus.articles
    assert loaded.comments == corpus.comments


def test_resending_the_same_batch_stores_nothing_twice(store: Store) -> None:
    corpus = campaign_corpus()
    with store.transaction() as session:
        store_corpus(session, corpus)
    with store.transaction() as session:
        again = store_corpus(session, corpus)
    assert _statuses(again.articles) == ["unchanged"]
    assert _statuses(again.comments) == ["unchanged"] * 8
    assert again.changed_article_ids == ()
    with store.reading() as session:
        assert len(load_corpus(session).comments) == 8
        stored = get_article(session, "a1")
    assert stored is not None and stored.comment_count == 8


def test_new_comments_append_in_arrival_order(store: Store) -> None:
    corpus = campaign_corpus()
    with store.transaction() as session:
        store_corpus(session, corpus)
    extra = Comment("late", "a1", "Arrived later.", author="x")
    with store.transaction() as session:
        outcome = store_corpus(session, Corpus(articles=(), comments=(extra,)))
    assert _statuses(outcome.comments) == ["created"]
    with store.reading() as session:
        assert load_corpus(session).comments[-1] == extra


def test_changed_article_is_updated(store: Store) -> None:
    article = Article("a1", title="Old title")
    with store.transaction() as session:
        store_corpus(session, Corpus(articles=(article,), comments=()))
    with store.transaction() as session:
        outcome = store_corpus(
            session, Corpus(articles=(replace(article, title="New title"),), comments=())
        )
    assert outcome.articles[0].status is ItemStatus.UPDATED
    with store.reading() as session:
        assert load_corpus(session).articles[0].title == "New title"


def test_conflicting_and_invalid_comments_are_rejected_one_by_one(store: Store) -> None:
    with store.transaction() as session:
        store_corpus(
            session,
            Corpus(
                articles=(Article("a1"), Article("a2")),
                comments=(Comment("c1", "a1", "original text", author="x"),),
            ),
        )
    batch = Corpus(
        articles=(),
        comments=(
            Comment("c1", "a1", "edited text", author="x"),  # same id, different content
            Comment("c1", "a2", "original text", author="x"),  # same id, other article
            Comment("c2", "nowhere", "no such article"),
            Comment("c3", "a1", "fine"),
            Comment("c3", "a1", "fine"),  # duplicate within the request
        ),
    )
    with store.transaction() as session:
        outcome = store_corpus(session, batch)
    assert [(str(o.status), o.code) for o in outcome.comments] == [
        ("rejected", "id_conflict"),
        ("rejected", "id_conflict"),
        ("rejected", "unknown_article"),
        ("created", None),
        ("rejected", "duplicate_id"),
    ]
    assert "different content" in (outcome.comments[0].message or "")
    assert "already stored under article 'a1'" in (outcome.comments[1].message or "")
    with store.reading() as session:
        texts = {c.comment_id: c.text for c in load_corpus(session).comments}
    assert texts == {"c1": "original text", "c3": "fine"}
