"""Each campaign cluster carries its stance split: member comments per stance label."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import ClassVar

from analyzer.config import load_settings
from analyzer.coordination.base import DetectionInput
from analyzer.export import cluster_record, write_json
from analyzer.model import (
    Article,
    Cluster,
    Comment,
    ComponentInfo,
    Corpus,
    Evidence,
    EvidenceKind,
    Requirement,
    Signal,
    StanceLabel,
    StanceResult,
)
from analyzer.pipeline import Pipeline, with_stance_counts
from tests.builders import make_comment, make_stance

LABEL_OF = {
    "c0": StanceLabel.OPPOSE,
    "c1": StanceLabel.OPPOSE,
    "c2": StanceLabel.OPPOSE,
    "c3": StanceLabel.SUPPORT,
    "c4": StanceLabel.NEUTRAL,  # not in the cluster
}


class _LabelStance:
    name: ClassVar[str] = "fixed_labels"
    version: ClassVar[str] = "0"
    checksum: ClassVar[str | None] = None

    def parts(self) -> tuple[ComponentInfo, ...]:
        return ()

    def predict(
        self, comments: Sequence[Comment], articles: Mapping[str, Article]
    ) -> list[StanceResult]:
        return [make_stance(c.comment_id, LABEL_OF[c.comment_id]) for c in comments]


class _GroupDetector:
    """Names c0..c3 as one group."""

    name: ClassVar[str] = "group"
    version: ClassVar[str] = "1"
    requires: ClassVar[frozenset[Requirement]] = frozenset()

    def detect(self, data: DetectionInput) -> list[Signal]:
        ids = ("c0", "c1", "c2", "c3")
        evidence = Evidence(EvidenceKind.COMMENT_GROUP, "four alike", comment_ids=ids)
        return [Signal(self.name, self.version, 0.9, "4 comments alike", ids, (evidence,))]


def _pipeline() -> Pipeline:
    return Pipeline(load_settings(), _LabelStance(), [_GroupDetector()])  # type: ignore[arg-type]


def _result() -> tuple[Cluster, Corpus]:
    comments = tuple(make_comment(f"c{i}", author=f"u{i}", minutes=i) for i in range(5))
    corpus = Corpus((), comments)
    result = _pipeline().run(corpus)
    assert len(result.clusters) == 1
    assert result.reports[0].clusters == result.clusters
    return result.clusters[0], corpus


def test_pipeline_gives_each_cluster_its_stance_split() -> None:
    cluster, _ = _result()
    assert dict(cluster.stance_counts) == {
        "support": 1,
        "oppose": 3,
        "neutral": 0,
        "unrelated": 0,
    }
    assert "3 oppose, 1 support" in cluster.summary


def test_split_counts_members_with_a_stance_result_only() -> None:
    cluster, _ = _result()
    partial = {"c0": make_stance("c0", StanceLabel.UNRELATED)}
    assert dict(with_stance_counts(cluster, partial).stance_counts) == {
        "support": 0,
        "oppose": 0,
        "neutral": 0,
        "unrelated": 1,
    }


def test_exports_carry_the_split_per_article_and_at_the_top() -> None:
    cluster, corpus = _result()
    assert cluster_record(cluster)["stance_counts"] == dict(cluster.stance_counts)
    stream = io.StringIO()
    write_json(_pipeline().run(corpus), stream)
    document = json.loads(stream.getvalue())
    expected = {"support": 1, "oppose": 3, "neutral": 0, "unrelated": 0}
    assert document["clusters"][0]["stance_counts"] == expected
    assert document["articles"][0]["clusters"][0]["stance_counts"] == expected


def test_cluster_without_a_split_exports_null_or_counts_from_labels() -> None:
    bare = Cluster("cl-x", 0.9, "s", ("a", "b"), (), ("a1",), ("group",), ())
    assert cluster_record(bare)["stance_counts"] is None
    counted = cluster_record(bare, {"a": "support", "b": "support"})["stance_counts"]
    assert counted == {"support": 2, "oppose": 0, "neutral": 0, "unrelated": 0}
