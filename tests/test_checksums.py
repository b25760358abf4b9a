"""File and byte checksums shared by model loading, exports and stored runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from analyzer.checksums import sha256_bytes, sha256_file

ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 example


def test_known_digest_of_bytes() -> None:
    assert sha256_bytes(b"abc") == ABC


def test_file_digest_over_several_read_blocks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2.2 MiB: three 1 MiB blocks
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    (tmp_path / "abc").write_bytes(b"abc")
    assert sha256_file(tmp_path / "abc") == ABC
