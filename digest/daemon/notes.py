"""What the last pass could not do for some readers, for `digest status`.

SQLite: a small JSON file beside the database file itself (``digest.db.readers``: the same
whichever name a config gives it, a symbolic link or not), rewritten after every pass, best
effort. One a release before left beside a link (``link.db.readers``) is not read: it would
outlive the readers' fixes (a pass through the file itself never sees it), where a pass writes
the note anew; a pass through that link removes it.

PostgreSQL: the table ``reader_failures``, so that `digest status` on any machine sees every
worker's (a file in each worker's config folder was seen on that machine only). A worker's pass
that queues notes the readers it failed, and drops the rows of the readers it served or found
with nothing new, and those written before it began of readers it did not find due (no longer
due, removed), not of those it found due and left to another worker holding them (trying them
in its pass; a killed worker's hold ends with its lease), nor of those whose failing digest's
period is still due on the database server's clock (a worker whose clock is behind has not
reached it; one ahead finds its grace over minutes before the others: dropping them listed the
failure on and off and said it again at each of the other's passes, its row's ``said_at`` gone;
a paused or removed reader's goes): a reader is listed from the pass that
failed it to a pass that began after that and served them or found them not due, whichever
worker's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from digest.daemon.unbuilt import AGAIN
from digest.db import POSTGRESQL, real_file, retrying_conflicts, sidecar
from digest.files import write_atomic
from digest.models import Profile
from digest.slots import latest_slot
from digest.store import Store, iso
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)


def _path(database: Path) -> Path:
    return sidecar(real_file(database), ".readers")


def write_reader_failures(database: Path, failures: dict[str, str], now: dt.datetime) -> None:
    path = _path(database)
    try:
        if failures:
            write_atomic(path, json.dumps({"at": now.isoformat(), "readers": failures}, indent=1) + "\n")
        else:
            path.unlink(missing_ok=True)
        named = sidecar(database, ".readers")  # a release before's, through a link to the file;
        if os.path.realpath(named) != os.path.realpath(path):  # not the one just written, by a linked folder
            named.unlink(missing_ok=True)
    except OSError as e:
        log.error("%s: cannot note the readers the pass failed: %s", path, e)


def read_reader_failures(database: Path) -> tuple[dt.datetime | None, dict[str, str]]:
    try:
        raw = json.loads(_path(database).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(raw["at"]), {str(k): str(v) for k, v in raw["readers"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, {}


def note_failures(
    store: Store,
    worker: str,
    failures: dict[str, tuple[str, str]],
    tried: Collection[str],
    left: Collection[str],
    began: dt.datetime,
    now: dt.datetime,
    latest: Callable[[str], str | None] = lambda user: None,
    say: Callable[[set[str]], None] = lambda loud: None,
) -> set[str]:
    """PostgreSQL: a pass's readers whose digest could not be made (``failures``: reader -> the
    digest's period, why), of those it ``tried``, in ``reader_failures`` (see the module's doc);
    ``left``: those it found due and did not try (another worker held them), whose rows stay;
    ``began``, ``now``: the pass's start and end on the database server's clock; ``latest``: a
    reader's latest period still in its grace, on that clock (:func:`latest_periods`). Returns the
    readers whose failure is to be said at ERROR (digest.daemon.unbuilt's rules, by any worker's
    saying: a new one, another reason or digest, or said a day ago), their rows marked said in the
    same transaction, which ``say`` (given them) says before it commits: a worker killed between
    (SIGKILL, the OOM killer) has marked none, and the next pass says them; the other way round a
    failure was marked said and said nowhere for a day. The file a release before kept in the
    config's folder is removed."""
    served, kept = sorted(set(tried) - set(failures)), set(left) | set(tried)

    def write() -> set[str]:
        with store.transaction() as db:
            before = db.execute("SELECT user, period FROM reader_failures WHERE at < ?", (iso(began),))
            # of readers no longer due (paused, removed, their grace over), or failed by a worker
            # killed since; not one another worker has written meanwhile, nor one of a period
            # still due on the server's clock (this worker's, behind or ahead, found them not due)
            gone = sorted(
                u for u, period in before.fetchall() if u not in kept and not _kept(period, latest(u))
            )
            _delete(db, served)
            _delete(db, gone, before=iso(began))
            said = _said(db, sorted(failures))
            # a reader failing for the first time has no row to lock: one made (its said_at empty),
            # which waits for a row another pass is writing at once, then read (and said) as theirs
            if new := sorted(set(failures) - said.keys()):
                db.executemany(
                    "INSERT INTO reader_failures (user, error, worker, at, period) VALUES (?,?,?,?,?) "
                    "ON CONFLICT (user) DO NOTHING",
                    [(user, failures[user][1], worker, iso(now), failures[user][0]) for user in new],
                )
                said |= _said(db, new)
            loud = {user for user, now_failing in failures.items() if _loud(said.get(user), now_failing, now)}
            db.executemany(
                "INSERT INTO reader_failures (user, error, worker, at, period, said_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (user) DO UPDATE SET error = excluded.error, worker = excluded.worker, "
                "at = excluded.at, period = excluded.period, said_at = excluded.said_at",
                [
                    (user, error, worker, iso(now), period, iso(now) if user in loud else said[user][2])
                    for user, (period, error) in sorted(failures.items())
                ],
            )
            say(loud)  # before the commit: a row marked said was said
            return loud

    # two workers' passes ending together
    loud = retrying_conflicts(write, "noting the readers the pass failed")
    with contextlib.suppress(OSError):
        _path(store.path).unlink(missing_ok=True)
    return loud


