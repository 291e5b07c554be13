"""What a reader gets next: the one definition every command asks.

A reader's next digest, as of a moment: the papers first listed after their previous
digest (a reader who never had one: the latest listing of each source), not sent nor queued to them, best
first, at most ``max_papers``, at least ``min_score``. `send`, `send --dry-run`,
`preview`, the preferences page's preview, the daemon (`run`, `run --once`) and `status`
all call :func:`next_digest` (or :func:`next_digests` for many readers at once, with the
very same result per reader).

Only the papers of a reader's window are ranked, so the cost follows the day's listing,
not the archive; the collection statistics the scores need come from the store
(:mod:`digest.select.collection`), so a paper scores the same in a window as in the
archive.

rank_all()      every stored paper, ranked (the explorer's view: `digest rank`)
rank_next()     the next digest's window, ranked (`digest rank --next`)
next_digest()   one reader's next digest
digest_of_day() the digest of a given day, past or to come (`digest preview --date`)
next_digests()  many readers' next digests (readers sharing a window share one index)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.local_day import day_bounds
from digest.models import Digest, Match, Paper, Profile
from digest.select.batch import rank_many
from digest.select.collection import CollectionStats
from digest.select.feedback import FeedbackRanker
from digest.select.matcher import PaperIndex
from digest.select.ranking import Ranker, build_index
from digest.store import Store

LATE_DAYS = 7  # a listing this many days older than the previous digest's newest still counts
_WindowKey = tuple[int | None, tuple[int, ...], dt.date | None]  # where it starts, carried, up to


def rank_all(
    store: Store, profile: Profile, limit: int | None = None, config: Config | None = None
) -> list[Match]:
    """Every stored paper ranked for ``profile`` (semantic matching too, if ``config`` has it on)."""
    return build_index(store, store.papers(), config, likes=bool(profile.likes)).rank(profile, limit)


def rank_next(
    store: Store,
    profile: Profile,
    now: dt.datetime,
    limit: int | None = None,
    config: Config | None = None,
) -> list[Match]:
    """The next digest's window ranked for ``profile`` (`digest rank --next`): its first
    ``max_papers`` are :func:`next_digest`'s papers."""
    windows = Windows(store, config)
    papers = windows.papers(profile.user)
    if not papers:
        return []
    taken = store.reserved_paper_ids(profile.user)
    ranker = windows.ranker(papers, likes=bool(profile.likes))
    ranked = [m for m in ranker.rank(profile) if m.paper.id not in taken]
    windows.stats.save()
    return ranked[:limit] if limit is not None else ranked


def window(
    store: Store,
    previous: int | None,
    through: int,
    up_to: dt.date | None = None,
    ingested_by: dt.datetime | None = None,
    carried: Sequence[int] = (),
    sources: Collection[str] | None = None,
) -> list[Paper]:
    """The papers a reader's next digest is chosen from: those first listed after their
    previous digest (``previous``: the newest paper then; see Store.previous_digest_through),
    or, for a reader who never had one (None), the latest listing of each source (a fetched
    source's, the inbox's dumps'; Store.latest_listing_papers); none after ``through``. With
    them the papers ``carried`` from a digest that failed after a later one was made
    (Store.carried_paper_ids), whatever their day. Of all these, only those listed by one of
    the ``sources`` named (the config's, Store.fed_sources; the inbox's dumps kept; None: every
    source stored): what a source taken out of the config fetched, not sent yet, stays in the
    archive, not in a digest made after the edit.

    A paper stored since, whose listings are all more than :data:`LATE_DAYS` older than the
    newest listing of the previous digest's time, is left out: an old dump dropped in the
    inbox fills the archive (`digest rank`), not the next email. A listing that comes a few
    days late (a source fetched late, a dump dropped late) still counts.

    ``up_to``: only papers listed on or before that day (a preview as of a past day);
    ``ingested_by``: the latest listing among those stored by then (a past digest's).
    """
    if previous is None:
        # a past digest's: not a listing stored after it was chosen, in the same second
        after = through if ingested_by is not None else None
        latest = store.latest_listing_papers(up_to, ingested_by, LATE_DAYS, sources, through=after)
        papers = [p for p in latest if p.id <= through]
    else:
        papers = store.papers_after(previous, through)
        newest = store.newest_day_when(previous)
        if newest is not None and papers:
            days = store.listing_days((p.id for p in papers), up_to, ingested_by)
            oldest = newest - dt.timedelta(days=LATE_DAYS)
            papers = [p for p in papers if days.get(p.id, p.first_seen) >= oldest]
    inside = {p.id for p in papers}
    if extra := [i for i in carried if i not in inside and i <= through]:
        papers = sorted([*papers, *store.papers(extra)], key=lambda p: p.id)
    if sources is not None and papers:  # a source taken out of the config: nothing of it now
        listed = store.listed_from((p.id for p in papers), sources, up_to, ingested_by)
        papers = [p for p in papers if p.id in listed]
    return [p for p in papers if up_to is None or p.first_seen <= up_to]


