"""The labelled coordination benchmark: real organic threads, injected IRA campaigns, look-alikes.

Recipe (``../shared/docs/coordination-research.md`` §3, re-implemented here; seeds fixed):

* **Organic, real**: RumourEval 2019 replies (source post = article, real parent ids, real author
  keys from the ``rumoureval2019_authors`` sidecar, deleted authors one id per comment) and the
  English news-comment corpora: SOCC sample (``cross_source_duplicate_of`` rows dropped,
  replies to a dropped copy re-pointed at the kept one), C3 (texts also in SOCC and exact
  repeats dropped), SFU CTC (no authors: one id per comment; repeated captures of one text
  under one article dropped), Fox News. Never CoCoLoFa (crowd-written) or OMP (German).
* **Times**: RumourEval keeps its within-thread offsets (reply time - source time); SOCC keeps
  its real offsets where a comment has a time of day; every other comment gets an offset drawn
  from the RumourEval offsets, sorted in file order. Each article then starts on a shared
  calendar at a density of ``per_day`` comments per day (20,000: a large news site), so many
  articles are live at once.
* **Injected campaigns** (ground truth) from the IRA tweets: personas RightTroll, LeftTroll,
  HashtagGamer, NewsFeed; ``RT @x:`` prefixes stripped; 6+ words. Per campaign: a persona, a
  style (copy / edit / sibling), 3-10 accounts, 2-6 target articles, a mean gap of 30, 120 or
  300 s; per article a seed tweet posted 5 min to 6 h after the article starts, each account
  posting with probability 0.8, 30% as replies to a random comment. ``copy``: the seed (85%) or
  a light edit; ``edit``: a light edit (5-20% of tokens dropped, a swap, case, hashtag or link
  changes); ``sibling``: another tweet of the persona from the same day that shares a hashtag
  or 3 words with the seed. Injected volume = ``coord_share`` of all comments.
* **Look-alikes** (organic, ground truth "not coordinated"), ``lookalikes`` of each: a famous
  quote by 6 accounts at random times across the calendar; "+1"/"This." replies by 5 accounts to
  one comment within 5 minutes; 8 accounts posting different real comments on one article
  within 5 minutes.
* **Layers** (scale runs): the organic set is repeated with new article ids, a new author
  namespace and a calendar offset per layer, so copies of one text are a layer apart (more
  than a day at 20k/day) and never share a window; campaigns are injected across all layers.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PERSONAS = ("RightTroll", "LeftTroll", "HashtagGamer", "NewsFeed")
STYLES = ("copy", "edit", "sibling")
FAMOUS_QUOTES = (
    "The only thing we have to fear is fear itself.",
    "Those who cannot remember the past are condemned to repeat it.",
    "In the end, we will remember not the words of our enemies, but the silence of our friends.",
    "Injustice anywhere is a threat to justice everywhere.",
    "The arc of the moral universe is long, but it bends toward justice.",
    "Ask not what your country can do for you, ask what you can do for your country.",
    "Democracy is the worst form of government, except for all the others.",
    "Power tends to corrupt, and absolute power corrupts absolutely.",
    "The truth will set you free, but first it will make you miserable.",
    "All that is necessary for the triumph of evil is that good men do nothing.",
)
PLUS_ONE = ("+1", "This.", "Agreed.", "So true", "Exactly.", "^ this", "Yes!", "100%")
_RT = re.compile(r"^RT @\w+:?\s*")
_HASHTAG = re.compile(r"#\w+")
_WORD = re.compile(r"[a-z']{4,}")


@dataclass(frozen=True)
class Benchmark:
    """Comments (with truth columns) and articles, as DataFrames."""

    comments: pd.DataFrame  # comment_id, article_id, author, text, created_at (s), parent_id,
    # campaign (str or ""), style, kind ("organic" | "injected" | "lookalike:<type>")
    articles: pd.DataFrame  # article_id, title, text, published_at (s)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _rumoureval(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    raw = _read(shared / "data/stance/rumoureval2019/rumoureval2019_subtaskA.csv")
    authors = _read(
        shared / "data/coordination/rumoureval2019_authors/rumoureval2019_post_authors.csv"
    )
    author_of = dict(zip(authors.post_id, authors.author_ref, strict=True))
    time_of = dict(zip(authors.post_id, authors.created, strict=True))
    raw["created_s"] = [
        float(time_of.get(p) or c or "nan") for p, c in zip(raw.post_id, raw.created, strict=True)
    ]
    sources = raw[raw.is_source == "1"]
    replies = raw[raw.is_source != "1"].copy()
    source_time = dict(zip(sources.thread_id, sources.created_s, strict=True))
    replies["offset"] = replies.created_s - replies.thread_id.map(source_time)
    replies = replies[np.isfinite(replies.offset) & (replies.offset >= 0)]
    articles = pd.DataFrame(
        {"article_id": "re:" + sources.thread_id, "title": "", "text": sources.text.values}
    )
    reply_ids = set(replies.post_id)
    comments = pd.DataFrame(
        {
            "comment_id": "re:" + replies.post_id,
            "article_id": "re:" + replies.thread_id,
            "author": [
                "re:" + author_of[p] if author_of.get(p) else f"re_deleted:{p}"
                for p in replies.post_id
            ],
            "text": replies.text.values,
            "offset": replies.offset.values,
            "parent_id": ["re:" + p if p in reply_ids else "" for p in replies.parent_id],
        }
    )
    return comments, articles, replies.offset.to_numpy()


def _news_corpora(
    shared: Path, offsets: np.ndarray, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = shared / "data/comments"
    frames, article_frames = [], []
    socc_texts: set[str] = set()
    for name in ("socc_sample", "c3", "sfu_ctc", "fox_news"):
        comments = _read(base / name / "comments.csv")
        articles = _read(base / name / "articles.csv")
        if name == "socc_sample":
            # A reply whose parent was dropped as a capture duplicate points at the kept copy.
            kept_copy = dict(
                zip(comments.comment_id, comments.cross_source_duplicate_of, strict=True)
            )
            comments = comments[comments.cross_source_duplicate_of == ""].copy()
            comments["parent_id"] = [kept_copy.get(p) or p for p in comments.parent_id]
            socc_texts = set(comments.text)
        if name == "c3":
            comments = comments[~comments.text.isin(socc_texts)]
            comments = comments.drop_duplicates("text")
        comments = comments[comments.text.str.strip() != ""].copy()
        if name == "sfu_ctc":
            # No authors, and some comments were captured more than once under one article.
            key = comments.text.str.split().str.join(" ").str[:200]
            comments = comments[~comments.assign(key=key).duplicated(["article_id", "key"])]
        prefix = f"{name}:"
        comments["author"] = [
            prefix + a if a else f"{prefix}anon:{cid}"
            for a, cid in zip(comments.author, comments.comment_id, strict=True)
        ]
        comments["comment_id"] = prefix + comments.comment_id
        comments["article_id"] = prefix + comments.article_id
        comments["parent_id"] = [prefix + p if p else "" for p in comments.parent_id]
        # Offsets: SOCC's real times where a time of day exists, else RumourEval's offsets.
        real = pd.to_datetime(comments.created_at, errors="coerce", utc=True, format="mixed")
        has_time = comments.created_at.str.contains("T") & real.notna()
        offset = np.full(len(comments), np.nan)
        for index in comments.groupby("article_id").indices.values():
            rows = np.asarray(index)
            timed = rows[has_time.to_numpy()[rows]]
            if len(timed):
                seconds = real.iloc[timed].astype("int64").to_numpy() / 1e9
                offset[timed] = seconds - seconds.min()
            untimed = rows[~has_time.to_numpy()[rows]]
            if len(untimed):
                offset[untimed] = np.sort(rng.choice(offsets, size=len(untimed)))
        comments["offset"] = offset
        known = set(comments.comment_id)
        comments["parent_id"] = [p if p in known else "" for p in comments.parent_id]
        frames.append(
            comments[["comment_id", "article_id", "author", "text", "offset", "parent_id"]]
        )
        articles = articles.assign(article_id=prefix + articles.article_id)
        article_frames.append(articles[["article_id", "title", "text"]])
    return pd.concat(frames, ignore_index=True), pd.concat(article_frames, ignore_index=True)


def organic(shared: Path, seed: int = 13) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every real organic comment (with an in-article offset) and its articles."""
    rng = np.random.default_rng(seed)
    re_comments, re_articles, offsets = _rumoureval(shared)
    news_comments, news_articles = _news_corpora(shared, offsets, rng)
    comments = pd.concat([re_comments, news_comments], ignore_index=True)
    articles = pd.concat([re_articles, news_articles], ignore_index=True)
    articles = articles[articles.article_id.isin(set(comments.article_id))].drop_duplicates(
        "article_id"
    )
    return comments, articles.reset_index(drop=True)


