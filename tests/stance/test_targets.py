"""Target stance (analyzer/stance/targets.py): extraction, attribution, relations, transfer."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pytest

from analyzer.config import TargetStanceParams
from analyzer.errors import ConfigError
from analyzer.model import (
    Article,
    Comment,
    StanceLabel,
    StanceResult,
    TargetStance,
    TargetStanceLabel,
)
from analyzer.stance.targets import (
    TARGET_STANCE,
    LexicalTargetStance,
    demonym_forms,
    extract_targets,
    parse_target,
)
from tests.builders import make_comment

WAR = TargetStanceParams(
    targets=("Russia=Putin", "Ukraine=Zelensky"), extract=False, opposed=(("Russia", "Ukraine"),)
)
ALONE = TargetStanceParams(targets=("Russia=Putin", "Ukraine=Zelensky"), extract=False)

ARTICLE = Article(
    article_id="a1",
    title="Freedonia's New Port Deal With Sylvania",
    text=(
        "Freedonia signed a port agreement with Sylvania on Monday.\n"
        "The Freedonian government said the port would open next year. Critics in Sylvania "
        "called the deal rushed. Prime Minister Rufus Firefly defended it in parliament.\n"
        "Reports suggest Freedonia will pay for most of the construction, while Firefly "
        "promised jobs. The Grand Canal Authority was consulted once.\n"
    ),
)


def _judge(
    component: LexicalTargetStance,
    text: str,
    article: Article | None = None,
    stance: Mapping[str, StanceResult] | None = None,
) -> dict[str, TargetStance]:
    comment = make_comment("c1", text)
    articles = {"a1": article or Article(article_id="a1")}
    results = component.judge([comment], articles, stance or {})["c1"]
    return {r.target: r for r in results}


def test_component_is_registered_by_name_and_version() -> None:
    component = TARGET_STANCE.get("lexical_target").from_params(TargetStanceParams())
    assert (component.name, component.version) == ("lexical_target", "1.0.0")


def test_parse_target_adds_given_aliases_gazetteer_forms_and_demonyms() -> None:
    spec = parse_target("Russia=Putin|Kremlin")
    assert spec.name == "Russia"
    assert {"Putin", "Kremlin", "Russian", "Russians", "Moscow"} <= set(spec.aliases)
    assert spec.source == "user"


@pytest.mark.parametrize("bad", ["", "=Putin", "  =x"], ids=["empty", "alias-only", "blank"])
def test_parse_target_without_a_name_fails_with_the_syntax(bad: str) -> None:
    with pytest.raises(ConfigError, match="has no name") as err:
        parse_target(bad)
    assert "Name=alias" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Russia", ("Russian", "Russians")),
        ("Ukraine", ("Ukrainian", "Ukrainians")),
        ("Belarus", ("Belarusian", "Belarusians")),
        ("Union State", ()),
    ],
)
def test_demonym_forms(name: str, forms: tuple[str, ...]) -> None:
    assert demonym_forms(name) == forms


def test_extract_targets_finds_recurring_names_and_the_title_subject_first() -> None:
    specs = extract_targets(ARTICLE)
    names = [s.name for s in specs]
    assert names[0] == "Freedonia"  # the title opens with it
    assert "Sylvania" in names and "Firefly" in names
    assert "Reports" not in names and "Critics" not in names  # sentence-initial common words
    assert "Grand Canal Authority" not in names  # said once, and no comment names it
    freedonia = specs[0]
    assert "Freedonian" in freedonia.aliases  # demonym folded into the country
    firefly = next(s for s in specs if s.name == "Firefly")
    assert firefly.person  # "Prime Minister Rufus Firefly"


def test_a_name_the_article_uses_once_is_kept_when_a_comment_names_it() -> None:
    comments = [make_comment("c1", "The Grand Canal Authority should have had a say.")]
    names = [s.name for s in extract_targets(ARTICLE, comments)]
    assert "Grand Canal Authority" in names


def test_extract_targets_respects_max_and_no_article() -> None:
    assert len(extract_targets(ARTICLE, max_targets=1)) == 1
    assert extract_targets(None) == ()
    assert extract_targets(ARTICLE, max_targets=0) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia invaded Ukraine and killed thousands.", {"Russia": "against", "Ukraine": "favor"}),
        ("Putin is a war criminal.", {"Russia": "against", "Ukraine": "favor"}),
        ("Zelensky is a corrupt puppet.", {"Ukraine": "against", "Russia": "favor"}),
        ("Glory to the heroes defending Kyiv!", {"Ukraine": "favor", "Russia": "against"}),
        ("The Ukrainian army is losing badly, Russia will win.", {"Russia": "favor"}),
        ('Russia is "so great." Sure.', {"Russia": "against"}),
        (
            "Talks between Russia and Ukraine resume on Monday.",
            {"Russia": "none", "Ukraine": "none"},
        ),
        ("Sanctions are hurting ordinary Russians.", {"Russia": "none"}),
    ],
    ids=[
        "agent-blamed-victim-via-relation",
        "leader-alias",
        "alias-other-side",
        "capital-alias",
        "demonym-and-win",
        "scare-quotes",
        "neutral-report",
        "victim-not-blamed",
    ],
)
def test_target_directed_sentiment(text: str, expected: dict[str, str]) -> None:
    results = _judge(LexicalTargetStance(WAR), text)
    assert {t: str(results[t].label) for t in expected} == expected


def test_without_a_relation_an_unmentioned_target_is_none() -> None:
    results = _judge(LexicalTargetStance(ALONE), "Putin is a war criminal.")
    assert results["Russia"].label is TargetStanceLabel.AGAINST
    assert results["Ukraine"].label is TargetStanceLabel.NONE
    assert results["Ukraine"].basis == "none"


def test_relation_result_names_its_basis_and_points_at_the_driving_clause() -> None:
    results = _judge(LexicalTargetStance(WAR), "Putin is a war criminal.")
    ukraine = results["Ukraine"]
    assert ukraine.basis == "relation"
    assert "opponent" in ukraine.evidence[0].summary
    assert ukraine.confidence < results["Russia"].confidence  # inferred is weaker than stated


def test_evidence_span_is_the_clause_with_character_offsets() -> None:
    text = "Nice weather today. Putin is a war criminal."
    russia = _judge(LexicalTargetStance(WAR), text)["Russia"]
    span = russia.evidence[0].span
    assert span is not None
    assert text[span.start : span.end] == span.text == "Putin is a war criminal."
    assert russia.basis == "mention"


def test_pronoun_and_verdict_sentence_reach_the_article_main_subject() -> None:
    component = LexicalTargetStance(TargetStanceParams())
    results = _judge(component, "They promised jobs, but it is all lies. Shameful!", ARTICLE)
    freedonia = results["Freedonia"]
    assert freedonia.label is TargetStanceLabel.AGAINST
    assert freedonia.basis == "coreference"
    assert results["Sylvania"].label is TargetStanceLabel.NONE


def _article_stance(label: StanceLabel, confidence: float) -> StanceResult:
    rest = (1.0 - confidence) / 3
    return StanceResult(
        comment_id="c1",
        label=label,
        confidence=confidence,
        scores=MappingProxyType(
            {str(lab): (confidence if lab is label else rest) for lab in StanceLabel}
        ),
        questioning=False,
        questioning_score=0.0,
        evidence=(),
        model="fake@1",
    )


HOSTILE = Article(
    article_id="a1",
    title="Mordor's Brutal Campaign",
    text="Mordor is brutal and corrupt. Mordor lies, and Mordor kills civilians.",
)


@pytest.mark.parametrize(
    ("label", "confidence", "expected", "basis"),
    [
        (StanceLabel.SUPPORT, 0.9, TargetStanceLabel.AGAINST, "article_transfer"),
        (StanceLabel.OPPOSE, 0.9, TargetStanceLabel.FAVOR, "article_transfer"),
        (StanceLabel.SUPPORT, 0.4, TargetStanceLabel.NONE, "none"),
        (StanceLabel.NEUTRAL, 0.9, TargetStanceLabel.NONE, "none"),
    ],
    ids=["support-x-against", "oppose-x-against", "unsure-no-transfer", "neutral-no-transfer"],
)
def test_article_transfer_multiplies_comment_and_article_stance(
    label: StanceLabel, confidence: float, expected: TargetStanceLabel, basis: str
) -> None:
    component = LexicalTargetStance(TargetStanceParams())
    stance = {"c1": _article_stance(label, confidence)}
    results = _judge(component, "This report is spot on, well researched.", HOSTILE, stance)
    assert results["Mordor"].label is expected
    assert results["Mordor"].basis == basis


def test_transfer_can_be_switched_off() -> None:
    component = LexicalTargetStance(TargetStanceParams(transfer=False))
    stance = {"c1": _article_stance(StanceLabel.SUPPORT, 0.9)}
    results = _judge(component, "This report is spot on.", HOSTILE, stance)
    assert results["Mordor"].label is TargetStanceLabel.NONE


@pytest.mark.parametrize(
    "text",
    ["", "Putin is a war criminal.", "ok", "Slava Ukraini! Russia lost.", "they they they"],
    ids=["empty", "stated", "short", "mixed", "pronouns-only"],
)
def test_results_meet_the_contract(text: str) -> None:
    results = _judge(LexicalTargetStance(WAR), text)
    assert set(results) == {"Russia", "Ukraine"}
    for result in results.values():
        assert 0.0 <= result.confidence <= 1.0
        assert abs(sum(result.scores.values()) - 1.0) < 1e-9
        assert result.scores[str(result.label)] == pytest.approx(result.confidence)
        assert result.model == "lexical_target@1.0.0"
        assert result.source == "user"
        for evidence in result.evidence:
            if evidence.span is not None:
                assert text[evidence.span.start : evidence.span.end] == evidence.span.text


def test_judge_is_deterministic_and_independent_of_comment_order() -> None:
    component = LexicalTargetStance(WAR)
    comments = [
        Comment("c1", "a1", "Putin is a war criminal."),
        Comment("c2", "a1", "Glory to the heroes defending Kyiv!"),
        Comment("c3", "a1", "Nothing to see here."),
    ]
    articles = {"a1": Article("a1")}
    forward = component.judge(comments, articles, {})
    backward = component.judge(list(reversed(comments)), articles, {})
    assert forward == backward


def test_no_targets_gives_no_results() -> None:
    component = LexicalTargetStance(TargetStanceParams(extract=False))
    assert component.judge([make_comment()], {"a1": Article("a1")}, {}) == {}
