"""The inverted index under the matcher: word -> papers -> positions, per field.

Built once per set of papers. It answers the questions the matcher asks about one word: how
often each paper has it (as such, or as a related form), where it stands, and which
characters to highlight; :mod:`digest.select.evidence` finds phrases with it.

Every word of every paper is one entry of a few flat arrays, paper after paper, title then
abstract: the id of its spelling, its character span, and its flags (it continues a phrase; it
stands in a hyphenated compound). The words of each norm are listed by one array sorted by
norm, and the joined two-word spellings ("event-driven" as "eventdriven") by a checksum of the
spelling, each pair found checked against its words. About 25 bytes a word, where dicts of
lists of positions and spans per paper took 900: a year of papers (98,000) took 12 GB
(docs/scoring.md, "Quality and speed").
"""

from __future__ import annotations

import logging
import zlib
from array import array
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from digest.select.text import join_pair, normalize_word, tokenize

log = logging.getLogger(__name__)

FIELDS = ("title", "abstract")
JOINED, COMPOUND = 1, 2  # a word's flags: it continues a phrase; it is part of a hyphenated compound
DECODED = 4096  # papers whose words are kept by norm, for their highlights (then forgotten, all at once)
_NONE = np.zeros(0, dtype=np.int32)


class Term(NamedTuple):
    """One word of an interest phrase."""

    norm: str
    stem: str


class _Ids(dict):
    """str -> id, ids given in order of first appearance."""

    def __missing__(self, key: str) -> int:
        value = self[key] = len(self)
        return value


def pair_key(spelling: str) -> int:
    """The checksum a joined two-word spelling is looked up by (the same in every process)."""
    return zlib.crc32(spelling.encode("utf-8", "surrogatepass"))


