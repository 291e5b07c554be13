"""APScheduler wiring only: the daemon ticks call the same library functions as the CLI.

``Daemon.serve()`` holds the database's run lock for its whole life, runs ``tick`` every
``scheduler.poll_seconds`` (and once more as soon as a dump that was still being written has
settled), and stops on SIGTERM or SIGINT after the message in flight is recorded.
All state lives in the database, so a restart (or a crash) picks up where it stopped.
The serving loop and the ticks: digest.daemon.serving (Serving, which Daemon is).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from digest.config import Config, load_config
from digest.daemon.agree import alive, disagreement, worker_settings
from digest.daemon.claims import farewell, heartbeat, touch, unsigned_note
from digest.daemon.clocks import SkewSaid, clock_skew, on_server_clock, skew_note
from digest.daemon.due import DueIndex
from digest.daemon.failures import TickFailures
from digest.daemon.lock import RunLock
from digest.daemon.missed import not_said_since, saying_once
from digest.daemon.names import Looked
from digest.daemon.notes import latest_periods, note_failures, write_reader_failures
from digest.daemon.pass_said import describe, say_faults, say_missed
from digest.daemon.serving import Serving
from digest.daemon.skipped import SkippedProfiles
from digest.daemon.tick import run_once
from digest.daemon.tick_report import TickReport
from digest.daemon.unbuilt import UnbuiltSaid
from digest.db import POSTGRESQL, db_errors, is_bug, is_postgres, wall_clock
from digest.deliver.senders import check_transport
from digest.deliver.unrecorded import Unrecorded
from digest.errors import DigestError, StoreError
from digest.file_stamps import file_stamp
from digest.files import printable
from digest.models import Profile
from digest.profiles.watch import ProfileFolder
from digest.signing import secret_unnamed
from digest.stop import Stop
from digest.store import Store
from digest.worker_ids import worker_id
from digest.zone_text import config_zone_note

log = logging.getLogger(__name__)

# a refused login, said when first met, then hourly while it lasts (digest.daemon.failures)
REFUSED = (
    "not delivering: {}; correct smtp in the config (or the password's variable, then restart the daemon)"
)
AGREE = "this worker's settings agree with the other workers' again: queueing digests"

Clock = Callable[[], dt.datetime]


class Daemon(Serving):
    def __init__(
        self,
        config: Config,
        clock: Clock,
        sender_factory: Callable[[Config], Any] | None = None,
        reload: Callable[[], Config] | None = None,
        *,
        say_bugs: bool = True,
        say_failures: bool = True,
        say_notes: bool = True,
        once: bool = False,
        wall: Clock = wall_clock,
        retrying: Callable[[str, str], object] | None = None,
    ) -> None:
        self.config = config
        self.once = once  # `digest run --once`: a file saved a moment before waited for (ProfileFolder)
        self.retrying = retrying  # `run --once`: a fetch's failed try said as `digest fetch` says it
        # a dump reader's bug: its traceback logged once (the daemon); False: said by the caller
        # in the pass's report (`digest run --once`, without DIGEST_DEBUG): see describe
        self.say_bugs = say_bugs
        # a fetched document or a dump that cannot be read: a warning in the log (the daemon, whose
        # log is all it says); False: said once, in the pass's report (`digest run --once`)
        self.say_failures = say_failures
        # config.yaml edited while the daemon runs is read again (see _config_changed); ``reload``
        # reads it as the command line does (its --semantic), by default load_config(its path)
        self.reload = reload or (lambda: load_config(config.path) if config.path else config)
        self._config_stamp = file_stamp(config.path)
        self.clock = clock
        # this machine's clock (``clock`` may be a test's own): its skew off the database server's
        # is measured on it, and left out of the times this worker writes in the workers table
        self.wall, self._skew = wall, None
        self.sender_factory = sender_factory  # None: the configured transport (delivery:)
        self.stop = Stop()  # SIGTERM or SIGINT taken by serve notes it (see _on_signal)
        self._busy = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self.unrecorded = Unrecorded(config.database)  # outlives a tick: see deliver.unrecorded
        self.login_refused: str | None = None  # the server refused our login: no more tries
        self.worker, self.started = worker_id(), clock()  # in the workers table (`digest status`)
        self._listed = False  # its row written (a heartbeat): to take back as it stops (_farewell)
        self.profiles = ProfileFolder(config, once=once)  # kept between ticks (see digest.profiles.watch)
        # who may be due (see digest.daemon.due), their files looked at again before they are served
        self.due, self._synced = DueIndex(lambda listed: self.profiles.fresh(listed)), -1
        self._told = -1  # the read of the folder whose skipped files were said (digest.daemon.skipped)
        self.looked = Looked()  # the names looked at for the scan (see digest.daemon.names)
        self.failures = TickFailures()  # how a failed pass is logged (digest.daemon.failures)
        self.skipped = SkippedProfiles()  # the broken profiles said in the log (digest.daemon.skipped)
        # the readers whose digest cannot be made, said (digest.daemon.unbuilt): on PostgreSQL once
        # between the workers, as the pass notes them
        self.unbuilt = UnbuiltSaid(shared=is_postgres(config.database))
        self.skew = SkewSaid()  # the clock's skew, said once (digest.daemon.clocks)
        # the note on the config's timezone (EST: digest.zone_text), said once; a `digest run --once`
        # (say_notes False), run at every pass from a timer, leaves it to `digest status`
        self._zone_said = "" if say_notes else None
        # the emails' unsubscribe a mailto: alone though $DIGEST_SECRET is exported (signing.secret_unnamed):
        # said once, as the zone's note (and again when an edited config leaves it so once more)
        self._secret_said = "" if say_notes else None

    # -- one pass ------------------------------------------------------------------------

    def run_once(self) -> TickReport:
        """One pass under the run lock (what `digest run --once` does)."""
        if self.sender_factory is None:
            check_transport(self.config)
        with RunLock(self.config.database).acquire("digest run --once", worker=self.worker):
            try:
                return self._pass()
            finally:
                self._farewell()

    def _farewell(self) -> None:
        try:
            with Store(self.config.database) as store:
                farewell(store, self.worker)
        except (DigestError, *db_errors()) as e:  # a database failing here failed the pass too
            if not self._listed:  # no row of its own to take back
                return log.debug("could not remove this worker from the workers seen: %s", e)
            log.warning(unsigned_note(self.worker, e, is_postgres(self.config.database)))

    def _config_changed(self) -> None:
        """config.yaml was edited: its new settings take effect now, as `digest status`,
        `preview` and `send` (new processes) already show them. The defaults readers inherit
        (send_at, timezone, max_papers...) move their schedules: the profiles are read again
        with them. A config that does not load, or names another database (this daemon holds
        its lock), is said and the daemon goes on with the one it has."""
        stamp = file_stamp(self.config.path)
        if stamp == self._config_stamp:
            return
        self._config_stamp = stamp
        try:
            config = self.reload()
            if self.sender_factory is None:
                check_transport(config)
        except DigestError as e:
            log.error("configuration not read again: %s; going on with the one read before", e)
            return
        if config.database != self.config.database:
            log.error(
                "%s names another database (%s): restart the daemon to use it; going on with %s",
                config.path,
                config.database,
                self.config.database,
            )
            return
        poll = config.scheduler.poll_seconds != self.config.scheduler.poll_seconds
        if self.login_refused and config.smtp != self.config.smtp:  # a login corrected: try it
            self.login_refused = None
        self.config, self._synced, self._told = config, -1, -1
        self.profiles = ProfileFolder(config, once=self.once)
        self.looked = Looked()
        if poll and self._scheduler is not None:
            self._scheduler.reschedule_job("tick", trigger="interval", seconds=config.scheduler.poll_seconds)
        log.info("configuration %s read again: its changes take effect now", config.path)

    def _pass(self) -> TickReport:
        self._config_changed()
        zone = config_zone_note(self.config.path, self.config.timezone)
        if self._zone_said is not None and zone != self._zone_said:
            self._zone_said = zone
            if zone:
                log.warning("note: %s", zone)
        secret = secret_unnamed(self.config) or ""
        if self._secret_said is not None and secret != self._secret_said:
            self._secret_said = secret
            if secret:
                log.warning("note: %s", secret)
        scan = self.profiles.current(self.clock())  # the folder read only if it changed
        if scan.version != self._synced:
            self.due.sync(scan.profiles)
            self._synced = scan.version
        if scan.read != self._told:  # a file edited in place since (not read: its problem unknown)
            self.skipped.tell(scan.skipped, {str(p.source) for p in scan.profiles})
            self._told = scan.read
        files = self.looked.begin(scan.version, self.config.profiles)  # the folder listed once a pass
        profiles, problems = scan.profiles, scan.problems
        sender = self.sender_factory(self.config) if self.sender_factory else None
        try:
            with Store(self.config.database) as store:
                self._skew = clock_skew(store, self.wall())
                heartbeat(store, self.worker, self._started(), self._seen(), "in a pass", keep_settings=True)
                self._listed = True
                try:
                    report = self._in_pass(store, profiles, sender, files)
                    report = dataclasses.replace(report, missed=not_said_since(store, report.missed))
                except BaseException:  # no longer one serving the readers (digest.daemon.agree): its
                    # settings cleared, so the workers standing aside for it go on
                    with contextlib.suppress(Exception):  # the database gone: its row stops being seen
                        heartbeat(store, self.worker, self._started(), self._seen(), "its last pass failed")
                    raise
        finally:
            if sender is not None and hasattr(sender, "close"):
                sender.close()
        report = dataclasses.replace(report, profile_problems=tuple(problems))
        if not is_postgres(self.config.database):  # on PostgreSQL, in the database (_note_failures)
            failures = {s.user: s.error for s in report.scheduled if s.error}
            write_reader_failures(self.config.database, failures, self.clock())
        say_faults(log, report, self.say_failures, self.failures, self.clock())
        if self.say_failures:  # `run --once` says them in its own lines (and notes them: saying_missed)
            with self.saying_missed(report) as report:
                say_missed(log, report)
        return report

    @contextlib.contextmanager
    def saying_missed(self, report: TickReport) -> Iterator[TickReport]:
        """``report`` with the send times it found missed that no pass said since, for the block to
        say (logged, or printed by `run --once`): noted so once said, for no pass to say them again
        (digest.daemon.missed.saying_once: one worker at a time, not before they are said)."""
        with saying_once(self.config.database, report.missed) as missed:
            yield dataclasses.replace(report, missed=missed)

    def _in_pass(
        self, store: Store, profiles: list[Profile], sender: Any, files: frozenset[str] | None
    ) -> TickReport:
        """The pass, once this worker is seen in it: the agreement, the clock, run_once, and the
        heartbeat that ends it (with the settings it served the readers with, if it queued)."""
        settings, began = worker_settings(self.config, files), self._seen()
        aside = disagreement(store, self.worker, settings, self._seen(), alive(self.config))
        if aside is not None:  # said once, then hourly while it lasts (digest.daemon.failures)
            self.failures.step_trouble("queueing", str(aside), self.clock(), line="{}", over=AGREE)
        else:
            self.failures.step_went("queueing")
        skewed = skew_note(self._skew)
        said = self.skew.to_say(self._skew, self.clock())
        if said and skewed:
            log.warning("%s", skewed)
        elif said is False:
            log.info("this machine's clock is in step with the database server's again")
        self.unbuilt.pending.clear()  # a failed pass's (tried again in this one)
        deliver = self.login_refused is None
        if not deliver:
            self.failures.step_trouble(
                "delivering", self.login_refused, self.clock(), line=REFUSED, over="delivering again"
            )
        report = run_once(
            self.config,
            store,
            profiles,
            sender,
            self.clock(),
            stop=self.stop,
            unrecorded=self.unrecorded,
            deliver=deliver,
            due_index=self.due,
            looked=self.looked,
            say_bugs=self.say_bugs,
            queue=aside is None,
            say_failures=self.say_failures,
            beat=lambda: self._touch(store),
            unbuilt=self.unbuilt,
            wall=lambda: on_server_clock(self.wall(), self._skew),  # the leases: as the workers'
            on_server=lambda at: on_server_clock(at, self._skew),  # the messages' due times too
            clock=self.clock,  # read again after its fetch and its inbox
            bugs=self.failures,  # a bug met fetching or reading the inbox: said as the pass's are
            retrying=self.retrying,
        )
        if deliver and any(o.ok for o in report.delivered):  # a message went: a refusal said is over
            self.failures.step_went("delivering")  # (not before: nothing due has tried the new login)
        if aside is None and store.dialect == POSTGRESQL:  # one standing aside tried no reader
            self._note_failures(store, report, began, profiles)
        holds = "; ".join(
            x for x in (aside.short if aside else "", "its clock is off" if skewed else "") if x
        )  # the settings of a pass that queued: the ones the others may stand aside for
        heartbeat(store, self.worker, self._started(), self._seen(), holds, None if aside else settings)
        return report

    def _note_failures(
        self, store: Store, report: TickReport, began: dt.datetime, profiles: list[Profile]
    ) -> None:
        """The readers this pass could not make a digest for, for `digest status` on any machine
        (digest.daemon.notes); best effort, as the file on SQLite."""
        failures = {s.user: (s.period, s.error) for s in report.scheduled if s.error}
        tried, now = {s.user for s in report.scheduled}, self._seen()
        try:  # a row still due on the server's clock stays (this one's may be off)
            latest = latest_periods(profiles, now, self.config.scheduler.grace)
            note_failures(
                store, self.worker, failures, tried, report.due - tried, began, now, latest, self.unbuilt.say
            )
        except db_errors() as e:
            log.warning("could not note the readers the pass failed: %s", e)
        finally:  # said once between the workers (digest.daemon.unbuilt), as noted; not: by this one's memory
            self.unbuilt.say(None)

    def _seen(self) -> dt.datetime:
        """Now, for the workers table: on the database server's clock if this machine's is off
        (digest.daemon.clocks.on_server_clock, the skew measured at the pass's start)."""
        return on_server_clock(self.clock(), self._skew)

    def _started(self) -> dt.datetime:
        return on_server_clock(self.started, self._skew)  # written at the first heartbeat

    def _touch(self, store: Store) -> None:
        """Seen again between the pass's steps. That only tells the others this worker is alive
        (its heartbeats at the pass's start and end say it too), so a failing one (the database
        locked, full or unreachable for a moment: on SQLite such an error comes as the store's
        StoreError, saying what it means) is said and the pass goes on: what the pass did so far
        is stored, and a database that stays gone fails the next step, which is the pass's
        failure. A bug of ours (is_bug: SQL that cannot run) fails the pass, its traceback logged."""
        try:
            touch(store, self.worker, self._seen())
        except (StoreError, *db_errors()) as e:
            if not isinstance(e, StoreError) and is_bug(e):
                raise
            log.warning("could not note this worker as seen mid-pass (%s); going on", printable(str(e)))

    describe = staticmethod(describe)  # the pass in lines, for `digest run --once` (digest.daemon.pass_said)
