"""comment-analyzer: stance and coordinated-messaging analysis for news comment sections."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("comment-analyzer")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
