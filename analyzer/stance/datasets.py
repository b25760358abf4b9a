"""Loaders and label mapping for the labelled stance sets in ``../shared/data/stance/``.

Each loader returns :class:`LabelledPairs`: (context, comment) text pairs with labels already
mapped onto the product scheme (support / oppose / neutral / unrelated plus a ``questioning``
flag). The raw third-party text is only ever read from the data directory, never copied.

Layout expected under ``data_dir`` (the files as described in their ``PROVENANCE.md``)::

    rumoureval2019/rumoureval2019_subtaskA.csv
    arc/arc_bodies.csv
    arc/arc_stances_train.csv
    arc/arc_stances_test.csv
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, TypeVar

import pandas as pd

from analyzer.errors import DataError
from analyzer.model import StanceLabel

RUMOUREVAL_FILE = Path("rumoureval2019") / "rumoureval2019_subtaskA.csv"
ARC_BODIES_FILE = Path("arc") / "arc_bodies.csv"
ARC_STANCE_FILES: Mapping[str, Path] = MappingProxyType(
    {"train": Path("arc") / "arc_stances_train.csv", "test": Path("arc") / "arc_stances_test.csv"}
)

RumourEvalSplit = Literal["train", "dev", "test"]
ArcSplit = Literal["train", "test"]

# Reddit placeholders for posts whose text is gone; they carry gold labels but no words.
REMOVED_TEXTS = frozenset({"", "[deleted]", "[removed]"})


@dataclass(frozen=True, slots=True)
class MappedLabel:
    """A dataset label expressed in the product scheme."""

    label: StanceLabel
    questioning: bool


RUMOUREVAL_LABELS: Mapping[str, MappedLabel] = MappingProxyType(
    {
        "support": MappedLabel(StanceLabel.SUPPORT, questioning=False),
        "deny": MappedLabel(StanceLabel.OPPOSE, questioning=False),
        # A query asks for evidence: no stance taken, but doubt is worth flagging.
        "query": MappedLabel(StanceLabel.NEUTRAL, questioning=True),
        # SDQC "comment" mixes on-topic chatter with off-topic remarks, so it cannot supply
        # "unrelated"; only ARC's (synthetic) unrelated pairs do.
        "comment": MappedLabel(StanceLabel.NEUTRAL, questioning=False),
    }
)

ARC_LABELS: Mapping[str, MappedLabel] = MappingProxyType(
    {
        "agree": MappedLabel(StanceLabel.SUPPORT, questioning=False),
        "disagree": MappedLabel(StanceLabel.OPPOSE, questioning=False),
        "discuss": MappedLabel(StanceLabel.NEUTRAL, questioning=False),
        "unrelated": MappedLabel(StanceLabel.UNRELATED, questioning=False),
    }
)

SDQC_LABELS: tuple[str, ...] = ("support", "deny", "query", "comment")

T = TypeVar("T")


def _pick(indices: Sequence[int], values: tuple[T, ...]) -> tuple[T, ...]:
    return tuple(values[i] for i in indices)


def map_label(dataset: str, raw_label: str, *, where: str = "") -> MappedLabel:
    """Map one dataset label onto the product scheme; unknown labels fail naming the valid ones."""
    table = {"rumoureval2019": RUMOUREVAL_LABELS, "arc": ARC_LABELS}.get(dataset)
    if table is None:
        raise DataError(
            f"unknown stance dataset '{dataset}'", hint="known datasets: arc, rumoureval2019"
        )
    try:
        return table[raw_label.strip().lower()]
    except KeyError:
        location = f" at {where}" if where else ""
        raise DataError(
            f"unknown {dataset} label {raw_label!r}{location}",
            hint=f"valid labels: {', '.join(table)}",
        ) from None


def to_sdqc(label: StanceLabel | str, questioning: bool) -> str:
    """Map a product prediction back to RumourEval's SDQC scheme for scoring.

    support -> support, oppose -> deny, otherwise questioning -> query, otherwise comment.
    """
    label = StanceLabel(label)
    if label is StanceLabel.SUPPORT:
        return "support"
    if label is StanceLabel.OPPOSE:
        return "deny"
    return "query" if questioning else "comment"


@dataclass(frozen=True, slots=True)
class LabelledPairs:
    """Parallel tuples, one entry per (context, comment) pair.

    ``group_ids`` identify what must not be split across train and held-out parts (the thread
    for RumourEval, the comment body for ARC). ``is_reply`` is False only for RumourEval source
    posts, whose "context" is the post itself.
    """

    dataset: str
    split: str
    contexts: tuple[str, ...]
    comments: tuple[str, ...]
    labels: tuple[StanceLabel, ...]
    questioning: tuple[bool, ...]
    raw_labels: tuple[str, ...]
    group_ids: tuple[str, ...]
    is_reply: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.comments)

    def subset(self, indices: Sequence[int]) -> LabelledPairs:
        return LabelledPairs(
            dataset=self.dataset,
            split=self.split,
            contexts=_pick(indices, self.contexts),
            comments=_pick(indices, self.comments),
            labels=_pick(indices, self.labels),
            questioning=_pick(indices, self.questioning),
            raw_labels=_pick(indices, self.raw_labels),
            group_ids=_pick(indices, self.group_ids),
            is_reply=_pick(indices, self.is_reply),
        )

    def replies(self) -> LabelledPairs:
        return self.subset([i for i, reply in enumerate(self.is_reply) if reply])

    def with_text(self) -> LabelledPairs:
        """Drop pairs whose comment text is empty or a deleted/removed placeholder."""
        return self.subset(
            [i for i, text in enumerate(self.comments) if text.strip() not in REMOVED_TEXTS]
        )

    def renamed(self, split: str) -> LabelledPairs:
        return LabelledPairs(
            dataset=self.dataset,
            split=split,
            contexts=self.contexts,
            comments=self.comments,
            labels=self.labels,
            questioning=self.questioning,
            raw_labels=self.raw_labels,
            group_ids=self.group_ids,
            is_reply=self.is_reply,
        )


def concat_pairs(parts: Sequence[LabelledPairs], *, dataset: str, split: str) -> LabelledPairs:
    return LabelledPairs(
        dataset=dataset,
        split=split,
        contexts=tuple(c for p in parts for c in p.contexts),
        comments=tuple(c for p in parts for c in p.comments),
        labels=tuple(x for p in parts for x in p.labels),
        questioning=tuple(q for p in parts for q in p.questioning),
        raw_labels=tuple(r for p in parts for r in p.raw_labels),
        group_ids=tuple(f"{p.dataset}:{g}" for p in parts for g in p.group_ids),
        is_reply=tuple(r for p in parts for r in p.is_reply),
    )


def _read_csv(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            f"stance data file not found: {path}",
            hint="point data_dir at the folder holding rumoureval2019/ and arc/ "
            "(normally ../shared/data/stance)",
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(
            f"cannot parse {path}: {exc}",
            hint="the file should be the UTF-8 CSV from PROVENANCE.md",
        ) from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path} lacks column(s) {', '.join(missing)}",
            hint=f"expected columns include {', '.join(required)}; "
            f"found {', '.join(frame.columns)}",
        )
    return frame


def _mapped(dataset: str, raw: Sequence[str], path: Path) -> list[MappedLabel]:
    # Row numbers in messages count the header as line 1, like a spreadsheet.
    return [
        map_label(dataset, label, where=f"{path}, line {row + 2}") for row, label in enumerate(raw)
    ]


def load_rumoureval(data_dir: Path, split: RumourEvalSplit) -> LabelledPairs:
    """All labelled posts of one official split; the context is the thread's source post."""
    path = Path(data_dir) / RUMOUREVAL_FILE
    frame = _read_csv(path, ("split", "thread_id", "depth", "source_text", "text", "label"))
    frame = frame[frame["split"] == split]
    if frame.empty:
        raise DataError(
            f"{path} has no rows with split '{split}'", hint="valid splits: train, dev, test"
        )
    mapped = _mapped("rumoureval2019", frame["label"].tolist(), path)
    return LabelledPairs(
        dataset="rumoureval2019",
        split=split,
        contexts=tuple(frame["source_text"].tolist()),
        comments=tuple(frame["text"].tolist()),
        labels=tuple(m.label for m in mapped),
        questioning=tuple(m.questioning for m in mapped),
        raw_labels=tuple(frame["label"].str.strip().str.lower().tolist()),
        group_ids=tuple(frame["thread_id"].tolist()),
        is_reply=tuple(depth.strip() not in {"", "0"} for depth in frame["depth"].tolist()),
    )


