"""On PostgreSQL the spare of the note of unrecorded digests is kept in the config's folder; one it
cannot be written in is warned of, naming that folder as a path the admin can act on: a config
given as a relative path (`digest --config config.yaml run`) made it "make . writable"."""

from __future__ import annotations

import logging
from pathlib import Path

from digest.db import DatabaseUrl
from digest.deliver.unrecorded import Unrecorded


def test_the_folder_to_make_writable_is_named_whole(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "etc").write_text("a file where the config's folder should be\n")
    note = Unrecorded(DatabaseUrl("postgresql://db1.example.org/digest", Path("etc")))
    with caplog.at_level(logging.WARNING):
        note.ready()
    assert f"make {tmp_path / 'etc'} writable" in caplog.text, caplog.text