class Windows:
    """The rankers of one run, one per distinct window (most readers share the day's one)."""

    def __init__(self, store: Store, config: Config | None = None) -> None:
        self.store, self.config = store, config
        # a digest's sources: the config's now (one removed from it feeds nothing new; one
        # renamed, its url the same, feeds under either name)
        self.sources = None if config is None else store.fed_sources(config.sources)
        self.stats = CollectionStats(store)  # the archive's counts, brought up to date
        self.stats.refresh()
        self.through = self.stats.through  # papers stored later wait for the next run
        self._windows: dict[_WindowKey, tuple[list[Paper], tuple[int, ...]]] = {}
        self._rankers: dict[tuple[tuple[int, ...], bool], Ranker] = {}
        self._days: dict[tuple[tuple[int, ...], dt.date | None], dt.date | None] = {}
        self._through: dict[str, int | None] = {}
        self._carried: dict[str, tuple[int, ...]] = {}  # a failed digest's papers left out (most: none)

    def prefetch(self, users: Sequence[str]) -> None:
        """Where each of these readers' windows starts, and what it is given beside, asked of
        the store at once."""
        missing = [u for u in users if u not in self._through]
        self._through.update(self.store.previous_digests_through(missing))
        self._carried.update(self.store.carried_paper_ids({u: self._through[u] for u in missing}))

    def papers(self, user: str, up_to: dt.date | None = None) -> list[Paper]:
        return self.window_of(user, up_to)[0]

    def start(self, user: str) -> tuple[int | None, tuple[int, ...]]:
        """Where the reader's window starts and the papers carried into it, as read (Digest.window)."""
        return self._through[user], self._carried[user]

    def window_of(self, user: str, up_to: dt.date | None = None) -> tuple[list[Paper], tuple[int, ...]]:
        """The reader's window: its papers and their ids (made once per window, not per reader)."""
        if user not in self._through:
            self._through[user] = self.store.previous_digest_through(user)
            self._carried.update(self.store.carried_paper_ids({user: self._through[user]}))
        key = (self._through[user], self._carried[user], up_to)
        if key not in self._windows:
            papers = window(self.store, key[0], self.through, up_to, carried=key[1], sources=self.sources)
            self._windows[key] = (papers, tuple(p.id for p in papers))
        return self._windows[key]

    def latest_day(self, papers: Sequence[Paper], up_to: dt.date | None) -> dt.date | None:
        """The latest listing day of a window (what an empty digest is dated)."""
        key = (tuple(p.id for p in papers), up_to)
        if key not in self._days:
            self._days[key] = self.store.latest_day((p.id for p in papers), up_to)
        return self._days[key]

    def ranker(self, papers: Sequence[Paper], likes: bool = False) -> Ranker:
        """``likes``: some reader it ranks for lists titles they like (see build_index)."""
        key = (tuple(p.id for p in papers), likes)
        if key not in self._rankers:
            self._rankers[key] = build_index(self.store, papers, self.config, counts=self.stats, likes=likes)
        return self._rankers[key]


def next_digest(
    store: Store,
    profile: Profile,
    now: dt.datetime,
    *,
    config: Config | None = None,
    up_to: dt.date | None = None,
    windows: Windows | None = None,
) -> Digest:
    """``profile``'s next digest as of ``now`` (see the module's docstring).

    ``config`` turns on semantic matching when it says so (keywords only without it);
    ``windows`` shares indexes between calls of one run.
    """
    (digest,) = next_digests(store, [profile], now, config=config, up_to=up_to, windows=windows)
    return digest


