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

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from digest.config import Config
from digest.daemon.claims import there
from digest.daemon.clocks import server_time
from digest.daemon.lock import RunLock
from digest.db import POSTGRESQL, is_postgres
from digest.errors import ConfigError
from digest.profiles.load import profile_names
from digest.store import Store, iso


def worker_settings(config: Config, files: Collection[str] | None | Literal["list"] = "list") -> str:
    """The settings every worker must share, as the text kept in ``workers.settings``. ``files``:
    the names in the profiles folder as the pass listed them (digest.daemon.names.Looked.begin;
    None: it could not be read); by default the folder is listed now (a command)."""
    if files == "list":
        names = profile_names(config)
    else:
        names = {os.path.splitext(n)[0] for n in files or () if n.endswith((".yaml", ".yml"))} or None
    return json.dumps(
        {
            "profiles": os.path.realpath(config.profiles),  # the folder, however the path is written
            "profile_names": _digest(names),  # and what it holds, for one mounted elsewhere
            "timezone": config.timezone,
            "send_at": config.send_at.strftime("%H:%M"),
            "max_papers": config.max_papers,
            "min_score": config.min_score,
            "scheduler.grace_minutes": config.scheduler.grace_minutes,
        },
        sort_keys=True,
    )


def _digest(names: set[str] | None) -> str | None:
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest() if names else None


@dataclass(frozen=True)
class Disagreement:
    other: str  # the worker whose settings this one's differ from
    since: str  # when it started (ISO, UTC)
    keys: tuple[tuple[str, object, object], ...]  # (setting, here, there)

    @property
    def differ(self) -> str:
        """Each setting that differs, with both values."""
        return "; ".join(f"{key}: {here!r} here, {there!r} there" for key, here, there in self.keys)

    def __str__(self) -> str:
        differ = self.differ
        return (
            f"this worker's settings differ from those of worker {self.other} (running since "
            f"{self.since[:16].replace('T', ' ')} UTC): {differ}. Not queueing digests, nor carrying renamed "
            "profiles over or noting removed ones, until they agree (with both, readers would be served "
            "twice, or their history moved from name to name); fetching, ingesting and delivering go on. "
            "Give every worker the same settings (and the same profiles folder): this one reads its config "
            "again at its next pass (no restart needed); "
            "only a worker that ends its passes queueing is followed (not one killed, failing or "
            "standing aside)"
        )

    @property
    def short(self) -> str:
        """For `digest status`: what this worker holds back, and why."""
        verb = "differs" if len(self.keys) == 1 else "differ"
        return f"not queueing: its {', '.join(k for k, _, _ in self.keys)} {verb} from {self.other}'s"


def alive(config: Config) -> dt.timedelta:
    """How lately a worker must have been seen (at a pass's start or end, or between its steps)
    to be one the others stand aside for, and shown as running by `digest status`: a lease (after
    which its claims are the others' too), and at least two polls. A worker holding a lease it
    renews (its pass queueing or sending for longer) is one too (digest.daemon.claims.THERE)."""
    return max(
        dt.timedelta(seconds=config.delivery.lease_seconds),
        2 * dt.timedelta(seconds=config.scheduler.poll_seconds),
    )


def running_worker(config: Config) -> str | None:
    """The worker whose row may be a running one, as `digest status` shows them and a command
    beside the workers follows their settings: on SQLite, where the run lock lets one worker at
    a time, the one holding the worker's lock (RunLock.running: its id, "" if none runs, so no
    row, whenever the rows were seen: those of daemons killed before it, in the same second too,
    or in its first moments, its own not written yet); None on PostgreSQL: any (the rows tell),
    and on SQLite while a worker that wrote no id holds the lock (a daemon of a release before the
    ids, still running after an upgrade: its row is not known, so the rows seen lately tell)."""
    if is_postgres(config.database):
        return None
    holder = RunLock(config.database).running()
    return "" if holder is None else holder or None


