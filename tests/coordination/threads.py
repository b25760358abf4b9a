"""Hand-written test threads: one per campaign type, and organic look-alikes that must not flag.

Every text here was written for these tests. Each builder returns comments (and, where the
detector needs them, stance labels); ``background`` is an ordinary multi-article thread that
every scenario is mixed into, so detectors see realistic surroundings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analyzer.config import CoordinationParams
from analyzer.coordination.base import DETECTORS
from analyzer.coordination.clustering import assemble
from analyzer.model import (
    Article,
    Cluster,
    Comment,
    CoordinationResult,
    Signal,
    StanceLabel,
    StanceResult,
)
from tests.builders import detection_input, make_article, make_comment, make_stance

ARTICLES = tuple(
    make_article(
        f"art{i}",
        f"City council debates transit plan, part {i}",
        "The city council debated the new transit plan on Tuesday. The mayor said the light rail "
        "line would open in 2027 if the province pays its share. Critics said the budget hides "
        "the cost of the tunnel under the river.",
    )
    for i in range(8)
)

_BACKGROUND_TEXTS = (
    "I take the bus every day and the service on route 7 has been getting worse.",
    "The tunnel estimate looks low compared with what the last bridge cost us.",
    "Has anyone read the actual budget document? The appendix tells a different story.",
    "My kids would use the train to get to school if it ran past the college.",
    "We voted for this plan twice already, just build it.",
    "The province never pays its share on time, look at the hospital project.",
    "Parking downtown is impossible, so anything that gets cars off the road helps me.",
    "What happens to the bus drivers when the rail line opens?",
    "I remember when they promised the same line in 2009.",
    "Property taxes went up eight percent last year and nobody explained why.",
    "The river crossing is the hard part, everything else is routine engineering.",
    "Good reporting, but I would like to see the ridership numbers.",
)


def background() -> list[Comment]:
    """Ordinary discussion: 12 readers, 8 articles, one comment every 40 minutes or so."""
    comments = []
    for i in range(48):
        comments.append(
            make_comment(
                f"bg-{i:02d}",
                _BACKGROUND_TEXTS[i % len(_BACKGROUND_TEXTS)] + f" (point {i})",
                author=f"reader{i % 12}",
                article_id=f"art{i % 8}",
                minutes=40 * i + (i % 5),
            )
        )
    return comments


@dataclass(frozen=True)
class Scenario:
    comments: tuple[Comment, ...]
    planted: frozenset[str]  # comment ids that are coordinated (empty for look-alikes)
    stance: Mapping[str, StanceLabel] = field(default_factory=dict)


def copy_paste() -> Scenario:
    text = (
        "The council is hiding the real cost of the tunnel. Demand a public audit before "
        "another cent is spent on this plan!"
    )
    comments = tuple(
        make_comment(
            f"copy-{i}", text, author=f"copier{i}", article_id=f"art{i % 2}", minutes=300 + 2 * i
        )
        for i in range(4)
    )
    return Scenario(comments, frozenset(c.comment_id for c in comments))


PARAPHRASES = (
    "The mayor is lying about the tunnel: its real cost is far higher than the budget admits.",
    "The tunnel will cost much more than the mayor admits, the budget is a lie.",
    "The mayor lies about the tunnel, its true cost is way higher than the budget says.",
    "The budget hides the tunnel's real cost, which is far more than the mayor admits.",
)


def paraphrase() -> Scenario:
    comments = tuple(
        make_comment(
            f"para-{i}",
            text,
            author=f"talker{i}",
            article_id=f"art{2 + i % 2}",
            minutes=700 + 3 * i,
        )
        for i, text in enumerate(PARAPHRASES)
    )
    return Scenario(comments, frozenset(c.comment_id for c in comments))


def template() -> Scenario:
    fills = (
        ("Harper", "555-0101"),
        ("Nguyen", "555-0142"),
        ("Okafor", "555-0177"),
        ("Lindqvist", "555-0190"),
    )
    comments = tuple(
        make_comment(
            f"tmpl-{i}",
            f"Call Councillor {name} at {phone} today and tell them to vote against the "
            "tunnel budget before it is too late for our city.",
            author=f"caller{i}",
            article_id="art4",
            minutes=900 + 30 * i,
        )
        for i, (name, phone) in enumerate(fills)
    )
    return Scenario(comments, frozenset(c.comment_id for c in comments))


_FILLER = (
    *("honestly", "frankly", "anyway", "though", "really", "indeed", "basically"),
    *("clearly", "obviously", "apparently", "seriously", "admittedly", "arguably"),
    *("evidently", "naturally", "presumably", "seemingly", "surely", "truly", "ultimately"),
)

_BRIGADE_TEXTS = (
    "Scrap the whole plan now.",
    "This project is a waste of our money.",
    "Nobody in my neighbourhood wants this line.",
    "Vote them all out over this.",
    "Another tax grab dressed up as progress.",
    "Stop the tunnel before it bankrupts us.",
    "I will never ride this thing.",
    "Cancel it and fix the roads instead.",
    "The mayor has lost the plot completely.",
    "This plan is dead on arrival.",
    "No more money for the rail fantasy.",
    "Just say no to the tunnel.",
)


def burst() -> Scenario:
    """A slow, mostly supportive thread, then 12 opposing comments in 6 minutes."""
    comments: list[Comment] = []
    stance: dict[str, StanceLabel] = {}
    for i in range(20):
        cid = f"slow-{i:02d}"
        comments.append(
            make_comment(
                cid,
                _BACKGROUND_TEXTS[i % len(_BACKGROUND_TEXTS)].replace(".", f", {_FILLER[i]}."),
                author=f"regular{i % 7}",
                article_id="art5",
                minutes=2000 + 45 * i,
            )
        )
        stance[cid] = StanceLabel.SUPPORT if i % 3 else StanceLabel.OPPOSE
    for i, text in enumerate(_BRIGADE_TEXTS):
        cid = f"brig-{i:02d}"
        comments.append(
            make_comment(cid, text, author=f"brigade{i}", article_id="art5", minutes=2420 + 0.5 * i)
        )
        stance[cid] = StanceLabel.OPPOSE
    planted = frozenset(f"brig-{i:02d}" for i in range(len(_BRIGADE_TEXTS)))
    return Scenario(tuple(comments), planted, stance)


_SLOW_TEXTS = (
    "Interesting angle on the funding question.",
    "The province has to step up here.",
    "I would like to hear from the engineers.",
    "Whoever wrote the budget never rode a bus.",
    "This story keeps getting stranger.",
    "Ridership numbers would settle this argument.",
    "Nobody asked the people who live along the route.",
    "The consultants always get paid, whatever happens.",
    "Glad somebody is finally covering the tunnel contract.",
    "Winter maintenance is the cost nobody mentions.",
    "The old streetcar line ran right here, funny enough.",
    "Trains are only as good as the buses that feed them.",
)


def slow_co_commenting() -> Scenario:
    """Three accounts show up together under four articles over four days, each time within
    ten minutes, saying different things."""
    comments = []
    for day, article in enumerate(("art0", "art3", "art6", "art7")):
        for k in range(3):
            comments.append(
                make_comment(
                    f"slow-co-{day}-{k}",
                    _SLOW_TEXTS[3 * day + k],
                    author=f"crew{k}",
                    article_id=article,
                    minutes=1440 * day + 3000 + 4 * k,
                )
            )
    return Scenario(tuple(comments), frozenset(c.comment_id for c in comments))


_PUPPET_LINES = (
    "well... i dunno about that lol, the mayor is rite on this one imo!! ppl just dont get it",
    "exactly what i said yesterday... ppl dont listen lol, imo the plan is rite!! so obvious",
    "lol u nailed it... the council is rite on this one imo!! haters gonna hate tho",
    "haha... so true, dont listen to the haters imo!! they never read the plan anyway lol",
    "ya... the plan is good imo, ppl need to chill lol!! its not that deep",
    "omg... finally sum1 gets it, rite on imo!! this is what i been saying lol",
    "yep... u said it better than me lol, the mayor is doing fine imo!! ppl complain too much",
    "100%... dont let them tell u otherwise lol, imo the line is needed!! simple as that",
)


def sockpuppets() -> Scenario:
    """Two accounts with one writer's habits who keep replying to each other approvingly."""
    comments: list[Comment] = []
    for i in range(16):
        author = "puppet_a" if i % 2 == 0 else "puppet_b"
        parent = f"sock-{i - 1:02d}" if i else None
        comments.append(
            make_comment(
                f"sock-{i:02d}",
                _PUPPET_LINES[i % len(_PUPPET_LINES)].replace("mayor", ["mayor", "plan"][i % 2]),
                author=author,
                article_id=f"art{i % 3}",
                minutes=5000 + 60 * i,
                parent_id=parent,
            )
        )
    return Scenario(tuple(comments), frozenset(c.comment_id for c in comments))


