"""recent_comments: what the moderation hook's window is filled from at start-up."""

from __future__ import annotations

from analyzer.model import Corpus
from analyzer.storage.corpus import recent_comments, store_corpus
from analyzer.storage.store import Store
from tests.builders import make_article, make_comment


def test_newest_comments_within_the_window_oldest_first(store: Store) -> None:
    comments = (
        make_comment("old", author="a", minutes=0),
        make_comment("mid", author="b", minutes=50),
        make_comment("new", author="c", article_id="a2", minutes=60),
        make_comment("undated", author="d"),
    )
    corpus = Corpus((make_article("a1", "First"), make_article("a2", "Second")), comments)
    with store.transaction() as session:
        store_corpus(session, corpus)
    with store.reading() as session:
        articles, recent = recent_comments(session, window_seconds=1800.0, limit=10)
        _, capped = recent_comments(session, window_seconds=7200.0, limit=2)
    assert [c.comment_id for c in recent] == ["mid", "new"]
    assert [a.article_id for a in articles] == ["a1", "a2"] and articles[0].title == "First"
    assert [c.comment_id for c in capped] == ["mid", "new"]
    assert recent[1].created_at == comments[2].created_at


def test_empty_store_gives_nothing(store: Store) -> None:
    with store.reading() as session:
        assert recent_comments(session, window_seconds=60.0, limit=5) == ((), ())
