"""`digest feedback ada PAPER down` while another PostgreSQL session holds ada's rating of that
paper (a transaction left open over it: FOR UPDATE, FOR SHARE, an UPDATE not committed) gives up
after SQLite's wait (30 s; here the operator's own shorter lock_timeout), says who holds the row
and what to do, and changes nothing. Was: it waited as long as the row was held, saying nothing
(still waiting after 8 s of a 2 s lock_timeout: no bound in the rating's transaction). A real
`digest` process, a second real session holding the row."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from digest.db import is_postgres
from digest.store import Store

pytestmark = pytest.mark.backends

HANG = 120  # seconds: only a command that hangs takes this long


def hf_day(papers: list[tuple[str, str]]) -> bytes:
    """A Hugging Face daily papers JSON of (arXiv id, title) pairs."""
    items = [
        {
            "paper": {"id": pid, "title": title, "summary": f"About {title.lower()}.", "authors": []},
            "publishedAt": "2026-03-14T08:00:00.000Z",
        }
        for pid, title in papers
    ]
    return json.dumps(items).encode()


SHORTER = {**os.environ, "PGOPTIONS": "-c lock_timeout=2s"}  # the operator's own, kept (< 30 s)


@pytest.mark.parametrize("held", ["FOR UPDATE", "FOR SHARE"])
def test_a_rating_held_by_another_session_is_given_up_with_who_holds_it(workspace, database, held):
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is its busy timeout)")
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    workspace.profile("bob", "email: bob@example.org\ninterests: [robotics]\n")
    workspace.dump("2026-03-14.json", hf_day([("2403.01234", "Robotics at Home")]))
    assert workspace.cli("ingest").exit_code == 0
    with Store(workspace.config.database) as store:
        (paper,) = [p.id for p in store.papers()]
    for user in ("ada", "bob"):
        assert workspace.cli("feedback", user, str(paper), "up").exit_code == 0
    bobs = psycopg.connect(str(database), application_name="holding bob")  # not hers: not named
    other = psycopg.connect(str(database), application_name="held by the test")
    try:
        assert bobs.execute("SELECT * FROM ratings WHERE \"user\" = 'bob' FOR UPDATE").fetchall()
        assert other.execute(f"SELECT * FROM ratings WHERE \"user\" = 'ada' {held}").fetchall()
        holder = other.info.backend_pid
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
            + ["feedback", "ada", str(paper), "down"],
            capture_output=True,
            env=SHORTER,
            text=True,
            timeout=HANG,
        )
    finally:
        for session in (other, bobs):
            session.rollback()
            session.close()
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"ada's rating of paper {paper} stayed locked by another session for 2 s (held by pid {holder}, "
        "application 'held by the test', idle in transaction since "
    ) in said, said
    assert said.count("pid ") == 1, said  # hers alone: not bob's holder
    assert (
        " UTC); nothing was changed: wait for it to end its transaction (commit or roll back) and try "
        "again (canceling statement due to lock timeout)"
    ) in said, said
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {paper: 1}  # as it was
    again = workspace.cli("feedback", "ada", str(paper), "down")  # once let go: done
    assert again.output == f"ada: paper {paper} rated down (was up).\n", again.output


def test_a_rating_two_sessions_hold_for_share_names_both(workspace, database):
    """Two sessions holding the row FOR SHARE (PostgreSQL keeps one multixact of both in its
    xmax, not either's transaction id): both named. Was: "a session that may have ended since"."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is its busy timeout)")
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    workspace.dump("2026-03-14.json", hf_day([("2403.01234", "Robotics at Home")]))
    assert workspace.cli("ingest").exit_code == 0
    with Store(workspace.config.database) as store:
        (paper,) = [p.id for p in store.papers()]
    assert workspace.cli("feedback", "ada", str(paper), "up").exit_code == 0
    sharers = [psycopg.connect(str(database), application_name=f"sharer {n}") for n in (1, 2)]
    first, second = sorted(s.info.backend_pid for s in sharers)
    try:
        for session in sharers:
            assert session.execute("SELECT * FROM ratings WHERE \"user\" = 'ada' FOR SHARE").fetchall()
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
            + ["feedback", "ada", str(paper), "down"],
            capture_output=True,
            env=SHORTER,
            text=True,
            timeout=HANG,
        )
    finally:
        for session in sharers:
            session.rollback()
            session.close()
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"stayed locked by another session for 2 s (held by pid {first}, application 'sharer " in said, (
        said
    )
    assert f"; pid {second}, application 'sharer " in said, said
    assert said.count("pid ") == 2, said
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {paper: 1}
