"""`digest demo`: the whole pipeline on the project's own sample data, with a real SMTP server.

It lays out a working folder (config, inbox, profiles, database), starts aiosmtpd on
loopback, ingests the sample dumps, fetches the sample daily papers JSON from a local HTTP
server (the way `digest fetch` reads the real one), sends every reader's digest through SMTP,
and saves each received message as .eml and .html under ``mailbox/``.

The emails are what a real digest is, with the links to the reader's pages ("More like this",
"Less like this", preferences, unsubscribe): the demo's config has a ``base_url`` on loopback
and a signing secret in a file of the folder (``web-secret``), so `digest serve` on the demo's
config opens them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from digest.config import load_config
from digest.daemon.sendnow import send_now
from digest.deliver.delivery import SendOutcome
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route
from digest.demo.smtp_server import LocalSmtpServer, free_port
from digest.errors import DigestError
from digest.ingest.dumps import IngestReport, ingest_inbox
from digest.ingest.fetch import FetchOutcome
from digest.ingest.fetch_all import fetch_all
from digest.ingest.http import Http
from digest.ingest.sources import hf_daily
from digest.profiles.load import load_profiles
from digest.store import Store

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).with_name("sample")
SAMPLE_JSON = SAMPLE / "fetch" / "daily_papers.json"  # invented papers in the Hugging Face format
MARKER = ".digest-demo"
WEB_PORT = 8025  # `digest serve`'s default, unless something listens there already


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    ingest: IngestReport
    fetched: tuple[FetchOutcome, ...]
    outcomes: tuple[SendOutcome, ...]
    saved: tuple[tuple[str, Path, Path], ...]  # (recipient, .eml, .html)
    replaced: bool = False  # a previous demo's folder was there, and was made again
    config: Path | None = None  # its config.yaml (with base_url: `digest serve` opens the links)
    base_url: str = ""


def lay_out(
    folder: Path,
    port: int,
    papers_url: str = "https://huggingface.co/api/daily_papers?date={date}",
    web_port: int = WEB_PORT,
) -> Path:
    """Create the demo folder with sample dumps and profiles; return its config path."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise DigestError(f"{folder}: exists and is not a demo folder; pass --dir to choose another one")
        shutil.rmtree(folder)  # a previous demo run: ours to replace
    for sub in ("inbox", "profiles", "mailbox"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `digest demo`; safe to delete\n")
    for dump in sorted((SAMPLE / "dumps").iterdir()):
        shutil.copyfile(dump, folder / "inbox" / dump.name)  # fresh mtime: the day's year is now's
    for profile in sorted((SAMPLE / "profiles").iterdir()):
        shutil.copyfile(profile, folder / "profiles" / profile.name)
    secret = os.open(folder / "web-secret", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(secret, "w") as f:  # the links' signing secret, this folder's own
        f.write(secrets.token_hex(32) + "\n")
    config = folder / "config.yaml"
    config.write_text(
        "# Written by `digest demo`. See config.example.yaml for every key.\n"
        "database: digest.db\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
        "  from: Research digest <digest@localhost>\n"
        "# The demo served its sample daily papers JSON (the papers of one day of the sample's,\n"
        "# the url's date) from a local server that is gone now; remove `url:` to fetch the real\n"
        "# Hugging Face daily papers (yesterday's) with `digest fetch`.\n"
        f"sources:\n  - kind: hf_daily\n    url: {papers_url}\n"
        "# The emails' links open the pages of `digest serve` (preferences, ratings):\n"
        f"base_url: http://127.0.0.1:{web_port}\n"
        f"web:\n  secret_file: web-secret\n  port: {web_port}\n",
        encoding="utf-8",
    )
    return config


def run_demo(folder: Path, now: dt.datetime, say_bugs: bool = True) -> DemoResult:
    """The demo, in ``folder``. ``say_bugs``: a reader's bug on a sample is logged with its
    traceback; without, the caller says it (``IngestFailure.bug``, ``FetchOutcome.bug``)."""
    folder = folder.resolve()
    replaced = (folder / MARKER).exists()
    routes = {"/api/daily_papers": Route(SAMPLE_JSON.read_bytes(), etag='"demo"')}
    with LocalSmtpServer() as server, LocalHttpServer(routes) as web:
        web_port = WEB_PORT if _free(WEB_PORT) else free_port()
        day = sample_day()
        papers = web.url(f"/api/daily_papers?date={day.isoformat()}")  # the day it has
        path = lay_out(folder, server.port, papers, web_port)
        config = load_config(_from_here(path))  # its paths as said: digest-demo/inbox/2026-03-02.txt
        with Store(config.database) as store:
            report, _ = ingest_inbox(
                store, config.inbox, now, dt.timedelta(0), say_bugs=say_bugs, zone=config.timezone
            )
            with Http() as http:
                fetched = fetch_all(config, store, http, now, say_bugs=say_bugs, day=day)  # its file's too
            with SmtpSender(config.smtp) as sender:
                outcomes = send_now(config, store, load_profiles(config), sender, now).delivered
        received = list(server.messages)
    saved = []
    for item in received:
        msg = item.message
        user = msg["X-Digest-User"] or item.rcpt_tos[0].partition("@")[0]
        eml = folder / "mailbox" / f"{user}.eml"
        html = folder / "mailbox" / f"{user}.html"
        eml.write_bytes(item.data)
        part = msg.get_body(preferencelist=("html",))
        html.write_text(part.get_content() if part else "", encoding="utf-8")
        saved.append((item.rcpt_tos[0], eml, html))
    result = DemoResult(folder, report, tuple(fetched), tuple(outcomes), tuple(saved), replaced)
    return dataclasses.replace(result, config=path, base_url=config.base_url or "")


def sample_day() -> dt.date:
    """The day of the sample daily papers, as `digest fetch` reads it (the day of the daily page
    its papers were put on, ``paper.submittedOnDailyAt``, as the real API sends it; not their
    arXiv day, ``publishedAt``, the day before): the day the demo asks for, so that its fetch's
    line names the day asked and the day had alike, not yesterday's date asked and the sample's
    day answered (the sample dumps are of the two days before it)."""
    mtime = dt.datetime.fromtimestamp(SAMPLE_JSON.stat().st_mtime)  # for no papers: it has some
    return hf_daily.parse(SAMPLE_JSON.read_text(encoding="utf-8"), SAMPLE_JSON, mtime).day


def _free(port: int) -> bool:
    """Nothing listens on ``port`` of loopback now (a `digest serve` of an earlier demo may).
    Probed as `digest serve` binds it (SO_REUSEADDR): a port kept for a server (free_port) or
    left in TIME_WAIT is one serve can take."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _from_here(path: Path) -> Path:
    """``path`` from the current folder when it is inside it (the demo's default, digest-demo/), so
    that what it takes in is named as `digest ingest` there names it; else as it is (and where the
    current folder was inside the demo's, which the demo replaced: it is gone)."""
    try:
        here = Path.cwd().resolve()
    except FileNotFoundError:  # `digest demo --dir .` run in the demo's folder: replaced
        return path
    return path.relative_to(here) if path.is_relative_to(here) else path
