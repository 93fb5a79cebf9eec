"""The validated knowledge base kept beside its YAML, as Python keeps bytecode in `__pycache__`.

Parsing the YAML, validating it and building the schema's validators is most of a cold `mesosafe triage
FILE`. Once a knowledge base has loaded and passed every check, it is pickled to `data/__pycache__/`; the
next process reads that instead. The file's name is a hash of everything that shapes the result: the YAML
files, the schema's and the loader's source, and the Python and pydantic versions, so any change to one of
them makes (and uses) a new file. The copy is trusted as bytecode is: it is read only from a file owned by
the current user or by root that nobody else may write. Where it cannot be read or written (a read-only
install), the knowledge base loads from the YAML as before.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import pydantic

SHAPERS = [Path(__file__).with_name(name) for name in ("schema.py", "loader.py", "vocabulary.py")]


def path_for(directory: Path, files: tuple[str, ...]) -> Path:
    """Where the validated knowledge base of `directory`'s `files` is kept."""
    digest = hashlib.sha256(f"{sys.version}\0{pydantic.VERSION}\0".encode())
    for file in [*(directory / name for name in files), *SHAPERS]:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return directory / "__pycache__" / f"knowledge-{digest.hexdigest()[:24]}.pickle"


def read(path: Path) -> object | None:
    """What was kept at `path`, or None if there is nothing there that can be trusted and read (the loader
    checks that it is a knowledge base)."""
    try:
        status = path.stat()
        if status.st_uid not in (0, os.getuid()) or status.st_mode & 0o022:
            return None
        with path.open("rb") as handle:
            kept: object = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return kept


def write(path: Path, kb: object) -> None:
    """Keep `kb`, a validated knowledge base, at `path` for the next process (written whole or not at all);
    silently skipped where the package directory cannot be written, as in a read-only install."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(mode=0o755, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            temporary = Path(handle.name)
            pickle.dump(kb, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # no half-written file left behind
