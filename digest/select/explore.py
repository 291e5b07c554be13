"""Trying a keyword before keeping it: what it would match, and how a digest would change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from digest.config import Config
from digest.models import Interest, Match, Profile
from digest.select.collection import CollectionStats
from digest.select.ranking import build_index, keyword_index
from digest.select.text import keyword_key
from digest.store import Store


@dataclass(frozen=True)
class KeywordTrial:
    phrase: str
    weight: float  # the weight tried
    current: float | None  # the keyword's weight in the profile now; None: not one of its interests
    since: dt.date | None  # the recent papers are those listed on or after this day
    latest: dt.date | None  # the latest listing's day
    candidates: int  # how many recent papers there are
    matches: tuple[Match, ...]  # what the keyword alone matches (at the reader's min_score), as scored
    # in a digest of a profile with it alone, at ``weight``
    below: int  # recent papers the keyword reaches, but alone under the reader's min_score
    before: tuple[Match, ...]  # the reader's digest from the recent papers now
    after: tuple[Match, ...]  # the same with the keyword added

    @property
    def added(self) -> list[Match]:
        kept = {m.paper.id for m in self.before}
        return [m for m in self.after if m.paper.id not in kept]

    @property
    def dropped(self) -> list[Match]:
        kept = {m.paper.id for m in self.after}
        return [m for m in self.before if m.paper.id not in kept]


def weight_in(profile: Profile, phrase: str) -> float | None:
    """The weight ``profile`` gives ``phrase`` (typed in any form), or None if it has no such interest."""
    key = keyword_key(phrase)
    return next((i.weight for i in profile.interests if keyword_key(i.phrase) == key), None)


def with_keyword(profile: Profile, phrase: str, weight: float) -> Profile:
    """The profile with ``phrase`` added (or re-weighted, if it is there already)."""
    key = keyword_key(phrase)  # the one the profile has, typed in any form
    others = tuple(i for i in profile.interests if keyword_key(i.phrase) != key)
    return dataclasses.replace(profile, interests=(*others, Interest(" ".join(phrase.split()), weight)))


def try_keyword(
    store: Store,
    profile: Profile,
    phrase: str,
    weight: float | None = None,
    days: int = 30,
    config: Config | None = None,
) -> KeywordTrial:
    """Score ``phrase`` against the papers listed in the last ``days`` days (counted back from
    the latest listing), and compare the reader's digest from those papers with and without it.
    ``weight`` None: the one the profile gives the keyword, if it has it, else 1.

    A paper counts by the latest day a listing had it, not the first: listings repeat the
    papers that keep trending, and a reader's first digest is the latest listing, repeats and
    all (digest.select.digests; later digests take the papers stored since the previous one)."""
    current = weight_in(profile, phrase)
    weight = weight if weight is not None else (current if current is not None else 1.0)
    latest = store.latest_paper_day()  # the window's papers read, not the archive's years
    since = latest - dt.timedelta(days=days - 1) if latest else None
    window = store.papers(since=since) if since is not None else []
    recent = {p.id for p in window}
    taken = store.reserved_paper_ids(profile.user)
    # scores as in a real digest: an index of the window's papers alone, with the archive's counts
    # (an index of the whole archive grew with it: a year of papers took 15 GB and minutes)
    stats = CollectionStats(store)
    stats.refresh()
    index = build_index(store, window, config, counts=stats, likes=bool(profile.likes))

    def digest(p: Profile) -> tuple[Match, ...]:
        ranked = (m for m in index.rank(p) if m.paper.id in recent and m.paper.id not in taken)
        return tuple(ranked)[: p.max_papers]

    # the papers the keyword reaches, and those it brings in alone, scored as a digest scores it
    # (its words too) at the weight tried: the reader's min_score, no other interest, like or exclusion
    # (reached: those its words give any score, its words apart too, as a digest's "Partly: ..."
    # line; the phrase's own matches alone left out a paper with one of its words, which a digest
    # takes. The keyword index's own ranking: the reader's ratings and likes, and semantic matching,
    # score the papers listed, but reach no paper for the keyword: a rated paper without its words
    # was listed as matching it, "close to papers you liked" standing for its words)
    only = with_keyword(dataclasses.replace(profile, interests=(), likes=(), exclude=()), phrase, weight)
    anywhere = keyword_index(index).rank(dataclasses.replace(only, min_score=0.0))
    reached = {m.paper.id for m in anywhere if m.paper.id in recent}
    alone = tuple(m for m in index.rank(only) if m.paper.id in reached)
    trial = KeywordTrial(
        phrase=phrase,
        weight=weight,
        current=current,
        since=since,
        latest=latest,
        candidates=len(recent),
        matches=alone,
        below=len(reached) - len(alone),
        before=digest(profile),
        after=digest(with_keyword(profile, phrase, weight)),
    )
    stats.save()  # the archive's counts of the keyword's words, kept as a digest keeps them
    return trial
