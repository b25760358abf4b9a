"""Single source of truth for the demo corpus in ``data/demo/``.

Every article and comment below was written for this project (fictional people, places and
events; no third-party text). Running this script rewrites the format files and
``../demo-labels.csv`` so the planted campaign, the planted burst and the labels can never
drift apart::

    python data/demo/build_demo.py            # rewrite data/demo/ in place
    python data/demo/build_demo.py --out DIR  # write somewhere else (the tests compare)

Output is deterministic: no randomness and no clock; times are fixed offsets from each
article's publication time.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent

ARTICLE_COLUMNS = ("article_id", "title", "text", "url", "published_at")
COMMENT_COLUMNS = ("comment_id", "article_id", "author", "text", "created_at", "parent_id")
LABEL_COLUMNS = ("comment_id", "article_id", "stance", "coordination")
STANCES = ("support", "oppose", "neutral", "unrelated")
COORDINATION = ("organic", "copy_paste", "burst")


def text_comment_id(article_id: str, position: int) -> str:
    """Id of the ``position``-th (1-based) comment in a plain-text file, which has no ids.

    The plain-text reader derives ids from the file stem and the comment's position; this must
    match it, or demo-labels.csv will not line up with what the analyzer reports.
    """
    return f"{article_id}-c{position}"


@dataclass(frozen=True, slots=True)
class DemoComment:
    comment_id: str
    author: str
    text: str
    stance: str
    after: str | None  # "H:MM" or "H:MM:SS" after publication; None in the plain-text format
    parent_id: str | None = None
    coordination: str = "organic"


@dataclass(frozen=True, slots=True)
class DemoArticle:
    article_id: str
    title: str
    paragraphs: tuple[str, ...]  # plain-text lines; "- " lines are bullets
    url: str | None
    published_at: datetime | None
    comments: tuple[DemoComment, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def created_at(self, comment: DemoComment) -> datetime | None:
        if self.published_at is None or comment.after is None:
            return None
        parts = [int(p) for p in comment.after.split(":")]
        hours, minutes, seconds = [*parts, 0][:3]
        return self.published_at + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def c(
    comment_id: str,
    after: str | None,
    author: str,
    stance: str,
    text: str,
    *,
    parent: str | None = None,
    coordination: str = "organic",
) -> DemoComment:
    """One comment, written compactly: id, time after publication, author, stance, text."""
    return DemoComment(comment_id, author, text, stance, after, parent, coordination)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- The planted copy-paste campaign -------------------------------------------------------
# Five invented accounts post one talking point, verbatim or lightly edited, under the transit
# levy article and the stadium deal article, each time within ten minutes.
CAMPAIGN_ACCOUNTS = (
    "M. Dorsey",
    "TaxpayerTess",
    "Ron_Kilbride",
    "gail.hutchins",
    "RealRivertonVoice",
)
CAMPAIGN_TEXTS = {
    "M. Dorsey": (
        "Not one more cent of taxpayer money for vanity projects while working families can't "
        "afford their rent. Every councillor who voted for this should be voted out in "
        "November. Enough is enough!"
    ),
    "TaxpayerTess": (
        "Not one more cent of taxpayer money for vanity projects while working families can't "
        "afford their rent!! Every councillor who voted for this should be voted out in "
        "November. Enough is enough! 😡"
    ),
    "Ron_Kilbride": (
        "not one more cent of taxpayer money for vanity projects while working families can't "
        "afford the rent. every councillor who voted for this should be voted out in november. "
        "enough is enough"
    ),
    "gail.hutchins": (
        "NOT ONE MORE CENT of taxpayer money for vanity projects while working families can't "
        "afford their rent. Every councillor who voted for this must be voted out in November. "
        "Enough is enough!"
    ),
    "RealRivertonVoice": (
        "Not one more cent of taxpayer money on vanity projects while hard-working families "
        "can't afford their rent. Every councillor who voted for this should be voted out in "
        "November. Enough is enough 👎"
    ),
}


def campaign(
    prefix: str, start: int, schedule: Iterable[tuple[str, str]]
) -> tuple[DemoComment, ...]:
    """The campaign's comments under one article: (account, time after publication) pairs."""
    return tuple(
        c(
            f"{prefix}-{start + i:02d}",
            after,
            author,
            "oppose",
            CAMPAIGN_TEXTS[author],
            coordination="copy_paste",
        )
        for i, (author, after) in enumerate(schedule)
    )


FAMOUS_QUOTE = "Those who cannot remember the past are condemned to repeat it."

# --- Articles -------------------------------------------------------------------------------
# The article and comment tables below are laid out by hand for reading; the formatter would
# put every field of every comment on its own line.
# fmt: off