_GENERIC_PRAISE = (
    "Great decision by the council, good to see real leadership.",
    "Strong leadership from the mayor, this is a smart move.",
    "Finally some good news for the city, well done everyone.",
    "Excellent work by the council, the future looks bright.",
    "Smart move, proud to see our leaders making good decisions.",
)


def generic_endorsement() -> Scenario:
    comments = tuple(
        make_comment(f"gen-{i}", text, author=f"cheer{i}", article_id="art6", minutes=6000 + 4 * i)
        for i, text in enumerate(_GENERIC_PRAISE)
    )
    stance = {c.comment_id: StanceLabel.SUPPORT for c in comments}
    return Scenario(comments, frozenset(c.comment_id for c in comments), stance)


# One persona, four accounts, a different post each time: they share a hashtag or a few words,
# never a sentence, so only the timing (and the rare terms) ties them together.
_SIBLING_POSTS = (
    (
        "Another billion down the drain while our roads crumble #TunnelScam",
        "Ask yourself who owns the firms bidding on this contract #TunnelScam",
        "My grandfather paid taxes for sixty years and this is the thanks #TunnelScam",
        "Council members will retire rich, guaranteed. Follow the kickbacks #TunnelScam",
    ),
    (
        "Nobody voted for a tunnel to nowhere #TunnelScam",
        "The consultants already billed us twice, look it up #TunnelScam",
        "Same engineers who botched the bridge, same promises #TunnelScam",
        "Kickbacks all the way down, mark my words #TunnelScam",
    ),
    (
        "They will ask for more money next spring, watch #TunnelScam",
        "Where did the last overrun go? Nobody knows #TunnelScam",
        "Wake up neighbours, this is theft in broad daylight #TunnelScam",
        "Kickbacks and overruns, the only things this council builds #TunnelScam",
    ),
)
SIBLING_ARTICLES = ("art1", "art4", "art6")
SIBLING_STARTS = (7000.0, 7200.0, 7500.0)  # minutes; each burst lasts about two minutes


