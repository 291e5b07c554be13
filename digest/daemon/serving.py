"""The daemon's life under APScheduler: ``serve()`` holds the database's run lock for its whole
life, runs ``tick`` (a pass of digest.daemon.service.Daemon) every ``scheduler.poll_seconds``
(and once more as soon as a dump that was still being written has settled), and stops on
SIGTERM or SIGINT after the message in flight is recorded."""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from digest.daemon.lock import RunLock
from digest.db import shown
from digest.deliver.senders import check_transport
from digest.deliver.transports import LoginRefused
from digest.select.embedding_lock import EmbeddingsStopped, stopping
from digest.stop import NOT_SENDING

log = logging.getLogger("digest.daemon.service")  # the daemon's log, as it always said it


class Serving:
    """Daemon's ticks and its serving loop (the pass itself, ``_pass``, and the state they read
    are Daemon's: digest.daemon.service)."""

    def tick(self) -> None:
        """The scheduled job: never raises (a failed tick is logged and the next one retries)."""
        if self.stop.is_set() or not self._busy.acquire(blocking=False):
            return
        try:
            with stopping(self.stop):  # a wait for another's embeddings ends at SIGTERM
                report = self._pass()
            self.failures.succeeded(self.clock())
            if report.waiting and self._scheduler is not None:
                soon = self.clock() + self.config.scheduler.settle + dt.timedelta(seconds=0.5)
                self._scheduler.add_job(self.tick, "date", run_date=soon, id="settle", replace_existing=True)
        except EmbeddingsStopped as e:  # SIGTERM: nothing made or sent, the next start does it
            log.info("pass not finished: %s", e)
        except LoginRefused as e:  # retrying with the same credentials only locks the account
            self.login_refused = str(e)
            log.error("%s", e)
        except Exception as e:  # noqa: BLE001 - the daemon outlives a bad tick (digest.daemon.failures)
            self.failures.failed(e, shown(self.config.database), self.clock(), str(self.config.database))
        finally:
            self._busy.release()

    # -- the daemon ----------------------------------------------------------------------

    def serve(self, started: Callable[[], None] | None = None) -> None:
        """Run until SIGTERM/SIGINT; ``started`` is called once the run lock is held."""
        if self.sender_factory is None:
            check_transport(self.config)  # like the web secret: found at start, not after queueing
        lock = RunLock(self.config.database).acquire("digest run", worker=self.worker)
        self.unrecorded.lasting = True  # its next pass reads what a halt could note in memory only
        if started is not None:
            started()
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        scheduler = BackgroundScheduler(timezone=dt.UTC)
        self._scheduler = scheduler
        try:
            scheduler.add_job(
                self.tick,
                "interval",
                seconds=self.config.scheduler.poll_seconds,
                next_run_time=self.clock(),
                id="tick",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
            scheduler.start()
            log.info(
                "daemon started: inbox %s, polling every %gs",
                self.config.inbox,
                self.config.scheduler.poll_seconds,
            )
            while not self.stop.wait(0.2):  # ends at the signal the handler noted (see _on_signal)
                pass
            if self.stop.asked:
                log.info("received %s", self.stop.signum.name)
            self.stop.set()  # here, between waits: the other threads' waits end at once
            # as `digest send` says it: the delivery's words while it sends (Stop.doing), else none is
            log.info("stopping: %s", self.stop.doing or NOT_SENDING)
        finally:
            scheduler.shutdown(wait=True)
            self._scheduler = None
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._farewell()
            lock.release()
            log.info("daemon stopped")

    def _on_signal(self, signum: int, frame: object) -> None:
        """Only notes the signal (:meth:`digest.stop.Stop.note`): it runs in the main thread between
        two of its bytecodes, maybe inside ``self.stop.wait`` while that holds the Event's lock (not
        reentrant), which ``self.stop.set()`` here would wait for forever. The stop's waits read the
        note (in every thread); serve's loop then sets the Event too. Unlike `digest send`'s, a
        second signal does not quit at once: the daemon finishes the message the server has."""
        self.stop.note(signum)
