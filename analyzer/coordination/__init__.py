"""Coordination detectors. Importing this package registers every detector in ``DETECTORS``."""

from analyzer.coordination import (
    account,
    burst,
    co_burst,
    co_commenting,
    generic_endorsement,
    near_duplicate,
    semantic,
    style,
    template,
)
from analyzer.coordination.base import DETECTORS, DetectionInput, Detector

__all__ = [
    "DETECTORS",
    "DetectionInput",
    "Detector",
    "account",
    "burst",
    "co_burst",
    "co_commenting",
    "generic_endorsement",
    "near_duplicate",
    "semantic",
    "style",
    "template",
]
