"""Why a due reader has had no digest yet, as `digest status` says it: the fetches made for the
digest tell "no listing today" from "fetch failed" from "nothing matched yet"."""

from __future__ import annotations

import datetime as dt

from digest.config import Config, SourceConfig
from digest.daemon.fetching import latest_fetch_moment
from digest.ingest.fetch import EMPTY, NOT_MODIFIED, NOT_OUT
from digest.ingest.fetch import FAILED as FETCH_FAILED
from digest.ingest.fetch_records import FetchRecord
from digest.models import Profile


def waiting_note(fetches: list[tuple[FetchRecord | None, dt.datetime]]) -> str:
    """Why a due reader has had nothing yet: the fetches for their digest (each source's last
    attempt, if made since the moment it was fetched for this digest) tell "no listing today"
    from "fetch failed"; when the sources did bring papers, nothing matched (yet). No fetch for
    it at all: no pass has had its turn (no daemon yet: a new user's first status), due now."""
    recent = [f for f, since in fetches if f is not None and f.attempted_at >= since]
    if not recent:
        return "due now"
    if recent and all(f.outcome == FETCH_FAILED for f in recent):
        lines = "its Source line" if len(recent) == 1 else "their Source lines"  # the detail is there
        return f"waiting: fetch failed ({', '.join(f.source for f in recent)}: see {lines} above)"
    if (
        recent
        and all(f.outcome in (EMPTY, NOT_MODIFIED) for f in recent)
        and any(f.outcome == EMPTY for f in recent)
    ):
        late = [f.source for f in recent if f.outcome == EMPTY and NOT_OUT in f.detail]
        if late:  # an earlier day's list answered again: the day's is late, not a day without one
            lines = "its Source line" if len(late) == 1 else "their Source lines"
            return f"the day's list not out yet ({', '.join(late)}: see {lines} above): nothing new yet"
        return "no listing today (weekend or holiday): nothing new"
    return "due: nothing matched yet"


def fetched_for(source: SourceConfig, profile: Profile, at: dt.datetime, config: Config) -> dt.datetime:
    """When ``source`` was fetched for ``profile``'s digest due ``at`` (the daemon's moment:
    ``before_minutes`` before it, or the last of its ``when`` times); at the latest, the start
    of that UTC day. A send time just after midnight was fetched for the evening before: its
    failed attempts then are the reason it waits, not "nothing matched"."""
    moment = latest_fetch_moment(source, [profile], config.timezone, at)
    midnight = dt.datetime.combine(at.astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)
    return midnight if moment is None else min(moment, midnight)
