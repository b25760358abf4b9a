"""The plain-text article format of the seed: a page as a reader copied it.

::

    Title line
    Body paragraphs and bullet lines ...
    5 Comments                      (also "1 Comment", "Comments (5)", "Comments")
    Author name
    Comment text, possibly over several lines
    Next author
    ...

The article id is the file stem; comment ids are ``<stem>-c1``, ``<stem>-c2``, ... in order.

The hard part is telling an author line from a line of a multi-line comment. Each line after
the header gets an author-likeness (short, no sentence-final punctuation, names or a handle
rather than a phrase), and a small dynamic program picks the split into (author, text...)
blocks with the lowest cost: authors that do not look like names cost much, name-like lines
read as text cost a little, a blank line before a name makes it more likely an author, and a
split whose comment count differs from the announced count costs per comment of difference.
Close calls are reported as warnings naming the line, so a reviewer can check them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from analyzer.ingest.collector import CorpusCollector
from analyzer.ingest.records import ReadContext, RecordBuilder
from analyzer.ingest.sources import Source, SourceError, open_text
from analyzer.model import Severity

_HEADER = re.compile(
    r"^\s*(?:(?P<before>\d[\d,.]*)\s+comments?|comments?(?:\s*[(\[]\s*(?P<after>\d[\d,.]*)"
    r"\s*[)\]])?)\s*:?\s*$",
    re.IGNORECASE,
)
_MAX_AUTHOR_CHARS = 40
_MAX_AUTHOR_WORDS = 5
_SENTENCE_END = tuple(".!?…,;:")
_NOT_A_NAME_START = tuple("-*•>\"“'‘([")
_NAME_CONNECTORS = frozenset({"de", "da", "van", "von", "der", "den", "la", "le", "del", "y"})

# Costs of the segmentation (see the module docstring); only their order matters much.
_AUTHOR_COST = {2: 0.0, 1: 1.0, 0: 8.0}  # by likeness: strong, weak, none
_FIRST_TEXT_COST = {2: 2.0, 1: 0.6, 0: 0.0}
_CONTINUATION_COST = {2: 1.0, 1: 0.3, 0: 0.0}
_BLANK_BEFORE_AUTHOR_BONUS = 0.4
_COUNT_MISMATCH_COST = 1.5
_MAX_COUNTED_CELLS = 300_000  # lines x announced comments; beyond, the count is not used


class Likeness(IntEnum):
    NONE = 0
    WEAK = 1
    STRONG = 2


def author_likeness(line: str) -> Likeness:
    """How much a line looks like an author name rather than comment text."""
    text = line.strip()
    if not text or len(text) > _MAX_AUTHOR_CHARS:
        return Likeness.NONE
    if text.endswith(_SENTENCE_END) or text.startswith(_NOT_A_NAME_START):
        return Likeness.NONE
    if "://" in text or text.lower().startswith("www."):
        return Likeness.NONE
    if not any(char.isalpha() for char in text):
        return Likeness.NONE
    words = text.split()
    if len(words) > _MAX_AUTHOR_WORDS:
        return Likeness.NONE
    if len(words) == 1:
        return Likeness.STRONG  # a handle or a single name
    if all(
        word[0].isupper() or word[0].isdigit() or word.lower() in _NAME_CONNECTORS for word in words
    ):
        return Likeness.STRONG  # "George Victor 1", "Ana de la Cruz"
    return Likeness.WEAK  # a short phrase: "Smart move", "well said"


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based line number in the file
    text: str
    blank_before: bool
    likeness: Likeness


class _Role(IntEnum):
    AUTHOR = 0
    FIRST_TEXT = 1
    CONTINUATION = 2


def read_seed_text(source: Source, context: ReadContext) -> None:
    collector = context.collector
    index = collector.open_source(source.name, "line")
    builder = context.builder(index)
    try:
        with open_text(source, context.mapping.encoding) as handle:
            lines = [line.rstrip("\r\n").rstrip() for line in handle]
    except SourceError as exc:
        collector.source_failed(index, str(exc))
        return
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    try:
        _parse(lines, source.stem, builder, context, index)
    finally:
        builder.finish()
        collector.progress()


def _parse(
    lines: list[str], article_id: str, builder: RecordBuilder, context: ReadContext, index: int
) -> None:
    collector = context.collector
    filled = [position for position, line in enumerate(lines) if line.strip()]
    if not filled:
        collector.source_failed(index, "the file is empty: expected a title line")
        return
    header = _find_header(lines, filled)
    title_at = filled[0]
    title = "" if header == title_at else lines[title_at].strip()
    body_end = header if header is not None else len(lines)
    body = _join(lines[title_at + 1 : body_end]) if header != title_at else ""
    builder.article_fields(title_at + 1, article_id=article_id, title=title, text=body)
    if header is None:
        collector.issue(
            index,
            len(lines),
            None,
            "no comments section: no line like '5 Comments' or 'Comments (5)' was found up "
            f"to the last line ({len(lines)}), so everything after the title was read as the "
            "article body and the article has no comments",
            Severity.WARNING,
            record_id=article_id,
        )
        return
    match = _HEADER.match(lines[header])
    assert match is not None
    digits = match.group("before") or match.group("after")
    announced = int(re.sub(r"[,.]", "", digits)) if digits else None
    section = _section(lines, header + 1)
    blocks = _segment(section, announced, collector, index)
    for number, (author, texts) in enumerate(blocks, start=1):
        text = _join(lines[texts[0].number - 1 : texts[-1].number]) if texts else ""
        builder.comment_fields(
            author.number if author else texts[0].number,
            comment_id=f"{article_id}-c{number}",
            article_id=article_id,
            text=text,
            author=author.text.strip() if author else None,
        )
    if announced is not None and announced != len(blocks):
        follows = f"{len(blocks)} follow" if len(blocks) != 1 else "1 follows"
        collector.issue(
            index,
            header + 1,
            None,
            f"the header '{lines[header].strip()}' announces {announced} comment(s) but "
            f"{follows}; all that were found were kept",
            Severity.WARNING,
            record_id=article_id,
        )


def _find_header(lines: list[str], filled: list[int]) -> int | None:
    """The first header with a count ('5 Comments'); else the first bare 'Comments' line."""
    bare = None
    for position in filled:
        match = _HEADER.match(lines[position])
        if match is None:
            continue
        if match.group("before") or match.group("after"):
            return position
        if bare is None:
            bare = position
    return bare


def _section(lines: list[str], start: int) -> list[_Line]:
    section = []
    blank_before = False
    for position in range(start, len(lines)):
        text = lines[position]
        if not text.strip():
            blank_before = True
            continue
        section.append(_Line(position + 1, text, blank_before, author_likeness(text)))
        blank_before = False
    return section


_Block = tuple[_Line | None, list[_Line]]


def _segment(
    section: list[_Line], announced: int | None, collector: CorpusCollector, index: int
) -> list[_Block]:
    """Split the lines after the header into (author line, text lines) blocks."""
    if not section:
        return []
    if len(section) == 1:
        only = section[0]
        if only.likeness is Likeness.NONE:
            collector.issue(
                index,
                only.number,
                "author",
                "a comment without an author line; read as text with no author",
                Severity.WARNING,
            )
            return [(None, [only])]
        return [(only, [])]  # an author with no text: reported as empty text
    roles = _best_roles(section, announced)
    blocks: list[_Block] = []
    for line, role in zip(section, roles, strict=True):
        if role is _Role.AUTHOR:
            blocks.append((line, []))
            if line.likeness is Likeness.NONE:
                collector.issue(
                    index,
                    line.number,
                    "author",
                    f"line {line.number} ({_preview(line.text)}) was read as an author name "
                    "although it looks like comment text; check the comment layout",
                    Severity.WARNING,
                )
            continue
        author, texts = blocks[-1]
        texts.append(line)
        if (
            role is _Role.CONTINUATION
            and line.likeness is Likeness.STRONG
            and (line is not section[-1])
        ):
            by = f" by {author.text.strip()} (line {author.number})" if author else ""
            collector.issue(
                index,
                line.number,
                "author",
                f"line {line.number} ({_preview(line.text)}) looks like an author name but "
                f"was read as part of the comment{by}; the comment count and layout fit "
                "that reading better",
                Severity.WARNING,
            )
    return blocks


def _best_roles(section: list[_Line], announced: int | None) -> list[_Role]:
    """Lowest-cost roles (see the module docstring) by dynamic programming over the lines."""
    count = len(section)
    use_count = announced is not None and count * (announced + 2) <= _MAX_COUNTED_CELLS
    cap = announced + 1 if use_count and announced is not None else 0
    infinity = float("inf")
    # cost[role][k]: best cost with this line in `role` and k authors so far (capped at `cap`)
    cost = [[infinity] * (cap + 1) for _ in _Role]
    back: list[list[list[tuple[_Role, int] | None]]] = []
    first = section[0]
    start_k = min(1, cap)
    cost[_Role.AUTHOR][start_k] = _AUTHOR_COST[first.likeness]
    back.append([[None] * (cap + 1) for _ in _Role])
    for line in section[1:]:
        new = [[infinity] * (cap + 1) for _ in _Role]
        step: list[list[tuple[_Role, int] | None]] = [[None] * (cap + 1) for _ in _Role]
        author_cost = _AUTHOR_COST[line.likeness]
        if line.blank_before:
            author_cost -= _BLANK_BEFORE_AUTHOR_BONUS
        for k in range(cap + 1):
            # author after the end of a comment
            for previous in (_Role.FIRST_TEXT, _Role.CONTINUATION):
                base = cost[previous][k]
                if base == infinity:
                    continue
                next_k = min(k + 1, cap)
                extra = _COUNT_MISMATCH_COST if use_count and k == cap else 0.0
                candidate = base + author_cost + extra
                if candidate < new[_Role.AUTHOR][next_k]:
                    new[_Role.AUTHOR][next_k] = candidate
                    step[_Role.AUTHOR][next_k] = (previous, k)
            # first text line right after an author
            base = cost[_Role.AUTHOR][k]
            if base != infinity:
                candidate = base + _FIRST_TEXT_COST[line.likeness]
                if candidate < new[_Role.FIRST_TEXT][k]:
                    new[_Role.FIRST_TEXT][k] = candidate
                    step[_Role.FIRST_TEXT][k] = (_Role.AUTHOR, k)
            # a further line of the same comment
            for previous in (_Role.FIRST_TEXT, _Role.CONTINUATION):
                base = cost[previous][k]
                if base == infinity:
                    continue
                candidate = base + _CONTINUATION_COST[line.likeness]
                if candidate < new[_Role.CONTINUATION][k]:
                    new[_Role.CONTINUATION][k] = candidate
                    step[_Role.CONTINUATION][k] = (previous, k)
        cost = new
        back.append(step)
    best: tuple[float, _Role, int] | None = None
    for role in (_Role.FIRST_TEXT, _Role.CONTINUATION):
        for k in range(cap + 1):
            total = cost[role][k]
            if use_count and announced is not None:
                total += _COUNT_MISMATCH_COST * abs(k - announced)
            if best is None or total < best[0]:
                best = (total, role, k)
    assert best is not None and best[0] != infinity  # two or more lines always split
    roles = [_Role.AUTHOR] * count
    state: tuple[_Role, int] | None = (best[1], best[2])
    for position in range(count - 1, -1, -1):
        assert state is not None  # only the first line has no predecessor
        role, k = state
        roles[position] = role
        state = back[position][role][k]
    return roles


def _join(lines: list[str]) -> str:
    """Lines as text: runs of blank lines become one empty line; ends trimmed."""
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped or (kept and kept[-1]):
            kept.append(stripped)
    return "\n".join(kept).strip()


def _preview(text: str, limit: int = 40) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
