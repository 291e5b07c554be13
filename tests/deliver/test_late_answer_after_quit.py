"""A second SIGTERM (or Ctrl-C) quits `digest send` at once while a connection waits for the answer
to its message's data: the quitting command records that message as its answer lost (deferred:
the server may have it; digest.deliver.line_ends.abandon). The answer may still come before the
process ends, and the connection's thread then has it:

- a deferral or a refusal is not recorded as well: the one try is one attempt, one row of the
  message's history, one line said (before, "... the mail server's answer to its data was lost:
  ...: the command quit at once during DATA ..." and then "... deferred until ...: 451 ..." for
  the same try, two attempts);
- an acceptance is recorded all the same (the message sent, not sent again as an answer lost).

The quitting command's step is called here as `digest send` calls it on its second signal, at the
moment the server holds the answer: a real SMTP server on loopback, a real database (SQLite, and
PostgreSQL), a connection on its own thread, as a send's."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from helpers.held_answers import HeldAnswers

from digest.deliver import line_ends
from digest.deliver.claims import lease_holder
from digest.deliver.commits import commit
from digest.deliver.data_lost import answer_lost
from digest.deliver.line_ends import abandon
from digest.deliver.lines import Line, Pass
from digest.deliver.outbox import QUEUED, SENT, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SmtpSender
from digest.deliver.unrecorded import Unrecorded
from digest.demo.smtp_server import LocalSmtpServer
from digest.progress import NO_PROGRESS
from digest.store import Store
from digest.worker_ids import worker_id

from conftest import NOW, Workspace

pytestmark = pytest.mark.backends

MIME = b"From: digest@example.org\r\nTo: ada@example.org\r\nSubject: Digest\r\n\r\nPapers.\r\n"
DEFERRED = "451 4.3.0 Try again later"


@dataclass
class AnsweredLate(HeldAnswers):
    """Holds the answer to the first message's data until ``release``; then answers ``answer``
    ("": takes the message, 250)."""

    answer: str = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.answer:
            return await super().handle_DATA(server, session, envelope)
        await self.hold("DATA")
        return self.answer


def quit_while_the_answer_is_held(
    tmp_path, database, db_at, answer: str, policy: RetryPolicy | None = None, monkeypatch: Any = None
) -> tuple[list[Any], list[str], Any]:
    """ada's digest sent by a connection on its thread, the command quitting at once while the server
    holds its answer, which comes (``answer``) once the quitting command recorded what it does
    (``monkeypatch`` given: once it has taken the message as its answer lost, before it records that,
    its commit then waiting up to 3 s for the connection's thread to end): (the message's history,
    what was said, the message)."""
    handler = AnsweredLate(answer=answer)
    with LocalSmtpServer(handler) as server, Store(str(db_at)) as store:
        ws = Workspace(tmp_path, server.port, database=database)
        outbox = Outbox(store)
        with store.transaction():
            outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<ada@example.org>",
                subject="Digest", mime=MIME, paper_ids=[], now=NOW,
            )  # fmt: skip
        me, lease = worker_id(), dt.timedelta(minutes=5)
        (ada,) = (outbox.get(i) for i in outbox.claim(outbox.due_ids(NOW), me, NOW, lease))
        run = Pass(
            ws.config, outbox, policy or RetryPolicy(), RateLimiter(None), Circuit(1, timeouts=2),
            Suppressions(store), Unrecorded(store.path), NO_PROGRESS, NOW, lambda: NOW,
            lease_holder(me, lease),
        )  # fmt: skip
        line = Line(run, SmtpSender(ws.config.smtp))
        failed: list[BaseException] = []

        def connection() -> None:  # a send's worker: its message, then its last result recorded
            try:
                line.take(ada)
                line.flush()
            except BaseException as e:  # noqa: BLE001 - reported to the test
                failed.append(e)

        worker = threading.Thread(target=connection)
        if monkeypatch is not None:

            def answered_meanwhile(*args: Any) -> Any:  # the answer in, the connection free to record it
                handler.release.set()
                worker.join(3)
                return commit(*args)

            monkeypatch.setattr(line_ends, "commit", answered_meanwhile)
        worker.start()
        try:
            assert handler.holding.wait(30), "the message's data never reached the server"
            run.stop.set()  # the first signal
            run.halt.set()  # the second: the command quits at once (delivery.deliver_due's finally)
            abandon(run, [line])
        finally:
            handler.release.set()
            worker.join(30)
        assert not worker.is_alive() and failed == []
        history = store.db.execute("SELECT reply FROM attempts WHERE outbox_id = ? ORDER BY at", (ada.id,))
        replies = [reply for (reply,) in history.fetchall()]
        return replies, [o.reply for o in run.outcomes], outbox.get(ada.id)


def test_a_deferral_that_comes_after_the_command_quit_at_once_is_not_a_second_attempt(
    tmp_path, database, db_at, caplog
):
    caplog.set_level(logging.INFO)
    replies, said, ada = quit_while_the_answer_is_held(tmp_path, database, db_at, DEFERRED)
    assert len(replies) == 1 and answer_lost(replies[0]), replies  # not the late 451 as well
    assert "the command quit at once during DATA" in replies[0]
    assert ada.status == QUEUED and ada.attempts == 1, (ada, replies)
    assert len(said) == 1, said
    told = [r.getMessage() for r in caplog.records if r.getMessage().startswith("digest to ada <")]
    assert len(told) == 1 and "answer to its data was lost" in told[0], told  # not "deferred ...: 451" too


def test_an_acceptance_that_comes_after_the_command_quit_at_once_is_recorded_as_sent(
    tmp_path, database, db_at
):
    replies, said, ada = quit_while_the_answer_is_held(tmp_path, database, db_at, "")
    # recorded as its answer lost by the quitting command, then as sent: never sent again
    assert ada.status == SENT, (ada, replies)
    assert answer_lost(replies[0]) and replies[-1].startswith("250"), replies


def test_an_acceptance_recorded_before_the_quitting_command_records_its_answer_lost_stays_sent(
    tmp_path, database, db_at, monkeypatch
):
    # the message's give-up time past (its retry window over): its answer lost is recorded as a
    # failure; the server's 250 comes in as the quitting command takes it so, and its connection's
    # thread would record it before the quitting command's own commit: the message sent, not
    # failed after (its papers then free again, for the reader's next digest: sent twice)
    over = RetryPolicy(for_hours=0)
    replies, said, ada = quit_while_the_answer_is_held(tmp_path, database, db_at, "", over, monkeypatch)
    assert ada.status == SENT and ada.last_error is None, (ada, replies)
    assert answer_lost(said[0]) and said[-1].startswith("250"), said  # recorded, and said, in that order
