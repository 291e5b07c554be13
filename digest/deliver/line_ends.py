"""How a pass's connections end: the inline connection's last result recorded and its sender
closed (finish), or, when the command quits at once, what the workers hold recorded (abandon)."""

from __future__ import annotations

import contextlib
import sys

from digest.db import db_errors
from digest.deliver.commits import commit
from digest.deliver.lines import Line, Pass
from digest.deliver.unrecorded import DeliveryHalted
from digest.errors import StoreError


def abandon(run: Pass, lines: list[Line]) -> None:
    """The command quits at once: each worker's message whose answer it still waits for is recorded
    as its answer lost (deferred, said), not left queued as if never tried; so are the results a
    worker holds (the server answered, the next commit not made yet: a worker waits for the next
    message's MAIL or RCPT), not left queued to go again unsaid. If that cannot be written, they
    stay queued, as before. The results a worker is recording (its commit waits for the database)
    are left to it: recorded once, not twice; so is an answer that comes in after, unless an
    acceptance (Line.give_up), and recorded after this command's own commit: an acceptance coming in
    as it takes the message as its answer lost is not recorded first, then overwritten (a failure,
    once the message's retry window is over: its papers free again for the reader's next digest)."""
    with contextlib.ExitStack() as waited:
        for line in lines:  # a commit under way waited for; none begun until this one is made
            waited.enter_context(line.committing)
        held = [one for line in lines for one in line.give_up()]
        if held:
            with contextlib.suppress(*db_errors(), StoreError, DeliveryHalted):
                commit(run, held, [])


def finish(line: Line, ended: bool, owned: bool) -> None:
    """The inline connection's last result recorded, its sender closed."""
    failing = sys.exc_info()[1]
    try:
        if ended:
            line.flush()
        else:  # already failing: record what can be, the first error is the one raised, unless the
            # server accepted what cannot be recorded (the first often the same lost database's)
            try:
                line.flush()
            except DeliveryHalted:
                if not isinstance(failing, DeliveryHalted):  # the halt said first stays the one raised
                    raise
            except Exception:  # noqa: BLE001, S110 - the first error is raised
                pass
    finally:
        if owned and hasattr(line.sender, "close"):
            line.sender.close()