def sibling() -> Scenario:
    """Four accounts post different texts of one persona under three articles, each time
    within about two minutes of each other while nobody else is commenting."""
    comments = []
    for day, (article, start) in enumerate(zip(SIBLING_ARTICLES, SIBLING_STARTS, strict=True)):
        for k, text in enumerate(_SIBLING_POSTS[day]):
            comments.append(
                make_comment(
                    f"sib-{day}-{k}",
                    text,
                    author=f"persona{k}",
                    article_id=article,
                    minutes=start + 0.6 * k + 0.1 * day,
                )
            )
    return Scenario(tuple(comments), frozenset(c.comment_id for c in comments))


def sibling_with_a_one_off_account() -> Scenario:
    """The sibling campaign plus a fifth account that posts once, inside the group's burst,
    using two of the group's rare terms ('#tunnelscam', 'kickbacks')."""
    base = sibling()
    extra = make_comment(
        "sib-oneoff",
        "Kickbacks everywhere you look #TunnelScam",
        author="persona_oneoff",
        article_id=SIBLING_ARTICLES[1],
        minutes=SIBLING_STARTS[1] + 1.0,
    )
    return Scenario((*base.comments, extra), base.planted | {extra.comment_id})


# ----- organic look-alikes -------------------------------------------------------------------


def famous_quote() -> Scenario:
    quote = "Those who cannot remember the past are condemned to repeat it, as the saying goes."
    comments = tuple(
        make_comment(
            f"quote-{i}", quote, author=f"historian{i}", article_id=f"art{i}", minutes=2880 * i
        )
        for i in range(6)
    )
    return Scenario(comments, frozenset())


def plus_one_replies() -> Scenario:
    texts = ("+1", "This.", "Agreed.", "+1", "So true")
    comments = [
        make_comment(
            "op",
            "The tunnel estimate ignores inflation entirely.",
            author="op",
            article_id="art1",
            minutes=8000,
        )
    ]
    comments += [
        make_comment(
            f"plus-{i}", t, author=f"agreer{i}", article_id="art1", minutes=8001 + i, parent_id="op"
        )
        for i, t in enumerate(texts)
    ]
    return Scenario(tuple(comments), frozenset())


