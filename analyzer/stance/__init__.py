"""Stance classifiers. Importing this package registers every built-in classifier."""

from analyzer.stance import baseline as baseline  # registers "tfidf_baseline"
from analyzer.stance import minilm_stance as minilm_stance  # registers "minilm_stance"
from analyzer.stance.base import STANCE_CLASSIFIERS, StanceClassifier

__all__ = ["STANCE_CLASSIFIERS", "StanceClassifier", "baseline", "minilm_stance"]
