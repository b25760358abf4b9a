"""A tiny stance data folder we write ourselves, in the layout of ../shared/data/stance.

The texts are invented templates (no third-party text), with obvious cues per label so a
model trained on them has something real to learn: support praises and agrees, oppose calls
the claim a lie, queries ask for a source, comments chat, unrelated pairs talk about another
topic.
"""

from __future__ import annotations

import csv
from pathlib import Path

TOPICS = (
    ("bike lanes", "The city council approves new bike lanes downtown"),
    ("school day", "The school board extends the school day by an hour"),
    ("factory", "The old factory will close next spring"),
    ("stadium", "A new stadium will be built by the river"),
    ("bus fares", "Bus fares will be free for students from June"),
    ("library", "The central library will open on Sundays"),
)

SUPPORT = (
    "Great decision, I fully agree with the {t}.",
    "Exactly right, the {t} plan is excellent and overdue.",
    "Yes! Finally someone gets the {t} right, well done.",
    "I support the {t} completely, good news for everyone.",
)
DENY = (
    "This {t} story is a lie, totally fake news.",
    "Wrong. The {t} claim is a hoax and nonsense.",
    "Not true at all, the {t} report is false propaganda.",
    "Don't believe it, the {t} thing is debunked rubbish.",
)
QUERY = (
    "Is the {t} confirmed? Any source for this?",
    "Where did you hear about the {t}? Who says so?",
    "Really? Can anyone verify the {t} news?",
    "What is the source on the {t}? Is it official?",
)
COMMENT = (
    "My neighbour was talking about the {t} yesterday.",
    "I read something about the {t} in the paper this morning.",
    "We will see what happens with the {t} next year.",
    "The {t} was on the radio during my drive home.",
)

RUMOUREVAL_COLUMNS = (
    "split",
    "platform",
    "event",
    "thread_id",
    "post_id",
    "parent_id",
    "depth",
    "is_source",
    "created",
    "source_text",
    "parent_text",
    "text",
    "label",
    "thread_veracity",
    "re2017_split",
    "re2017_label",
)


def _split_of(topic_index: int) -> str:
    return ("train", "train", "train", "train", "dev", "test")[topic_index]


def write_stance_data(root: Path) -> Path:
    """Write rumoureval2019/ and arc/ under ``root``; returns ``root``."""
    (root / "rumoureval2019").mkdir(parents=True, exist_ok=True)
    (root / "arc").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (topic, claim) in enumerate(TOPICS):
        split = _split_of(i)
        thread = f"t{i}"
        rows.append(
            {
                "split": split,
                "thread_id": thread,
                "post_id": thread,
                "parent_id": "",
                "depth": "0",
                "is_source": "1",
                "source_text": claim,
                "text": claim,
                "label": "support",
            }
        )
        n = 0
        for label, templates in (
            ("support", SUPPORT),
            ("deny", DENY),
            ("query", QUERY),
            ("comment", COMMENT),
        ):
            for template in templates:
                n += 1
                rows.append(
                    {
                        "split": split,
                        "thread_id": thread,
                        "post_id": f"{thread}-{n}",
                        "parent_id": thread,
                        "depth": "1",
                        "is_source": "0",
                        "source_text": claim,
                        "text": template.format(t=topic),
                        "label": label,
                    }
                )
        # Deleted Reddit replies carry labels but no words.
        rows.append(
            {
                "split": split,
                "thread_id": thread,
                "post_id": f"{thread}-gone",
                "parent_id": thread,
                "depth": "2",
                "is_source": "0",
                "source_text": claim,
                "text": "[deleted]",
                "label": "comment",
            }
        )
    with (root / "rumoureval2019" / "rumoureval2019_subtaskA.csv").open(
        "w", newline="", encoding="utf-8"
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=RUMOUREVAL_COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)

    bodies: list[tuple[int, str]] = []
    stances: dict[str, list[tuple[str, int, str]]] = {"train": [], "test": []}
    body_id = 1000
    for i, (topic, claim) in enumerate(TOPICS):
        split = "test" if i == len(TOPICS) - 1 else "train"
        other_claim = TOPICS[(i + 1) % len(TOPICS)][1]
        for stance, templates in (("agree", SUPPORT), ("disagree", DENY), ("discuss", COMMENT)):
            for template in templates:
                body_id += 1
                bodies.append((body_id, template.format(t=topic) + " That is my view on it."))
                stances[split].append((claim, body_id, stance))
                stances[split].append((other_claim, body_id, "unrelated"))
    stances["train"].append(stances["train"][0])  # an exact duplicate row, as in real ARC
    with (root / "arc" / "arc_bodies.csv").open("w", newline="", encoding="utf-8") as handle:
        body_writer = csv.writer(handle)
        body_writer.writerow(("Body ID", "articleBody"))
        body_writer.writerows(bodies)
    for split, rows_ in stances.items():
        with (root / "arc" / f"arc_stances_{split}.csv").open(
            "w", newline="", encoding="utf-8"
        ) as handle:
            stance_writer = csv.writer(handle)
            stance_writer.writerow(("Headline", "Body ID", "Stance"))
            stance_writer.writerows(rows_)
    return root
