"""Reply agreement: does a reply agree with, disagree with, or stay neutral toward its parent?

The configured stance classifier (``tfidf_baseline`` or ``minilm_stance``) already judges a
text against a claim; here the claim is the parent comment. Each reply whose parent is in the
batch becomes a (parent-as-article, reply) pair; support -> agree, oppose -> disagree, neutral
and unrelated -> neutral. Scoring on RumourEval direct replies (where SDQC is relative to the
parent, the source post) is in ``evaluate_reply_agreement``.

Evidence: the cue words of the reply that mark agreement ("exactly", "agreed", "true") or
disagreement ("wrong", "not true", "nonsense"), with character offsets, and the classifier's
own text-span evidence when it gives any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Protocol

import numpy as np

from analyzer.config import ReplyAgreementParams
from analyzer.model import (
    AgreementLabel,
    Article,
    Comment,
    Evidence,
    EvidenceKind,
    ReplyAgreement,
    Span,
    StanceLabel,
    StanceResult,
)
from analyzer.registry import Registry
from analyzer.stance.base import StanceClassifier


class ReplyAgreementComponent(Protocol):
    """Judges each reply (a comment whose parent is in the batch) against its parent."""

    name: ClassVar[str]
    version: ClassVar[str]

    @classmethod
    def from_params(
        cls, params: ReplyAgreementParams, classifier: StanceClassifier
    ) -> ReplyAgreementComponent: ...

    def judge(self, comments: Sequence[Comment]) -> dict[str, ReplyAgreement]: ...


REPLY_AGREEMENT: Registry[ReplyAgreementComponent] = Registry("reply-agreement component")

PARENT_ARTICLE_PREFIX = "parent:"
_AGREE_CUES = re.compile(
    r"\b(?:agreed?|exactly|absolutely|indeed|so true|true|correct|right|yes|yep|yeah|confirmed|"
    r"well said|good point|this|same|\+1)\b",
    re.IGNORECASE,
)
_DISAGREE_CUES = re.compile(
    r"\b(?:wrong|not true|untrue|false|fake|hoax|nonsense|bs|bullshit|lies?|liar|lying|"
    r"disagree|no(?=[,.!\s])|nope|debunked|misleading|rubbish|not really|doubt)\b",
    re.IGNORECASE,
)

_TO_AGREEMENT: Mapping[StanceLabel, AgreementLabel] = MappingProxyType(
    {
        StanceLabel.SUPPORT: AgreementLabel.AGREE,
        StanceLabel.OPPOSE: AgreementLabel.DISAGREE,
        StanceLabel.NEUTRAL: AgreementLabel.NEUTRAL,
        StanceLabel.UNRELATED: AgreementLabel.NEUTRAL,
    }
)


def agreement_scores(result: StanceResult) -> dict[str, float]:
    """The classifier's four product scores folded onto agree / disagree / neutral."""
    scores = {str(label): 0.0 for label in AgreementLabel}
    for label, value in result.scores.items():
        scores[str(_TO_AGREEMENT[StanceLabel(label)])] += float(value)
    total = sum(scores.values()) or 1.0
    return {k: v / total for k, v in scores.items()}


def cue_evidence(comment: Comment) -> list[Evidence]:
    """Agreement and disagreement cue words in the reply, with character offsets."""
    found = []
    for pattern, kind in ((_AGREE_CUES, "agreement"), (_DISAGREE_CUES, "disagreement")):
        for match in pattern.finditer(comment.text):
            found.append(
                Evidence(
                    kind=EvidenceKind.TEXT_SPAN,
                    summary=f"{kind} cue: '{match.group()}'",
                    comment_ids=(comment.comment_id,),
                    span=Span(match.start(), match.end(), match.group()),
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class _Pair:
    reply: Comment
    parent: Comment


@REPLY_AGREEMENT.register("pair_agreement")
class PairAgreement:
    """The stance pair model with the parent comment in the article's place."""

    name: ClassVar[str] = "pair_agreement"
    version: ClassVar[str] = "1.0.0"

    def __init__(self, classifier: StanceClassifier, *, batch_size: int = 512) -> None:
        self.classifier = classifier
        self.batch_size = batch_size

    @classmethod
    def from_params(
        cls, params: ReplyAgreementParams, classifier: StanceClassifier
    ) -> PairAgreement:
        from analyzer.stance.minilm_stance import MiniLMStanceClassifier  # noqa: PLC0415

        # The relatedness check is fitted for comments against articles, not replies against
        # their parent: a short "no, wrong" is far from any parent and would turn neutral.
        if isinstance(classifier, MiniLMStanceClassifier):
            classifier = classifier.without_relevance()
        return cls(classifier)

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}+{self.classifier.name}@{self.classifier.version}"

    def judge(self, comments: Sequence[Comment]) -> dict[str, ReplyAgreement]:
        by_id = {c.comment_id: c for c in comments}
        pairs = [
            _Pair(c, by_id[c.parent_id])
            for c in comments
            if c.parent_id is not None and c.parent_id in by_id and c.parent_id != c.comment_id
        ]
        out: dict[str, ReplyAgreement] = {}
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]
            articles = {
                PARENT_ARTICLE_PREFIX + p.parent.comment_id: Article(
                    article_id=PARENT_ARTICLE_PREFIX + p.parent.comment_id, text=p.parent.text
                )
                for p in chunk
            }
            # Each reply stands alone against its parent: no parent_id, so the classifier
            # reads it as a direct reply to that "article" (how it was trained on sources).
            replies = [
                Comment(
                    comment_id=p.reply.comment_id,
                    article_id=PARENT_ARTICLE_PREFIX + p.parent.comment_id,
                    text=p.reply.text,
                )
                for p in chunk
            ]
            for pair, result in zip(chunk, self.classifier.predict(replies, articles), strict=True):
                out[pair.reply.comment_id] = self._agreement(pair, result)
        return out

    def _agreement(self, pair: _Pair, result: StanceResult) -> ReplyAgreement:
        scores = agreement_scores(result)
        labels = list(AgreementLabel)
        best = labels[int(np.argmax([scores[str(label)] for label in labels]))]
        if not result.supported:
            best = AgreementLabel.NEUTRAL
        evidence = [
            e for e in result.evidence if e.kind is EvidenceKind.TEXT_SPAN and e.span is not None
        ]
        cues = cue_evidence(pair.reply)
        wanted = {AgreementLabel.AGREE: "agreement", AgreementLabel.DISAGREE: "disagreement"}
        evidence.extend(c for c in cues if c.summary.startswith(wanted.get(best, "-")))
        return ReplyAgreement(
            parent_id=pair.parent.comment_id,
            label=best,
            confidence=scores[str(best)],
            scores=MappingProxyType(scores),
            evidence=tuple(
                Evidence(
                    kind=e.kind,
                    summary=e.summary,
                    comment_ids=(pair.reply.comment_id,),
                    span=e.span,
                    weight=e.weight,
                )
                for e in evidence
            ),
            model=self.model_id,
        )