TRANSIT_LEVY = DemoArticle(
    article_id="riverton-transit-levy",
    title="Riverton council approves half-cent sales levy to fund Line 3 light rail",
    url="https://news.example.org/riverton/2025/05/13/council-approves-transit-levy",
    published_at=utc("2025-05-13T17:30:00"),
    paragraphs=(
        "Riverton City Council voted 7-4 on Tuesday evening to introduce a half-cent sales levy "
        "that will fund the long-delayed Line 3 light rail extension to the eastern suburbs.",
        "The levy takes effect on 1 January and is expected to raise about $48 million a year "
        "over its 20-year term. City finance staff estimate it will cost the average household "
        "about $94 a year.",
        "Supporters on the council said the eastern suburbs have waited more than a decade for "
        "a reliable connection to the city centre. \"Buses on Harbour Road are full by the "
        "second stop,\" said Councillor Amaya Okafor, who chairs the transport committee. "
        "\"This is how we finally fix that.\"",
        "Opponents argued that a sales levy falls hardest on low-income residents and that the "
        "council has not published an updated cost estimate since 2021. Councillor Glen Pruitt, "
        "who voted against, said the project's budget had \"grown by a third on paper and "
        "nobody can tell us where it ends.\"",
        "Line 3 would add 9.4 kilometres of track and seven stations between Central Station "
        "and Eastgate, with construction scheduled to start in 2027 and first services in 2031. "
        "The regional transport authority has pledged to cover 40 percent of the capital cost "
        "if the city secures its share.",
        "The levy will be reviewed by an independent auditor every five years, and the council "
        "can end it early by a two-thirds vote.",
    ),
    comments=(
        c("levy-01", "0:12", "Marcus Webb", "support",
          "Finally. I've been taking the 14 bus from Eastgate for six years and it's standing "
          "room only before Harbour Road. $94 a year is less than I spend on parking in a month."),
        c("levy-02", "0:31", "J. Lindqvist", "oppose",
          "\"City finance staff estimate it will cost the average household about $94 a year.\" "
          "That's the city's number. What's the number for a family that buys everything "
          "locally because they don't have a car? A sales tax is the most regressive way to pay "
          "for this."),
        c("levy-03", "0:48", "Priya_N", "support",
          "Fair point, but the people without cars are exactly who the train is for.",
          parent="levy-02"),
        c("levy-04", "1:20", "J. Lindqvist", "oppose",
          "They'll be paying for it from January and riding it in 2031. If it's on time.",
          parent="levy-03"),
        c("levy-05", "2:05", "oldtownbill", "oppose",
          "When was the last time this council delivered anything on time? The Harbour Road "
          "bridge was supposed to take 18 months. It took four years."),
        c("levy-06", "3:40", "Grace Amankwah", "neutral",
          "Does anyone know if the levy applies to groceries? The article doesn't say."),
        c("levy-07", "4:02", "Tom Reyes", "neutral",
          "Groceries and prescriptions are exempt under state law, so no. It's on general "
          "retail and restaurants.", parent="levy-06"),
        c("levy-08", "4:15", "Grace Amankwah", "neutral", "Thanks, that helps.",
          parent="levy-07"),
        c("levy-09", "5:30", "Halvorsen", "support",
          "The regional authority covering 40% is the real story here. If the city had said no, "
          "that money would have gone to somebody else's project."),
        c("levy-10", "7:10", "Dee Castellano", "unrelated",
          "Anyone else lose power in the north end tonight? Been out since six."),
        c("levy-11", "7:25", "kbarnes", "unrelated",
          "Back on at Millbrook as of ten minutes ago.", parent="levy-10"),
        c("levy-12", "14:50", "Ruth Okonjo", "oppose",
          "Twenty years is a long time for a 'temporary' levy. I'd have voted yes on a ten-year "
          "term with a proper cost estimate first. As it stands I can't support it."),
        c("levy-13", "15:20", "Priya_N", "support",
          "The five-year audit is in there for exactly that reason.", parent="levy-12"),
        c("levy-14", "16:05", "Ruth Okonjo", "oppose",
          "An audit that the same council commissions. Forgive me if I'm not reassured.",
          parent="levy-13"),
        c("levy-15", "18:40", "Samir Haddad", "support",
          "I moved here from a city that built light rail in the 2000s. Everyone complained for "
          "five years and then nobody could imagine living without it. Good decision."),
        c("levy-16", "19:02", "Marcus Webb", "support", "Agreed.", parent="levy-15"),
        c("levy-17", "20:30", "Noel F.", "oppose",
          "Councillor Pruitt is right that nobody has seen a cost estimate since 2021. Publish "
          "it before collecting a single cent."),
        c("levy-18", "21:10", "Tom Reyes", "oppose", "+1", parent="levy-17"),
        *campaign("levy", 19, (
            ("M. Dorsey", "25:32:00"),
            ("Ron_Kilbride", "25:34:10"),
            ("TaxpayerTess", "25:36:45"),
            ("RealRivertonVoice", "25:39:20"),
            ("gail.hutchins", "25:41:05"),
        )),
        c("levy-24", "31:15", "Beth Marlowe", "support",
          "I'm a bus driver on the eastern routes. The Harbour Road corridor can't take more "
          "buses, there's physically no room left at the stops. Rail is the only fix that "
          "actually adds capacity."),
        c("levy-25", "40:00", "Hugh Ferris", "neutral",
          "What happens to the levy money if the state funding falls through? Does it sit in an "
          "account or get spent elsewhere?"),
        c("levy-26", "42:30", "L. Moreau", "neutral",
          "Per the council papers it goes into a restricted transit fund. It can't be moved to "
          "the general budget without another vote.", parent="levy-25"),
        c("levy-27", "45:10", "mikeyp", "neutral",
          "Seven stations in 9.4 km seems like a lot of stops. Hope the trains are quicker than "
          "the bus they're replacing."),
    ),
)