def disagreement(
    store: Store,
    me: str,
    settings: str,
    now: dt.datetime,
    within: dt.timedelta,
    *,
    beside: bool = False,
    running: str | None = None,
) -> Disagreement | None:
    """Whether this worker (``me``, with ``settings``; ``me`` "": a command, not counted) must
    stand aside. Compared with the workers that ended a pass serving the readers (settings kept:
    digest.daemon.service), seen in the last ``within`` or holding a lease (a long pass): the
    settings most of them and this one have (of equal numbers, those of the one running longest,
    then by id) are others. Only a serving worker is one to stand aside for, so they cannot all
    stand aside: a killed or failing one, or one standing aside itself, holds nobody back beyond
    ``within`` (and its leases). On SQLite never, the run lock letting one worker (or `send`) at
    a time, so another's row is a killed one's; but for a process running ``beside`` them,
    which takes no run lock (`digest serve`): ``running`` (:func:`running_worker`) is the one
    whose row is followed, the others' were killed (not followed, even within a lease), and in
    its first pass its settings are not written yet: none to follow."""
    if store.dialect != POSTGRESQL and not beside:
        return None
    sql, args = there(now, within, running)
    rows = store.db.execute(
        f"SELECT id, started_at, settings FROM workers WHERE settings IS NOT NULL AND id <> ? AND {sql}",
        (me, *args),
    ).fetchall()
    if me:
        mine = store.db.execute("SELECT started_at FROM workers WHERE id = ?", (me,)).fetchone()
        rows.append((me, mine[0] if mine else iso(now), settings))
    rows = [(w, since, json.loads(s)) for w, since, s in rows]
    if not rows:
        return None
    here = json.loads(settings)
    groups: list[list[tuple[str, str, dict]]] = []  # workers whose settings agree
    for row in sorted(rows, key=lambda r: (r[1], r[0])):
        group = next((g for g in groups if not differences(g[0][2], row[2])), None)
        if group is None:
            groups.append([row])
        else:
            group.append(row)
    first, since, theirs = min(groups, key=lambda g: (-len(g), g[0][1], g[0][0]))[0]
    keys = differences(here, theirs)
    if first == me or not keys:
        return None
    return Disagreement(first, since, keys)


def same(key: str, here: dict, there: dict) -> bool:
    """Whether a setting is the same on two workers: a profiles folder reached by other paths
    (another mount point on each machine) is the same when it holds the same profile names; a
    time zone written two ways (UTC, Etc/UTC) is the same when its clocks are."""
    a, b = here.get(key), there.get(key)
    if a == b:
        return True
    if key == "profiles":
        return here.get("profile_names") is not None and here.get("profile_names") == there.get(
            "profile_names"
        )
    if key == "timezone" and isinstance(a, str) and isinstance(b, str):
        return same_zone(a, b)
    return False


@functools.lru_cache(maxsize=64)
def same_zone(a: str, b: str) -> bool:
    """Two zone names whose offsets from UTC agree every six hours from 2024 to 2040 (no clock read)."""
    try:
        za, zb = zoneinfo.ZoneInfo(a), zoneinfo.ZoneInfo(b)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    moments = (start + dt.timedelta(hours=6 * i) for i in range(4 * 366 * 16))
    return all(m.astimezone(za).utcoffset() == m.astimezone(zb).utcoffset() for m in moments)


def differences(here: dict, there: dict) -> tuple[tuple[str, object, object], ...]:
    """The settings that differ, as (setting, here, there)."""
    return tuple(
        (k, here.get(k), there.get(k))
        for k in sorted(here.keys() | there.keys())
        if k != "profile_names" and not same(k, here, there)
    )


# What carrying renamed readers over and noting removed profiles depend on: for a command that
# does only that (`digest serve`, `digest profile new`), another send time or max_papers (a
# config edited, read again by the daemon at its next pass only) is no reason to refuse it
FOLDER = ("profiles",)


def apart(
    store: Store,
    config: Config,
    now: dt.datetime,
    *,
    beside: bool = False,
    keys: Collection[str] | None = None,
) -> Disagreement | None:
    """How a command's config (not a worker: `digest send`, `digest serve`) differs from the
    settings the workers serve with; None: it does not (or no worker serves). ``beside``: as
    :func:`disagreement`; ``keys``: only these settings compared (None: all)."""
    running = running_worker(config) if beside else None
    if running == "":  # SQLite: no worker runs (one killed lately)
        return None
    now = server_time(store, now)  # the workers' rows are in the database server's time
    aside = disagreement(
        store, "", worker_settings(config), now, alive(config), beside=beside, running=running
    )
    if aside is None or keys is None:
        return aside
    differ = tuple(k for k in aside.keys if k[0] in keys)
    return dataclasses.replace(aside, keys=differ) if differ else None


def refuse_if_apart(
    store: Store,
    config: Config,
    what: str,
    now: dt.datetime,
    *,
    beside: bool = False,
    keys: Collection[str] | None = None,
) -> None:
    """For a command that queues digests or notes renames and removals beside the workers
    (`digest send`, `digest profile new`): refused if its config's settings are not those the
    workers serve with. ``beside``: as :func:`disagreement` (a command that takes no run lock);
    ``keys``: as :func:`apart`."""
    aside = apart(store, config, now, beside=beside, keys=keys)
    if aside is None:
        return
    raise ConfigError(
        f"{config.path}: its settings differ from those of the workers on this database (worker "
        f"{aside.other}): {aside.differ}. {what} would serve readers twice, or move their history from name "
        "to name: run it with the workers' config (the same settings and profiles folder)"
    )