_DIVERSE = (
    "Breaking: the province just pulled its funding, what now?",
    "I saw the announcement live, the mayor looked stunned.",
    "Good, this plan was never going to work anyway.",
    "Terrible news for everyone who relies on transit.",
    "Can someone post the link to the province's statement?",
    "The funding can be restored in the spring budget.",
    "My bus route was supposed to connect to this line.",
    "Let's wait for the details before panicking.",
    "This is what happens when nobody reads the contract.",
    "The council should sue the province over this.",
)


def diverse_burst() -> Scenario:
    """Genuine reaction to news: ten accounts, different words, both sides, in five minutes."""
    comments: list[Comment] = []
    stance: dict[str, StanceLabel] = {}
    for i in range(16):
        cid = f"calm-{i:02d}"
        comments.append(
            make_comment(
                cid,
                f"Quiet comment {i} on the schedule.",
                author=f"calm{i % 5}",
                article_id="art7",
                minutes=9000 + 50 * i,
            )
        )
        stance[cid] = (StanceLabel.SUPPORT, StanceLabel.OPPOSE, StanceLabel.NEUTRAL)[i % 3]
    for i, text in enumerate(_DIVERSE):
        cid = f"news-{i:02d}"
        comments.append(
            make_comment(
                cid, text, author=f"newsreader{i}", article_id="art7", minutes=9400 + 0.5 * i
            )
        )
        stance[cid] = (StanceLabel.SUPPORT, StanceLabel.OPPOSE, StanceLabel.NEUTRAL)[i % 3]
    return Scenario(tuple(comments), frozenset(), stance)


def quoting_the_article() -> Scenario:
    sentence = (
        "The mayor said the light rail line would open in 2027 if the province pays its share."
    )
    own = (
        "Sure, and pigs will fly.",
        "That is the key condition.",
        "We have heard that before.",
        "Fingers crossed.",
        "Big if.",
    )
    comments = tuple(
        make_comment(
            f"quoter-{i}",
            f'"{sentence}" {tail}',
            author=f"quoter{i}",
            article_id="art2",
            minutes=10000 + 2 * i,
        )
        for i, tail in enumerate(own)
    )
    return Scenario(comments, frozenset())


_REGULAR_A = (
    "Long time reader here. The numbers in paragraph three do not add up, see the 2019 report.",
    "As I have said on previous articles, the procurement process is the real scandal here.",
    "I wrote to my councillor about this last month and got a form letter back.",
    "The engineering review from last spring flagged the same soil problem.",
)
_REGULAR_B = (
    "honestly who cares, they will do whatever they want anyway",
    "another day another transit story, wake me when something gets built",
    "the comments here are better than the article lol",
    "same old same old from city hall",
)


def heavy_regulars() -> Scenario:
    """Two regulars who comment under every article, at their own times of day."""
    comments = []
    for art in range(8):
        for k in range(2):
            comments.append(
                make_comment(
                    f"regA-{art}-{k}",
                    _REGULAR_A[(art + k) % 4] + f" ({art}{k})",
                    author="regular_alice",
                    article_id=f"art{art}",
                    minutes=11000 + 600 * art + 97 * k,
                )
            )
            comments.append(
                make_comment(
                    f"regB-{art}-{k}",
                    _REGULAR_B[(art + k) % 4] + f" ({art}{k})",
                    author="regular_bob",
                    article_id=f"art{art}",
                    minutes=11000 + 600 * art + 230 + 61 * k,
                )
            )
    return Scenario(tuple(comments), frozenset())


_ARGUMENT = (
    "You keep saying that but the numbers in the appendix say otherwise.",
    "Show me one transit project in this province that came in on budget.",
    "The appendix counts the federal grant twice, read it again.",
)
_CROWD = (
    "Just got home and saw this, what a mess.",
    "The photos of the site are unbelievable.",
    "I knew this would happen the day they signed.",
    "Does anyone know if the vote is still on Thursday?",
    "My neighbour works on the project and says morale is low.",
    "Typical. Absolutely typical.",
    "Can the province step in at this point?",
    "I want to hear from the engineers, not the politicians.",
)


