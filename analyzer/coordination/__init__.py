"""Coordination detectors. Importing this package registers every detector in ``DETECTORS``."""

from analyzer.coordination import burst, near_duplicate
from analyzer.coordination.base import DETECTORS, DetectionInput, Detector

__all__ = ["DETECTORS", "DetectionInput", "Detector", "burst", "near_duplicate"]