def latest_periods(
    profiles: Sequence[Profile], now: dt.datetime, grace: dt.timedelta | None = None
) -> Callable[[str], str | None]:
    """Each reader's latest period at ``now`` (the pass's end on the database server's clock when
    this worker's is off: Daemon._seen), None for a reader it has no file of, one paused, or one
    whose latest send time is more than ``grace`` ago: a row of that period (or a later one) is
    still another worker's to try, whose clock may be behind this one's (their grace not over,
    to it) or ahead (the period reached). The readers by name are gathered at the first
    question (most passes ask none)."""
    by_user: dict[str, Profile] = {}

    def latest(user: str) -> str | None:
        if not by_user:
            by_user.update((p.user, p) for p in profiles)
        profile = by_user.get(user)
        slot = latest_slot(profile, now) if profile is not None and not profile.paused else None
        if slot is None or (grace is not None and now - slot.at > grace):
            return None
        return slot.period

    return latest


def _kept(period: str | None, latest: str | None) -> bool:
    """Whether a row of ``period`` stays though this pass did not find its reader due."""
    return period is not None and latest is not None and period >= latest


def _said(db: Any, users: list[str]) -> dict[str, tuple[str, str | None, str | None]]:
    """The rows of ``users`` (reader -> why, the digest's period, when said), locked until the
    transaction ends: another worker's pass ending now decides after this one."""
    rows: dict[str, tuple[str, str | None, str | None]] = {}
    for chunk, marks in in_chunks(users):
        for user, error, period, said_at in db.execute(
            f"SELECT user, error, period, said_at FROM reader_failures WHERE user IN ({marks}) "
            "ORDER BY user FOR UPDATE",
            chunk,
        ).fetchall():
            rows[user] = (error, period, said_at)
    return rows


def _loud(row: tuple[str, str | None, str | None] | None, failing: tuple[str, str], now: dt.datetime) -> bool:
    """Whether a failure (``failing``: the digest's period, why) is said at ERROR, given its row."""
    if row is None or row[2] is None or (row[1], _reason(row[0])) != (failing[0], _reason(failing[1])):
        return True
    return now - dt.datetime.fromisoformat(row[2]) >= AGAIN


# the folder of a user's template a reason names (digest.compose.template_errors): each worker's
# own (its config folder's `templates:`), so the same failure is the same reason on every machine
_TEMPLATE_FOLDER = re.compile(r"(?<=: )[^\n]*?/(?=[^/\n]*\.j2, line )")


def _reason(error: str) -> str:
    """``error`` as compared between the workers: a template's file named without its folder."""
    return _TEMPLATE_FOLDER.sub("", error, count=1)


def _delete(db: Any, users: list[str], before: str | None = None) -> None:
    """The rows of ``users`` (those written ``before`` that time, if given)."""
    older = "" if before is None else " AND at < ?"
    for chunk, marks in in_chunks(users):
        db.execute(
            f"DELETE FROM reader_failures WHERE user IN ({marks}){older}",
            [*chunk, *([before] if before else [])],
        )


def copy_note(database: Path, raw: Any) -> int:
    """`digest db migrate`: the readers SQLite's last pass could not make a digest for (the file
    beside ``database``) written into PostgreSQL's ``reader_failures`` by the copy's connection
    (``raw``, in its transaction), so that `digest status` lists them after the move as before it,
    until a worker's pass serves them or finds them no longer due (a row of no period: not kept for
    one); said again at ERROR by the first worker's pass that fails them (no ``said_at``): the
    workers' log is a new one. The readers copied, how many."""
    at, failures = read_reader_failures(database)
    if at is None or not failures:
        return 0
    with raw.cursor() as cursor:
        cursor.executemany(
            'INSERT INTO reader_failures ("user", error, worker, at) VALUES (%s, %s, %s, %s) '
            'ON CONFLICT ("user") DO NOTHING',
            [(user, error, str(database), iso(at)) for user, error in sorted(failures.items())],
        )
    return len(failures)


LAST_PASS = "last pass"  # SQLite's: the one daemon's last pass wrote the note
WORKERS_PASSES = "each as the latest pass to try them found it, any worker's"  # PostgreSQL's table


def failures_from(store: Store) -> str:
    """Whose passes :func:`reader_failures` lists, as `digest status` heads them."""
    return WORKERS_PASSES if store.dialect == POSTGRESQL else LAST_PASS


def reader_failures(store: Store) -> dict[str, str]:
    """The readers whose digest could not be made, and why: on PostgreSQL every worker's (the
    table), on SQLite the last pass's (the file beside the database)."""
    if store.dialect != POSTGRESQL:
        return read_reader_failures(store.path)[1]
    return dict(store.db.execute("SELECT user, error FROM reader_failures ORDER BY user").fetchall())
