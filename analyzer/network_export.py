"""Account networks for researchers: GraphML and edge-list CSV in the QUT toolkit's conventions.

The QUT coordination-network-toolkit writes an edge list ``source,target,weight,edge_type``
(every field quoted), a node list ``Id,username,message_0..message_{n-1}`` and GraphML through
networkx, so its networks open in Gephi or igraph. These writers keep those columns first and
add what the toolkit cannot say: the signal score, the cluster, the articles and the comments
behind each edge.

Nodes are accounts. Two accounts are linked by a detector when one of its signals (score above
``min_score``) names comments of both; ``weight`` counts such signals, ``score`` is the highest
of their scores. The CSV has one row per account pair and detector (``edge_type`` is the
detector); GraphML has one undirected edge per pair with the weights summed and the detectors
joined by ``;``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from analyzer.model import AnalysisResult, Comment, Signal

EDGE_COLUMNS = (
    "source",
    "target",
    "weight",
    "edge_type",
    "score",
    "cluster_ids",
    "article_ids",
    "comment_ids",
)


@dataclass(frozen=True, slots=True)
class AccountEdge:
    source: str
    target: str
    edge_type: str
    weight: int
    score: float
    cluster_ids: tuple[str, ...]
    article_ids: tuple[str, ...]
    comment_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountNode:
    account: str
    comments: tuple[Comment, ...]
    cluster_ids: tuple[str, ...]
    flagged_comments: int


@dataclass(frozen=True, slots=True)
class AccountNetwork:
    nodes: tuple[AccountNode, ...]
    edges: tuple[AccountEdge, ...]


def _unique_signals(result: AnalysisResult) -> list[Signal]:
    seen: dict[tuple[str, tuple[str, ...], str], Signal] = {}
    for report in result.reports:
        for analysis in report.comments:
            for signal in analysis.coordination.signals:
                seen.setdefault((signal.detector, signal.comment_ids, signal.summary), signal)
    return [seen[k] for k in sorted(seen)]


def account_network(result: AnalysisResult, min_score: float = 0.0) -> AccountNetwork:
    """Accounts tied by signals scoring above ``min_score`` (comments without an author skip)."""
    comments = {a.comment.comment_id: a for r in result.reports for a in r.comments}
    cluster_of = {cid: a.coordination.cluster_id for cid, a in comments.items()}
    acc: dict[tuple[str, str, str], dict[str, Any]] = {}
    for signal in _unique_signals(result):
        if signal.score <= min_score:
            continue
        by_author: dict[str, list[str]] = defaultdict(list)
        for cid in signal.comment_ids:
            author = comments[cid].comment.author if cid in comments else None
            if author:
                by_author[author].append(cid)
        for left, right in combinations(sorted(by_author), 2):
            entry = acc.setdefault(
                (left, right, signal.detector),
                {"weight": 0, "score": 0.0, "clusters": set(), "articles": set(), "ids": set()},
            )
            ids = by_author[left] + by_author[right]
            entry["weight"] += 1
            entry["score"] = max(entry["score"], signal.score)
            entry["ids"].update(ids)
            entry["articles"].update(comments[c].comment.article_id for c in ids)
            entry["clusters"].update(cluster_of[c] for c in ids if cluster_of.get(c))
    edges = tuple(
        AccountEdge(
            source=left,
            target=right,
            edge_type=detector,
            weight=entry["weight"],
            score=entry["score"],
            cluster_ids=tuple(sorted(entry["clusters"])),
            article_ids=tuple(sorted(entry["articles"])),
            comment_ids=tuple(sorted(entry["ids"])),
        )
        for (left, right, detector), entry in sorted(acc.items())
    )
    linked = {e.source for e in edges} | {e.target for e in edges}
    per_account: dict[str, list[Comment]] = defaultdict(list)
    clusters: dict[str, set[str]] = defaultdict(set)
    flagged: dict[str, int] = defaultdict(int)
    for analysis in comments.values():
        author = analysis.comment.author
        if author in linked:
            per_account[author].append(analysis.comment)
            if analysis.coordination.cluster_id:
                clusters[author].add(analysis.coordination.cluster_id)
            flagged[author] += int(analysis.coordination.flagged)
    nodes = tuple(
        AccountNode(
            account=account,
            comments=tuple(sorted(per_account[account], key=_time_key)),
            cluster_ids=tuple(sorted(clusters[account])),
            flagged_comments=flagged[account],
        )
        for account in sorted(linked)
    )
    return AccountNetwork(nodes, edges)


def _time_key(comment: Comment) -> tuple[float, str]:
    when = comment.created_at.timestamp() if comment.created_at else float("-inf")
    return (when, comment.comment_id)


def _recent_messages(node: AccountNode, n_messages: int) -> list[str]:
    """The account's ``n_messages`` most recent comments (the toolkit's node annotation)."""
    recent = list(reversed(node.comments))[:n_messages]
    texts = [c.text for c in recent]
    return texts + [""] * (n_messages - len(texts))


def write_edge_csv(network: AccountNetwork, out: Path) -> int:
    """``source,target,weight,edge_type`` (the toolkit's columns) plus our evidence columns."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL)
        writer.writerow(EDGE_COLUMNS)
        for e in network.edges:
            writer.writerow(
                [
                    e.source,
                    e.target,
                    e.weight,
                    e.edge_type,
                    f"{e.score:.4f}",
                    ";".join(e.cluster_ids),
                    ";".join(e.article_ids),
                    ";".join(e.comment_ids),
                ]
            )
    return len(network.edges)


def write_node_csv(network: AccountNetwork, out: Path, n_messages: int = 10) -> int:
    """``Id,username,message_0..`` (the toolkit's columns) plus cluster ids and flag counts."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL)
        writer.writerow(
            [
                "Id",
                "username",
                *(f"message_{i}" for i in range(n_messages)),
                "cluster_ids",
                "flagged_comments",
            ]
        )
        for node in network.nodes:
            writer.writerow(
                [
                    node.account,
                    node.account,
                    *_recent_messages(node, n_messages),
                    ";".join(node.cluster_ids),
                    node.flagged_comments,
                ]
            )
    return len(network.nodes)


def write_graphml(network: AccountNetwork, out: Path, n_messages: int = 10) -> None:
    """One undirected graph: weights summed over detectors, detectors joined by ';'."""
    import networkx as nx  # noqa: PLC0415  (only needed for this export)

    graph: Any = nx.Graph()
    for node in network.nodes:
        attributes: dict[str, Any] = {
            "username": node.account,
            "cluster_ids": ";".join(node.cluster_ids),
            "flagged_comments": node.flagged_comments,
        }
        for i, text in enumerate(_recent_messages(node, n_messages)):
            attributes[f"message_{i}"] = text
        graph.add_node(node.account, **attributes)
    merged: dict[tuple[str, str], list[AccountEdge]] = defaultdict(list)
    for edge in network.edges:
        merged[(edge.source, edge.target)].append(edge)
    for (source, target), edges in merged.items():
        graph.add_edge(
            source,
            target,
            weight=sum(e.weight for e in edges),
            edge_type=";".join(sorted({e.edge_type for e in edges})),
            score=max(e.score for e in edges),
            cluster_ids=";".join(sorted({c for e in edges for c in e.cluster_ids})),
            article_ids=";".join(sorted({a for e in edges for a in e.article_ids})),
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(graph, str(out))


def write_network(
    result: AnalysisResult, prefix: Path, min_score: float = 0.0
) -> tuple[Path, Path, Path]:
    """``prefix.graphml``, ``prefix.edges.csv`` and ``prefix.nodes.csv``; returns the paths."""
    network = account_network(result, min_score)
    paths = (
        prefix.with_name(prefix.name + ".graphml"),
        prefix.with_name(prefix.name + ".edges.csv"),
        prefix.with_name(prefix.name + ".nodes.csv"),
    )
    write_graphml(network, paths[0])
    write_edge_csv(network, paths[1])
    write_node_csv(network, paths[2])
    return paths


def edge_rows(network: AccountNetwork) -> Iterable[tuple[str, str, int, str]]:
    """The toolkit's four edge columns, for comparing networks with it."""
    return ((e.source, e.target, e.weight, e.edge_type) for e in network.edges)