STADIUM_DEAL = DemoArticle(
    article_id="riverton-stadium-deal",
    title="Rovers and city agree $210m deal for new Quayside stadium",
    url="https://news.example.org/riverton/2025/05/14/rovers-quayside-stadium-deal",
    published_at=utc("2025-05-14T09:00:00"),
    paragraphs=(
        "Riverton Rovers will build a 28,000-seat stadium on the former Quayside freight yard "
        "after the city council approved a land-and-loan package on Wednesday worth up to "
        "$210 million.",
        "Under the agreement, the city will lease the 11-hectare site to the club for 99 years "
        "at a nominal rent and lend it $85 million at a fixed rate of 3.1 percent, repayable "
        "over 30 years. The club, which has played at Ashby Lane since 1908, will fund the "
        "remaining construction cost through its owners and a naming-rights partner.",
        "Club chair Victor Lindell called the deal \"a once-in-a-century chance to keep Rovers "
        "in Riverton\". The club had previously held talks with neighbouring Marsh Vale about a "
        "site beside the motorway.",
        "The council's own economic assessment projects 900 construction jobs and 240 permanent "
        "jobs, along with a new public square and a riverside walkway. Critics on the council "
        "said the assessment was prepared by a consultancy that also advises the club, and that "
        "the loan rate is below what the city itself pays to borrow.",
        "The Ashby Lane ground will be sold for housing, with the proceeds going towards the "
        "club's share of the costs. The club hopes to play its first match at Quayside in "
        "August 2028.",
    ),
    comments=(
        c("stadium-01", "0:20", "RoversTillIDie", "support",
          "Best news this club has had in forty years. Ashby Lane is falling apart, the away end "
          "roof leaks onto the fans every time it rains."),
        c("stadium-02", "0:45", "Paul Kendrick", "oppose",
          "A loan at 3.1 percent when the city pays more than that to borrow. So taxpayers "
          "subsidise the difference for 30 years. How is this not a gift?"),
        c("stadium-03", "1:10", "Ade Balogun", "support",
          "The city gets the loan back with interest and keeps the land. It's not a grant.",
          parent="stadium-02"),
        c("stadium-04", "1:35", "Paul Kendrick", "oppose",
          "It gets back less than it costs. That's the definition of a subsidy.",
          parent="stadium-03"),
        c("stadium-05", "2:15", "Fiona Gallagher", "oppose",
          "\"Critics on the council said the assessment was prepared by a consultancy that also "
          "advises the club, and that the loan rate is below what the city itself pays to "
          "borrow.\" That alone should have paused the vote until someone independent checked "
          "the numbers."),
        c("stadium-06", "3:30", "Nils Ekdahl", "neutral",
          "What's the plan for parking? Quayside is already gridlocked on weekday evenings."),
        c("stadium-07", "3:50", "Becky Tran", "neutral",
          "The plans say no new parking, it's meant to be served by Line 3 and the ferry. "
          "Line 3 isn't due until 2031 though.", parent="stadium-06"),
        c("stadium-08", "5:05", "Marjorie Platt", "support",
          "I live on Ashby Lane. Honestly, a few hundred homes would be better than thousands of "
          "people trampling my hedge every other Saturday. Good luck to them."),
        *campaign("stadium", 9, (
            ("TaxpayerTess", "10:16:00"),
            ("gail.hutchins", "10:17:40"),
            ("M. Dorsey", "10:20:05"),
            ("RealRivertonVoice", "10:22:30"),
            ("Ron_Kilbride", "10:24:10"),
        )),
        c("stadium-14", "12:40", "Luis Ortega", "oppose",
          "The Marsh Vale talks were a bluff to scare the council, and it worked perfectly."),
        c("stadium-15", "13:05", "RoversTillIDie", "support",
          "Wasn't a bluff, Marsh Vale had a site ready to go. We'd have lost the club.",
          parent="stadium-14"),
        c("stadium-16", "20:10", "Graham Tolley", "unrelated",
          "Has anyone got a recommendation for a decent plumber in the east end? Mine has "
          "retired."),
        c("stadium-17", "24:30", "Ade Balogun", "support",
          "240 permanent jobs and a riverside walkway on what's currently a fenced-off freight "
          "yard full of weeds. I'll take it."),
        c("stadium-18", "27:15", "Chris Yeoh", "neutral",
          "Will the club pay property tax on the new ground like any other business, or is "
          "that waived too?"),
        c("stadium-19", "28:00", "Becky Tran", "neutral",
          "The article doesn't say. Worth asking your councillor.", parent="stadium-18"),
        c("stadium-20", "33:40", "Hamish Reid", "neutral",
          "Five years ago they told us Ashby Lane would be renovated. I'll believe it when I'm "
          "sitting in the new stand."),
        c("stadium-21", "40:05", "Olivia Stanton", "support",
          "Season ticket holder for 22 years here. Good deal, long overdue."),
        c("stadium-22", "40:30", "Kerry Moss", "support", "+1", parent="stadium-21"),
    ),
)

