"""premailer's answers about the template kept beside the database: a later run renders the
same bytes without loading premailer, cssutils or lxml; a damaged or stale file is asked again."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from test_preinline import random_digests

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
