"""What is kept of each source's fetches: the latest attempt of each, as `status` and the daemon read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digest.ingest.fetch import FAILED, GONE
from digest.store import Store


@dataclass(frozen=True)
class FetchRecord:
    source: str
    url: str
    attempted_at: dt.datetime
    outcome: str
    detail: str
    succeeded_at: dt.datetime | None
    retry_at: dt.datetime | None = None  # a failed fetch's server asked not to be asked before

    @property
    def gone(self) -> bool:
        """A failed fetch answered 410 Gone: not tried again before the source's next fetch time."""
        return self.outcome == FAILED and GONE in self.detail


def last_fetches(store: Store) -> dict[str, FetchRecord]:
    """The latest attempt of each source, by source name."""
    rows = store.db.execute(
        "SELECT source, url, attempted_at, outcome, detail, succeeded_at, retry_at FROM fetches "
        "ORDER BY attempted_at"
    ).fetchall()
    out = {}
    for source, url, at, outcome, detail, ok_at, retry_at in rows:
        prev = out.get(source)
        succeeded = dt.datetime.fromisoformat(ok_at) if ok_at else None
        if prev is not None and prev.succeeded_at and (succeeded is None or prev.succeeded_at > succeeded):
            succeeded = prev.succeeded_at  # another day's URL of the same source succeeded later
        wait = dt.datetime.fromisoformat(retry_at) if retry_at else None
        out[source] = FetchRecord(
            source, url, dt.datetime.fromisoformat(at), outcome, detail, succeeded, wait
        )
    return out
