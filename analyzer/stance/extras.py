"""What the pipeline adds to each stance result after the article stance: target stance
(``targets.py``) and reply agreement (``agreement.py``), each a registered, versioned
component that ``stance.targets`` / ``stance.reply_agreement`` turn on and name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from analyzer.config import StanceParams
from analyzer.model import Article, Comment, ComponentInfo, StanceResult
from analyzer.stance.agreement import REPLY_AGREEMENT, ReplyAgreementComponent
from analyzer.stance.base import StanceClassifier
from analyzer.stance.targets import TARGET_STANCE, TargetStanceComponent


@dataclass(frozen=True, slots=True)
class StanceExtras:
    """The optional steps after the article stance; either may be None (off)."""

    targets: TargetStanceComponent | None = None
    agreement: ReplyAgreementComponent | None = None

    @classmethod
    def from_params(cls, params: StanceParams, classifier: StanceClassifier) -> StanceExtras:
        targets = (
            TARGET_STANCE.get(params.targets.model).from_params(params.targets)
            if params.targets.enabled
            else None
        )
        agreement = (
            REPLY_AGREEMENT.get(params.reply_agreement.model).from_params(
                params.reply_agreement, classifier
            )
            if params.reply_agreement.enabled
            else None
        )
        return cls(targets, agreement)

    @property
    def components(self) -> tuple[ComponentInfo, ...]:
        found: list[ComponentInfo] = []
        if self.targets is not None:
            found.append(ComponentInfo("target_stance", self.targets.name, self.targets.version))
        if self.agreement is not None:
            found.append(
                ComponentInfo("reply_agreement", self.agreement.name, self.agreement.version)
            )
        return tuple(found)

    def apply(
        self,
        comments: Sequence[Comment],
        articles: Mapping[str, Article],
        stance: Mapping[str, StanceResult],
    ) -> dict[str, StanceResult]:
        """The stance results with ``targets`` and ``reply_agreement`` filled in."""
        targets = self.targets.judge(comments, articles, stance) if self.targets else {}
        agreement = self.agreement.judge(comments) if self.agreement else {}
        if not targets and not agreement:
            return dict(stance)
        return {
            comment_id: replace(
                result,
                targets=targets.get(comment_id, result.targets),
                reply_agreement=agreement.get(comment_id, result.reply_agreement),
            )
            for comment_id, result in stance.items()
        }
