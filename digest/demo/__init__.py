"""`digest demo`: the whole pipeline on the project's own sample data, with a real SMTP server.

It lays out a working folder (config, inbox, profiles, database), starts aiosmtpd on
loopback, ingests the sample dumps, sends every reader's digest through SMTP, and saves each
received message as .eml and .html under ``mailbox/``.
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
from digest.demo.smtp_server import LocalSmtpServer
from digest.errors import DigestError
from digest.ingest.dumps import IngestReport, ingest_inbox
from digest.profiles.load import load_profiles
from digest.store import Store

log = logging.getLogger(__name__)

SAMPLE = Path(__file__).with_name("sample")
MARKER = ".digest-demo"


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    ingest: IngestReport
    outcomes: tuple[SendOutcome, ...]
    saved: tuple[tuple[str, Path, Path], ...]  # (recipient, .eml, .html)


def lay_out(folder: Path, port: int) -> Path:
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
        "  from: Research digest <digest@localhost>\n",
        encoding="utf-8",
    )
    return config


def run_demo(folder: Path, now: dt.datetime) -> DemoResult:
    folder = folder.resolve()
    with LocalSmtpServer() as server:
        config = load_config(lay_out(folder, server.port))
        with Store(config.database) as store:
            report, _ = ingest_inbox(store, config.inbox, now, dt.timedelta(0))
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
    return DemoResult(folder, report, tuple(outcomes), tuple(saved))
