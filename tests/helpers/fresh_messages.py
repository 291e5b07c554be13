"""Messages to r<n>@example.org handed to deliver_due as a send's fresh ones, on a server at a given
port: for the tests of what a relay took since a refusal."""

from __future__ import annotations

import datetime as dt

from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import NewMessage
from digest.deliver.pacing import RetryPolicy


def plain(n: int) -> NewMessage:
    """A small message to r<n>@example.org."""
    return NewMessage(
        f"r{n}", f"r{n}@example.org", f"<m{n}@example.org>", "S", b"Subject: s\r\n\r\nx\r\n", ()
    )


def deliver(workspace, store, port: int, now: dt.datetime, fresh: list[NewMessage] | None = None):
    """deliver_due of what is due and of ``fresh`` (a send's new messages) to the server at ``port``."""
    workspace.config_path.write_text(workspace.config_path.read_text().replace("port: 2525", f"port: {port}"))
    return deliver_due(
        workspace.config,
        store,
        None,
        now,
        policy=RetryPolicy(first_seconds=60),
        fresh=iter(fresh) if fresh is not None else None,
        fresh_count=len(fresh or ()),
        connections=1,
    )
