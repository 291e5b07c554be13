"""`digest fetch` whose inbox cannot take a catch-up's document (the disk full while the daily
papers API is asked for a day the fetch missed, digest.ingest.fetch_all.fetch_with_missed) says
that day's source failed, as it says a source's own day that the inbox refused: the catch-up's
record is made a second before the fetch (its own day's stays the source's latest), and `digest
fetch` looked for the sources it stopped at among those recorded since it began only, so it said
the inbox's fault and not which source's fetch failed. Real `digest fetch` processes under
libfaketime, an inbox on a real tmpfs of its own, a loopback API shaped like the real one."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from helpers.daily_papers import graph_page
from helpers.disks import tmpfs
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = needs_faketime

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def fill(path: Path) -> None:
    """Write ``path`` until its disk is full: nothing more fits."""
    with contextlib.suppress(OSError), open(path, "wb") as f:
        while True:
            f.write(b"x" * 4096)
            f.flush()


def test_a_catch_up_the_full_inbox_refused_is_said_with_its_source(workspace, tmp_path):
    api = {"/api/daily_papers": lambda query: Route(graph_page(query))}
    with tmpfs(tmp_path, "256k") as disk, LocalHttpServer(api) as server:
        text = workspace.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}")
        workspace.config_path.write_text(text + HF.replace("{base}", server.url("")))
        digest_at(workspace, "fetch", at=dt.datetime(2026, 12, 9, 6, 0, tzinfo=dt.UTC))  # the 8th
        # nothing on the 10th: on the 11th the 9th is caught up on first, its document refused
        fill(disk / "filler")
        shown = digest_at(workspace, "fetch", at=dt.datetime(2026, 12, 11, 6, 0, tzinfo=dt.UTC), code=1)
    said = " ".join((shown.stdout + shown.stderr).split())  # before: the inbox's line alone
    assert "hf_daily: failed: fetched, but not saved in the inbox: No space left on device" in said, said
    assert f"{disk}: No space left on device: free some space on its disk, then fetch again" in said, said


ONE = "  - name: hf_{x}\n    kind: hf_daily\n    url: {base}/{x}/daily_papers?date={date}\n    retries: 0\n"
TWO = "sources:\n" + ONE.replace("{x}", "a") + ONE.replace("{x}", "b")


def test_a_source_failed_before_the_refused_catch_up_is_said_too(workspace, tmp_path):
    """Two sources of one kind: the first's own day failed (a 404: nothing for the inbox), then the
    second's catch-up was refused: `digest fetch` stops there, and says both, as their lines would be
    (before the review: the second's alone; before the source was found by name, the first's alone)."""
    api = {
        "/a/daily_papers": lambda query: Route(b"no", status=404, content_type="text/plain"),
        "/b/daily_papers": lambda query: Route(graph_page(query)),
    }
    with tmpfs(tmp_path, "256k") as disk, LocalHttpServer(api) as server:
        text = workspace.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}")
        workspace.config_path.write_text(text + TWO.replace("{base}", server.url("")))
        digest_at(workspace, "fetch", at=dt.datetime(2026, 12, 9, 6, 0, tzinfo=dt.UTC), code=1)  # the 8th
        fill(disk / "filler")
        shown = digest_at(workspace, "fetch", at=dt.datetime(2026, 12, 11, 6, 0, tzinfo=dt.UTC), code=1)
    said = [line.removeprefix("error: ") for line in (shown.stdout + shown.stderr).splitlines()]
    assert [line.split(": ", 2)[:2] for line in said[:2]] == [["hf_a", "failed"], ["hf_b", "failed"]], said
    assert said[0].startswith("hf_a: failed: http://") and "date=2026-12-10" in said[0], said  # its own day
    assert said[1] == "hf_b: failed: fetched, but not saved in the inbox: No space left on device", said
    assert said[2] == f"{disk}: No space left on device: free some space on its disk, then fetch again", said
