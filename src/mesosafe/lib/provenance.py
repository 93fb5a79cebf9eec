"""What both registry analyses record of a run (``run.json``): an input file's size and SHA-256, and the
version of mesosafe that ran."""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def tool_version() -> str:
    try:
        return metadata.version("mesosafe")
    except metadata.PackageNotFoundError:
        return "unknown"


def file_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A file as a run read it: its name, absolute path, size and SHA-256."""
    file = Path(path)
    return {
        "name": file.name,
        "path": str(file.resolve()),
        "bytes": file.stat().st_size,
        "sha256": sha256_of(file),
    }
