"""An open page polls its /version every 1.5 s to a minute, each open page on its own. While the
server cannot answer (a 503: here a database whose schema is newer than this digest's), `digest
serve` logged the trouble, with its fix, at every poll of every page: two long lines each time ("ada's
link opens their profile file, unchanged since it was signed: ..." and "GET /u/.../version: ...
the database has schema version 999 ..."), the one line that mattered lost among them.

Now each trouble is logged once, saying so, until a poll is answered again, which is said once too;
a trouble met again after that is logged again. A page opened (not a poll) is logged as before:
someone came."""

from __future__ import annotations

import sqlite3

from helpers.http_status import status

from digest.web.outages import BACK, ONCE

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"


def test_a_poll_the_server_cannot_answer_is_logged_once_per_outage(web_workspace):
    ws = web_workspace.with_ada(PROFILE)

    def schema(version: int) -> None:
        db = sqlite3.connect(ws.root / "digest.db")
        db.execute(f"PRAGMA user_version = {version}")
        db.close()

    (understood,) = sqlite3.connect(ws.root / "digest.db").execute("PRAGMA user_version").fetchone()
    poll = ws.page_url() + "/version"
    with ws.served() as proc:
        seen = [status(poll)]
        schema(999)  # the database now needs its operator
        seen += [status(poll) for _ in range(4)]
        schema(understood)
        seen += [status(poll) for _ in range(2)]
        schema(999)  # a second outage
        seen += [status(poll) for _ in range(2)]
        schema(understood)
        seen.append(status(poll))
        proc.terminate()
        log = proc.stderr.read()
    assert seen == [200, 503, 503, 503, 503, 200, 200, 503, 503, 200]
    said = [line.partition(" +0000 ")[2] for line in log.splitlines()]
    outage = [
        "WARNING digest.web.identity: ada's link waits for the database (their file changed since it "
        f"was signed){ONCE}",
        "ERROR digest.web.app: GET /u/",
        f"WARNING digest.web.app: {BACK}",
    ]
    assert [line[: len(start)] for line, start in zip(said, outage * 2, strict=True)] == outage * 2, log
    assert "schema version 999" in said[1] and said[1].endswith(ONCE)


def test_a_poll_met_by_the_profiles_folder_gone_is_logged_once_per_outage(web_workspace):
    """The folder unmounted or moved away: the polls answered 503 said it, two errors at each."""
    ws = web_workspace.with_ada(PROFILE)
    poll = ws.page_url() + "/version"
    with ws.served() as proc:
        seen = [status(poll)]
        (ws.root / "profiles").rename(ws.root / "profiles.away")
        seen += [status(poll) for _ in range(4)]
        (ws.root / "profiles.away").rename(ws.root / "profiles")
        seen += [status(poll) for _ in range(2)]
        proc.terminate()
        log = proc.stderr.read()
    assert seen == [200, 503, 503, 503, 503, 200, 200]
    said = [line.partition(" +0000 ")[2] for line in log.splitlines()]
    starts = [
        "ERROR digest.web.app: GET /u/",
        "ERROR digest.web.app: the profiles folder ",
        f"WARNING digest.web.app: {BACK}",
    ]
    assert [line[: len(start)] for line, start in zip(said, starts, strict=True)] == starts, log
    assert said[1].endswith(ONCE) and "is gone: mount or restore it" in said[1]
