"""Workers on one database serve the readers with the same settings, or one of them stands aside.

Every worker reads the profiles from its own config's folder, with its own defaults. A worker
given another folder (a stale copy, a test folder, a mount missing on one machine) sees the
others' readers as removed and its own as renamed ones: it moves a reader's history to another
name and back at every pass, their links open nothing in between, and a reader whose address
it finds under another name gets a second digest that day. Another default time zone or send
time puts a reader's digest at two times a day, one per worker. So each worker writes the
settings that decide who gets what and when into its row of ``workers`` (digest.daemon.claims,
at every pass), and one whose settings differ from those most workers seen lately have (of
equal numbers, the one running longest) does not queue digests, carry renames over or note
removed profiles until they agree; it still fetches, ingests and delivers what is queued, which
settings do not change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from dataclasses import dataclass

from digest.config import Config
from digest.db import POSTGRESQL
from digest.errors import ConfigError
from digest.store import Store, iso

SEEN = dt.timedelta(minutes=10)  # a worker not seen for this long is gone (as `digest status` says)


def worker_settings(config: Config) -> str:
    """The settings every worker must share, as the text kept in ``workers.settings``."""
    return json.dumps(
        {
            "profiles": os.path.realpath(config.profiles),  # the folder, however the path is written
            "timezone": config.timezone,
            "send_at": config.send_at.strftime("%H:%M"),
            "max_papers": config.max_papers,
            "min_score": config.min_score,
            "scheduler.grace_minutes": config.scheduler.grace_minutes,
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class Disagreement:
    other: str  # the worker whose settings this one's differ from
    since: str  # when it started (ISO, UTC)
    keys: tuple[tuple[str, object, object], ...]  # (setting, here, there)

    def __str__(self) -> str:
        differ = "; ".join(f"{key}: {here!r} here, {there!r} there" for key, here, there in self.keys)
        return (
            f"this worker's settings differ from those of worker {self.other} (running since "
            f"{self.since[:16].replace('T', ' ')} UTC): {differ}. Not queueing digests, nor carrying renamed "
            "profiles over or noting removed ones, until they agree (with both, readers would be served "
            "twice, or their history moved from name to name); fetching, ingesting and delivering go on. "
            "Give every worker the same settings (and the same profiles folder), then restart this one; "
            f"a worker killed is no longer compared once not seen for {SEEN.seconds // 60} minutes"
        )

    @property
    def short(self) -> str:
        """For `digest status`: what this worker holds back, and why."""
        return f"not queueing: its {', '.join(k for k, _, _ in self.keys)} differ from {self.other}'s"


def disagreement(store: Store, me: str, settings: str, now: dt.datetime) -> Disagreement | None:
    """Whether this worker (``me``, with ``settings``) must stand aside: the settings most of
    the workers seen lately have (``me`` included; of equal numbers, those of the one running
    longest, then by id) are others; compared with the first of those workers. On SQLite
    never: the run lock lets one worker at a time, so another's row is a killed one's."""
    if store.dialect != POSTGRESQL:
        return None
    rows = store.db.execute(
        "SELECT id, started_at, settings FROM workers WHERE seen_at >= ? AND settings IS NOT NULL",
        (iso(now - SEEN),),
    ).fetchall()
    if not rows:
        return None
    count = Counter(r[2] for r in rows)  # the most workers' settings; of equal numbers, the first's
    first, since, theirs = min(rows, key=lambda r: (-count[r[2]], r[1], r[0]))
    if first == me or theirs == settings:
        return None
    here, there = json.loads(settings), json.loads(theirs)
    keys = tuple((k, here.get(k), there.get(k)) for k in sorted(here.keys() | there.keys()))
    return Disagreement(first, since, tuple((k, a, b) for k, a, b in keys if a != b))


def refuse_if_apart(store: Store, config: Config, what: str, now: dt.datetime) -> None:
    """For a command that queues digests and notes renames and removals beside the workers
    (`digest send`): refused if its config's settings are not those the workers serve with."""
    aside = disagreement(store, "", worker_settings(config), now)
    if aside is None:
        return
    differ = "; ".join(f"{key}: {here!r} here, {there!r} there" for key, here, there in aside.keys)
    raise ConfigError(
        f"{config.path}: its settings differ from those of the workers on this database (worker "
        f"{aside.other}): {differ}. {what} would serve readers twice, or move their history from name "
        "to name: run it with the workers' config (the same settings and profiles folder)"
    )
