"""What is fetched into an inbox that cannot take it (its disk full or mounted read-only, a write
refused) is said as the inbox's fault, with the fix that fits, and asked again at its time; another
error in a fetch is not blamed on the inbox."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.disks import tmpfs
from test_inbox_faults import NOW

from digest.daemon.tick import run_once
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import Http
from digest.store import Store

from conftest import Workspace


@contextmanager
def inbox_on_its_disk(
    tmp_path: Path, size: str, document: bytes, when: str | None = None
) -> Iterator[tuple[Path, LocalHttpServer, Workspace]]:
    """A workspace (``tmp_path``/ws) whose inbox is a disk of its own (a tmpfs of ``size``), with one
    source, url1, that a real HTTP server on loopback answers with ``document``; ``when``: the
    source's `when:`. The disk, the server and the workspace."""
    with tmpfs(tmp_path, size) as disk, LocalHttpServer({"/listing.txt": Route(document)}) as web:
        (tmp_path / "ws").mkdir()
        ws = Workspace(tmp_path / "ws")
        text = ws.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}")
        source = f"sources:\n  - kind: url\n    url: {web.url('/listing.txt')}\n"
        ws.config_path.write_text(text + source + (f"    when: {when}\n" if when else ""))
        yield disk, web, ws


@contextmanager
def full_inbox(tmp_path: Path, when: str | None = None) -> Iterator[tuple[Path, LocalHttpServer, Workspace]]:
    """:func:`inbox_on_its_disk`, the disk all but full and url1's document more than it has left."""
    with inbox_on_its_disk(tmp_path, "64k", b"[" + b" " * 30_000 + b"]", when) as (disk, web, ws):
        (disk / "filler").write_bytes(b"x" * 60_000)  # the disk all but full
        yield disk, web, ws


def fetch_process(ws: Workspace) -> subprocess.CompletedProcess[str]:
    """A real `digest fetch` process of ``ws``'s config, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "fetch"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_source_fetched_into_a_full_inbox_is_asked_again_in_15_minutes_not_at_every_poll(tmp_path):
    with full_inbox(tmp_path, when="['07:00']") as (disk, web, ws):
        reports = []
        for minute in range(16):  # a poll a minute
            with Store(ws.config.database) as store, Http(sleep=lambda s: None) as http:
                at = NOW + dt.timedelta(minutes=minute)
                reports.append(run_once(ws.config, store, [], None, at, http=http, deliver=False))
        asked = len(web.requests)
        status = ws.cli("status").output
    assert asked == 2  # at 07:00 and 07:15, not at each of the 16 polls
    assert reports[0].ingested.problems == (f"{disk}: No space left on device",)
    assert "Source url1: FETCH FAILED at 2026-03-16 07:15 UTC: fetched, but not saved in the inbox" in status


def test_digest_fetch_into_a_full_inbox_says_where_and_what_to_do(tmp_path):
    """`digest fetch` itself, the document fetched and the inbox's disk full: it was an internal
    error ("OSError: [Errno 28] No space left on device"), the inbox not named."""
    with full_inbox(tmp_path) as (disk, _, ws):
        done = fetch_process(ws)
        left = sorted(p.name for p in disk.iterdir())
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, said
    assert "internal error" not in said, said
    assert "url1: failed: fetched, but not saved in the inbox: No space left on device" in said, said
    assert f"{disk}: No space left on device: free some space on its disk, then fetch again" in said, said
    assert left == ["filler"]  # no half-written document left


def test_digest_fetch_into_a_read_only_inbox_says_remount_not_permissions(tmp_path):
    """An inbox on a disk mounted read-only: `digest fetch` told "make it writable for this
    account", which no permission cures; it says what fits a read-only disk, as a profile save
    does (digest.files.disk_fix)."""
    with inbox_on_its_disk(tmp_path, "1m", b"[]") as (disk, _, ws):
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        done = fetch_process(ws)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and "internal error" not in said, said
    fix = "its disk is mounted read-only: remount it read-write"
    assert f"{disk}: Read-only file system: {fix}" in said, said
    assert "writable for this account" not in said, said


def test_digest_fetch_blames_the_inbox_only_for_the_inbox_writes_errors(tmp_path, monkeypatch):
    """Another OSError in a fetch (a bug: a reader that opens a file not there) is not said as
    the inbox's ("inbox: No such file or directory: make it writable ..."): it is an internal
    error, to be reported; the document fetched is kept aside in failed/ as before."""
    import digest.ingest.fetch as fetching

    def reader_bug(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/usr/share/digest/sample.txt")

    monkeypatch.setattr(fetching, "read_listing", reader_bug)
    with LocalHttpServer({"/listing.txt": Route(b"[]")}) as web:
        ws = Workspace(tmp_path)
        ws.config_path.write_text(
            ws.config_path.read_text() + f"sources:\n  - kind: url\n    url: {web.url('/listing.txt')}\n"
        )
        done = ws.cli("fetch")
    said = " ".join(done.output.split())
    assert "make it writable" not in said and "inbox:" not in said, said
    assert done.exit_code == 2, said
    assert "internal error: FileNotFoundError: [Errno 2] No such file or directory" in said, said
    assert {p.parent.name for p in (tmp_path / "inbox").rglob("fetch-url1-*")} == {"failed"}


def test_the_inbox_writes_error_keeps_its_own_words(tmp_path, monkeypatch):
    """The inbox write's error, raised on as InboxNotWritten, says what the original said: both
    file names of a rename, and the words of an error without an errno (not "[Errno None] None")."""
    import digest.ingest.fetch as fetching
    from digest.ingest.fetch_all import fetch_all

    refusals = [
        OSError(18, "Invalid cross-device link", "/inbox/.fetch.txt", None, "/inbox/fetch.txt"),
        OSError("the network disk said no"),
    ]
    for refusal in refusals:

        def refuse(*args, refusal=refusal, **kwargs):
            raise refusal

        monkeypatch.setattr(fetching, "write_atomic", refuse)
        with LocalHttpServer({"/listing.txt": Route(b"[]")}) as web:
            (tmp_path / str(refusal.errno)).mkdir()
            ws = Workspace(tmp_path / str(refusal.errno))
            ws.config_path.write_text(
                ws.config_path.read_text() + f"sources:\n  - kind: url\n    url: {web.url('/listing.txt')}\n"
            )
            with Store(ws.config.database) as store, Http(sleep=lambda s: None) as http:
                try:
                    fetch_all(ws.config, store, http, NOW)
                except fetching.InboxNotWritten as e:
                    raised = e
            said = " ".join(ws.cli("fetch").output.split())  # as `digest fetch` says it
        assert str(raised) == str(refusal) and raised.filename2 == refusal.filename2
        assert "[Errno None]" not in said and f"{ws.root / 'inbox'}: {refusal.strerror or refusal}" in said, (
            said
        )