def busy_thread_regulars() -> Scenario:
    """Three regulars who argue with each other under the same two articles within minutes,
    as Globe and Mail regulars do, in busy threads where eight other readers comment in the
    same minutes: co-timed, repeatedly, but a small part of the crowd."""
    comments: list[Comment] = []
    for day, article in enumerate(("art2", "art3")):
        start = 16000 + 1440 * day
        for k in range(3):
            comments.append(
                make_comment(
                    f"argue-{day}-{k}",
                    f"{_ARGUMENT[k]} ({article})",
                    author=f"arguer{k}",
                    article_id=article,
                    minutes=start + 1.5 * k,
                )
            )
        for k, text in enumerate(_CROWD):
            comments.append(
                make_comment(
                    f"crowd-{day}-{k}",
                    text,
                    author=f"crowd{day}_{k}",
                    article_id=article,
                    minutes=start + 0.4 * k,
                )
            )
    return Scenario(tuple(comments), frozenset())


_APART = (
    "Morning read: the tunnel budget again, I see.",
    "Lunch break thought, why is the appendix so thin?",
    "Evening here, and still no ridership numbers.",
    "Coffee first, then another transit story.",
    "Noon update on the contract, nothing new really.",
    "Late again, but the comments here are good tonight.",
    "Early start today, council seems stuck.",
    "Afternoon, has the province replied yet?",
    "Night owl here, the engineering report is worth a read.",
)


def regulars_hours_apart() -> Scenario:
    """Three regulars under the same three quiet articles, each at their own hour: the same
    articles (co-commenting), but never together in one burst."""
    comments = []
    for day, article in enumerate(("art2", "art3", "art5")):
        for k in range(3):
            comments.append(
                make_comment(
                    f"apart-{day}-{k}",
                    _APART[3 * day + k],
                    author=f"regular_apart{k}",
                    article_id=article,
                    minutes=18000 + 1440 * day + 120 * k,
                )
            )
    return Scenario(tuple(comments), frozenset())


CAMPAIGNS = {
    "copy_paste": (copy_paste, "near_duplicate"),
    "template": (template, "template"),
    "burst": (burst, "burst"),
    "slow_co_commenting": (slow_co_commenting, "co_commenting"),
    "sockpuppets": (sockpuppets, "style"),
    "generic_endorsement": (generic_endorsement, "generic_endorsement"),
    "sibling": (sibling, "co_burst"),
}

LOOKALIKES = {
    "famous_quote_days_apart": famous_quote,
    "plus_one_replies": plus_one_replies,
    "diverse_genuine_burst": diverse_burst,
    "readers_quoting_the_article": quoting_the_article,
    "two_heavy_regulars": heavy_regulars,
    "regulars_co_timed_in_busy_threads": busy_thread_regulars,
    "regulars_on_the_same_articles_hours_apart": regulars_hours_apart,
}


@dataclass(frozen=True)
class Outcome:
    signals: tuple[Signal, ...]
    clusters: tuple[Cluster, ...]
    results: Mapping[str, CoordinationResult]

    def flagged(self) -> set[str]:
        return {cid for cid, r in self.results.items() if r.flagged}


# Every detector but the embedding one (opt-in, slow tests): template and style are opt-in in
# the settings for scale reasons, but each campaign type must still be caught by its signal.
ALL_DETECTORS = (
    "near_duplicate",
    "template",
    "burst",
    "co_burst",
    "co_commenting",
    "style",
    "generic_endorsement",
    "account",
)


def run_detectors(
    comments: Sequence[Comment],
    stance: Mapping[str, StanceLabel] | None = None,
    detectors: Sequence[str] | None = None,
    articles: Sequence[Article] = ARTICLES,
) -> Outcome:
    """Every named detector (default: ALL_DETECTORS) plus cluster assembly."""
    params = CoordinationParams()
    labels = stance or {}
    stance_results: dict[str, StanceResult] = {
        c.comment_id: make_stance(c.comment_id, labels.get(c.comment_id, StanceLabel.NEUTRAL))
        for c in comments
    }
    data = detection_input(comments, articles, stance_results)
    signals: list[Signal] = []
    for name in detectors or ALL_DETECTORS:
        signals.extend(DETECTORS.get(name)(getattr(params, name)).detect(data))
    clusters, results = assemble(signals, data.comments, params.flag_threshold, stance_results)
    return Outcome(tuple(signals), clusters, results)