MILL_CLOSURE = DemoArticle(
    article_id="harrowgate-mill-closure",
    title="Calder Textiles to close Harrowgate mill with the loss of 640 jobs",
    url="https://news.example.org/valleys/2025/06/02/calder-harrowgate-mill-closure",
    published_at=utc("2025-06-02T07:00:00"),
    paragraphs=(
        "Calder Textiles will close its Harrowgate mill in March, ending 112 years of cloth "
        "production in the town and putting 640 people out of work, the company confirmed on "
        "Monday.",
        "In a statement, Calder said rising energy prices and the loss of two major retail "
        "contracts had made the site \"unviable\", and that production would move to its plant "
        "in Portugal. Workers were told at a meeting at the start of the morning shift.",
        "The mill is the largest private employer in the Harrowgate valley. The local chamber "
        "of commerce estimates that a further 300 jobs at suppliers and haulage firms depend "
        "on it.",
        "Union representative Carol Dunmore said members were \"angry but not surprised\", and "
        "accused the company of running down investment at the site for years. \"They stopped "
        "replacing the looms in 2019. You don't do that to a factory you intend to keep.\"",
        "The regional development agency said it would open a jobs and retraining centre in the "
        "town within a fortnight, and that it had held talks with two potential buyers for the "
        "site. Calder said it would offer redundancy terms above the legal minimum.",
        "Harrowgate last lost a major employer in 1986, when the Brennan colliery closed. "
        "Unemployment in the valley took more than a decade to return to the regional average.",
    ),
    comments=(
        c("mill-01", "0:25", "Steve Ashworth", "oppose",
          "My dad worked at Calder for 31 years and I've been there 14. Found out at the shift "
          "meeting this morning like everyone else. No warning at all, after everything we put "
          "in."),
        c("mill-02", "0:50", "Janet Pryce", "neutral",
          "So sorry, Steve. Thinking of you and everyone on the floor today.",
          parent="mill-01"),
        c("mill-03", "1:30", "Ken Lowther", "support",
          "Energy prices doubled for everyone. Calder isn't a charity; if the Portuguese plant "
          "is cheaper to run, this was always going to happen."),
        c("mill-04", "2:05", "Mo Rahman", "oppose",
          "\"They stopped replacing the looms in 2019. You don't do that to a factory you "
          "intend to keep.\" That's the line that matters in this whole piece. This was decided "
          "years ago.", parent="mill-03"),
        c("mill-05", "2:40", "Ken Lowther", "support",
          "Or they stopped investing because the contracts were already drying up. Both things "
          "can be true.", parent="mill-04"),
        c("mill-06", "4:10", "Lauren Tiernan", "neutral",
          "Is the retraining centre going to be in the old library building? That's been empty "
          "since last year."),
        c("mill-07", "5:00", "Phil Garside", "neutral",
          "Council said the library was sold to a developer in March, so probably not.",
          parent="mill-06"),
        c("mill-08", "6:20", "D. Kowalczyk", "oppose",
          "640 jobs plus 300 in the supply chain. This is going to gut the high street. Where "
          "are our MPs?"),
        c("mill-09", "6:55", "Ann Beevers", "oppose", "Agreed.", parent="mill-08"),
        c("mill-10", "9:40", "Bryony Hale", "neutral", FAMOUS_QUOTE),
        c("mill-11", "11:30", "Frank Oduya", "support",
          "Credit where it's due: redundancy above the legal minimum and ten months' notice is "
          "more than a lot of firms manage. The business case was clearly gone."),
        c("mill-12", "13:15", "rosie_m", "neutral",
          "Does anyone know if the mill shop on Bridge Street is closing too? My mum gets all "
          "her curtain fabric there."),
        c("mill-13", "13:45", "Phil Garside", "neutral",
          "Same company, so I'd assume so, sadly.", parent="mill-12"),
        c("mill-14", "18:20", "Geoff Lamb", "neutral",
          "Who are the two potential buyers? If it's another housing estate I'm not interested."),
        c("mill-15", "22:00", "Yusuf Demir", "unrelated",
          "Anyone driving over to the Wakeley match tonight with a spare seat? Happy to pay "
          "for petrol."),
        c("mill-16", "25:30", "Helen Birtwistle", "oppose",
          "Moving production to Portugal and calling it 'unviable' is a choice, not an "
          "inevitability. The site made a profit in 2022, it's in their own accounts."),
        c("mill-17", "26:10", "Ken Lowther", "support",
          "A profit in 2022 is not a profit in 2025. Their energy contracts rolled over last "
          "year.", parent="mill-16"),
        c("mill-18", "27:00", "Helen Birtwistle", "oppose",
          "Then show us the numbers. 'Unviable' is a word, not a balance sheet.",
          parent="mill-17"),
        c("mill-19", "30:45", "Sandra Wilkes", "neutral",
          "The jobs centre opening in a fortnight is good news. My brother went through the "
          "same thing at the brickworks and the retraining got him into an electrician's "
          "apprenticeship."),
        c("mill-20", "36:10", "Ian Musgrave", "oppose",
          "Another valley town hollowed out so a spreadsheet looks better. Same story every "
          "decade."),
        c("mill-21", "50:00", "Wendy Carr", "neutral",
          f"{FAMOUS_QUOTE} Brennan in 1986, Calder in 2025."),
        c("mill-22", "52:30", "Owen Pritchard", "neutral",
          "Good luck to everyone at the mill. Hope one of the buyers comes through."),
    ),
)

