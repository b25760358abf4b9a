"""Clusters: candidate campaigns, and the evidence packet a reviewer judges one by."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from analyzer.export import cluster_record, comment_record, signal_record
from analyzer.model import CommentAnalysis, StanceLabel
from analyzer.storage import results
from analyzer.storage.tables import ArticleRow
from api.convert import iso
from api.deps import Limit, Offset, SettingsDep, StoreDep, Viewer
from api.schemas import ClusterList, ClusterPacket

router = APIRouter(prefix="/v1/clusters", tags=["clusters"])

MAX_DIFF_MEMBERS = 200  # diffs beyond this many members add nothing a reviewer reads


@router.get("", response_model=ClusterList, summary="Current clusters, strongest first")
def list_clusters(
    *,
    _key: Viewer,
    store: StoreDep,
    settings: SettingsDep,
    article_id: Annotated[
        str | None, Query(max_length=255, description="Only clusters touching this article.")
    ] = None,
    detector: Annotated[
        str | None, Query(max_length=128, description="Only clusters with this detector.")
    ] = None,
    min_score: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Clusters from each article's latest run (older: `GET /v1/clusters/{id}?run_id=`)."""
    limit = min(limit, settings.api.max_page_size)
    with store.reading() as session:
        total, clusters, run_ids = results.list_clusters(
            session,
            article_id=article_id,
            detector=detector,
            min_score=min_score,
            limit=limit,
            offset=offset,
        )
    return JSONResponse(
        {
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None,
            "clusters": [
                {"cluster": cluster_record(c), "run_id": r}
                for c, r in zip(clusters, run_ids, strict=True)
            ],
        }
    )


def shared_text(members: Sequence[CommentAnalysis]) -> dict[str, Any]:
    """The most common member text, and how each member's words differ from it."""
    if not members:
        return {"text": "", "diffs": []}
    counts = Counter(" ".join(m.comment.text.split()) for m in members)
    template = max(counts, key=lambda text: (counts[text], -len(text)))
    template_words = template.split()
    diffs = []
    for member in members[:MAX_DIFF_MEMBERS]:
        words = member.comment.text.split()
        matcher = difflib.SequenceMatcher(a=template_words, b=words, autojunk=False)
        ops = []
        for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
            text = " ".join(
                template_words[a_start:a_end] if tag == "delete" else words[b_start:b_end]
            )
            ops.append({"op": tag, "text": text})
        diffs.append(
            {
                "comment_id": member.comment.comment_id,
                "similarity": round(matcher.ratio(), 4),
                "ops": ops,
            }
        )
    return {"text": template, "diffs": diffs}


@router.get(
    "/{cluster_id}",
    response_model=ClusterPacket,
    summary="The evidence packet: members, accounts, articles, shared text diff, time span, stance",
)
def read_cluster(
    *,
    cluster_id: Annotated[str, Path(min_length=1, max_length=255)],
    _key: Viewer,
    store: StoreDep,
    run_id: Annotated[
        str | None, Query(max_length=255, description="As of this run (default: the latest).")
    ] = None,
) -> Any:
    with store.reading() as session:
        cluster, resolved = results.get_cluster(session, cluster_id, run_id)
        members = results.member_analyses(session, resolved, cluster.comment_ids)
        articles = {
            row.article_id: row
            for row in (session.get(ArticleRow, a) for a in cluster.article_ids)
            if row is not None
        }
    per_author: dict[str, list[CommentAnalysis]] = defaultdict(list)
    for member in members:
        per_author[member.comment.author or ""].append(member)
    per_article = Counter(m.comment.article_id for m in members)
    stance = Counter(str(m.stance.label) for m in members)
    seconds = (
        (cluster.ended_at - cluster.started_at).total_seconds()
        if cluster.started_at and cluster.ended_at
        else None
    )
    packet = {
        "cluster_id": cluster.cluster_id,
        "run_id": resolved,
        "summary": cluster.summary,
        "score": cluster.score,
        "cluster": cluster_record(cluster),
        "members": [comment_record(m, resolved) for m in members],
        "accounts": [
            {
                "author": author,
                "comment_count": len(comments),
                "article_ids": sorted({c.comment.article_id for c in comments}),
            }
            for author, comments in sorted(per_author.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            if author
        ],
        "articles": [
            {
                "article_id": article_id,
                "title": articles[article_id].title if article_id in articles else "",
                "url": articles[article_id].url if article_id in articles else None,
                "comment_count": per_article.get(article_id, 0),
            }
            for article_id in cluster.article_ids
        ],
        "shared_text": shared_text(members),
        "time_span": {
            "started_at": iso(cluster.started_at),
            "ended_at": iso(cluster.ended_at),
            "seconds": seconds,
        },
        "stance_split": {str(label): stance.get(str(label), 0) for label in StanceLabel},
        "signals": [signal_record(s) for s in cluster.signals],
    }
    return JSONResponse(packet)
