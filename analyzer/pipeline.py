"""The pipeline: stance for every comment, then every enabled coordination detector.

Thin on purpose: components do the work; this module decides what each may run on, records
what had to be skipped and why, and assembles the per-article reports.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType

import analyzer
from analyzer.config import Settings, load_settings
from analyzer.coordination.base import DETECTORS, DetectionInput, Detector, RunMemo
from analyzer.coordination.clustering import assemble
from analyzer.errors import ConfigError
from analyzer.model import (
    AnalysisResult,
    Article,
    ArticleReport,
    Cluster,
    Comment,
    CommentAnalysis,
    ComponentInfo,
    Corpus,
    Requirement,
    RunInfo,
    Signal,
    SkippedSignal,
    StanceLabel,
    StanceResult,
)
from analyzer.stance.base import STANCE_CLASSIFIERS, StanceClassifier
from analyzer.stance.extras import StanceExtras

# stage name, items done, items total
ProgressCallback = Callable[[str, int, int], None]

_MISSING_REASON: Mapping[Requirement, str] = {
    Requirement.TEXT: "no comment text",
    Requirement.AUTHORS: (
        "no author ids on these comments, so duplicates from different accounts cannot be "
        "told apart from one person posting twice"
    ),
    Requirement.TIMESTAMPS: "no comment timestamps, so comment rates cannot be measured",
    Requirement.MULTIPLE_ARTICLES: "only one article in the input, so nothing spans articles",
    Requirement.AUTHOR_METADATA: (
        "no account creation times (comment metadata 'author_created_at'), so account age "
        "cannot be judged"
    ),
}


def load_components() -> None:
    """Import the component packages so their registration lines run."""
    import analyzer.coordination  # noqa: PLC0415
    import analyzer.stance  # noqa: F401, PLC0415


@dataclass(frozen=True, slots=True)
class _Eligibility:
    article_ids: frozenset[str]
    skipped: tuple[SkippedSignal, ...]


class Pipeline:
    """Built once from validated settings; ``run`` may be called many times."""

    def __init__(
        self,
        settings: Settings,
        stance: StanceClassifier,
        detectors: Sequence[Detector],
        stance_extras: StanceExtras | None = None,
    ) -> None:
        self.settings = settings
        self.stance = stance
        self.detectors = tuple(detectors)
        self.stance_extras = stance_extras or StanceExtras()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Pipeline:
        settings = settings or load_settings()
        load_components()
        # Resolve every name before loading any model, so a typo fails in milliseconds.
        stance_cls = STANCE_CLASSIFIERS.get(settings.stance.model)
        detectors = []
        for name in settings.coordination.detectors:
            detector_cls = DETECTORS.get(name)
            params = getattr(settings.coordination, name, None)
            if params is None:
                raise ConfigError(
                    f"detector '{name}' has no parameters in settings.coordination",
                    hint="add a Params model for it to analyzer/config.py",
                )
            detectors.append(detector_cls(params))
        classifier = stance_cls.from_params(settings.stance)
        extras = StanceExtras.from_params(settings.stance, classifier)
        return cls(settings, classifier, detectors, extras)

    @property
    def components(self) -> tuple[ComponentInfo, ...]:
        stance = ComponentInfo(
            kind="stance",
            name=self.stance.name,
            version=self.stance.version,
            checksum=self.stance.checksum,
        )
        detectors = tuple(
            ComponentInfo(kind="detector", name=d.name, version=d.version) for d in self.detectors
        )
        return (stance, *self.stance.parts(), *self.stance_extras.components, *detectors)

    def run_info(self) -> RunInfo:
        return RunInfo(
            run_id=uuid.uuid4().hex,
            package_version=analyzer.__version__,
            started_at=datetime.now(UTC),
            components=self.components,
            settings_hash=self.settings.digest(),
            settings=self.settings.model_dump(mode="json"),
        )

    def run(self, corpus: Corpus, *, on_progress: ProgressCallback | None = None) -> AnalysisResult:
        run_info = self.run_info()
        articles = _articles_by_id(corpus)
        stance = self._classify(corpus.comments, articles, on_progress)
        # Target stance and reply agreement build on the article stance (additive fields).
        stance = self.stance_extras.apply(corpus.comments, articles, stance)

        signals: list[Signal] = []
        skipped_by_article: dict[str, list[SkippedSignal]] = defaultdict(list)
        run_skipped: list[SkippedSignal] = []
        comments_by_article = _group_by_article(corpus.comments)
        memo = RunMemo()  # text prep the detectors of this run share
        for done, detector in enumerate(self.detectors):
            eligibility = _eligibility(detector, articles, comments_by_article)
            for skip in eligibility.skipped:
                if skip.article_id is None:
                    run_skipped.append(skip)
                else:
                    skipped_by_article[skip.article_id].append(skip)
            if eligibility.article_ids:
                usable = (
                    corpus.comments  # the common case: no copy of a large corpus
                    if len(eligibility.article_ids) == len(comments_by_article)
                    else tuple(
                        c for c in corpus.comments if c.article_id in eligibility.article_ids
                    )
                )
                signals.extend(detector.detect(DetectionInput(usable, articles, stance, memo)))
            if on_progress:
                on_progress("coordination", done + 1, len(self.detectors))

        clusters, coordination = assemble(
            signals, corpus.comments, self.settings.coordination.flag_threshold, stance
        )
        clusters = tuple(with_stance_counts(c, stance) for c in clusters)
        clusters_by_article: dict[str, list[Cluster]] = defaultdict(list)
        for cluster in clusters:
            for article_id in cluster.article_ids:
                clusters_by_article[article_id].append(cluster)
        # Articles that arrived without comments still get an (empty) report.
        reports = tuple(
            ArticleReport(
                article=articles[article_id],
                comments=tuple(
                    CommentAnalysis(c, stance[c.comment_id], coordination[c.comment_id])
                    for c in comments_by_article.get(article_id, ())
                ),
                clusters=tuple(clusters_by_article.get(article_id, ())),
                skipped_signals=tuple(skipped_by_article.get(article_id, ())),
                run_info=run_info,
            )
            for article_id in articles
        )
        return AnalysisResult(
            reports=reports,
            clusters=clusters,
            skipped_signals=tuple(run_skipped),
            issues=corpus.issues,
            run_info=run_info,
        )

    def _classify(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        on_progress: ProgressCallback | None,
    ) -> dict[str, StanceResult]:
        batch = self.settings.stance.batch_size
        results: dict[str, StanceResult] = {}
        for start in range(0, len(comments), batch):
            chunk = comments[start : start + batch]
            for result in self.stance.predict(chunk, articles):
                results[result.comment_id] = result
            if on_progress:
                on_progress("stance", min(start + batch, len(comments)), len(comments))
        return results


def with_stance_counts(cluster: Cluster, stance: Mapping[str, StanceResult]) -> Cluster:
    """The cluster with its stance split: member comments per stance label, every label
    present (members without a stance result are not counted)."""
    counts = dict.fromkeys((label.value for label in StanceLabel), 0)
    for comment_id in dict.fromkeys(cluster.comment_ids):
        result = stance.get(comment_id)
        if result is not None:
            counts[result.label.value] += 1
    return replace(cluster, stance_counts=MappingProxyType(counts))


def _articles_by_id(corpus: Corpus) -> dict[str, Article]:
    articles = {a.article_id: a for a in corpus.articles}
    for comment in corpus.comments:
        if comment.article_id not in articles:
            articles[comment.article_id] = Article(article_id=comment.article_id)
    return articles


def _group_by_article(comments: Sequence[Comment]) -> dict[str, list[Comment]]:
    grouped: dict[str, list[Comment]] = defaultdict(list)
    for comment in comments:
        grouped[comment.article_id].append(comment)
    return dict(grouped)


def _has(requirement: Requirement, comments: Sequence[Comment]) -> bool:
    if requirement is Requirement.AUTHORS:
        return any(c.author for c in comments)
    if requirement is Requirement.TIMESTAMPS:
        return sum(1 for c in comments if c.created_at is not None) >= 2
    if requirement is Requirement.AUTHOR_METADATA:
        from analyzer.coordination.account import has_account_metadata  # noqa: PLC0415

        return any(has_account_metadata(c) for c in comments)
    return True


def _eligibility(
    detector: Detector,
    articles: Mapping[str, Article],
    comments_by_article: Mapping[str, Sequence[Comment]],
) -> _Eligibility:
    """Which articles a detector can run on; a SkippedSignal with the reason for the rest."""
    # A detector whose model or optional dependency is missing is skipped for the whole run,
    # with its own reason (e.g. 'semantic' without the sentence encoder), never run half-way.
    unavailable = getattr(detector, "unavailable_reason", None)
    reason_unavailable = unavailable() if callable(unavailable) else None
    if reason_unavailable:
        return _Eligibility(frozenset(), (SkippedSignal(detector.name, str(reason_unavailable)),))
    if Requirement.MULTIPLE_ARTICLES in detector.requires and len(articles) < 2:
        reason = _MISSING_REASON[Requirement.MULTIPLE_ARTICLES]
        return _Eligibility(
            frozenset(),
            (
                SkippedSignal(detector.name, reason),
                *(SkippedSignal(detector.name, reason, a) for a in comments_by_article),
            ),
        )
    eligible: set[str] = set()
    skipped: list[SkippedSignal] = []
    missing_everywhere: set[Requirement] = set(detector.requires)
    for article_id, comments in comments_by_article.items():
        missing = [r for r in sorted(detector.requires) if not _has(r, comments)]
        missing_everywhere &= set(missing)
        if missing:
            reason = "; ".join(_MISSING_REASON[r] for r in missing)
            skipped.append(SkippedSignal(detector.name, reason, article_id))
        else:
            eligible.add(article_id)
    if not eligible and comments_by_article:
        reason = "; ".join(_MISSING_REASON[r] for r in sorted(missing_everywhere)) or (
            "no article had the data it needs"
        )
        skipped.insert(0, SkippedSignal(detector.name, f"{reason} (in any article)"))
    return _Eligibility(frozenset(eligible), tuple(skipped))


def analyze(corpus: Corpus, settings: Settings | None = None) -> AnalysisResult:
    """One-call convenience: build a pipeline from settings and run it on ``corpus``."""
    return Pipeline.from_settings(settings).run(corpus)
