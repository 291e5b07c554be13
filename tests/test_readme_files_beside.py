"""The README's "One at a time" paragraph names every file digest keeps beside an SQLite
database (its locks, notes and caches), so that an admin who finds one there, or moves a
database, knows what it is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_kept_beside_the_database_is_named_in_one_at_a_time():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("- **One at a time.**") :]
    paragraph = paragraph[: paragraph.index("\n- **", 1)]
    suffixes = {
        m
        for source in (ROOT / "digest").rglob("*.py")
        for m in re.findall(r'sidecar\([^()]*(?:\([^()]*\))?[^()]*,\s*"(\.[a-z.]+)"\)', source.read_text())
    }
    assert ".lock" in suffixes and ".embeddings.lock" in suffixes, suffixes
    unnamed = sorted(s for s in suffixes if f"`digest.db{s}`" not in paragraph)
    assert not unnamed, f"files beside the database the README's One at a time does not name: {unnamed}"
