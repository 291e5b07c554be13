"""A paper merged into another (tests/ingest/test_merged_paper.py) while more messages wait in the
outbox with it than one statement takes parameters: the merge locks those messages' rows (PostgreSQL:
store_papers.merge_paper, in id order) a chunk of ids at a time (store_chunks.in_chunks), and the ingest
that merges takes its dump in. Before, one ``SELECT ... WHERE id IN (...) FOR UPDATE`` over all of them
failed past PostgreSQL's 65535 parameters: `digest ingest` said "error: postgresql:///...: sending
query and params failed: number of parameters must be between 0 and 65535" and exited 1, at every try,
as long as the messages waited (65536 readers' digests waiting out a mail server's outage). SQLite
takes no such lock (its write lock is the whole database's): the same ingest, which passed there, is
checked too.

Real parts: `digest ingest` (CliRunner) of real dumps, SQLite and PostgreSQL; the waiting messages are
rows written by SQL (one per reader, as `digest send` stores them), 65536 of them."""

from __future__ import annotations

import json

import pytest
from helpers.retitled_paper import MON, NEW, OLD, daily_json, query_atom

from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends

MANY = 65536  # one more than PostgreSQL's parameters in one statement

WAITING = f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MANY})
INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, status, attempts,
    next_attempt_at, created_at, last_error, for_files)
SELECT '<m' || i || '@example.org>', 'r' || i, 'r' || i || '@example.org', '2026-03-16', 'Digest', ?, ?,
    'queued', 1, '2026-03-16T07:05:00+00:00', '2026-03-16T07:00:00+00:00', '451 4.3.0 try later', 0
FROM n"""


def test_a_merge_of_a_paper_many_messages_wait_with_takes_its_dump_in(workspace):
    ws = workspace
    ws.dump("daily.json", daily_json("2026-03-13"), mtime=MON)
    ws.dump("trending.txt", make_dump("Mar 14", [(NEW, "Lantern vectors, trending.")]), mtime=MON)
    assert ws.cli("ingest").exit_code == 0
    with Store(ws.config.database) as store:
        ids = {p.title: p.id for p in store.papers()}
        with store.transaction():
            store.db.execute(WAITING, (b"m", json.dumps([ids[NEW]])))

    ws.dump("query.atom", query_atom("2026-03-15"), mtime=MON)
    done = ws.cli("ingest")
    assert done.exit_code == 0, done.output
    with Store(ws.config.database) as store:
        assert [p.id for p in store.papers()] == [ids[OLD]]  # one paper
        rows = store.db.execute("SELECT paper_ids, COUNT(*) FROM outbox GROUP BY paper_ids").fetchall()
    assert rows == [(json.dumps([ids[OLD]]), MANY)]  # every message holds the paper it became