WATER_RESTRICTIONS = DemoArticle(
    article_id="eastvale-water-restrictions",
    title="Eastvale Water brings in hosepipe ban as reservoirs fall to 41 percent",
    url="https://news.example.org/eastvale/2025/07/16/hosepipe-ban-reservoirs",
    published_at=utc("2025-07-16T10:00:00"),
    paragraphs=(
        "Eastvale Water will ban the use of hosepipes and sprinklers for its 1.8 million "
        "customers from Friday, after the driest spring in the region for 60 years and a "
        "heatwave that has kept temperatures above 34C for nine consecutive days.",
        "The company said its three main reservoirs were at 41 percent of capacity, against an "
        "average of 72 percent for mid-July. Under the restrictions, customers may not water "
        "gardens or allotments with a hosepipe, fill paddling pools or private swimming pools, "
        "or wash cars with a hose. Watering cans and buckets are still allowed. Breaches can "
        "carry a fine of up to £1,000.",
        "The ban does not apply to businesses that use water for commercial purposes, such as "
        "car washes and garden centres, or to Blue Badge holders.",
        "Campaigners pointed out that Eastvale loses an estimated 180 million litres a day to "
        "leaks, about a fifth of the water it supplies. \"Households are being asked to carry "
        "the can for decades of underinvestment,\" said Maya Kirkland of the Clean Rivers "
        "Alliance.",
        "Eastvale's operations director, Simon Thackeray, said leakage had fallen by 12 percent "
        "in five years and that the restrictions were \"a sensible precaution to protect "
        "supplies for essential use into the autumn\". He said the company would review the "
        "ban weekly.",
    ),
    comments=(
        c("water-01", "0:35", "Jill Armitage", "support",
          "Sensible. Half my street is watering lawns at midday in 34 degrees. Something had to "
          "give."),
        c("water-02", "0:55", "Rob Pennington", "oppose",
          "\"Campaigners pointed out that Eastvale loses an estimated 180 million litres a day "
          "to leaks, about a fifth of the water it supplies.\" And I'm the one who gets fined "
          "for filling a paddling pool for my kids?"),
        c("water-03", "1:20", "Jill Armitage", "support",
          "Both things are true. Fix the leaks AND don't water the lawn in a drought.",
          parent="water-02"),
        c("water-04", "1:50", "Rob Pennington", "oppose",
          "I'll start worrying about my paddling pool when they've fixed the main on Cromwell "
          "Road that's been leaking since March.", parent="water-03"),
        c("water-05", "2:40", "Sue Halloran", "neutral",
          "Can I still use a hose connected to my water butt? It's rainwater, not mains."),
        c("water-06", "3:05", "GreenFingersGary", "neutral",
          "Yes, rainwater from a butt isn't covered, it's only the mains supply. Check the FAQ "
          "on their site to be sure.", parent="water-05"),
        c("water-07", "4:30", "Derek Mayhew", "oppose",
          "Profits and dividends every single year and they still can't build a reservoir. "
          "There hasn't been a new one in this region since 1975."),
        c("water-08", "6:10", "Anita Rao", "oppose",
          "Allotment holders are going to lose whole crops over this. Watering a 250 square "
          "metre plot with cans is not realistic when you work full time."),
        c("water-09", "6:45", "Bill Crossley", "support",
          "I've had an allotment for 30 years. Mulch heavily and water at dawn with cans. It's "
          "hard work but it can be done, and it's only for a few weeks.", parent="water-08"),
        c("water-10", "9:15", "Ella Brook", "neutral",
          "How do you report a neighbour who's ignoring it? Asking for a friend."),
        c("water-11", "12:00", "T. Whitfield", "oppose",
          "Car washes are exempt but I can't rinse my car with a hose once a month? This ban "
          "is about looking busy, not saving water."),
        c("water-12", "15:40", "Hannah Cole", "unrelated",
          "Anyone know if the Lido is still open this week? Kids are desperate."),
        c("water-13", "16:00", "Mark Dunne", "unrelated",
          "Open till 8pm all week, it was heaving yesterday.", parent="water-12"),
        c("water-14", "20:30", "Liz Ngata", "support",
          "Hydrologist here. 41 percent in mid-July with no rain in the forecast is genuinely "
          "worrying. Restrictions now are much cheaper than running out in October."),
        c("water-15", "21:10", "Derek Mayhew", "oppose",
          "Then Eastvale should have started restrictions in May instead of paying out "
          "dividends.", parent="water-14"),
        c("water-16", "26:00", "Patrick Moyo", "oppose",
          "'Leakage had fallen by 12 percent in five years' - fallen from what? They never give "
          "the starting figure."),
        c("water-17", "30:20", "Karen Fielding", "support",
          "We've kept a bucket in the shower since June and use it on the tomatoes. Every "
          "little helps."),
        c("water-18", "44:50", "Joe Sadler", "neutral",
          "Still not as bad as 1976 by all accounts. My gran talks about queuing at standpipes "
          "in the street."),
    ),
)

