"""`send --to-dir` writes as files only the messages no mail server deferred (Outbox.due_ids); on
PostgreSQL another worker (a daemon on another machine) may try one between that look and the
claim, and the server defer it. Its claim then leaves it, due again or not: it is the reader's
email, for its retry by SMTP. Before, the claim asked only that it be due still, so a deferral
whose retry came before the claim (a long `--to-dir` run: claims go a batch at a time) was
written as a file and recorded as sent, and the reader never got it. One the file transport
could not write (its reply "cannot write ...") is still `--to-dir`'s own to write. (A message made
for email and never tried is the reader's email too: tests/cli/test_send_to_dir_after_smtp_stopped.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.at_once import LEASE, queued

from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends


def deferred_meanwhile(db_at, reply: str) -> tuple[Outbox, list[int]]:
    store = Store(db_at)
    (ada,) = queued(store, ["ada"], for_files=True)  # a `send --to-dir`'s
    outbox = Outbox(store)
    assert outbox.due_ids(NOW, untried=True) == [ada]  # the look: never tried
    # another worker tries it now, and its retry comes a second later, before the claim
    outbox.mark_retry(outbox.get(ada), reply, NOW, NOW + dt.timedelta(seconds=1))
    return outbox, [ada]


def test_a_message_a_server_deferred_after_the_look_is_not_claimed_by_to_dir(db_at):
    outbox, ids = deferred_meanwhile(db_at, "451 4.3.0 try later")
    later = NOW + dt.timedelta(seconds=2)
    assert outbox.claim(ids, "to-dir", later, LEASE, due=later, untried=True) == []
    assert outbox.claim(ids, "daemon", later, LEASE, due=later) == ids  # the SMTP pass's, at its retry
    outbox.store.close()


def test_one_the_file_transport_could_not_write_is_claimed_by_to_dir(db_at):
    outbox, ids = deferred_meanwhile(db_at, "cannot write /out/x.eml: No space left on device")
    later = NOW + dt.timedelta(seconds=2)
    assert outbox.claim(ids, "to-dir", later, LEASE, due=later, untried=True) == ids
    outbox.store.close()
