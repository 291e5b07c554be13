"""`digest status` through a role granted SELECT only, while a session of another role holds the
"fetch" lock (a worker frozen at its fetch, a connection left idle in a transaction):
pg_stat_activity shows that session's pid and application_name to such a role, its client, state
and times NULL. holders said its client was "local" (a TCP client 127.0.0.1), and status, which
judges a holder by how long it has been idle, named no lock at all. Real parts: a fresh database,
a role granted SELECT, a session over TCP holding the lock, a real `digest status`."""

from __future__ import annotations

import psycopg
from helpers.pg_roles import ada_ingested, digest, reader_of
from helpers.pg_schema import PASSWORD

from digest.daemon.holders import holders
from digest.db import lock_key
from digest.store import Store

from conftest import postgres_database


def test_status_through_a_role_that_may_only_read_says_it_cannot_see_the_holders_state(tmp_path):
    with postgres_database() as url, reader_of(url) as (role, reader):
        ws = ada_ingested(tmp_path, url)
        tcp = reader.replace(f"{role}@", "").rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]
        with psycopg.connect(tcp, autocommit=True, application_name="digest stuck") as stuck:
            stuck.execute("SELECT pg_advisory_lock(%s)", (lock_key("fetch"),))  # then idle
            with Store(reader.replace(f"{role}@", f"{role}:{PASSWORD}@")) as store:
                (held,) = holders(store)
            ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
            shown = digest(ws, "status")
    assert held.application == "digest stuck" and held.client != "local", held  # was: 'local' (127.0.0.1)
    assert shown.returncode == 0, shown.stderr
    # Before: no "Duties held up" at all (its state NULL: never idle long enough)
    lines = [x for x in shown.stdout.splitlines() if '"fetch" lock held by pid ' in x]
    assert len(lines) == 1, shown.stdout
    assert 'application "digest stuck"; its client and state not shown to this role' in lines[0], lines
    assert f"GRANT pg_read_all_stats TO {role}" in lines[0], lines
    assert not held.shown, held
