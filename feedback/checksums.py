"""SHA-256 of a file, read in 1 MiB blocks: the one checksum behind model weights, shipped
adapters and the Dask engine's part files, so a large file is never held whole to hash it."""

from __future__ import annotations

import hashlib
import os


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