def next_digests(
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    *,
    config: Config | None = None,
    up_to: dt.date | None = None,
    windows: Windows | None = None,
) -> list[Digest]:
    """:func:`next_digest` for every profile, readers with the same window ranked together."""
    windows = windows or Windows(store, config)
    windows.prefetch([p.user for p in profiles])
    groups: dict[tuple[int, ...], list[int]] = {}
    papers_of: dict[tuple[int, ...], list[Paper]] = {}
    for i, profile in enumerate(profiles):
        papers, key = windows.window_of(profile.user, up_to)
        groups.setdefault(key, []).append(i)
        papers_of[key] = papers
    ranked: list[list[Match]] = [[] for _ in profiles]
    for key, members in groups.items():
        if not key:
            continue
        group = [profiles[i] for i in members]
        index = windows.ranker(papers_of[key], likes=any(p.likes for p in group))
        inside = set(key)
        taken = []
        for start in range(0, len(group), 500):  # asked 500 readers at a time; only the window's kept
            reserved = store.reserved_paper_ids_of([p.user for p in group[start : start + 500]], min(key))
            taken += [reserved[p.user] & inside for p in group[start : start + 500]]
        limits = [p.max_papers for p in group]
        if isinstance(index, PaperIndex):  # keywords only: the whole group at once
            results = rank_many(index, group, limit=limits, skip=taken)
        elif isinstance(index, FeedbackRanker):  # with the readers' models: at once too
            results = index.rank_many(group, limit=limits, skip=taken)
        else:  # the semantic blend ranks one reader at a time
            results = [
                [m for m in index.rank(p) if m.paper.id not in skip][: p.max_papers]
                for p, skip in zip(group, taken, strict=True)
            ]
        for i, matches in zip(members, results, strict=True):
            ranked[i] = matches
    days = store.listing_days({m.paper.id for matches in ranked for m in matches}, up_to)
    digests = []
    for profile, matches in zip(profiles, ranked, strict=True):
        papers = windows.papers(profile.user, up_to)
        day = max((days[m.paper.id] for m in matches if m.paper.id in days), default=None)
        since = min((days[m.paper.id] for m in matches if m.paper.id in days), default=None)
        day = day or windows.latest_day(papers, up_to)
        window = windows.start(profile.user)
        digest = Digest(profile, tuple(matches), day, through=windows.through, window=window, since=since)
        digests.append(digest)
    windows.stats.save()
    return digests


def digest_of_day(
    store: Store,
    profile: Profile,
    day: dt.date,
    *,
    config: Config | None = None,
    now: dt.datetime | None = None,
) -> Digest:
    """The digest of ``day`` (the reader's local date), as it would be or would have been:
    chosen as :func:`next_digest` chooses, from the reader's history as it stood when the day
    began (the digests made before it: where the window starts, what they took), among the
    papers listed on or before it; a digest made that day saw only the papers stored by then.
    For a day after the reader's last digest this is their next digest (``up_to=day``). A paper
    of the window of a digest made that day, merged since into an older one
    (digest.store_papers.merge_paper), is that one, there, unless the merged copy itself had been
    sent before the day. A day not made that is not past for the reader at ``now`` (today before
    its digest, a day to come) is their next digest as it is, whatever its listings' dates."""
    previous, taken, made = store.history_before(profile.user, *day_bounds(day, profile.timezone))
    windows = Windows(store, config)
    through = windows.through if made is None else min(windows.through, made[0])
    made_at = None if made is None else made[1]
    carried: tuple[int, ...] = ()  # a day after the last digest: the next digest's, as it is
    if made is not None:  # the day's digest, given a failed one's papers as it was then
        carried = store.carried_paper_ids({profile.user: previous}, (made[1], made[2]))[profile.user]
    elif previous == store.previous_digest_through(profile.user):  # (None: no digest kept)
        carried = store.carried_paper_ids({profile.user: previous})[profile.user]
    sources = windows.sources
    if made is not None and sources is not None:  # a day's digest made: its sources then, the
        # config's now and those that fed its email (taken out since; one taken out before fed none)
        sources = (*sources, *store.fed_beside(made[2], made[1], sources))
    # a day's digest made: what was stored by then, whatever the listings' dates, as the send chose
    # it (a reader west of a listing's date line gets, on their evening, a listing dated their morrow)
    to_come = now is not None and day >= now.astimezone(ZoneInfo(profile.timezone)).date()
    listed_by = day if made is None and not to_come else None
    papers = window(store, previous, through, listed_by, made_at, carried, sources)
    merged: dict[int, int] = {}  # a paper of the day's digest's window merged since: that one -> its id
    if previous is not None and made is not None:  # (a day to come is the next digest, as it is)
        inside = {p.id for p in papers}
        merged = {
            now: then
            for now, then in store.merged_after(previous, through, dt.date.max).items()
            if now not in inside and then not in taken  # taken as it stood then: by its own id
        }
        if merged:
            papers = sorted([*papers, *store.papers(merged)], key=lambda p: p.id)
    matches: list[Match] = []
    if papers:
        ranked = windows.ranker(papers, likes=bool(profile.likes)).rank(profile)
        matches = [m for m in ranked if m.paper.id in merged or m.paper.id not in taken][: profile.max_papers]
    days = store.listing_days((m.paper.id for m in matches), listed_by, made_at)
    latest = max(days.values(), default=None) or store.latest_day((p.id for p in papers), listed_by, made_at)
    windows.stats.save()
    since = min(days.values(), default=None)  # as the digest sent says its days (next_digests)
    return Digest(profile=profile, matches=tuple(matches), day=latest, through=through, since=since)
