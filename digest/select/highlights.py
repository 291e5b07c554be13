"""The characters to highlight: where each interest (or the words of one) matched in a
paper, as :class:`~digest.models.Hit` tuples, computed once per (keyword, paper) pair and
kept in the index's :class:`HitSlots`. A part of :class:`digest.select.matcher.PaperIndex` (a
base class of :class:`digest.select.phrases.PhraseMatching`).
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np

from digest.models import Hit, Paper
from digest.select.postings import FIELDS, Postings, Term

if TYPE_CHECKING:
    from digest.select.phrases import Keyword

# pairs asked for at once from which the words' spans are gathered with numpy: a call of 100,000
# readers asks for thousands per stack; one of 25 (the daemon's claims), for 250-1,300, where
# laying out every paper's spans of each new word costs what it saves
MANY_PAIRS = 2048
_FIELD_NAMES = np.array(FIELDS, dtype=object)


class Highlighting:
    """The highlighting half of :class:`PaperIndex` (which sets these attributes)."""

    papers: tuple[Paper, ...]
    matrix: np.ndarray
    rows: int
    hit_slots: HitSlots
    parent_rows: np.ndarray
    keyword_list: list[Keyword]
    _postings: Postings
    _word_spans: WordSpans | None

    def hits(self, keyword: Keyword, d: int) -> tuple[Hit, ...]:
        """Exact spans of one interest in paper ``d``, computed when first asked for."""
        hits = self.hit_slots.get(keyword.id, d)
        if hits is None:
            self.fill_hits(np.array([keyword.id]), np.array([d]))
            hits = self.hit_slots.get(keyword.id, d)
        return hits

    def words_hidden(self, keyword_ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """The highlight rule for the words of an interest: they are highlighted only where
        the interest's phrase itself is not found. True where keyword ``keyword_ids[i]`` is
        the words of an interest whose phrase scores in paper ``docs[i]`` (nothing to
        highlight there)."""
        parent = self.parent_rows[keyword_ids]
        return (parent >= 0) & (self.matrix[parent, docs] > 0.0)

    def fill_hits(self, keyword_ids: np.ndarray, docs: np.ndarray) -> None:
        """Compute the hits of keyword ``keyword_ids[i]`` in paper ``docs[i]`` for every
        ``i`` (pairs not known yet, each once) and keep them in ``hit_slots``: a tuple per
        pair, which every match of that pair shares (:func:`digest.select.batch.rank_many`
        gathers them for many matches at once)."""
        hidden = self.words_hidden(keyword_ids, docs)
        keywords = self.keyword_list
        made: list[tuple[Hit, ...]] = [()] * len(keyword_ids)  # hidden: nothing to highlight
        rest = ~hidden
        if len(keyword_ids) >= MANY_PAIRS:  # the pairs whose hits are words' spans, at once
            pairs = zip(map(keywords.__getitem__, keyword_ids.tolist()), docs.tolist(), strict=True)
            of_words = np.fromiter(  # as _make_hits tells them apart
                (
                    k.parent is not None or (len(k.match.terms) == 1 and d not in k.match.spans)
                    for k, d in pairs
                ),
                dtype=bool,
                count=len(keyword_ids),
            )
            at = np.flatnonzero(rest & of_words)
            if self._word_spans is None:
                self._word_spans = WordSpans(self._postings)
            found = self._word_spans.hits(keywords, keyword_ids[at], docs[at])
            for i, hits in zip(at.tolist(), found, strict=True):
                made[i] = hits
            rest &= ~of_words
        for i in np.flatnonzero(rest).tolist():  # one by one: a few, or a phrase's own spans
            made[i] = self._make_hits(keywords[int(keyword_ids[i])], int(docs[i]))
        self.hit_slots.put(keyword_ids, docs, made)

    def _make_hits(self, keyword: Keyword, d: int) -> tuple[Hit, ...]:
        """The hits of one keyword in paper ``d`` (where the highlight rule does not hide them)."""
        match = keyword.match
        postings = self._postings
        spans: list[tuple[int, int, int]] | None
        if keyword.parent is not None:  # the words of an interest
            if len(match.terms) == 1:  # sorted, each span once
                spans = postings.word_spans(match.terms[0], d)
            else:
                spans = [s for t in match.terms for s in postings.word_spans(t, d)]
                if len(spans) > 1:
                    spans = sorted(set(spans))
        else:
            spans = match.spans.get(d)
            if spans is None:  # one word, or a phrase with no evidence here (nothing to highlight)
                spans = postings.word_spans(match.terms[0], d) if len(match.terms) == 1 else []
        if not spans:
            return ()
        phrase = keyword.phrase
        # Hit(...) without its Python-level __new__: the tuple made in C
        return tuple(
            map(tuple.__new__, repeat(Hit), [(phrase, FIELDS[f], start, end) for f, start, end in spans])
        )


class HitSlots:
    """The hits of the (keyword, paper) pairs asked for, kept for every later match of the pair.

    A row per keyword and a column per paper asked about, given when its hits are first asked
    for: the papers readers get, not every paper of the index (a slot for every paper took 1.1 KB
    a paper from the start, 104 MiB at 100,000 papers where one reader used 15:
    benchmarks/bench_hit_slots.py). ``table``: the pair's tuple; ``known``: whether it is made;
    ``count``: its length. :meth:`positions` gives the pairs' places in them, flat.
    """

    def __init__(self, n_papers: int) -> None:
        self._column = np.full(n_papers, -1, dtype=np.intp)  # each paper's column; -1: none yet
        self._paper = np.zeros(0, dtype=np.intp)  # each column's paper
        self._used = 0  # columns given
        self.table = np.empty((64, 0), dtype=object)
        self.known = np.zeros((64, 0), dtype=bool)
        self.count = np.zeros((64, 0), dtype=np.intp)

    @property
    def papers(self) -> list[int]:
        """The papers with a column (some of their hits asked for), in the order asked."""
        return self._paper[: self._used].tolist()

    @property
    def nbytes(self) -> int:
        """The bytes of the tables and of the papers' columns."""
        arrays = (self.table, self.known, self.count, self._column, self._paper)
        return sum(a.nbytes for a in arrays)

    def add_row(self, keyword_id: int) -> None:
        """Room for keyword ``keyword_id`` (ids come in order)."""
        if keyword_id == len(self.table):
            self.table, self.known = grown(self.table, None), grown(self.known, False)
            self.count = grown(self.count, 0)

    def positions(self, keyword_ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Where pair ``i`` is in the flattened tables (its paper given a column if it had
        none). Valid until a later call gives new columns."""
        columns = self._column[docs]
        new = columns < 0
        if new.any():
            self._give_columns(docs[new])
            columns = self._column[docs]
        return keyword_ids * self.table.shape[1] + columns

    def pairs_at(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (keyword ids, papers) at flat ``positions``."""
        keyword_ids, columns = np.divmod(positions, self.table.shape[1])
        return keyword_ids, self._paper[columns]

    def get(self, keyword_id: int, d: int) -> tuple[Hit, ...] | None:
        """The hits of one pair, None until made."""
        column = self._column.item(d)
        return None if column < 0 else self.table[keyword_id, column]

    def put(self, keyword_ids: np.ndarray, docs: np.ndarray, made: list[tuple[Hit, ...]]) -> None:
        """Keep ``made[i]``, the hits of pair ``i``."""
        if len(made) == 1:  # one pair (PaperIndex.rank asks one at a time): without the arrays
            keyword_id, d = int(keyword_ids[0]), int(docs[0])
            column = self._column.item(d)
            if column < 0:
                self._give_columns(np.array([d]))
                column = self._column.item(d)
            self.table[keyword_id, column] = made[0]
            self.known[keyword_id, column] = True
            self.count[keyword_id, column] = len(made[0])
            return
        at = self.positions(keyword_ids, docs)
        np.put(self.table, at, np.fromiter(made, dtype=object, count=len(made)))
        np.put(self.known, at, True)
        np.put(self.count, at, np.fromiter(map(len, made), dtype=np.intp, count=len(made)))

    def _give_columns(self, docs: np.ndarray) -> None:
        docs = np.unique(docs) if len(docs) > 1 else docs
        first, self._used = self._used, self._used + len(docs)
        if self._used > self.table.shape[1]:  # twice the columns, as many as the papers at most
            width = min(max(2 * self.table.shape[1], self._used, 64), len(self._column))
            self.table = _wider(self.table, width, None)
            self.known, self.count = _wider(self.known, width, False), _wider(self.count, width, 0)
            paper = np.zeros(width, dtype=np.intp)
            paper[:first] = self._paper[:first]
            self._paper = paper
        self._column[docs] = np.arange(first, self._used)
        self._paper[first : self._used] = docs


def _wider(table: np.ndarray, width: int, fill: object) -> np.ndarray:
    """``table`` with ``width`` columns, the new ones ``fill``."""
    wider = np.full((len(table), width), fill, dtype=table.dtype)
    wider[:, : table.shape[1]] = table
    return wider


class WordSpans:
    """The spans of single words in every paper as arrays, to make the hits of many
    (keyword, paper) pairs with a few numpy calls: the words of an interest, and a one-word
    interest, are highlighted where any form of their words stands
    (:meth:`Postings.word_spans`), which :meth:`Highlighting._make_hits` asks for pair by pair.

    A word gets an id when first asked for and its spans in every paper are appended:
    ``_spans`` (field, start, end), in the order of ``_keys`` (id * papers + paper).
    """

    def __init__(self, postings: Postings) -> None:
        self._postings = postings
        self._ids: dict[Term, int] = {}
        self._keys = np.zeros(1024, dtype=np.intp)
        self._spans = np.zeros((1024, 3), dtype=np.intp)
        self._size = 0  # rows of _keys and _spans used
        self._terms: dict[int, list[int]] = {}  # keyword id -> its words' ids

    def hits(
        self, keywords: list[Keyword], keyword_ids: np.ndarray, docs: np.ndarray
    ) -> list[tuple[Hit, ...]]:
        """What ``_make_hits`` gives each pair (keyword ``keyword_ids[i]``, paper ``docs[i]``)
        whose hits are its words' spans: those of all its words in the paper, sorted, each
        once."""
        unique, inverse = np.unique(keyword_ids, return_inverse=True)
        term_lists = [self._terms_of(keywords[k]) for k in unique.tolist()]
        n_terms = np.fromiter(map(len, term_lists), dtype=np.intp, count=len(term_lists))
        flat_terms = np.fromiter(chain.from_iterable(term_lists), dtype=np.intp, count=int(n_terms.sum()))
        # one entry per pair and word: where the word's spans in the pair's paper are
        per_pair = n_terms[inverse]
        entry_pair = np.repeat(np.arange(len(keyword_ids)), per_pair)
        term = flat_terms[np.repeat((np.cumsum(n_terms) - n_terms)[inverse], per_pair) + _ranks(per_pair)]
        key = term * self._postings.n_docs + docs[entry_pair]
        keys = self._keys[: self._size]
        lo = np.searchsorted(keys, key, side="left")
        per_entry = np.searchsorted(keys, key, side="right") - lo
        span_pair = np.repeat(entry_pair, per_entry)
        field, start, end = self._spans[np.repeat(lo, per_entry) + _ranks(per_entry)].T
        order = np.lexsort((end, start, field, span_pair))
        span_pair, field, start, end = span_pair[order], field[order], start[order], end[order]
        keep = np.ones(len(order), dtype=bool)  # each span once per pair
        keep[1:] = (np.diff(span_pair) != 0) | (np.diff(field) != 0) | (np.diff(start) != 0)
        keep[1:] |= np.diff(end) != 0
        span_pair, field, start, end = span_pair[keep], field[keep], start[keep], end[keep]
        phrases = np.array([k.phrase for k in map(keywords.__getitem__, unique.tolist())], dtype=object)
        columns = (phrases[inverse[span_pair]], _FIELD_NAMES[field], start, end)
        made = tuple(map(tuple.__new__, repeat(Hit), zip(*(c.tolist() for c in columns), strict=True)))
        ends = np.cumsum(np.bincount(span_pair, minlength=len(keyword_ids))).tolist()
        return list(map(made.__getitem__, map(slice, [0, *ends[:-1]], ends)))

    def _terms_of(self, keyword: Keyword) -> list[int]:
        """The ids of a keyword's words (a one-word interest: its word)."""
        ids = self._terms.get(keyword.id)
        if ids is None:
            terms = keyword.match.terms if keyword.parent is not None else keyword.match.terms[:1]
            ids = self._terms[keyword.id] = [self._id(t) for t in terms]
        return ids

    def _id(self, term: Term) -> int:
        """The word's id, its spans in every paper appended when first asked for."""
        t = self._ids.get(term)
        if t is None:
            t = self._ids[term] = len(self._ids)
            found = self._postings.word_spans_array(term)
            while self._size + len(found) > len(self._keys):
                self._keys, self._spans = grown(self._keys, 0), grown(self._spans, 0)
            self._keys[self._size : self._size + len(found)] = t * self._postings.n_docs + found[:, 0]
            self._spans[self._size : self._size + len(found)] = found[:, 1:]
            self._size += len(found)
        return t


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[0] - 1, 0, 1, ..., counts[1] - 1, ...: each item's place in its run."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def grown(table: np.ndarray, fill: object) -> np.ndarray:
    """``table`` with twice the rows, the new ones ``fill``."""
    grown = np.full((2 * len(table), *table.shape[1:]), fill, dtype=table.dtype)
    grown[: len(table)] = table
    return grown