WAITING_LISTS = DemoArticle(
    article_id="northgate-waiting-lists",
    title="Northgate hospital waiting list hits record 64,200 as staff shortages bite",
    url="https://news.example.org/northgate/2025/09/09/waiting-list-record",
    published_at=utc("2025-09-09T06:00:00"),
    paragraphs=(
        "The number of patients waiting for planned treatment at Northgate Health Trust has "
        "reached a record 64,200, according to figures published on Tuesday, up 9 percent on a "
        "year ago.",
        "More than 11,000 patients have waited longer than a year, most of them for "
        "orthopaedic, eye, and ear, nose and throat procedures. The median wait for a hip "
        "replacement is now 58 weeks, against a national target of 18 weeks.",
        "The trust's chief executive, Dr Alan Mbeki, said the figures reflected a shortage of "
        "about 300 nurses and 40 anaesthetists, and the closure of two operating theatres at "
        "St Cuthbert's for ventilation repairs since February. \"Our staff are working flat "
        "out. The limit is people and theatre space, not effort,\" he said.",
        "The regional health minister, Joanna Reeve, said a new contract with private clinics "
        "would add 4,000 operations a year from November and that lists would \"start falling "
        "by the spring\". The patients' association Northgate Voices said the same promise had "
        "been made in each of the last three years.",
        "Separate figures show that attendances at the trust's emergency departments rose by "
        "6 percent, and that 14 percent of patients waited more than 12 hours.",
    ),
    comments=(
        c("hosp-01", "1:10", "Maureen Cartwright", "support",
          "I've been on the list for a hip since October 2023. \"The median wait for a hip "
          "replacement is now 58 weeks, against a national target of 18 weeks.\" I'm well past "
          "the median and nobody can tell me when."),
        c("hosp-02", "1:40", "Dan Whitlock", "neutral",
          "Really sorry Maureen. Have you asked your GP about the patient choice list? My dad "
          "got moved to another trust and was done in four months.", parent="hosp-01"),
        c("hosp-03", "2:30", "Maureen Cartwright", "neutral",
          "Thank you Dan, I didn't know that was an option. Will ask.", parent="hosp-02"),
        c("hosp-04", "3:15", "Sam Oyelaran", "support",
          "I'm a theatre nurse at St Cuthbert's. Two theatres have been shut since February and "
          "we've lost four colleagues this year to agency work. The figures are exactly what we "
          "see every day."),
        c("hosp-05", "3:45", "Gill Horrocks", "neutral", "Thank you for everything you do.",
          parent="hosp-04"),
        c("hosp-06", "5:20", "Ray Donnelly", "support",
          "'Start falling by the spring.' Which spring? Northgate Voices are right, we've heard "
          "this every year."),
        c("hosp-07", "8:05", "Abi Fenton", "neutral",
          "Is the 64,200 patients or referrals? Some people are on the list for more than one "
          "procedure."),
        c("hosp-08", "8:35", "Tom Lyle", "neutral",
          "It counts pathways, so someone waiting for two procedures counts twice. Still a huge "
          "number.", parent="hosp-07"),
        c("hosp-09", "13:40", "Harold Nixon", "unrelated",
          "Anyone know if the car park at the General is still card-only? Got an appointment "
          "Thursday."),
        c("hosp-10", "14:05", "Abi Fenton", "unrelated", "Card and app only since June, no cash.",
          parent="hosp-09"),
        c("hosp-11", "19:30", "Carys Bowen", "support",
          "300 nurses short and we're still spending a fortune on agency staff. Train and pay "
          "our own."),
        c("hosp-12", "22:10", "Vikram Sethi", "support",
          "Private clinics use the same anaesthetists as the trust, just on different days. It "
          "doesn't add capacity, it moves it around."),
        # The planted burst: ten accounts, ten different wordings, one side, under four minutes.
        c("hosp-13", "30:12:05", "NorthgateNed", "oppose",
          "The minister's private clinic contract will clear this backlog. Why is none of that "
          "in the headline?", coordination="burst"),
        c("hosp-14", "30:12:30", "kath_dobson", "oppose",
          "Scaremongering again. 4,000 extra operations a year is a real plan, give it a "
          "chance.", coordination="burst"),
        c("hosp-15", "30:12:58", "Brian Heald", "oppose",
          "Joanna Reeve is the first minister in years with an actual plan. This article is "
          "pure negativity.", coordination="burst"),
        c("hosp-16", "30:13:20", "S. Mistry", "oppose",
          "Record numbers because more people are being referred, which means more people are "
          "being seen. Spin.", coordination="burst"),
        c("hosp-17", "30:13:47", "lynne.parr", "oppose",
          "Lists will fall by spring, she said so clearly. Stop running the health service "
          "down.", coordination="burst"),
        c("hosp-18", "30:14:15", "ProudNorthgater", "oppose",
          "Typical one-sided reporting. Nothing about the new contract until paragraph four.",
          coordination="burst"),
        c("hosp-19", "30:14:40", "Dave Kitching", "oppose",
          "The trust had the money and wasted it on managers. The minister is cleaning up "
          "their mess.", coordination="burst"),
        c("hosp-20", "30:15:06", "alanjwhite", "oppose",
          "Private clinics have spare capacity right now. Using it is common sense, not a "
          "scandal.", coordination="burst"),
        c("hosp-21", "30:15:33", "Trudy Benn", "oppose",
          "Every September the same doom headlines. The plan is working, the numbers just lag "
          "behind.", coordination="burst"),
        c("hosp-22", "30:15:58", "MikeOfTheNorth", "oppose",
          "Well done Joanna Reeve for finally bringing in the private sector. About time.",
          coordination="burst"),
        c("hosp-23", "38:20", "Jenny Harker", "unrelated",
          "Well, this comments section got busy very suddenly this afternoon."),
        c("hosp-24", "38:50", "Ray Donnelly", "unrelated", "Funny, that.", parent="hosp-23"),
        c("hosp-25", "44:00", "Pauline Ashe", "support",
          "My mum waited 14 hours in A&E last month. 14 percent waiting more than 12 hours is "
          "not a statistic to us."),
        c("hosp-26", "47:30", "Olu Adeyemi", "support",
          "Fair play to Dr Mbeki for being straight about it. \"The limit is people and theatre "
          "space, not effort\" - exactly right."),
        c("hosp-27", "50:15", "Gill Horrocks", "support",
          "Signed the Northgate Voices petition. The link is on their page if anyone wants it."),
        c("hosp-28", "52:40", "Tom Lyle", "support",
          "Agree with Vikram, outsourcing is just shuffling the same staff around.",
          parent="hosp-12"),
    ),
)

