"""Shipped ONNX models: checked against their recorded sha256, then opened for CPU inference.

Shared by the stance classifier and the sentence encoder so that both refuse a corrupt or
swapped model file the same way and configure onnxruntime the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from analyzer.checksums import sha256_file
from analyzer.errors import ModelError


def verified_onnx_session(
    onnx_path: Path,
    checksum_path: Path,
    *,
    threads: int = 0,
    spinning: bool = True,
    restore_hint: str = "restore the model directory",
) -> tuple[Any, str]:
    """An onnxruntime session for ``onnx_path`` and its sha256, after checking the sha256
    against the one ``checksum_path`` records. ``threads`` 0 uses up to 4 cores.
    ``spinning=False`` stops idle threads busy-waiting between operators, which helps on a
    machine shared with other work."""
    for path in (onnx_path, checksum_path):
        if not path.is_file():
            raise ModelError(f"model file not found: {path}", hint=restore_hint)
    expected = checksum_path.read_text(encoding="utf-8").split()[0]
    checksum = sha256_file(onnx_path)
    if checksum != expected:
        raise ModelError(
            f"{onnx_path} has sha256 {checksum}, but {checksum_path} records {expected}",
            hint=f"the model file is corrupt or was replaced; {restore_hint}",
        )
    try:
        import onnxruntime as ort  # noqa: PLC0415  (deferred: fast `import analyzer`)
    except ImportError:
        raise ModelError(
            "onnxruntime is not installed",
            hint="install the stance extra: pip install -e '.[stance]'",
        ) from None
    options = ort.SessionOptions()
    # One graph, run batch after batch: all threads go to the operators (intra-op).
    options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # no warnings about unused initializers on stderr
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return session, checksum