def _calendar(
    comments: pd.DataFrame,
    articles: pd.DataFrame,
    per_day: float,
    rng: np.random.Generator,
    start: float = 0.0,
) -> pd.Series:
    """Article start times (s): shuffled, spaced so the comment density is ``per_day``."""
    counts = comments.groupby("article_id").size()
    order = rng.permutation(articles.article_id.to_numpy())
    sizes = counts.reindex(order).fillna(0).to_numpy()
    starts = start + np.concatenate([[0.0], np.cumsum(sizes)[:-1]]) / per_day * 86400.0
    return pd.Series(starts, index=order)


def _ira_tweets(shared: Path) -> pd.DataFrame:
    base = shared / "data/coordination/ira_russian_troll_tweets"
    tweets = _read(base / "ira_tweets_en_2016-09-15_to_2016-11-30.csv")
    authors = _read(base / "authors.csv")[["author_id", "account_category"]]
    tweets = tweets.merge(authors, on="author_id", how="left")
    tweets = tweets[tweets.account_category.isin(PERSONAS)].copy()
    tweets["content"] = [_RT.sub("", t).strip() for t in tweets.content]
    tweets = tweets[tweets.content.str.split().str.len() >= 6]
    tweets["day"] = tweets.publish_date.str[:10]
    return tweets.reset_index(drop=True)


