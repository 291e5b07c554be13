"""`digest demo`: the whole pipeline on the project's own sample data, with a real SMTP server.

It lays out a working folder (config, inbox, profiles, database), starts aiosmtpd on
loopback, ingests the sample dumps, fetches the sample daily papers JSON from a local HTTP
server (the way `digest fetch` reads the real one), sends every reader's digest through SMTP,
and saves each received message as .eml and .html under ``mailbox/``.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from digest.config import load_config
from digest.daemon.sendnow import send_now
from digest.deliver.delivery import SendOutcome
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route
from digest.demo.smtp_server import LocalSmtpServer
from digest.errors import DigestError
from digest.ingest.dumps import IngestReport, ingest_inbox
from digest.ingest.fetch import FetchOutcome, fetch_all
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).with_name("sample")
SAMPLE_JSON = SAMPLE / "fetch" / "daily_papers.json"  # invented papers in the Hugging Face format
MARKER = ".digest-demo"


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    ingest: IngestReport
    fetched: tuple[FetchOutcome, ...]
    outcomes: tuple[SendOutcome, ...]
    saved: tuple[tuple[str, Path, Path], ...]  # (recipient, .eml, .html)
    replaced: bool = False  # a previous demo's folder was there, and was made again


def lay_out(
    folder: Path, port: int, papers_url: str = "https://huggingface.co/api/daily_papers?date={date}"
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
    config = folder / "config.yaml"
    config.write_text(
        "# Written by `digest demo`. See config.example.yaml for every key.\n"
        "database: digest.db\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
        "  from: Research digest <digest@localhost>\n"
        "# The demo served the daily papers JSON from a local server that is gone now; remove\n"
        "# `url:` to fetch the real Hugging Face daily papers with `digest fetch`.\n"
        f"sources:\n  - kind: hf_daily\n    url: {papers_url}\n",
        encoding="utf-8",
    )
    return config


def run_demo(folder: Path, now: dt.datetime) -> DemoResult:
    folder = folder.resolve()
    replaced = (folder / MARKER).exists()
    routes = {"/api/daily_papers": Route(SAMPLE_JSON.read_bytes(), etag='"demo"')}
    with LocalSmtpServer() as server, LocalHttpServer(routes) as web:
        config = load_config(lay_out(folder, server.port, web.url("/api/daily_papers?date={date}")))
        with Store(config.database) as store:
            report, _ = ingest_inbox(store, config.inbox, now, dt.timedelta(0))
            with Http() as http:
                fetched = fetch_all(config, store, http, now)
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
    return DemoResult(folder, report, tuple(fetched), tuple(outcomes), tuple(saved), replaced)