_ARMS_ID = "norvania-arms-exports"
ARMS_EXPORTS = DemoArticle(
    article_id=_ARMS_ID,
    title="Norvania's arms exports double as Halden Works ramps up shell production",
    url=None,
    published_at=None,
    paragraphs=(
        "Norvania's arms exports doubled last year to a record 4.6 billion kroner, according to "
        "the annual report of the Export Control Board published on Thursday, driven by "
        "artillery ammunition and armoured vehicle parts.",
        "The state-owned Halden Works accounted for almost half of the total. The company "
        "opened a second shell-filling line in Vessby in March and now produces around 180,000 "
        "rounds of 155mm ammunition a year, up from 40,000 in 2022.",
        "Trade minister Eirik Solberg defended the figures, saying that every licence had been "
        "approved under the country's export rules and that \"Norvanian industry is helping "
        "partners defend themselves.\"",
        "Main destinations in the report:",
        "- Neighbouring allied states: about 62 percent of the total, mostly ammunition and "
        "spare parts for tracked vehicles.",
        "- Gulf states: about 21 percent, including patrol boat components and night-vision "
        "optics.",
        "- Other destinations: the remaining 17 percent, spread over 19 countries, with no "
        "single buyer above 3 percent.",
        "Concerns over oversight",
        "The Peace and Arbitration Society said the Gulf sales breached the spirit of the "
        "export rules, which bar sales to countries where there is a \"clear risk\" the "
        "equipment could be used against civilians. The board approved 412 licences and "
        "refused 9.",
        "Opposition MP Kari Lunde called for the board's decisions to be published within 30 "
        "days rather than once a year. \"Parliament learns what we sold a year after it has "
        "been used,\" she said.",
        "The Vessby line has created 350 jobs in a town that lost its paper mill in 2016, and "
        "the municipality has asked for a third line to be built there.",
    ),
    comments=tuple(
        c(text_comment_id(_ARMS_ID, i), None, author, stance, text)
        for i, (author, stance, text) in enumerate(
            (
                ("Ingrid Solheim", "support",
                 "350 jobs in Vessby is huge. My cousin got one of them after two years out of "
                 "work."),
                ("Halvard", "oppose",
                 "412 licences approved and 9 refused. That's not a control board, that's a "
                 "rubber stamp."),
                ("Mette", "support",
                 "Helping our neighbours defend themselves is exactly what we should be doing. "
                 "Proud of Halden Works."),
                ("P. Aaberg", "neutral",
                 "The board approved 412 licences and refused 9. I'd like to know what the 9 "
                 "were, that would tell us more than the 412."),
                ("Oskar", "oppose",
                 "The Gulf sales are the problem. Night-vision optics and patrol boats are not "
                 "for defending a neighbour."),
                ("Linnea Berg", "neutral",
                 "Does anyone know if the Vessby line runs night shifts? Thinking of "
                 "applying."),
                ("Tor Hegg", "oppose",
                 "Kari Lunde is right. Publishing decisions within 30 days is the bare "
                 "minimum."),
                ("Astrid", "neutral",
                 "What's that in euros? 4.6 billion kroner sounds like a lot but I can't "
                 "picture it."),
                ("Mette", "support",
                 "Agree with Ingrid. Nobody complained about anything when the paper mill "
                 "closed and Vessby was dying."),
                ("Bjorn Kvale", "unrelated",
                 "Lovely weather forecast for the weekend, anyone going up to Lysvik for the "
                 "regatta?"),
                ("Halvard", "oppose", "+1 to Oskar."),
                ("Sunniva", "neutral",
                 "Both things can be true: we can help our neighbours and still refuse to sell "
                 "to governments with a record like that. The rules already say so; the board "
                 "just has to follow them."),
                ("Erik Nygaard", "oppose",
                 "Doubling exports in a single year means nobody had time to check anything "
                 "properly."),
                ("Ingrid Solheim", "support",
                 "The municipality asking for a third line says everything about how badly the "
                 "town needs the work."),
            ),
            start=1,
        )
    ),
)

