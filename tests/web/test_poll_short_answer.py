"""An open page polls its link's /version every 1.5 s (templates/web/prefs.js, live.js, broken.js);
of an answer that is not a 200 its script reads only the status (403, 410, 503) and Retry-After. A
poll answered 503 (the database unusable, or locked) or 410 (the reader removed) got the whole HTML
page a reader's GET gets: 6.6 KB, its broken.js tag and all, at every poll of every open page. It
gets a short JSON answer, `{"ok": false}`, with the same status and Retry-After; the link itself (a
GET of the page) still gets the page. The real `digest serve` (its clock ten times the real
pace where libfaketime is installed: SQLite's 30 s lock wait over in 3 s) and `digest send`, real
SQLite."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

from helpers.lock_wait_tenfold import TENFOLD
from helpers.rated_from_email import HANG, digest

from digest.db import wall_clock

from conftest import WebWorkspace, make_dump

PROFILE = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"


def answer(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=HANG) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def short(status: int, headers: dict[str, str], body: bytes) -> bool:
    return headers["Content-Type"] == "application/json" and json.loads(body) == {"ok": False}


def test_a_poll_the_server_cannot_answer_gets_its_status_in_a_short_answer(web_workspace: WebWorkspace):
    ws = web_workspace
    ws.profile("ada", PROFILE)
    ws.profile("bob", PROFILE.replace("ada", "bob"))
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert digest(ws, "send").returncode == 0  # ada has a digest: her name's history to carry over
    ada, bob = ws.page_url("ada", wall_clock()), ws.page_url("bob", wall_clock())
    with ws.served(HANG, env=TENFOLD):
        (ws.root / "profiles" / "bob.yaml").unlink()  # bob removed: 410
        status, headers, body = answer(f"{bob}/version")
        assert status == 410 and short(status, headers, body), body[:80]
        assert answer(bob)[0] == 410 and b"<!DOCTYPE html>" in answer(bob)[2]  # the link: the page

        (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada-lee.yaml")
        other = sqlite3.connect(ws.config.database, isolation_level=None)
        try:  # the old link carries ada over to ada-lee first: a write, refused after SQLite's wait
            other.execute("BEGIN IMMEDIATE")
            status, headers, body = answer(f"{ada}/version")
        finally:
            other.close()
        assert status == 503 and headers["Retry-After"] == "120" and short(status, headers, body), body[:80]

        db = sqlite3.connect(ws.config.database)  # a schema newer than this digest's: until fixed
        db.execute("PRAGMA user_version = 999")
        db.close()
        status, headers, body = answer(f"{ada}/version")
        assert status == 503 and "Retry-After" not in headers and short(status, headers, body), body[:80]
        status, headers, body = answer(ada)  # the link itself: the page that says it, and follows it
        assert status == 503 and b"<!DOCTYPE html>" in body and b"broken.js" in body
