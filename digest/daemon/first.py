"""What a daemon's pass, and `digest send`, do before making any digest: the sources due fetched,
then the inbox's settled dumps taken in, each by one worker at a time, so the digests hold what
they bring. An inbox that cannot be used is a problem to report, not a reason to stop the mail."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from digest.config import Config
from digest.daemon.claims import WAIT_POLL, singleton
from digest.daemon.failures import INBOX, TickFailures
from digest.daemon.fetching import due_now, fetch_alive, fetch_due, patience_for
from digest.db import db_errors
from digest.errors import DigestError
from digest.files import printable
from digest.ingest.dumps import IngestReport, ingest_inbox, said_by_caller
from digest.ingest.fetch import FetchOutcome, InboxNotWritten
from digest.ingest.http import Http
from digest.ingest.inbox import InboxError, Waiting, split_ready
from digest.ingest.inbox import problem as inbox_problem
from digest.models import Profile
from digest.store import Store

log = logging.getLogger(__name__)

STUCK = "moving the inbox's dumps"  # a step's trouble (digest.daemon.failures), and its over words:
MOVED = "no dump is stuck in the inbox any more"  # moved out, or deleted by hand: either


def inbox_step(
    config: Config,
    problems: list[str],
    step: Callable[..., Any],
    *args: Any,
    say: bool = True,
    doing: str = "fetching the sources",
    say_bugs: bool = True,
    bugs: TickFailures,
    now: dt.datetime,
) -> Any:
    """``step(*args)`` (fetching into the inbox, reading it); an inbox that cannot be used
    (not mounted, not writable, no permission: InboxError, InboxNotWritten) is a problem to report
    in ``problems``, not a reason to stop the readers' mail: None then. ``say``: logged as an error
    too, by ``bugs`` (the daemon's log: when first met and again an hour later while it lasts,
    and when it is over); False: the caller says it (`digest send`, `run --once`: once, in their
    own line). Another error but the database's is a bug met ``doing`` it, not the inbox's: a
    problem too, said as one to report (``say_bugs``: in the log by ``bugs``, the TickFailures of
    the daemon, of the command (`digest send`, `run --once`) or of the pass (tick.run_once called
    alone), as it says a pass's bug: its traceback once, then a line an hour while it goes on, at
    ``now``), and the mail goes on as well."""
    try:
        done = step(*args)
    except (InboxError, InboxNotWritten) as e:
        problem = f"{e.filename or config.inbox}: {e.strerror or e}" if isinstance(e, OSError) else str(e)
        if not config.inbox.is_dir():  # gone: named in full, with the config file that names it
            problem = str(inbox_problem(config.inbox, config.path))
        if say:  # once, then hourly while it lasts
            bugs.step_trouble(doing, printable(problem), now)
        else:  # said by the caller, in its own line
            log.debug("%s", INBOX.format(printable(problem)))
        problems.append(problem)
        return None
    except Exception as e:
        if isinstance(e, (DigestError, *db_errors())):
            raise
        what = f"{type(e).__name__}: {printable(str(e).strip())}"
        trace = "its traceback is in the log" if say_bugs else "DIGEST_DEBUG=1 shows its traceback"
        problems.append(
            f"{doing} failed on an error digest did not foresee, {what} (a bug, please report it; "
            f"{trace}); the digests of what is stored go on"
        )
        if say_bugs:
            bugs.step_failed(doing, e, now)
        else:  # said by the caller, in its own line
            log.debug("%s failed on the unforeseen error %s", doing, what)
        return None
    if done:  # the inbox used (a fetch with nothing due has not tried it)
        bugs.step_went(doing)
    return done


@contextmanager
def one_worker(
    store: Store,
    duty: str,
    needed: Callable[[], bool],
    *,
    wait: bool,
    stop: threading.Event | None,
    patience: float | None,
    beat: Callable[[], None] | None,
    waited: list[float] | None = None,
    alive: tuple[float, float] | None = None,
) -> Iterator[bool]:
    """claims.singleton for ``duty``, waiting for another worker at it only when ``wait`` and
    ``needed()`` (a source due, a settled dump in the inbox: nothing else to wait for); the wait
    as long as ``patience`` at most, ``beat`` called meanwhile, ``stop`` ending it; the seconds
    waited added to ``waited`` (a pass's clock moves on by them: a send time that came meanwhile
    is served by that pass); ``alive``: past ``patience``, waited on while the holder shows signs of
    life, and without one (`digest send`), the holder said to be at work or stopped by them
    (claims.singleton's ``alive``)."""
    wait = wait and needed()
    began = time.monotonic()
    with singleton(store, duty, wait=wait, stop=stop, patience=patience, beat=beat, alive=alive) as mine:
        if wait and waited is not None and time.monotonic() - began >= WAIT_POLL:  # it did wait
            waited.append(time.monotonic() - began)
        yield mine


def settled_dumps(config: Config, now: dt.datetime) -> bool:
    """Does a dump settled enough to be read wait in the inbox? (An inbox that cannot be used:
    no, nothing to wait for; reading it says why.)"""
    try:
        return bool(split_ready(config.inbox, now, config.scheduler.settle)[0])
    except (InboxError, OSError):
        return False


def fetch_first(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    problems: list[str],
    http: Http | None = None,
    stop: threading.Event | None = None,
    *,
    say_bugs: bool = True,
    say_failures: bool = True,
    beat: Callable[[], None] | None = None,
    wait: bool = False,
    patience: float | None = None,
    retrying: Callable[[str, str], object] | None = None,
    waited: list[float] | None = None,
    bugs: TickFailures,
) -> list[FetchOutcome]:
    """The sources due for ``profiles`` fetched (digest.daemon.fetching.fetch_due), by one worker
    at a time (``wait``: a source being due, wait for that one's fetch, then fetch what is still
    due, as `digest send` does; ``patience``: that many seconds at most, or as long as those
    sources' fetch may take while it retries (fetching.patience_for), and on while the holder shows
    signs of life (fetching.quiet_time; a fetch of every source at most: longest_fetch), ``beat`` called,
    ``waited``: the seconds waited added, as a pass does, whose readers due now are served right
    after: :func:`one_worker`; ``retrying``:
    each try that failed said, as `digest fetch` says it; ``bugs``: :func:`inbox_step`'s); an inbox
    that cannot be used is a problem in ``problems``."""
    fetch = functools.partial(
        fetch_due, say_bugs=say_bugs, say_failures=say_failures, beat=beat, retrying=retrying
    )
    due = due_now(config, store, profiles, now) if wait else []  # nothing due: nothing to wait for
    # the holder, fetching any source, judged by its signs of life: a pass waits on while it is at work
    alive = fetch_alive(config)
    if patience is not None:  # not less than the other's fetch of them takes while it retries
        patience = patience_for(due, patience)
    waiting = {"wait": wait, "stop": stop, "patience": patience, "beat": beat, "waited": waited}
    with one_worker(
        store, "fetch", lambda: bool(due), alive=alive, **waiting
    ) as mine:  # one worker fetches at a time
        return (
            inbox_step(
                config,
                problems,
                fetch,
                config,
                store,
                profiles,
                now,
                http,
                stop,
                say=say_failures,
                say_bugs=say_bugs,
                bugs=bugs,
                now=now,
            )
            if mine
            else []
        ) or []


def read_inbox(
    config: Config,
    store: Store,
    now: dt.datetime,
    problems: list[str],
    say_bugs: bool = True,
    wait: bool = False,
    stop: threading.Event | None = None,
    *,
    say_failures: bool = True,
    patience: float | None = None,
    beat: Callable[[], None] | None = None,
    waited: list[float] | None = None,
    bugs: TickFailures,
) -> tuple[IngestReport, list[Waiting]]:
    """The inbox's settled dumps taken in, before the digests a pass (or `digest send`) makes: by one
    worker at a time (``wait``: a settled dump being in the inbox, for the one at it, until ``stop``,
    ``patience``, ``beat`` and ``waited`` as :func:`fetch_first`); an inbox that cannot be used is
    a problem in ``problems`` (:func:`inbox_step`, with ``bugs``; ``say_failures``: logged too, as
    :func:`fetch_first`'s)."""
    daemon = bugs if say_failures else None  # a dump not moved out of the inbox: once, then hourly
    say = functools.partial(daemon.step_trouble, STUCK, now=now, line="{}", over=MOVED) if daemon else None
    say = say if say or say_failures else said_by_caller  # `send`, `run --once`: in their own line
    ingest = functools.partial(ingest_inbox, say_bugs=say_bugs, zone=config.timezone, say_problem=say)
    settled = functools.partial(settled_dumps, config, now)
    waiting = {"wait": wait, "stop": stop, "patience": patience, "beat": beat, "waited": waited}
    with one_worker(store, "ingest", settled, **waiting) as mine:  # one worker moves the inbox's dumps
        settle = config.scheduler.settle
        args = (store, config.inbox, now, settle)
        said = {
            "say": say_failures,
            "doing": "reading the inbox",
            "say_bugs": say_bugs,
            "bugs": bugs,
            "now": now,
        }
        read = inbox_step(config, problems, ingest, *args, **said) if mine else None
    if daemon and read is not None and not read[0].problems and all(f.kept for f in read[0].failures):
        daemon.step_went(STUCK)  # every dump read moved out of the inbox (or none to read)
    return read or (IngestReport((), ()), [])