# fmt: on

# Which file each article goes to. Keys are paths relative to data/demo/.
CSV_ARTICLES = (TRANSIT_LEVY,)
JSONL_ARTICLES = (STADIUM_DEAL, MILL_CLOSURE)
JSON_NESTED = {"json/eastvale-water-restrictions.json": WATER_RESTRICTIONS}
JSON_DOCUMENT = {"json/northgate-waiting-lists.json": (WAITING_LISTS,)}
TEXT_FILES = {f"text/{_ARMS_ID}.txt": ARMS_EXPORTS}

ALL_ARTICLES = (
    TRANSIT_LEVY,
    STADIUM_DEAL,
    MILL_CLOSURE,
    WATER_RESTRICTIONS,
    WAITING_LISTS,
    ARMS_EXPORTS,
)


# --- Writers --------------------------------------------------------------------------------


def article_row(article: DemoArticle) -> dict[str, str | None]:
    return {
        "article_id": article.article_id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "published_at": iso(article.published_at) or None,
    }


def comment_row(article: DemoArticle, comment: DemoComment) -> dict[str, str | None]:
    return {
        "comment_id": comment.comment_id,
        "article_id": article.article_id,
        "author": comment.author,
        "text": comment.text,
        "created_at": iso(article.created_at(comment)) or None,
        "parent_id": comment.parent_id,
    }


def write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, str | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in row.items()})


def write_jsonl(path: Path, rows: Iterable[Mapping[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_json(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def write_text_article(path: Path, article: DemoArticle) -> None:
    """The seed's layout: title, body lines, ``N Comments``, then author / text line pairs."""
    lines = [article.title, *article.paragraphs, f"{len(article.comments)} Comments"]
    for comment in article.comments:
        lines.extend((comment.author, comment.text))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def validate(articles: Iterable[DemoArticle]) -> None:
    """Fail before writing anything if ids clash, labels are invalid or replies dangle."""
    seen: set[str] = set()
    for article in articles:
        earlier: set[str] = set()
        for comment in article.comments:
            if comment.comment_id in seen:
                raise ValueError(f"duplicate comment id {comment.comment_id!r}")
            if comment.stance not in STANCES or comment.coordination not in COORDINATION:
                raise ValueError(
                    f"{comment.comment_id}: bad label {comment.stance!r}/{comment.coordination!r}"
                )
            if comment.parent_id is not None and comment.parent_id not in earlier:
                raise ValueError(
                    f"{comment.comment_id}: parent {comment.parent_id!r} is not an "
                    f"earlier comment under {article.article_id!r}"
                )
            seen.add(comment.comment_id)
            earlier.add(comment.comment_id)


def build(out_dir: Path) -> list[Path]:
    """Write every demo file under ``out_dir``; return the paths written."""
    validate(ALL_ARTICLES)
    written: list[Path] = []

    csv_articles = out_dir / "csv" / "articles.csv"
    csv_comments = out_dir / "csv" / "comments.csv"
    write_csv(csv_articles, ARTICLE_COLUMNS, (article_row(a) for a in CSV_ARTICLES))
    write_csv(
        csv_comments,
        COMMENT_COLUMNS,
        (comment_row(a, cm) for a in CSV_ARTICLES for cm in a.comments),
    )
    written += [csv_articles, csv_comments]

    jsonl_articles = out_dir / "jsonl" / "articles.jsonl"
    jsonl_comments = out_dir / "jsonl" / "comments.jsonl"
    write_jsonl(jsonl_articles, (article_row(a) for a in JSONL_ARTICLES))
    write_jsonl(jsonl_comments, (comment_row(a, cm) for a in JSONL_ARTICLES for cm in a.comments))
    written += [jsonl_articles, jsonl_comments]

    for relative, article in JSON_NESTED.items():
        nested = [
            {k: v for k, v in comment_row(article, cm).items() if k != "article_id"}
            for cm in article.comments
        ]
        write_json(out_dir / relative, {**article_row(article), "comments": nested})
        written.append(out_dir / relative)

    for relative, articles in JSON_DOCUMENT.items():
        document = {
            "articles": [article_row(a) for a in articles],
            "comments": [comment_row(a, cm) for a in articles for cm in a.comments],
        }
        write_json(out_dir / relative, document)
        written.append(out_dir / relative)

    for relative, article in TEXT_FILES.items():
        write_text_article(out_dir / relative, article)
        written.append(out_dir / relative)

    # Beside the folder, not in it: `analyze data/demo/` must read only articles and comments.
    labels = out_dir.parent / "demo-labels.csv"
    write_csv(
        labels,
        LABEL_COLUMNS,
        (
            {
                "comment_id": cm.comment_id,
                "article_id": a.article_id,
                "stance": cm.stance,
                "coordination": cm.coordination,
            }
            for a in ALL_ARTICLES
            for cm in a.comments
        ),
    )
    written.append(labels)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="output folder (default: here)")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
