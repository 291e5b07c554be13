"""Where one interest phrase occurs in papers of the index: its evidence per field.

Asked for every paper that may hold the phrase at once (:func:`evidence_in`): each word's
list in the index (:class:`~digest.select.postings.Postings`) is cut into those papers'
fields with a few numpy calls, and each field is then judged in plain Python on its few
positions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digest.select.postings import JOINED, Postings, Term
from digest.select.text import is_stop_word

NEAR_WINDOW = 6  # words of a phrase this close count as "near each other"


@dataclass(slots=True)
class FieldEvidence:
    """What one phrase has in one field of one paper."""

    exact: int = 0  # occurrences of the phrase itself (any spelling of it)
    related: int = 0  # occurrences made of related word forms
    near: bool = False  # phrase not found, but all its content words stand within NEAR_WINDOW words
    apart: float = 0.0  # phrase not found, all its content words in the field: 1, less for related forms
    spans: tuple[tuple[int, int], ...] = ()


def evidence_in(
    postings: Postings,
    terms: Sequence[Term],
    joined: str | None,
    docs: Sequence[int],
    related_credit: float = 0.5,
) -> list[tuple[FieldEvidence, FieldEvidence]]:
    """Where and how one phrase occurs in the title and the abstract of each of ``docs``.

    The phrase itself (word after word, any spelling) counts, as ``exact`` or, made of
    related forms, as ``related``. Failing that, its content words (function words such
    as "of" left out) near each other (``near``) or anywhere in the field: only when
    every content word is there, and only those words are highlighted.
    """
    fields = (2 * np.asarray(docs, dtype=np.int64)[:, None] + np.arange(2)).ravel()
    look = _Look(postings, fields)
    found = [_evidence(look, i, terms, joined, related_credit) for i in range(len(fields))]
    return list(zip(found[0::2], found[1::2], strict=True))


class _Look:
    """The positions of words in some fields: each list of words looked up once for all of
    them (``searchsorted``), then cut per field."""

    def __init__(self, postings: Postings, fields: np.ndarray) -> None:
        self.postings = postings
        lo, hi = postings.bounds[fields], postings.bounds[fields + 1]
        self._lo, self._hi = lo, hi
        self.lo, self.size = lo.tolist(), (hi - lo).tolist()
        self._lists: dict[tuple[str, str], tuple[list[int], list[int], list[int]]] = {}

    def at(self, kind: str, norm: str, i: int) -> list[int]:
        """Positions in field ``i`` of the words of ``norm`` (``kind`` "words"), of those not
        inside a compound ("free"), or of the second words of its joined pairs ("pairs")."""
        entry = self._lists.get((kind, norm))
        if entry is None:
            p = self.postings
            words = p.pair_words(norm) if kind == "pairs" else p.words(norm)
            if kind == "free":
                words = p.free(words)
            cut = np.searchsorted(words, self._lo).tolist(), np.searchsorted(words, self._hi).tolist()
            entry = self._lists[(kind, norm)] = ((words - p.bounds[p.doc_field(words)]).tolist(), *cut)
        positions, a, b = entry
        return positions[a[i] : b[i]]

    def forms(self, term: Term, i: int, free_only: bool = True) -> tuple[set[int], set[int]]:
        """(positions of the word itself, positions of it or a related form) in field ``i``.

        ``free_only``: related forms inside hyphenated compounds are left out (they still
        count inside the phrase itself: "early-exiting" for "early exit").
        """
        exact = set(self.at("words", term.norm, i))
        related = set(exact)
        for norm in self.postings.stem_norms(term.stem):
            if norm != term.norm:
                related.update(self.at("free" if free_only else "words", norm, i))
        return exact, related


def _evidence(
    look: _Look, i: int, terms: Sequence[Term], joined: str | None, related_credit: float
) -> FieldEvidence:
    lo, size = look.lo[i], look.size[i]
    flags, start, end = look.postings.flags.item, look.postings.start.item, look.postings.end.item
    n = len(terms)
    positions = [look.forms(t, i, free_only=False) for t in terms]
    ev = FieldEvidence()
    spans: list[tuple[int, int]] = []
    for p in sorted(positions[0][1]):  # the phrase, word after word
        if p + n > size:
            continue
        if not all(flags(lo + p + j) & JOINED and p + j in positions[j][1] for j in range(1, n)):
            continue
        if all(p + j in positions[j][0] for j in range(n)):
            ev.exact += 1
        else:
            ev.related += 1
        spans.append((start(lo + p), end(lo + p + n - 1)))
    if joined is not None:  # "eventdriven" for "event driven"
        for p in look.at("words", joined, i):
            ev.exact += 1
            spans.append((start(lo + p), end(lo + p)))
    else:  # "event-driven" for "eventdriven"
        for p in look.at("pairs", terms[0].norm, i):
            ev.exact += 1
            spans.append((start(lo + p - 1), end(lo + p)))
    content = [t for t in terms if not is_stop_word(t.norm)]
    if not spans and len(content) > 1:  # the content words apart
        found = []
        level = 1.0
        for t in content:
            exact, related = look.forms(t, i)
            found.append(sorted(exact or related))
            level *= 1.0 if exact else related_credit
        if all(found):
            ev.apart = level
            ev.near = _within(found, NEAR_WINDOW)
            spans = [(start(lo + p), end(lo + p)) for ps in found for p in ps]
    ev.spans = tuple(sorted(set(spans)))
    return ev


def _within(positions: list[list[int]], window: int) -> bool:
    """Whether one occurrence of every word fits in ``window`` consecutive words."""
    events = sorted((p, i) for i, ps in enumerate(positions) for p in ps)
    need = len(positions)
    count: dict[int, int] = defaultdict(int)
    have = lo = 0
    for p, i in events:
        count[i] += 1
        if count[i] == 1:
            have += 1
        while have == need:
            if p - events[lo][0] < window:
                return True
            j = events[lo][1]
            count[j] -= 1
            if count[j] == 0:
                have -= 1
            lo += 1
    return False
