"""Which readers a tick looks at: each reader's next due instant, kept between ticks.

A daemon with 100,000 readers should not work out 100,000 schedules every minute to find the
few who are due. :class:`DueIndex` keeps, per reader, the instant from which a tick should
look at them again: a new or edited profile at once; a reader whose latest slot is done (or
missed beyond the grace period, or paused) their next slot; a reader being served (due,
claimed by another worker, or waiting within the grace period for something worth sending)
every tick until their state says done. The database stays the judge: a candidate's last
period is read again before anything is made, so an index that is behind (another worker
served the reader, `digest send` did) costs one look, never a second digest. The profiles
synced are the folder's as the pass found them (a file edited in place since the folder was
read among them: digest.profiles.watch.ProfileFolder.current), and the candidates' are looked at
again as the tick asks for them (``reread``: ProfileFolder.fresh), so a file edited meanwhile is
planned for as it reads now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from digest.models import Profile
from digest.slots import next_slot

NOW = dt.datetime.min.replace(tzinfo=dt.UTC)  # "look at this reader at the next tick"
IDLE = dt.timedelta(days=1)  # a reader without any slot ahead (paused, no send day): looked at daily


class DueIndex:
    """``index.sync(profiles)`` after each read of the folder; ``index.candidates(now)``."""

    def __init__(self, reread: Callable[[Sequence[Profile]], list[Profile]] | None = None) -> None:
        self.reread = reread
        self._profiles: dict[str, Profile] = {}
        self._next: dict[str, dt.datetime] = {}

    def sync(self, profiles: Sequence[Profile]) -> None:
        """The profiles now on disk: new and changed ones are looked at next; removed ones stop."""
        fresh = {p.user: p for p in profiles}
        for user in self._next.keys() - fresh.keys():
            del self._next[user]
        for user, profile in fresh.items():
            if self._profiles.get(user) != profile:
                self._next[user] = NOW
        self._profiles = fresh

    def candidates(self, now: dt.datetime) -> list[Profile]:
        """The readers a tick at ``now`` should look at, by user id, their files looked at again."""
        listed = [self._profiles[u] for u in sorted(u for u, at in self._next.items() if at <= now)]
        if self.reread is None or not listed:
            return listed
        listed = self.reread(listed)
        self._profiles.update((p.user, p) for p in listed)
        return listed

    def look_again(self, users: Sequence[str]) -> None:
        """These readers may be due again (their period reopened: digest.deliver.wanted)."""
        for user in users:
            if user in self._next:
                self._next[user] = NOW

    def not_due(
        self, profile: Profile, last_period: str | None, now: dt.datetime, last_at: dt.datetime | None = None
    ) -> None:
        """Nothing to send ``profile`` now: look again at their next slot not done (their
        schedule state: ``last_period``, made at ``last_at``)."""
        if profile.user in self._next:
            slot = next_slot(profile, now, last_period, last_at)
            self._next[profile.user] = slot.at if slot is not None else now + IDLE