def light_edit(text: str, rng: random.Random) -> str:
    tokens = text.split()
    drop = max(1, round(len(tokens) * rng.uniform(0.05, 0.2)))
    for _ in range(drop):
        if len(tokens) > 4:
            tokens.pop(rng.randrange(len(tokens)))
    if len(tokens) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(tokens) - 1)
        tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    if rng.random() < 0.3:
        tokens = [t.lower() for t in tokens]
    if rng.random() < 0.3:
        tokens.append(rng.choice(["#MAGA", "#news", "#USA", "#tcot", "#politics"]))
    out = " ".join(tokens)
    if rng.random() < 0.3:
        out = re.sub(r"https?://\S+", f"https://t.co/{rng.randrange(10**8):08d}", out)
    return out


def _sibling(seed_row: pd.Series, pool: pd.DataFrame, rng: random.Random) -> str | None:
    tags = set(_HASHTAG.findall(seed_row.content.lower()))
    words = set(_WORD.findall(seed_row.content.lower()))
    candidates = pool.index.to_list()
    rng.shuffle(candidates)
    for index in candidates[:300]:
        text = pool.at[index, "content"]
        if text == seed_row.content:
            continue
        lowered = text.lower()
        if tags & set(_HASHTAG.findall(lowered)) or len(words & set(_WORD.findall(lowered))) >= 3:
            return str(text)
    return None


