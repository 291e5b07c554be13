"""The typed data that flows between the steps of the pipeline.

The classes made by the hundred thousand in a run (papers, profiles, interests, matches,
hits) have slots: less memory, and fewer objects for the garbage collector to walk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One paper as it stands in a listing dump."""

    title: str
    abstract: str
    line: int  # line of the title in the dump (1-based), for error messages


@dataclass(frozen=True)
class Listing:
    """A whole listing dump, parsed."""

    source: Path
    day: dt.date
    entries: tuple[Entry, ...]
    sha256: str  # of the raw bytes: the same dump ingested twice is recognised


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper in the store, deduplicated across listings by its normalized title."""

    id: int
    title: str
    abstract: str
    first_seen: dt.date  # day of the first listing it appeared in


@dataclass(frozen=True, slots=True)
class Interest:
    """A keyword or phrase a reader cares about, with its weight (default 1)."""

    phrase: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Profile:
    """A reader: who they are, what they want, when they want it."""

    user: str  # the profile file's stem
    email: str
    interests: tuple[Interest, ...]
    exclude: tuple[str, ...] = ()
    name: str | None = None
    timezone: str = "UTC"
    send_at: dt.time = dt.time(7, 0)
    max_papers: int = 10
    min_score: float = 0.0
    frequency: str = "daily"  # daily | weekdays | weekly
    weekday: int = 0  # for weekly digests: 0 = Monday ... 6 = Sunday
    paused: bool = False  # a paused reader gets nothing until unpaused
    send_empty: bool = False  # on a day with nothing to send: a short "nothing today" note
    source: Path | None = None
    likes: tuple[str, ...] = ()  # titles of papers the reader already likes (a cold start)

    @property
    def display_name(self) -> str:
        return self.name or self.user


@dataclass(frozen=True, slots=True)
class Hit:
    """Where one interest matched: field and exact character span in that field's text."""

    keyword: str  # the interest phrase as the reader wrote it
    field: str  # "title" or "abstract"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Match:
    """A paper scored for one reader, with the explanation of its score."""

    paper: Paper
    score: float
    keywords: tuple[str, ...]  # interests that contributed, most important first
    hits: tuple[Hit, ...] = field(default=())


@dataclass(frozen=True)
class Digest:
    """What one reader gets: the matches to send, in order, and the day they are for."""

    profile: Profile
    matches: tuple[Match, ...]
    day: dt.date | None  # latest listing day among the papers

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return tuple(m.paper.id for m in self.matches)
