"""premailer's answers about the template kept beside the database: a later run renders the
same bytes without loading premailer, cssutils or lxml; a damaged or stale file is asked again."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from helpers.hostile_digests import random_digests

from digest.compose import inline_memo
from digest.compose.inline_memo import InlineMemo
from digest.compose.render import Renderer
from digest.config import load_config

from conftest import Workspace

# In a fresh process: the digests rendered with the kept answers, and which libraries got loaded.
LATER_RUN = """
import json, pickle, sys
from pathlib import Path
from digest.compose.render import Renderer
cases = pickle.loads(Path(sys.argv[1]).read_bytes())
renderer = Renderer(cache=Path(sys.argv[2]))
html = [renderer.render(digest, links=links).html for digest, links in cases]
loaded = sorted(m for m in ("premailer", "cssutils", "lxml.etree") if m in sys.modules)
print(json.dumps({"html": html, "loaded": loaded, "asked": renderer.preinlined.memo.asked}))
"""


def calm_digests(count: int) -> list:
    """Digests whose values all take the pre-inlined way (no control characters to hand back)."""
    return [case for i, case in enumerate(random_digests(count, seed=11)) if i % 3]


def test_a_later_run_renders_the_same_bytes_without_loading_premailer(tmp_path: Path):
    config = load_config(Workspace(tmp_path).config_path)
    first = Renderer.for_config(config)
    cache = tmp_path / "digest.db.inline.cache"
    cases = calm_digests(45)
    expected = [first.render(digest, links=links).html for digest, links in cases]
    assert first.fallbacks == 0
    assert cache.exists() and first.preinlined is not None and first.preinlined.memo.asked >= 2
    assert expected == [Renderer(fast=False).render(d, links=links).html for d, links in cases]

    (tmp_path / "cases.pickle").write_bytes(pickle.dumps(cases))
    run = subprocess.run(
        [sys.executable, "-c", LATER_RUN, str(tmp_path / "cases.pickle"), str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    later = json.loads(run.stdout)
    assert later["html"] == expected
    assert later["loaded"] == [] and later["asked"] == 0


def test_a_damaged_or_stale_cache_is_asked_again_and_written_anew(tmp_path: Path):
    cache = tmp_path / "digest.db.inline.cache"
    cases = calm_digests(15)
    expected = [Renderer(fast=False).render(d, links=links).html for d, links in cases]
    for kept in ("not json {", json.dumps({"stamp": "premailer of another day", "answers": {}})):
        cache.write_text(kept)
        renderer = Renderer(cache=cache)
        assert renderer.preinlined is not None and renderer.preinlined.memo.asked >= 2
        assert [renderer.render(d, links=links).html for d, links in cases] == expected
        assert InlineMemo(cache).answers  # the answers are there again, for the next run


def test_without_a_file_the_answers_last_the_process(tmp_path: Path):
    memo = InlineMemo(None)
    calls: list[str] = []
    assert memo.ask("kind", "doc", lambda d: calls.append(d) or len(d)) == 3
    assert memo.ask("kind", "doc", lambda d: calls.append(d) or len(d)) == 3
    assert memo.ask("other kind", "doc", lambda d: calls.append(d) or 0) == 0
    assert calls == ["doc", "doc"] and list(tmp_path.iterdir()) == []


def test_a_change_anywhere_in_a_librarys_package_makes_the_answers_stale(tmp_path: Path, monkeypatch):
    package = tmp_path / "libs" / "fakepremailer"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "engine.py").write_text("RULES = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "libs"))
    monkeypatch.setattr(inline_memo, "LIBRARIES", ("fakepremailer",))
    before = inline_memo.stamp()
    assert inline_memo.stamp() == before
    (package / "sub" / "engine.py").write_text("RULES = 22\n")  # a patched submodule, __init__ untouched
    assert inline_memo.stamp() != before


def test_the_file_keeps_only_the_answers_a_run_used(tmp_path: Path):
    cache = tmp_path / "digest.db.inline.cache"
    first = InlineMemo(cache)
    first.ask("inlined", "<p>old template</p>", str.upper)
    second = InlineMemo(cache)
    assert second.ask("inlined", "<p>old template</p>", str.lower) == "<P>OLD TEMPLATE</P>"  # kept
    third = InlineMemo(cache)
    third.ask("inlined", "<p>edited template</p>", str.upper)
    assert list(InlineMemo(cache).answers.values()) == ["<P>EDITED TEMPLATE</P>"]


def test_without_digests_own_sources_there_is_no_cache_and_no_error(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(inline_memo, "CODE", ("inline.py", "no-such-module.py"))
    memo = InlineMemo(tmp_path / "digest.db.inline.cache")
    assert memo.path is None and memo.ask("kind", "doc", len) == 3
    assert list(tmp_path.iterdir()) == []
