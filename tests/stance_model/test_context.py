"""Article context: short articles verbatim, long ones title + lead + relevant sentences."""

from __future__ import annotations

from analyzer.model import Article
from analyzer.stance.context import ContextSelector

LONG = Article(
    article_id="a1",
    title="City council debates the harbour line",
    text=(
        "The council met on Monday to debate the new harbour tram line. "
        + "Officials presented figures on ridership and traffic. " * 6
        + "The levy on waterfront property would fund two thirds of the cost. "
        + "Residents of the old town asked for more night buses. " * 6
    ),
)


def test_short_article_is_used_whole() -> None:
    article = Article(article_id="a", title="Title", text="One. Two https://t.co/x three.")
    context = ContextSelector(article, 600).select("anything")
    assert context.text == "Title. One. Two https://t.co/x three."
    assert context.passages == ()


def test_long_article_keeps_title_lead_and_the_relevant_sentence() -> None:
    context = ContextSelector(LONG, 300).select("The waterfront levy is unfair to owners")
    assert context.text.startswith("City council debates the harbour line. The council met")
    assert len(context.text) <= 300
    first = context.passages[0]
    assert "levy on waterfront property" in first.text
    assert LONG.text[first.start : first.end].strip() == first.text


def test_missing_article_gives_empty_context() -> None:
    assert ContextSelector(None, 300).select("hello").text == ""
