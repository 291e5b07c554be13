"""`digest status`: the last ingest, each reader's last and next digest, what failed or waits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from digest.config import Config
from digest.daemon.slots import due_slot, next_slot
from digest.deliver.outbox import FAILED, QUEUED, Outbox, OutboxEntry
from digest.deliver.retention import database_size
from digest.ingest import inbox as inbox_folder
from digest.profiles.load import load_profiles_lenient
from digest.store import Store


@dataclass(frozen=True)
class ReaderStatus:
    user: str
    email: str
    schedule: str
    last_sent: dt.datetime | None
    next_due: dt.datetime | None
    note: str


@dataclass(frozen=True)
class Status:
    now: dt.datetime
    last_ingest: tuple[str, dt.date, dt.datetime] | None
    papers: int
    readers: tuple[ReaderStatus, ...]
    profile_problems: tuple[str, ...]
    waiting_dumps: tuple[Path, ...]
    failed_dumps: tuple[tuple[Path, str], ...]
    queued: tuple[OutboxEntry, ...]
    failed: tuple[OutboxEntry, ...]
    database_bytes: int = 0


def collect_status(config: Config, now: dt.datetime) -> Status:
    profiles, problems = load_profiles_lenient(config)
    waiting = tuple(inbox_folder.candidates(config.inbox)) if config.inbox.is_dir() else ()
    with Store(config.database) as store:
        outbox = Outbox(store)
        readers = []
        for p in profiles:
            state = store.schedule_state(p.user)
            deliveries = store.deliveries(p.user)
            last = deliveries[-1].sent_at if deliveries else None
            period = state[0] if state else None
            due = due_slot(p, now, period, config.scheduler.grace)
            nxt = due.at if due else (s.at if (s := next_slot(p, now, period)) else None)
            note = "paused" if p.paused else ("due now" if due else "")
            when = {"daily": "daily", "weekdays": "weekdays"}.get(
                p.frequency, f"weekly ({['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][p.weekday]})"
            )
            readers.append(
                ReaderStatus(
                    p.user,
                    p.email,
                    f"{when} {p.send_at:%H:%M} {p.timezone}",
                    last,
                    None if p.paused else nxt,
                    note,
                )
            )
        return Status(
            now=now,
            last_ingest=store.last_ingest(),
            papers=store.counts()["papers"],
            readers=tuple(readers),
            profile_problems=tuple(problems),
            waiting_dumps=waiting,
            failed_dumps=tuple(inbox_folder.failed_dumps(config.inbox)),
            queued=tuple(outbox.entries(QUEUED)),
            failed=tuple(outbox.entries(FAILED)),
            database_bytes=database_size(store),
        )


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def format_status(s: Status) -> str:
    lines = []
    if s.last_ingest:
        source, day, at = s.last_ingest
        lines.append(f"Last ingest: {Path(source).name} (listing of {day}) at {_when(at)}")
    else:
        lines.append("Last ingest: none yet")
    lines.append(f"Papers stored: {s.papers}")
    lines.append(f"Database: {s.database_bytes / 1e6:.1f} MB")
    lines.append("")
    lines.append(f"{'reader':<14} {'schedule':<34} {'last digest':<21} {'next digest':<21} note")
    for r in s.readers:
        lines.append(
            f"{r.user:<14} {r.schedule:<34} {_when(r.last_sent):<21} {_when(r.next_due):<21} {r.note}"
        )
    if not s.readers:
        lines.append("(no readers)")
    sections = [
        ("Profiles with errors (skipped)", list(s.profile_problems)),
        ("Dumps waiting in the inbox", [str(p) for p in s.waiting_dumps]),
        ("Dumps that failed", [f"{p}: {why}" for p, why in s.failed_dumps]),
        (
            "Messages waiting to be sent",
            [
                f"{m.user} <{m.recipient}>: {m.attempts} attempts, next {_when(m.next_attempt_at)}"
                + (f", last reply: {m.last_error}" if m.last_error else "")
                for m in s.queued
            ],
        ),
        (
            "Messages that failed for good",
            [f"{m.user} <{m.recipient}> ({_when(m.created_at)}): {m.last_error}" for m in s.failed],
        ),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"{title}:"] + [f"  {item}" for item in items]
    return "\n".join(lines)
