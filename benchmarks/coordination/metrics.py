"""Scores for a coordination prediction against the benchmark's campaigns (research §3.3).

A prediction is a mapping account -> predicted group (accounts in no group are unflagged) and,
for methods that flag comments, the set of flagged comment ids.

* pairs: undirected account pairs; a predicted pair is two accounts in one predicted group, a
  true pair two accounts in one campaign;
* accounts: flagged = in a predicted group;
* ARI over the union of true-coordinated and flagged accounts (everyone else a singleton);
* campaigns found: >= 50% of a campaign's accounts in one group that is >= 50% that campaign;
* comments: precision/recall against the injected comments;
* per style: account recall for copy / edit / sibling campaigns;
* look-alike accounts flagged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sklearn.metrics import adjusted_rand_score


@dataclass(frozen=True)
class Scores:
    pair_p: float
    pair_r: float
    pair_f1: float
    acct_p: float
    acct_r: float
    acct_f1: float
    ari: float
    campaigns_found: int
    campaigns: int
    comment_p: float | None
    comment_r: float | None
    comment_f1: float | None
    recall_by_style: Mapping[str, float]
    lookalike_accounts_flagged: int
    lookalike_accounts: int
    organic_accounts_flagged: int
    groups: int


def _prf(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _pairs(groups: Mapping[str, list[str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for members in groups.values():
        ordered = sorted(set(members))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                found.add((a, b))
    return found


def score(
    comments: pd.DataFrame,
    group_of_account: Mapping[str, str],
    flagged_comments: set[str] | None = None,
) -> Scores:
    injected = comments[comments.kind == "injected"]
    campaign_of = dict(zip(injected.author, injected.campaign, strict=False))
    style_of = dict(zip(injected.author, injected["style"], strict=False))
    true_groups: dict[str, list[str]] = defaultdict(list)
    for account, campaign in campaign_of.items():
        true_groups[campaign].append(account)
    predicted_groups: dict[str, list[str]] = defaultdict(list)
    for account, group in group_of_account.items():
        predicted_groups[group].append(account)

    true_pairs, predicted_pairs = _pairs(true_groups), _pairs(predicted_groups)
    pair_p, pair_r, pair_f1 = _prf(
        len(true_pairs & predicted_pairs), len(predicted_pairs), len(true_pairs)
    )
    flagged_accounts = set(group_of_account)
    coordinated = set(campaign_of)
    acct_p, acct_r, acct_f1 = _prf(
        len(flagged_accounts & coordinated), len(flagged_accounts), len(coordinated)
    )

    universe = sorted(coordinated | flagged_accounts)
    truth = [campaign_of.get(a, f"organic:{a}") for a in universe]
    guess = [group_of_account.get(a, f"unflagged:{a}") for a in universe]
    ari = adjusted_rand_score(truth, guess) if universe else 1.0

    found = 0
    for campaign, members in true_groups.items():
        groups = Counter(group_of_account[a] for a in members if a in group_of_account)
        if not groups:
            continue
        group, hits = groups.most_common(1)[0]
        in_group = predicted_groups[group]
        share_of_group = sum(1 for a in in_group if campaign_of.get(a) == campaign) / len(in_group)
        if hits >= 0.5 * len(members) and share_of_group >= 0.5:
            found += 1

    comment_p = comment_r = comment_f1 = None
    if flagged_comments is not None:
        truth_ids = set(injected.comment_id)
        comment_p, comment_r, comment_f1 = _prf(
            len(flagged_comments & truth_ids), len(flagged_comments), len(truth_ids)
        )

    recall_by_style = {}
    for style in ("copy", "edit", "sibling"):
        accounts = [a for a, s in style_of.items() if s == style]
        recall_by_style[style] = sum(1 for a in accounts if a in flagged_accounts) / max(
            len(accounts), 1
        )
    lookalike_accounts = set(comments[comments.kind.str.startswith("lookalike")].author)
    organic_accounts = set(comments[comments.kind == "organic"].author)
    return Scores(
        pair_p,
        pair_r,
        pair_f1,
        acct_p,
        acct_r,
        acct_f1,
        ari,
        found,
        len(true_groups),
        comment_p,
        comment_r,
        comment_f1,
        recall_by_style,
        len(lookalike_accounts & flagged_accounts),
        len(lookalike_accounts),
        len(organic_accounts & flagged_accounts),
        len(predicted_groups),
    )


def groups_from_edges(edges: list[tuple[str, str]]) -> dict[str, str]:
    """Connected components of an account graph: account -> component id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {a: find(a) for a in parent}
