"""What a reader gets: the stored papers ranked for them, less what they were sent or have queued.

rank_all()          every stored paper, ranked (the explorer's view: `digest rank`)
build_digests()     every reader's best unsent papers at once (`digest send`, `preview`)
scheduled_digest()  the papers listed since the reader's previous digest (the daemon)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digest.config import Config
from digest.models import Digest, Match, Profile
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex
from digest.select.ranking import Ranker, build_index
from digest.store import Store


def rank_all(
    store: Store, profile: Profile, limit: int | None = None, config: Config | None = None
) -> list[Match]:
    """Every stored paper ranked for ``profile`` (semantic matching too, if ``config`` has it on)."""
    return build_index(store, store.papers(), config).rank(profile, limit)


def build_digests(
    store: Store, profiles: Sequence[Profile], up_to: dt.date | None = None, config: Config | None = None
) -> list[Digest]:
    """For every reader: the best papers they have not been sent (nor have queued), at most max_papers.

    ``up_to``: as of that listing day: only papers listed on or before it (for previews).
    ``config``: turns on semantic matching when it says so (keywords only without it).
    """
    index = build_index(store, store.papers(up_to=up_to), config)
    taken = [store.reserved_paper_ids(profile.user) for profile in profiles]
    # The best max_papers that are not taken: what filtering a full ranking would keep.
    if isinstance(index, PaperIndex):  # keywords only: all readers at once
        ranked = rank_many(index, profiles, limit=[p.max_papers for p in profiles], skip=taken)
    else:  # the semantic blend ranks one reader at a time
        ranked = [
            [m for m in index.rank(p) if m.paper.id not in skip][: p.max_papers]
            for p, skip in zip(profiles, taken, strict=True)
        ]
    digests = []
    for profile, matches in zip(profiles, ranked, strict=True):
        day = store.latest_day((m.paper.id for m in matches), up_to)
        digests.append(Digest(profile=profile, matches=tuple(matches), day=day))
    return digests


def scheduled_digest(store: Store, index: Ranker, profile: Profile) -> Digest:
    """Papers listed since the reader's previous digest (a new reader: the latest listing),
    not sent nor queued to them, best first, at most max_papers."""
    state = store.schedule_state(profile.user)
    fresh = store.papers_listed_since(state[1]) if state else store.latest_listing_papers()
    allowed = {p.id for p in fresh} - store.reserved_paper_ids(profile.user)
    matches = [m for m in index.rank(profile) if m.paper.id in allowed][: profile.max_papers]
    day = store.latest_day(m.paper.id for m in matches) or store.latest_day(p.id for p in fresh)
    return Digest(profile=profile, matches=tuple(matches), day=day)
