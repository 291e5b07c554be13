"""A failed day held back by an older one that failed too (a catch-up's: the next fetch asks for the
older first, and while it fails the later one waits: ingest.fetch_all.fetch_with_missed) is said
with when it is asked again by `digest fetch` and `digest run --once` in its line, in the words
`digest status` says it ("asked again at each fetch once 2026-12-09 answers or, that day a
week old, from <date>": missed_days.AT_EACH and behind, FetchOutcome.told). Before, `status` said
it and `digest send` too, but `fetch` and `run --once` said only that its fetch failed. Real
`digest fetch`, `digest run --once` and `digest status` under libfaketime, a loopback API shaped
like the real one that answers 404 for the 9th and the 10th (a failure that is not the server's:
a 503 would stop the catch-up at the 9th), aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
WAIT = "asked again at each fetch once 2026-12-09 answers or, that day a week old, from 2026-12-18"


def ninth_and_tenth_fail(query: dict[str, str]) -> Route:
    if query["date"] in ("2026-12-09", "2026-12-10"):
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("command", [("fetch",), ("run", "--once")])
def test_a_held_back_day_s_line_says_when_it_is_asked_again_as_status_does(mail_workspace, command):
    workspace = mail_workspace
    workspace.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
    failed = 1 if command == ("fetch",) else 3
    with LocalHttpServer({"/api/daily_papers": ninth_and_tenth_fail}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, *command, at=at(9))  # the 8th; then nothing on the 10th and 11th
        shown = digest_at(
            workspace, *command, at=at(12), code=failed
        )  # the 9th and 10th fail, the 11th comes
        status = digest_at(workspace, "status", at=at(12) + dt.timedelta(minutes=1))
    tenth = [line for line in (shown.stdout + shown.stderr).splitlines() if "date=2026-12-10" in line]
    assert len(tenth) == 1 and tenth[0].endswith(f"; {WAIT}"), shown  # before: without it
    ninth = [line for line in (shown.stdout + shown.stderr).splitlines() if "date=2026-12-09" in line]
    assert len(ninth) == 1 and WAIT not in ninth[0], shown  # the oldest: asked at the next fetch
    assert f"{WAIT}, until a week old" in status.stdout, status.stdout


def ninth_and_eleventh_fail(query: dict[str, str]) -> Route:
    if query["date"] in ("2026-12-09", "2026-12-11"):
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def test_a_day_that_came_after_a_failed_one_is_not_said_to_be_asked_again(workspace):
    """A catch-up of the 9th (fails), the 10th (comes) and the 11th (fails): only the 11th waits for
    the 9th. Before the review, the 10th's line said so too: "hf_daily: 2 papers of 2026-12-10: 2 new,
    0 known; asked again at each fetch once 2026-12-09 answers or, that day a week old, from ..."."""
    with LocalHttpServer({"/api/daily_papers": ninth_and_eleventh_fail}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(9))  # the 8th; then nothing until the 13th
        shown = digest_at(workspace, "fetch", at=at(13), code=1)  # the 9th to the 11th, then the 12th
    lines = shown.stdout.splitlines()
    assert "hf_daily: 2 papers of 2026-12-10: 2 new, 0 known" in lines, shown.stdout
    eleventh = next(line for line in lines if "date=2026-12-11" in line)
    assert eleventh.endswith(f"; {WAIT}"), shown.stdout
    assert sum("asked again at each fetch once" in line for line in lines) == 1, shown.stdout