def load_arc(data_dir: Path, split: ArcSplit) -> LabelledPairs:
    """ARC (claim, reader comment) pairs of one official split.

    The 134 exact duplicate rows of the train file are dropped (they would only re-weight
    a few pairs); the test file is kept whole so its scores stay comparable with others'.
    """
    if split not in ARC_STANCE_FILES:
        raise DataError(f"unknown ARC split '{split}'", hint="valid splits: train, test")
    bodies_path = Path(data_dir) / ARC_BODIES_FILE
    stances_path = Path(data_dir) / ARC_STANCE_FILES[split]
    bodies = _read_csv(bodies_path, ("Body ID", "articleBody"))
    stances = _read_csv(stances_path, ("Headline", "Body ID", "Stance"))
    if split == "train":
        stances = stances.drop_duplicates(ignore_index=True)
    body_by_id = dict(zip(bodies["Body ID"], bodies["articleBody"], strict=True))
    unknown = sorted(set(stances["Body ID"]) - body_by_id.keys())
    if unknown:
        raise DataError(
            f"{stances_path} refers to {len(unknown)} Body ID(s) missing from {bodies_path}, "
            f"e.g. {unknown[0]!r}",
            hint="use the matching arc_bodies.csv from the same ARC release",
        )
    mapped = _mapped("arc", stances["Stance"].tolist(), stances_path)
    return LabelledPairs(
        dataset="arc",
        split=split,
        contexts=tuple(stances["Headline"].tolist()),
        comments=tuple(body_by_id[body_id] for body_id in stances["Body ID"]),
        labels=tuple(m.label for m in mapped),
        questioning=tuple(m.questioning for m in mapped),
        raw_labels=tuple(stances["Stance"].str.strip().str.lower().tolist()),
        group_ids=tuple(stances["Body ID"].tolist()),
        is_reply=(True,) * len(stances),
    )


def split_by_group(
    pairs: LabelledPairs, *, held_out_fraction: float, seed: int
) -> tuple[LabelledPairs, LabelledPairs]:
    """Deterministically hold out whole groups (e.g. every pair of one ARC comment).

    Groups are ranked by a seeded hash, so the split does not depend on row order or on
    the process's hash randomisation.
    """
    if not 0.0 < held_out_fraction < 1.0:
        raise ValueError(f"held_out_fraction must be in (0, 1), got {held_out_fraction}")

    def rank(group: str) -> str:
        return hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()

    groups = sorted(set(pairs.group_ids), key=rank)
    held = set(groups[: max(1, round(len(groups) * held_out_fraction))])
    keep = [i for i, g in enumerate(pairs.group_ids) if g not in held]
    out = [i for i, g in enumerate(pairs.group_ids) if g in held]
    return pairs.subset(keep).renamed(f"{pairs.split}-fit"), pairs.subset(out).renamed(
        f"{pairs.split}-heldout"
    )
