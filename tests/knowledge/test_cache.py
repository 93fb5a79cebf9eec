"""The validated copy of the knowledge base: the same knowledge base back, a new copy for any change to the
files, and never trusted when it is damaged or others may write it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mesosafe.knowledge import KnowledgeBase, cache, load, load_from
from mesosafe.knowledge.loader import DATA_DIR, FILES


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(DATA_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    return directory


def test_the_kept_copy_is_the_validated_knowledge_base(copy: Path) -> None:
    kb = load_from(copy)
    kept = cache.path_for(copy, FILES)
    cache.write(kept, kb)
    again = cache.read(kept)
    assert isinstance(again, KnowledgeBase) and again is not kb
    assert again == kb
    assert again.version == kb.version
    assert oct(kept.stat().st_mode & 0o777) == oct(0o644)


def test_load_keeps_the_packaged_knowledge_base_and_reads_it_back() -> None:
    load.cache_clear()
    kb = load()
    kept = cache.path_for(DATA_DIR, FILES)
    assert kept.exists(), "the package directory is writable here, so load() keeps its validated copy"
    load.cache_clear()
    assert load() == kb
    assert cache.read(kept) == kb


def test_any_change_to_a_file_makes_a_new_copy(copy: Path) -> None:
    before = cache.path_for(copy, FILES)
    faq = copy / "faq.yaml"
    faq.write_bytes(faq.read_bytes() + b"\n# a comment\n")
    assert cache.path_for(copy, FILES) != before
    assert cache.path_for(copy, FILES).parent == before.parent


def test_a_damaged_copy_is_ignored(copy: Path) -> None:
    kept = cache.path_for(copy, FILES)
    cache.write(kept, load_from(copy))
    kept.write_bytes(kept.read_bytes()[:100])
    assert cache.read(kept) is None
    kept.write_bytes(b"not a pickle")
    assert cache.read(kept) is None


def test_load_ignores_anything_else_kept_there_and_keeps_the_knowledge_base_again() -> None:
    kept = cache.path_for(DATA_DIR, FILES)
    cache.write(kept, {"not": "a knowledge base"})
    load.cache_clear()
    kb = load()
    assert kb == load_from(DATA_DIR)
    assert cache.read(kept) == kb


def test_a_copy_others_may_write_is_not_trusted(copy: Path) -> None:
    kept = cache.path_for(copy, FILES)
    cache.write(kept, load_from(copy))
    os.chmod(kept, 0o666)
    assert cache.read(kept) is None
    os.chmod(kept, 0o644)
    assert cache.read(kept) is not None


def test_a_directory_that_cannot_be_written_is_skipped(tmp_path: Path, copy: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    cache.write(blocked / "__pycache__" / "knowledge.pickle", load_from(copy))  # no error
    assert cache.read(blocked / "__pycache__" / "knowledge.pickle") is None


def test_a_copy_that_cannot_be_put_in_place_leaves_nothing_behind(copy: Path) -> None:
    kept = cache.path_for(copy, FILES)
    (kept / "in the way").mkdir(parents=True)  # a non-empty directory where the file should go
    cache.write(kept, load_from(copy))
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]
    assert cache.read(kept) is None
