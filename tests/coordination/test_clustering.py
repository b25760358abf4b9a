"""Cluster assembly: stable ids, one result per comment, scores and flags from the signals."""

from __future__ import annotations

import random

import pytest

from analyzer.coordination.clustering import (
    UnionFind,
    assemble,
    cluster_id_for,
    describe_duration,
    stance_split,
)
from analyzer.model import Comment, Evidence, EvidenceKind, Signal, StanceLabel
from tests.builders import make_comment, make_stance


def signal(detector: str, ids: tuple[str, ...], score: float) -> Signal:
    evidence = Evidence(EvidenceKind.COMMENT_GROUP, "test group", comment_ids=ids)
    return Signal(detector, "1.0.0", score, f"{detector} over {len(ids)}", ids, (evidence,))


def corpus() -> list[Comment]:
    return [
        make_comment("c1", author="ann", article_id="a1", minutes=0),
        make_comment("c2", author="bob", article_id="a1", minutes=2),
        make_comment("c3", author="cid", article_id="a2", minutes=5),
        make_comment("c4", author="dee", article_id="a2", minutes=30),
        make_comment("c5", author="eve", article_id="a3"),
        make_comment("c6", author=None, article_id="a3"),
    ]


SIGNALS = [
    signal("near_duplicate", ("c1", "c2", "c3"), 0.9),
    signal("burst", ("c3", "c4"), 0.3),
    signal("burst", ("c5", "c6"), 0.2),
    signal("style", ("c6",), 0.0),
]


def test_every_comment_gets_a_result() -> None:
    comments = [*corpus(), make_comment("lonely", author="zed")]
    _, results = assemble(SIGNALS, comments, flag_threshold=0.5)
    assert set(results) == {c.comment_id for c in comments}
    lonely = results["lonely"]
    assert (lonely.flagged, lonely.score, lonely.cluster_id, lonely.signals) == (
        False,
        0.0,
        None,
        (),
    )


def test_linking_signals_form_clusters_and_supporting_ones_attach_without_merging() -> None:
    clusters, results = assemble(SIGNALS, corpus(), flag_threshold=0.5)
    # Only the near-duplicate signal reaches the threshold: one cluster, the bursts attach to
    # it (c3 overlaps) or make nothing at all (c5, c6).
    assert [c.comment_ids for c in clusters] == [("c1", "c2", "c3")]
    big = clusters[0]
    assert big.detectors == ("burst", "near_duplicate")
    assert big.score == pytest.approx(1 - (1 - 0.9) * (1 - 0.3))
    assert big.authors == ("ann", "bob", "cid")
    assert big.article_ids == ("a1", "a2")
    assert big.started_at == corpus()[0].created_at and big.ended_at == corpus()[2].created_at
    assert big.summary == (
        "3 comments by 3 accounts under 2 articles, posted between 2024-03-01 12:00 and "
        "2024-03-01 12:05 UTC (5 minutes); signals: burst (0.30), near_duplicate (0.90). "
        "Strongest evidence: near_duplicate over 3."
    )
    assert results["c1"].cluster_id == results["c3"].cluster_id == big.cluster_id
    assert results["c4"].cluster_id is None and results["c5"].cluster_id is None


def test_two_linking_signals_that_share_a_comment_merge() -> None:
    signals = [*SIGNALS, signal("template", ("c3", "c4"), 0.6)]
    clusters, _ = assemble(signals, corpus(), flag_threshold=0.5)
    assert [c.comment_ids for c in clusters] == [("c1", "c2", "c3", "c4")]
    assert clusters[0].detectors == ("burst", "near_duplicate", "template")


def test_supporting_signals_alone_make_no_cluster() -> None:
    weak = [signal("style", ("c1", "c2"), 0.45), signal("burst", ("c2", "c3"), 0.4)]
    clusters, results = assemble(weak, corpus(), flag_threshold=0.5)
    assert clusters == ()
    assert not any(r.flagged for r in results.values())
    assert [s.detector for s in results["c2"].signals] == ["burst", "style"]


def test_cluster_stance_split_and_summary() -> None:
    stance = {
        "c1": make_stance("c1", StanceLabel.OPPOSE),
        "c2": make_stance("c2", StanceLabel.OPPOSE),
        "c3": make_stance("c3", StanceLabel.SUPPORT),
    }
    clusters, _ = assemble(SIGNALS, corpus(), 0.5, stance)
    members = [c for c in corpus() if c.comment_id in clusters[0].comment_ids]
    assert stance_split(members, stance) == {
        "support": 1,
        "oppose": 2,
        "neutral": 0,
        "unrelated": 0,
    }
    assert "; stance: 2 oppose, 1 support. Strongest evidence:" in clusters[0].summary


def test_comment_scores_and_flags_come_from_the_signals_that_name_them() -> None:
    _, results = assemble(SIGNALS, corpus(), flag_threshold=0.5)
    assert (results["c3"].score, results["c3"].flagged) == (0.9, True)
    assert (results["c4"].score, results["c4"].flagged) == (0.3, False)
    assert results["c4"].cluster_id is None
    assert [s.detector for s in results["c3"].signals] == ["burst", "near_duplicate"]
    # A zero-score signal is listed for its comment but ties nothing into a cluster.
    assert [s.detector for s in results["c6"].signals] == ["burst", "style"]
    _, strict = assemble(SIGNALS, corpus(), flag_threshold=0.95)
    assert not any(r.flagged for r in strict.values())


def test_zero_score_signals_make_no_cluster() -> None:
    clusters, results = assemble([signal("style", ("c1", "c2"), 0.0)], corpus(), 0.5)
    assert clusters == ()
    assert results["c1"].cluster_id is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_output_does_not_depend_on_input_order(seed: int) -> None:
    expected = assemble(SIGNALS, corpus(), 0.5)
    rng = random.Random(seed)
    comments, signals = corpus(), list(SIGNALS)
    rng.shuffle(comments)
    rng.shuffle(signals)
    assert assemble(signals, comments, 0.5) == expected


def test_cluster_ids_are_stable_and_depend_only_on_members() -> None:
    clusters, _ = assemble(SIGNALS, corpus(), 0.5)
    assert clusters[0].cluster_id == cluster_id_for(["c3", "c2", "c1"])
    assert (
        clusters[0].cluster_id
        == "cl-" + __import__("hashlib").sha256(b"c1\nc2\nc3").hexdigest()[:12]
    )
    assert cluster_id_for(["c1", "c2"]) != clusters[0].cluster_id


def test_signals_naming_unknown_comments_are_rejected() -> None:
    with pytest.raises(ValueError, match="not among the comments passed to assemble: ghost"):
        assemble([signal("burst", ("c1", "ghost"), 0.5)], corpus(), 0.5)


def test_union_find_groups() -> None:
    sets = UnionFind(6)
    sets.union(4, 1)
    sets.union(1, 2)
    sets.union(5, 3)
    assert sets.groups() == [[1, 2, 4], [3, 5]]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (180, "3 minutes"),
        (9000, "2.5 hours"),
        (50_000, "14 hours"),
        (4 * 86400, "4 days"),
    ],
)
def test_describe_duration(seconds: float, text: str) -> None:
    assert describe_duration(seconds) == text