def inject(
    shared: Path,
    comments: pd.DataFrame,
    starts: pd.Series,
    n_injected: int,
    seed: int,
) -> pd.DataFrame:
    """IRA campaigns injected until about ``n_injected`` comments; absolute times."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    tweets = _ira_tweets(shared)
    by_persona = {p: tweets[tweets.account_category == p] for p in PERSONAS}
    authors_by_persona = {p: sorted(set(df.author_id)) for p, df in by_persona.items()}
    by_persona_day = {key: df for key, df in tweets.groupby(["account_category", "day"])}
    article_ids = sorted(starts.index)
    comments_by_article = comments.groupby("article_id").comment_id.apply(list).to_dict()
    rows: list[dict[str, object]] = []
    campaign = 0
    while len(rows) < n_injected:
        campaign += 1
        cid = f"camp{campaign:04d}"
        persona = rng.choice(PERSONAS)
        style = rng.choice(STYLES)
        k, m = rng.randint(3, 10), rng.randint(2, 6)
        gap = rng.choice([30, 120, 300])
        pool = authors_by_persona[persona]
        handles = rng.sample(pool, min(k, len(pool)))
        accounts = [f"ira_{h}#{cid}" for h in handles]
        for article in rng.sample(article_ids, m):
            seed_row = by_persona[persona].iloc[rng.randrange(len(by_persona[persona]))]
            t = float(starts[article]) + rng.uniform(300, 6 * 3600)
            posting = [a for a in accounts if rng.random() < 0.8] or accounts[:2]
            for account in posting:
                t += float(np_rng.exponential(gap))
                if style == "copy":
                    text = (
                        seed_row.content
                        if rng.random() < 0.85
                        else light_edit(seed_row.content, rng)
                    )
                elif style == "edit":
                    text = light_edit(seed_row.content, rng)
                else:
                    same_day = by_persona_day.get((persona, seed_row.day))
                    sibling = None if same_day is None else _sibling(seed_row, same_day, rng)
                    text = sibling or light_edit(seed_row.content, rng)
                thread = comments_by_article.get(article, [])
                parent = rng.choice(thread) if thread and rng.random() < 0.3 else ""
                rows.append(
                    {
                        "comment_id": f"inj:{cid}:{len(rows)}",
                        "article_id": article,
                        "author": account,
                        "text": text,
                        "created_at": t,
                        "parent_id": parent,
                        "campaign": cid,
                        "style": style,
                        "kind": "injected",
                    }
                )
    return pd.DataFrame(rows)


def lookalikes(comments: pd.DataFrame, starts: pd.Series, each: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    span = float(comments.created_at.max())
    article_ids = sorted(starts.index)
    rows: list[dict[str, object]] = []

    def add(kind: str, author: str, article: str, text: str, t: float, *, parent: str = "") -> None:
        rows.append(
            {
                "comment_id": f"look:{kind}:{len(rows)}",
                "article_id": article,
                "author": author,
                "text": text,
                "created_at": t,
                "parent_id": parent,
                "campaign": "",
                "style": "",
                "kind": f"lookalike:{kind}",
            }
        )

    texts = comments.text.to_numpy()
    for i in range(each):
        quote = FAMOUS_QUOTES[i % len(FAMOUS_QUOTES)]
        for j in range(6):
            add(
                "famous_quote",
                f"look_quote_{i}_{j}",
                rng.choice(article_ids),
                quote,
                rng.uniform(0, span),
            )
        target = comments.iloc[rng.randrange(len(comments))]
        for j in range(5):
            add(
                "plus_one",
                f"look_plus_{i}_{j}",
                target.article_id,
                rng.choice(PLUS_ONE),
                float(target.created_at) + rng.uniform(10, 300),
                parent=target.comment_id,
            )
        article = rng.choice(article_ids)
        t0 = float(starts[article]) + rng.uniform(1800, 4 * 3600)
        for j in range(8):
            add(
                "diverse_burst",
                f"look_burst_{i}_{j}",
                article,
                str(texts[rng.randrange(len(texts))]),
                t0 + rng.uniform(0, 300),
            )
    return pd.DataFrame(rows)


def build(
    shared: Path,
    *,
    layers: int = 1,
    target_comments: int | None = None,
    per_day: float = 20_000.0,
    coord_share: float = 0.05,
    lookalikes_each: int = 10,
    include_campaigns: bool = True,
    seed: int = 13,
) -> Benchmark:
    """The benchmark: ``layers`` copies of the organic set (or enough layers, then truncated,
    for ``target_comments``), campaigns and look-alikes. One layer = the real-scale set."""
    base_comments, base_articles = organic(shared, seed)
    if target_comments is not None:
        organic_target = target_comments * (1 - coord_share)
        layers = max(1, math.ceil(organic_target / len(base_comments)))
    rng = np.random.default_rng(seed)
    comment_frames, article_frames, start_series = [], [], []
    offset = 0.0
    for layer in range(layers):
        tag = "" if layer == 0 else f"L{layer}/"
        c = base_comments.copy()
        a = base_articles.copy()
        if tag:
            c["comment_id"] = tag + c.comment_id
            c["article_id"] = tag + c.article_id
            c["author"] = tag + c.author
            c["parent_id"] = [tag + p if p else "" for p in c.parent_id]
            a["article_id"] = tag + a.article_id
        starts = _calendar(c, a, per_day, rng, offset)
        c["created_at"] = c.article_id.map(starts) + c.offset
        offset = float(starts.max()) + 86400.0 * len(c) / per_day / max(len(starts), 1) + 3600
        offset = max(offset, float(c.created_at.max()) + 3600)
        comment_frames.append(c.drop(columns="offset"))
        article_frames.append(a)
        start_series.append(starts)
    comments = pd.concat(comment_frames, ignore_index=True)
    articles = pd.concat(article_frames, ignore_index=True)
    starts = pd.concat(start_series)
    if target_comments is not None:
        keep = int(target_comments * (1 - coord_share))
        comments = comments.sort_values("created_at", kind="stable").iloc[:keep]
        articles = articles[articles.article_id.isin(set(comments.article_id))]
        starts = starts[starts.index.isin(set(comments.article_id))]
    comments = comments.assign(campaign="", style="", kind="organic")
    parts = [comments]
    if include_campaigns:
        n_injected = round(len(comments) * coord_share / (1 - coord_share))
        parts.append(inject(shared, comments, starts, n_injected, seed + 1))
    if lookalikes_each:
        parts.append(lookalikes(comments, starts, lookalikes_each, seed + 2))
    everything = pd.concat(parts, ignore_index=True)
    articles = articles.assign(published_at=articles.article_id.map(starts))
    return Benchmark(everything.reset_index(drop=True), articles.reset_index(drop=True))
