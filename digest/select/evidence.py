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

from digest.select.postings import COMPOUND, JOINED, Postings, Term
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
    joined: str,
    docs: Sequence[int],
    related_credit: float = 0.5,
) -> list[tuple[FieldEvidence, FieldEvidence]]:
    """Where and how one phrase (``joined``: its one-word spelling, "eventdriven" for "event
    driven") occurs in the title and the abstract of each of ``docs``.

    The phrase itself (word after word, any spelling) counts, as ``exact`` or, made of
    related forms, as ``related``. Failing that, its content words (function words such
    as "of" left out) near each other (``near``) or anywhere in the field: only when
    every content word is there, and only those words are highlighted.
    """
    fields = (2 * np.asarray(docs, dtype=np.int64)[:, None] + np.arange(2)).ravel()
    look = FieldLook(postings, fields)
    content = [t for t in terms if not is_stop_word(t.norm)]
    found = [_evidence(look, i, terms, joined, content, related_credit) for i in range(len(fields))]
    return list(zip(found[0::2], found[1::2], strict=True))


class FieldLook:
    """The words in some fields: each list of words looked up once for all of them
    (``searchsorted``), then cut per field. Positions are the words' own (an index into the
    index's word arrays): field ``i`` holds ``lo[i]`` to ``hi[i]``."""

    def __init__(self, postings: Postings, fields: np.ndarray) -> None:
        self.postings = postings
        lo, hi = postings.bounds[fields], postings.bounds[fields + 1]
        self._lo, self._hi = lo.astype(np.int32), hi.astype(np.int32)  # as the words (else copied to int64)
        self.hi = hi.tolist()
        self._ascending = bool(np.all(fields[1:] > fields[:-1]))
        self._lists: dict[tuple[str, str], tuple[list[int], list[int], list[int]]] = {}

    @property
    def words_kept(self) -> int:
        """How many words its lists hold: those of the fields asked about (or a slice from the
        first field's to the last's when they are most of it), not a word's every paper."""
        return sum(len(words) for words, _, _ in self._lists.values())

    def at(self, kind: str, norm: str, i: int) -> list[int]:
        """The words of ``norm`` in field ``i`` (``kind`` "words"), or those not inside a
        compound ("free")."""
        entry = self._lists.get((kind, norm))
        if entry is None:
            entry = self._lists[(kind, norm)] = self._cut(kind, norm)
        words, a, b = entry
        return words[a[i] : b[i]]

    def _cut(self, kind: str, norm: str) -> tuple[list[int], list[int], list[int]]:
        """The words of a norm in these fields as a list, and where each field's are in it."""
        p = self.postings
        words = p.words(norm)
        a, b = words.searchsorted(self._lo), words.searchsorted(self._hi)
        counts = b - a
        total = int(counts.sum())
        if self._ascending and len(a) and int(b[-1] - a[0]) <= 2 * total + 64:
            first = int(a[0])  # the fields in order, most of the words between theirs: one slice
            words, a, b = words[first : int(b[-1])], a - first, b - first
        else:  # only the words in these fields (a few papers of many)
            ranks = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            words, b = words[np.repeat(a, counts) + ranks], np.cumsum(counts)
            a = b - counts
        if kind == "free":
            kept = np.concatenate(([0], np.cumsum((p.flags[words] & COMPOUND) == 0)))
            words, a, b = p.free(words), kept[a], kept[b]
        return words.tolist(), a.tolist(), b.tolist()

    def forms(self, term: Term, i: int, free_only: bool = True) -> tuple[set[int], set[int]]:
        """(the word itself, it or a related form) in field ``i``.

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
    look: FieldLook, i: int, terms: Sequence[Term], joined: str, content: list[Term], related_credit: float
) -> FieldEvidence:
    hi = look.hi[i]
    flags, start, end = look.postings.flags.item, look.postings.start.item, look.postings.end.item
    n = len(terms)
    ev = FieldEvidence()
    spans: list[tuple[int, int]] = []
    positions = [look.forms(terms[0], i, free_only=False)]
    for t in terms[1:]:  # the forms of each word, while each has some here
        if not positions[-1][1]:
            break
        positions.append(look.forms(t, i, free_only=False))
    if positions[-1][1] and len(positions) == n:  # the phrase, word after word
        for p in sorted(positions[0][1]):
            if p + n > hi:
                continue
            if not all(flags(p + j) & JOINED and p + j in positions[j][1] for j in range(1, n)):
                continue
            if all(p + j in positions[j][0] for j in range(n)):
                ev.exact += 1
            else:
                ev.related += 1
            spans.append((start(p), end(p + n - 1)))
    for p in look.at("words", joined, i):  # "eventdriven" for "event driven"
        ev.exact += 1
        spans.append((start(p), end(p)))
    if not spans and len(content) > 1:  # the content words apart: each of them here
        found = []
        level = 1.0
        for t in content:
            exact, related = look.forms(t, i)  # related: exact too
            if not related:
                break
            found.append(sorted(exact or related))
            level *= 1.0 if exact else related_credit
        else:
            ev.apart = level
            ev.near = _within(found, NEAR_WINDOW)
            spans = [(start(p), end(p)) for ps in found for p in ps]
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