class Postings:
    """Words of every paper's title and abstract, with positions and exact spans.

    ``bounds``: field ``f`` of paper ``d`` is the words ``bounds[2d + f]`` to
    ``bounds[2d + f + 1]``; ``flags``, ``start`` and ``end``: each word's flags and characters.
    Words inside hyphenated compounds ("rank" in "low-rank") match only as themselves, never
    as a related form of another word ("ranking").
    """

    def __init__(self, texts: Sequence[tuple[str, str]]) -> None:
        spellings = _Ids()
        spelling_id = spellings.__getitem__
        ids, starts, ends = array("i"), array("i"), array("i")
        joined, compound = array("b"), array("b")
        pair_keys, pair_at = array("I"), array("i")  # a joined pair: its key, where its second word is
        bounds = array("q", [0])
        n = 0
        for title, abstract in texts:
            for text in (title, abstract):
                tokens = tokenize(text)
                if tokens:
                    start, end, surface, _, _, join, comp = zip(*tokens, strict=True)
                    ids.extend(map(spelling_id, surface))
                    starts.extend(start)
                    ends.extend(end)
                    joined.extend(join)
                    compound.extend(comp)
                    at = [i for i, j in enumerate(join) if j]  # never the first word
                    pair_at.extend([n + i for i in at])
                    pair_keys.extend([pair_key(join_pair(surface[i - 1], surface[i])) for i in at])
                    n += len(tokens)
                bounds.append(n)
        self.n_docs = (len(bounds) - 1) // 2
        self.bounds = np.frombuffer(bounds, dtype=np.int64)
        self._spelling = np.frombuffer(ids, dtype=np.int32)
        self.start = _small(np.frombuffer(starts, dtype=np.int32))
        self.end = _small(np.frombuffer(ends, dtype=np.int32))
        self.flags = np.frombuffer(joined, dtype=np.uint8) | (np.frombuffer(compound, dtype=np.uint8) << 1)
        self._surfaces = list(spellings)
        del spellings
        order = np.argsort(np.frombuffer(pair_keys, dtype=np.uint32))
        self._pair_keys = np.frombuffer(pair_keys, dtype=np.uint32)[order]
        self._pair_at = np.frombuffer(pair_at, dtype=np.int32)[order]
        del starts, ends, joined, compound, pair_keys, pair_at, order  # copied: let go before sorting norms
        self._index_norms()
        self.lengths = np.ascontiguousarray(np.diff(self.bounds).reshape(self.n_docs, 2).T, dtype=np.float64)
        self._counts: dict[str, np.ndarray] = {}
        self._pairs: dict[str, np.ndarray] = {}
        self._norm_docs: dict[str, np.ndarray] = {}
        self._spans: dict[tuple[Term, int], list[tuple[int, int, int]]] = {}
        self._decoded: dict[int, dict[int, list[int]]] = {}
        log.debug("indexed %d papers, %d words, %d distinct norms", self.n_docs, n, len(self._norm_ids))

    def _index_norms(self) -> None:
        """The words of each norm (in the order of the papers), and each stem's norms: a norm
        counts under the stem of its first word in a paper (an acronym's is itself)."""
        forms = [normalize_word(s) for s in self._surfaces]
        norm_ids = _Ids()
        self._spelling_norm = np.fromiter((norm_ids[n] for n, _ in forms), dtype=np.int32, count=len(forms))
        self._norm_ids: dict[str, int] = dict(norm_ids)
        norms = list(norm_ids)
        word_norm = self._spelling_norm[self._spelling]
        self._by_norm = np.argsort(word_norm, kind="stable").astype(np.int32)
        self._norm_at = np.zeros(len(norms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(word_norm, minlength=len(norms)), out=self._norm_at[1:])
        del word_norm
        stems: dict[int, set[str]] = defaultdict(set)
        for (_, stem), k in zip(forms, self._spelling_norm.tolist(), strict=True):
            stems[k].add(stem)
        self._stem_norms: dict[str, set[str]] = defaultdict(set)
        for k, of_norm in stems.items():
            if len(of_norm) > 1:  # spelled as an acronym and as a word: the first in each paper says
                words = self.words(norms[k])
                firsts = words[np.flatnonzero(np.diff(self.doc_field(words) >> 1, prepend=-1))]
                of_norm = {forms[s][1] for s in self._spelling[firsts].tolist()}
            for stem in of_norm:
                self._stem_norms[stem].add(norms[k])
        self._stem_norms = dict(self._stem_norms)

    # -- where words are ------------------------------------------------------------------

    def stem_norms(self, stem: str) -> set[str] | tuple[()]:
        """The norms of the papers' words with this stem."""
        return self._stem_norms.get(stem, ())

    def words(self, norm: str) -> np.ndarray:
        """The words of one norm, ascending (an index into the word arrays)."""
        k = self._norm_ids.get(norm)
        if k is None:
            return _NONE
        return self._by_norm[self._norm_at[k] : self._norm_at[k + 1]]

    def pair_words(self, norm: str) -> np.ndarray:
        """The second words of the joined pairs spelled ``norm`` ("event-driven" for
        "eventdriven"), ascending."""
        found = self._pairs.get(norm)
        if found is None:
            key = pair_key(norm)
            lo = int(self._pair_keys.searchsorted(key, side="left"))
            if lo == len(self._pair_keys) or self._pair_keys.item(lo) != key:  # most words: none
                self._pairs[norm] = _NONE
                return _NONE
            hi = self._pair_keys.searchsorted(key, side="right")
            found = np.sort(self._pair_at[lo:hi])
            if len(found):  # another spelling may share the checksum
                size = len(self._surfaces)
                bigrams = self._spelling[found - 1].astype(np.int64) * size + self._spelling[found]
                distinct, which = np.unique(bigrams, return_inverse=True)
                surfaces = self._surfaces
                same = [join_pair(surfaces[b // size], surfaces[b % size]) == norm for b in distinct.tolist()]
                found = found[np.array(same, dtype=bool)[which]]
            self._pairs[norm] = found
        return found

    def free(self, words: np.ndarray) -> np.ndarray:
        """The words not inside a hyphenated compound."""
        return words[(self.flags[words] & COMPOUND) == 0]

    def doc_field(self, words: np.ndarray) -> np.ndarray:
        """2 * paper + field of each word."""
        return np.searchsorted(self.bounds, words, side="right") - 1

    def _per_field(self, words: np.ndarray) -> np.ndarray:
        """How many of ``words`` each field of each paper has, shape (2 fields, papers)."""
        counts = np.bincount(self.doc_field(words), minlength=2 * self.n_docs).reshape(self.n_docs, 2)
        return np.ascontiguousarray(counts.T, dtype=np.float64)

    # -- whole-listing questions, vectorized -------------------------------------------

    def df(self, norm: str) -> int:
        """How many papers have the word (or its joined two-word spelling)."""
        counts = self.word_counts(norm)
        return int(np.count_nonzero(counts[0] + counts[1]))

    def word_counts(self, norm: str) -> np.ndarray:
        """Occurrences of the word in every paper, shape (2 fields, papers)."""
        counts = self._counts.get(norm)
        if counts is None:
            words = np.concatenate((self.words(norm), self.pair_words(norm)))
            counts = self._counts[norm] = self._per_field(words)
        return counts

    def related_counts(self, term: Term) -> np.ndarray:
        """Occurrences of other forms of the word (same stem, other norm): their words not
        inside a compound, and their joined two-word spellings."""
        others = [norm for norm in self.stem_norms(term.stem) if norm != term.norm]
        words = [self.free(self.words(norm)) for norm in others] + [self.pair_words(n) for n in others]
        return self._per_field(np.concatenate(words)) if others else np.zeros((2, self.n_docs))

    def has(self, term: Term) -> np.ndarray:
        """Whether each paper has the word in any form (a bool per paper)."""
        found = np.zeros(self.n_docs, dtype=bool)
        found[self._docs(term.norm)] = True
        for norm in self.stem_norms(term.stem):
            if norm != term.norm:  # the word's own papers are marked already (its stem lists it too)
                found[self._docs(norm)] = True
        pairs = self.pair_words(term.norm)
        if len(pairs):
            found[self.doc_field(pairs) >> 1] = True
        return found

    def _docs(self, norm: str) -> np.ndarray:
        """The papers with a word of this norm, ascending (kept: a few bytes a paper that has it)."""
        docs = self._norm_docs.get(norm)
        if docs is None:
            at = self.doc_field(self.words(norm)) >> 1
            docs = self._norm_docs[norm] = at[np.diff(at, prepend=-1) != 0].astype(np.int32)
        return docs

    def docs_with(self, term: Term) -> np.ndarray:
        """Papers that have the word in any form, ascending."""
        return np.flatnonzero(self.has(term))

    # -- one paper -----------------------------------------------------------------------

    def _by_norm_in(self, d: int) -> dict[int, list[int]]:
        """Paper ``d``'s words by norm id (kept for the next questions about it)."""
        found = self._decoded.get(d)
        if found is None:
            if len(self._decoded) >= DECODED:
                self._decoded.clear()
            found = self._decoded[d] = defaultdict(list)
            lo, hi = self.bounds[2 * d], self.bounds[2 * d + 2]
            for w, k in enumerate(self._spelling_norm[self._spelling[lo:hi]].tolist(), int(lo)):
                found[k].append(w)
        return found

    @property
    def spans_kept(self) -> int:
        """How many (word, paper) answers of :meth:`word_spans` are kept: those with spans."""
        return len(self._spans)

    def word_spans(self, term: Term, d: int) -> list[tuple[int, int, int]]:
        """(field, start, end) of a single word in paper ``d``, in any of its forms."""
        key = (term, d)
        spans = self._spans.get(key)
        if spans is None:
            lo, mid, hi = self.bounds[2 * d : 2 * d + 3].tolist()
            by_norm, ids, flags = self._by_norm_in(d), self._norm_ids, self.flags
            words = list(by_norm.get(ids.get(term.norm, -1), ()))
            for norm in self.stem_norms(term.stem):
                if norm != term.norm:
                    words += [w for w in by_norm.get(ids[norm], ()) if not flags.item(w) & COMPOUND]
            pairs = self.pair_words(term.norm)
            a = b = 0
            if len(pairs):
                a, b = int(pairs.searchsorted(lo)), int(pairs.searchsorted(hi))
            if not words and a == b:  # most words of an interest are not in a given paper: not kept
                return []
            start, end = self.start.item, self.end.item
            spans = [(int(w >= mid), start(w), end(w)) for w in words]
            spans += [(int(w >= mid), start(w - 1), end(w)) for w in pairs[a:b].tolist()]
            spans.sort()
            self._spans[key] = spans
        return spans

    def word_spans_array(self, term: Term) -> np.ndarray:
        """(doc, field, start, end) of a single word in every paper, sorted, one row each: what
        :meth:`word_spans` finds in each paper, for all of them at once (the words' spans for
        many hits at once, :class:`digest.select.highlights.WordSpans`)."""
        words = [self.words(term.norm)]
        words += [self.free(self.words(n)) for n in self.stem_norms(term.stem) if n != term.norm]
        single = np.concatenate(words)
        second = self.pair_words(term.norm)  # its joined two-word spelling
        first = np.concatenate((single, second - 1))
        where = self.doc_field(first)
        rows = np.empty((len(first), 4), dtype=np.intp)
        rows[:, 0], rows[:, 1] = where >> 1, where & 1
        rows[:, 2], rows[:, 3] = self.start[first], self.end[np.concatenate((single, second))]
        return rows[np.lexsort(rows.T[::-1])]

    def word_spans_everywhere(self, term: Term) -> list[tuple[int, int, int, int]]:
        """:meth:`word_spans_array` as a list of tuples."""
        return [tuple(row) for row in self.word_spans_array(term).tolist()]


def _small(values: np.ndarray) -> np.ndarray:
    """Character offsets in two bytes where every text is short enough (most are)."""
    return values.astype(np.uint16) if not len(values) or values.max() < 1 << 16 else values
