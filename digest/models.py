"""The typed data that flows between the steps of the pipeline.

The classes made by the hundred thousand in a run (papers, profiles, interests) have slots:
less memory, and fewer objects for the garbage collector to walk; those made by the million
(matches, hits) are typed named tuples (see :class:`Match`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from digest.checks import Bool, Choice, Email, Int, Number, Text
from digest.keyword_checks import Terms, Titles, Weights
from digest.options import option
from digest.time_checks import Clock, TimeZone, Weekday


@dataclass(frozen=True)
class Entry:
    """One paper as it stands in a listing dump: what its format tells (the rest stays empty)."""

    title: str
    abstract: str
    line: int  # line of the title in the dump (1-based; the item's number in a JSON array)
    arxiv_id: str | None = None  # without version, e.g. "2403.01234" or "hep-th/9901001"
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # arXiv categories, the primary one first
    code_url: str | None = None
    project_url: str | None = None
    upvotes: int | None = None
    # a feed item without an id: what earlier versions of digest read its title as, where that
    # differs (a feed's HTML read otherwise since): a paper stored under one of them may be it
    read_before: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """A whole listing dump, parsed."""

    source: Path
    day: dt.date
    entries: tuple[Entry, ...]  # may be empty: a weekend or holiday feed with no announcements
    sha256: str  # of the content: the same dump ingested twice is recognised
    format: str = "trending"  # the reader that read it: trending | hf_daily | arxiv_atom | arxiv_rss
    skipped: tuple[str, ...] = ()  # why each unreadable item was left out (a fetched feed's only)
    unlinked: tuple[str, ...] = ()  # a kept item's links left out, with why (never refuses a dump)
    page_day: bool = False  # the day is the daily page's own (hf_daily: paper.submittedOnDailyAt)


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper in the store: one per arXiv id where a source gives one, else per normalized title,
    with the union of what every source told about it."""

    id: int
    title: str
    abstract: str
    first_seen: dt.date  # day of the first listing it appeared in
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    code_url: str | None = None
    project_url: str | None = None
    upvotes: int | None = None


@dataclass(frozen=True, slots=True)
class Interest:
    """A keyword or phrase a reader cares about, with its weight (default 1)."""

    phrase: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Profile:
    """A reader: who they are, what they want, when they want it.

    Each field read from the profile file is declared here once, as an option: its check, its
    help, whether `digest profile set` changes it and how the web form asks for it. The
    defaults for a loaded profile come from the config (``inherit``); the ones below are for
    code that makes a Profile itself.
    """

    user: str  # the profile file's stem
    email: str = option(Email(), required=True, help="where the digests go")
    interests: tuple[Interest, ...] = option(
        Weights(Interest),
        required=True,
        set_by="`digest profile add/remove` for interests",
        help="keyword or phrase -> weight (default 1)",
    )
    exclude: tuple[str, ...] = option(
        Terms(),
        default=(),
        set_by="`digest profile exclude` for exclusions",
        help="papers matching any of these are left out",
    )
    name: str | None = option(Text(header=True), default=None, help="the reader's name, for the greeting")
    frequency: str = option(
        Choice({"daily": "Every day", "weekdays": "Monday to Friday", "weekly": "Once a week"}),
        default="daily",
        label="How often",
        help="daily | weekdays | weekly",
    )
    weekday: int = option(  # 0 = Monday ... 6 = Sunday
        Weekday(),
        default=0,
        only_with=("frequency", "weekly"),
        label="Day",
        help="the day of a weekly digest (monday ... sunday)",
    )
    send_at: dt.time = option(
        Clock(), default=dt.time(7, 0), inherit="send_at", label="At", help="local time of the digest"
    )
    timezone: str = option(
        TimeZone(), default="UTC", inherit="timezone", label="Time zone", help="IANA time zone name"
    )
    max_papers: int = option(
        Int(1, 1000),
        default=10,
        inherit="max_papers",
        label="Papers at most",
        help="at most this many papers",
    )
    min_score: float = option(
        Number(0, maximum=1000), default=0.0, inherit="min_score", help="leave out papers scoring below this"
    )
    paused: bool = option(
        Bool(),
        default=False,
        label="Pause my digest (nothing is sent until you untick this)",
        help="a paused reader gets nothing until unpaused",
    )
    send_empty: bool = option(
        Bool(), default=False, help='on a day with nothing to send: a short "nothing today" note'
    )
    likes: tuple[str, ...] = option(
        Titles(),
        key="like",
        default=(),
        set_by="editing the profile (`digest profile edit`) for liked titles",
        help="titles of papers you already like: a cold start for learning what you like",
    )
    source: Path | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.user


class Hit(NamedTuple):
    """Where one interest matched: field and exact character span in that field's text."""

    keyword: str  # the interest phrase as the reader wrote it
    field: str  # "title" or "abstract"
    start: int
    end: int


HitGroups = tuple[tuple[Hit, ...], ...]  # a match's hits: a tuple of hits per keyword with hits


class Match(NamedTuple):
    """A paper scored for one reader, with the explanation of its score.

    Hits and matches are made by the million in a daily run (100,000 readers, ten papers
    each): they are typed named tuples, immutable like the frozen dataclasses around them,
    with the same attributes, but built, hashed and compared in C (a frozen dataclass sets
    each field through ``object.__setattr__`` in Python). Being tuples, two of them are
    equal when their fields are; nothing compares them with other tuples.

    ``hits`` is grouped: one tuple of hits per keyword that has hits in the paper, in the
    order of the keywords' contributions (largest first). Each group is the very tuple the
    index keeps for that (keyword, paper) pair, shared by every match of that pair: a match
    holds a few references, not a copy of each hit. :attr:`all_hits` is the flat sequence.
    """

    paper: Paper
    score: float
    keywords: tuple[str, ...]  # interests that contributed, most important first
    hits: HitGroups = ()  # a group per keyword with hits, in the keywords' order

    @property
    def all_hits(self) -> tuple[Hit, ...]:
        """The hits one after the other: keyword after keyword (title first, then by position)."""
        return tuple(chain.from_iterable(self.hits))


@dataclass(frozen=True)
class Digest:
    """What one reader gets: the matches to send, in order, and the day they are for."""

    profile: Profile
    matches: tuple[Match, ...]
    day: dt.date | None  # latest listing day among the papers
    through: int | None = None  # the newest paper id in the store when it was chosen: the
    # reader's next digest is chosen from the papers after it
    # where its window started and the papers carried into it (a failed digest's), as read when it
    # was chosen: the outbox tells by it a failure of another worker's since (Store.failed_unseen);
    # None: not read for the outbox (`preview --date`'s digest of a day)
    window: tuple[int | None, tuple[int, ...]] | None = None
    since: dt.date | None = None  # the earliest listing day among the papers (a digest of days)

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return tuple(m.paper.id for m in self.matches)

    @property
    def sent(self) -> bool:
        """Is a message sent for it (the reader not paused aside)? Not for a digest with nothing
        in it, unless the reader asks for a "nothing today" note (``send_empty``): their period
        is then done without an email."""
        return bool(self.matches) or self.profile.send_empty


ARCHIVED = "~removed-"  # a removed reader's archived identity: NAME~removed-TIME (digest.daemon.archive)


def is_archived(user: str) -> bool:
    """Is ``user`` a removed reader's archived identity (never a profile's name)?"""
    return ARCHIVED in user
