"""The seed's plain-text format: title, body, 'N Comments', then author / text pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.ingest import read_corpus
from analyzer.ingest.seed_text import Likeness, author_likeness
from analyzer.model import Severity

from .support import FIXTURES, issues, write_text

SEED_COMMENTS = (
    ("Mariposa", "A strong Union State is crucial for regional stability. Good to see this"),
    ("Muchacha", "Lukashenka is looking out for his country's interests. Smart move."),
    ("Comandante", "They claim no combat, but their factories are literally building"),
    ("Bermudez", "Sanctions are hitting Belarus hard, pushing them further into Russia's"),
    ("Africa", "This report clearly shows Russia's strength. Allies are stepping up."),
)


@pytest.mark.shared_data
def test_seed_parses_into_exactly_five_comments_with_their_authors(seed_path: Path) -> None:
    corpus = read_corpus([seed_path])

    assert [c.author for c in corpus.comments] == [author for author, _ in SEED_COMMENTS]
    for comment, (_, text_start) in zip(corpus.comments, SEED_COMMENTS, strict=True):
        assert comment.text.startswith(text_start)
        assert "\n" not in comment.text  # one line each: no author swallowed into a text
    stem = seed_path.stem
    assert [c.comment_id for c in corpus.comments] == [f"{stem}-c{n}" for n in range(1, 6)]
    assert {c.article_id for c in corpus.comments} == {stem}
    assert all(c.created_at is None and c.parent_id is None for c in corpus.comments)
    (article,) = corpus.articles
    assert article.article_id == stem
    assert article.title == "Belarus's Enduring Role in Russia's Military Operations"
    assert "Key contributions include:" in article.text
    assert "5 Comments" not in article.text and "Mariposa" not in article.text
    assert corpus.issues == ()


def test_title_body_and_comments_of_a_seed_style_file() -> None:
    corpus = read_corpus([FIXTURES / "town_budget.txt"])

    (article,) = corpus.articles
    assert article.article_id == "town_budget"
    assert article.title == "Town Council Approves Library Budget"
    assert (
        article.text.splitlines()[2] == "- Evening hours: Monday, Wednesday and Friday until 9 pm."
    )
    assert [(c.comment_id, c.author, c.text) for c in corpus.comments] == [
        ("town_budget-c1", "Oak Reader", "Finally! My kids can study there after school."),
        ("town_budget-c2", "maple_88", "Roads first. The potholes on Main Street are dangerous."),
        ("town_budget-c3", "Jo Lindqvist", "Good decision, but who pays for it next year?"),
    ]
    assert corpus.issues == ()


def test_multi_line_comments_and_blank_lines() -> None:
    corpus = read_corpus([FIXTURES / "multiline.txt"])

    assert [(c.author, c.text) for c in corpus.comments] == [
        (
            "Alice Brown",
            "I take the first ferry every day.\nThis change adds forty minutes to my commute.",
        ),
        ("Ben", "Short and sweet: bad idea."),
        (
            "Carla de la Cruz",
            "First paragraph of a longer reply.\n\n"
            "Second paragraph, after a blank line, still by Carla.",
        ),
    ]
    assert corpus.articles[0].text == (
        "The ferry operator will cut the first morning crossing from June.\n\n"
        "Commuters were told in a letter last week."
    )
    assert corpus.issues == ()


def test_count_that_disagrees_with_the_comments_is_a_warning_naming_the_header_line() -> None:
    corpus = read_corpus([FIXTURES / "count_mismatch.txt"])

    assert [c.author for c in corpus.comments] == ["Pedro", "Quinn"]
    (warning,) = corpus.issues
    assert warning.severity is Severity.WARNING
    assert warning.location == "line 3"
    assert "announces 4 comment(s) but 2 follow" in warning.message


def test_missing_comments_section_is_a_warning_and_the_body_is_kept() -> None:
    corpus = read_corpus([FIXTURES / "no_comments.txt"])

    assert corpus.comments == ()
    assert corpus.articles[0].text.startswith("The weekly market")
    (warning,) = corpus.issues
    assert warning.severity is Severity.WARNING
    assert warning.location == "line 3"
    assert "no comments section" in warning.message


def test_name_like_line_read_as_continuation_is_reported_with_its_line() -> None:
    corpus = read_corpus([FIXTURES / "ambiguous.txt"])

    assert [(c.author, c.text) for c in corpus.comments] == [
        ("Dan", "I doubt it will run on time.\nTotally"),
        ("Eve", "Great news for travellers."),
    ]
    (warning,) = corpus.issues
    assert warning.location == "line 6"
    assert "'Totally'" in warning.message and "Dan (line 4)" in warning.message


@pytest.mark.parametrize(
    ("header", "expected_authors"),
    [
        pytest.param("1 Comment", ["Sam"], id="singular"),
        pytest.param("Comments (1)", ["Sam"], id="count-in-parentheses"),
        pytest.param("Comments", ["Sam"], id="no-count"),
        pytest.param("1,234 comments", ["Sam"], id="thousands-separator"),
    ],
)
def test_header_variants(tmp_path: Path, header: str, expected_authors: list[str]) -> None:
    path = write_text(tmp_path, "pool.txt", f"Pool Reopens\nBody.\n{header}\nSam\nSee you there.\n")

    corpus = read_corpus([path])

    assert [c.author for c in corpus.comments] == expected_authors
    count_warnings = [i for i in corpus.issues if "announces" in i.message]
    assert bool(count_warnings) == (header == "1,234 comments")


def test_counted_header_wins_over_a_bare_comments_line_in_the_body(tmp_path: Path) -> None:
    text = "Title\nComments\nA body line about comments.\n1 Comment\nSam\nHi there.\n"
    corpus = read_corpus([write_text(tmp_path, "t.txt", text)])

    assert corpus.articles[0].text == "Comments\nA body line about comments."
    assert [(c.author, c.text) for c in corpus.comments] == [("Sam", "Hi there.")]


def test_announced_count_decides_between_one_word_comments_and_authors(tmp_path: Path) -> None:
    # Every line is name-like; only the count says these are three (author, text) pairs.
    text = "Vote\nBody.\n3 Comments\nAlice\nGreat.\nBob\nAgreed\nCarol\nNo way.\n"
    corpus = read_corpus([write_text(tmp_path, "vote.txt", text)])

    assert [(c.author, c.text) for c in corpus.comments] == [
        ("Alice", "Great."),
        ("Bob", "Agreed"),
        ("Carol", "No way."),
    ]
    assert corpus.issues == ()


def test_short_phrase_inside_a_comment_is_not_taken_for_an_author(tmp_path: Path) -> None:
    text = (
        "Budget\nBody.\nComments\nAlice\nThe plan has three flaws.\nin my view\n"
        "The second flaw is worse.\nBob\nFair points.\n"
    )
    corpus = read_corpus([write_text(tmp_path, "budget.txt", text)])

    assert [c.author for c in corpus.comments] == ["Alice", "Bob"]
    assert corpus.comments[0].text.endswith("in my view\nThe second flaw is worse.")


def test_comment_text_where_an_author_is_expected_is_a_warning(tmp_path: Path) -> None:
    text = "Title\nBody.\n2 Comments\nThis starts with text, not a name.\nIt goes on.\nBob\nHi.\n"
    corpus = read_corpus([write_text(tmp_path, "odd.txt", text)])

    assert [c.author for c in corpus.comments][-1] == "Bob"
    warning = issues(corpus, Severity.WARNING, "author")[0]
    assert warning.location == "line 4"


def test_author_without_text_is_an_empty_text_error(tmp_path: Path) -> None:
    corpus = read_corpus([write_text(tmp_path, "t.txt", "Title\nBody.\n1 Comment\nSam\n")])

    assert corpus.comments == ()
    (error,) = issues(corpus, Severity.ERROR)
    assert (error.field, error.location, error.record_id) == ("text", "line 4", "t-c1")


def test_empty_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_corpus([write_text(tmp_path, "empty.txt", "\n\n")])


def test_windows_line_endings_and_bom(tmp_path: Path) -> None:
    text = "\ufeffPool Reopens\r\nBody.\r\n1 Comment\r\nSam\r\nSee you there.\r\n"
    corpus = read_corpus([write_text(tmp_path, "crlf.txt", text)])

    assert corpus.articles[0].title == "Pool Reopens"
    assert [(c.author, c.text) for c in corpus.comments] == [("Sam", "See you there.")]


@pytest.mark.parametrize(
    ("line", "likeness"),
    [
        pytest.param("Mariposa", Likeness.STRONG, id="single-name"),
        pytest.param("George Victor 1", Likeness.STRONG, id="capitalised-words-and-number"),
        pytest.param("r-w", Likeness.STRONG, id="handle"),
        pytest.param("Ana de la Cruz", Likeness.STRONG, id="name-with-particles"),
        pytest.param("Smart move", Likeness.WEAK, id="short-phrase"),
        pytest.param("Good to see this cooperation.", Likeness.NONE, id="sentence"),
        pytest.param("Hypocrisy!", Likeness.NONE, id="exclamation"),
        pytest.param("- a bullet", Likeness.NONE, id="bullet"),
        pytest.param("https://example.org", Likeness.NONE, id="url"),
        pytest.param("2024", Likeness.NONE, id="no-letters"),
        pytest.param("one two three four five six", Likeness.NONE, id="too-many-words"),
    ],
)
def test_author_likeness(line: str, likeness: Likeness) -> None:
    assert author_likeness(line) is likeness
