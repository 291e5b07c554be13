"""The inverted index under the matcher: word -> papers -> positions, per field.

Built once per set of papers. It answers the questions the matcher asks about one
interest phrase: how often each paper has a word (as such, or as a related form), where a
phrase occurs, and which characters to highlight.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from digest.select.text import Token, is_stop_word, join_pair, tokenize

log = logging.getLogger(__name__)

FIELDS = ("title", "abstract")
NEAR_WINDOW = 6  # words of a phrase this close count as "near each other"

# doc -> (positions in the title, positions in the abstract)
Positions = dict[int, tuple[list[int], list[int]]]


class Term(NamedTuple):
    """One word of an interest phrase."""

    norm: str
    stem: str


@dataclass(slots=True)
class FieldEvidence:
    """What one phrase has in one field of one paper."""

    exact: int = 0  # occurrences of the phrase itself (any spelling of it)
    related: int = 0  # occurrences made of related word forms
    near: bool = False  # phrase not found, but all its content words stand within NEAR_WINDOW words
    apart: float = 0.0  # phrase not found, all its content words in the field: 1, less for related forms
    spans: tuple[tuple[int, int], ...] = ()


class Postings:
    """Words of every paper's title and abstract, with positions and exact spans."""

    def __init__(self, texts: Sequence[tuple[str, str]]) -> None:
        self.fields: list[tuple[tuple[Token, ...], tuple[Token, ...]]] = []
        self._norms: dict[str, Positions] = defaultdict(dict)
        self._pairs: dict[str, Positions] = defaultdict(dict)  # "event-driven" as "eventdriven"
        self._stem_norms: dict[str, set[str]] = defaultdict(set)
        # per paper: norm -> [(field, start, end)], the spans to highlight
        self._doc_spans: list[dict[str, list[tuple[int, int, int]]]] = []
        self._doc_pair_spans: list[dict[str, list[tuple[int, int, int]]]] = []
        # Words inside hyphenated compounds ("rank" in "low-rank") match only as themselves,
        # never as a related form of another word ("ranking"): per norm, their counts, and
        # per paper, their (field, position) and (field, start).
        self._compound_norms: dict[str, dict[int, list[int]]] = defaultdict(dict)
        self._compound_at: list[set[tuple[int, int]]] = []
        self._compound_starts: list[set[tuple[int, int]]] = []
        for d, (title, abstract) in enumerate(texts):
            fields = (tokenize(title), tokenize(abstract))
            self.fields.append(fields)
            positions: dict[str, tuple[list[int], list[int]]] = {}
            pair_positions: dict[str, tuple[list[int], list[int]]] = {}
            spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
            pair_spans: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
            compound_at: set[tuple[int, int]] = set()
            compound_starts: set[tuple[int, int]] = set()
            for f, tokens in enumerate(fields):
                prev = None
                for pos, tok in enumerate(tokens):
                    norm = tok.norm
                    if tok.compound:
                        compound_at.add((f, pos))
                        compound_starts.add((f, tok.start))
                        self._compound_norms[norm].setdefault(d, [0, 0])[f] += 1
                    entry = positions.get(norm)
                    if entry is None:
                        entry = positions[norm] = ([], [])
                        self._stem_norms[tok.stem].add(norm)
                    entry[f].append(pos)
                    spans[norm].append((f, tok.start, tok.end))
                    if tok.joined and prev is not None:
                        pair = join_pair(prev.surface, tok.surface)
                        pair_positions.setdefault(pair, ([], []))[f].append(pos - 1)
                        pair_spans[pair].append((f, prev.start, tok.end))
                    prev = tok
            for norm, entry in positions.items():
                self._norms[norm][d] = entry
            for pair, entry in pair_positions.items():
                self._pairs[pair][d] = entry
            self._doc_spans.append(dict(spans))
            self._doc_pair_spans.append(dict(pair_spans))
            self._compound_at.append(compound_at)
            self._compound_starts.append(compound_starts)
        self._norms = dict(self._norms)
        self._pairs = dict(self._pairs)
        self._stem_norms = dict(self._stem_norms)
        self._compound_norms = dict(self._compound_norms)
        self.n_docs = len(self.fields)
        self.lengths = np.array(
            [[len(fs[0]) for fs in self.fields], [len(fs[1]) for fs in self.fields]],
            dtype=np.float64,
        ).reshape(2, self.n_docs)
        self._counts: dict[str, np.ndarray] = {}
        self._spans: dict[tuple[Term, int], list[tuple[int, int, int]]] = {}
        self._docs: dict[Term, set[int]] = {}  # docs_with, per term asked for spans
        log.debug("indexed %d papers, %d distinct words", self.n_docs, len(self._norms))

    # -- whole-listing questions, vectorized -------------------------------------------

    def df(self, norm: str) -> int:
        """How many papers have the word (or its joined two-word spelling)."""
        docs = self._norms.get(norm, {})
        pairs = self._pairs.get(norm, {})
        return len(docs) + sum(1 for d in pairs if d not in docs)

    def word_counts(self, norm: str) -> np.ndarray:
        """Occurrences of the word in every paper, shape (2 fields, papers)."""
        counts = self._counts.get(norm)
        if counts is None:
            counts = np.zeros((2, self.n_docs), dtype=np.float64)
            for table in (self._norms, self._pairs):
                for d, by_field in table.get(norm, {}).items():
                    counts[0, d] += len(by_field[0])
                    counts[1, d] += len(by_field[1])
            self._counts[norm] = counts
        return counts

    def related_counts(self, term: Term) -> np.ndarray:
        """Occurrences of other forms of the word (same stem, other norm)."""
        counts = np.zeros((2, self.n_docs), dtype=np.float64)
        for norm in self._stem_norms.get(term.stem, ()):
            if norm != term.norm:
                counts += self.word_counts(norm)
                for d, (title, abstract) in self._compound_norms.get(norm, {}).items():
                    counts[0, d] -= title
                    counts[1, d] -= abstract
        return np.maximum(counts, 0.0)

    def docs_with(self, term: Term) -> set[int]:
        """Papers that have the word in any form."""
        docs: set[int] = set(self._norms.get(term.norm, ()))
        docs.update(self._pairs.get(term.norm, ()))
        for norm in self._stem_norms.get(term.stem, ()):
            docs.update(self._norms.get(norm, ()))
        return docs

    # -- one paper, one field ------------------------------------------------------------

    def _positions(self, term: Term, d: int, f: int, free_only: bool = True) -> tuple[set[int], set[int]]:
        """(positions of the word itself, positions of it or a related form).

        ``free_only``: related forms inside hyphenated compounds are left out (they still
        count inside the phrase itself: "early-exiting" for "early exit").
        """
        exact = set(self._norms.get(term.norm, {}).get(d, ((), ()))[f])
        related = set(exact)
        compound = self._compound_at[d]
        for norm in self._stem_norms.get(term.stem, ()):
            if norm != term.norm:
                found = self._norms.get(norm, {}).get(d, ((), ()))[f]
                related.update(p for p in found if not free_only or (f, p) not in compound)
        return exact, related

    def word_spans(self, term: Term, d: int) -> list[tuple[int, int, int]]:
        """(field, start, end) of a single word in paper ``d``, in any of its forms."""
        docs = self._docs.get(term)
        if docs is None:
            docs = self._docs[term] = self.docs_with(term)
        if d not in docs:  # most words of an interest are not in a given paper
            return []
        key = (term, d)
        spans = self._spans.get(key)
        if spans is None:
            spans = []
            by_norm = self._doc_spans[d]
            compound = self._compound_starts[d]
            for norm in self._stem_norms.get(term.stem, ()):
                if norm == term.norm:
                    spans += by_norm.get(norm, ())
                elif norm in by_norm:
                    spans += [s for s in by_norm[norm] if (s[0], s[1]) not in compound]
            if term.norm in by_norm and term.norm not in self._stem_norms.get(term.stem, ()):
                spans += by_norm[term.norm]
            pairs = self._doc_pair_spans[d].get(term.norm)
            if pairs:
                spans += pairs
            spans.sort()
            self._spans[key] = spans
        return spans

    def word_spans_everywhere(self, term: Term) -> list[tuple[int, int, int, int]]:
        """(doc, field, start, end) of a single word in every paper, sorted: what
        :meth:`word_spans` finds in each paper, for all of them at once (the words' spans for
        many hits at once, :class:`digest.select.highlights.WordSpans`)."""
        found: list[tuple[int, int, int, int]] = []
        for norm in {term.norm, *self._stem_norms.get(term.stem, ())}:
            related = norm != term.norm  # a related form: not inside a compound
            for d, by_field in self._norms.get(norm, {}).items():
                for f, positions in enumerate(by_field):
                    tokens = self.fields[d][f]
                    found += [
                        (d, f, tokens[p].start, tokens[p].end)
                        for p in positions
                        if not (related and tokens[p].compound)
                    ]
        for d, by_field in self._pairs.get(term.norm, {}).items():  # its joined two-word spelling
            for f, positions in enumerate(by_field):
                tokens = self.fields[d][f]
                found += [(d, f, tokens[p].start, tokens[p + 1].end) for p in positions]
        found.sort()
        return found

    def evidence(
        self, terms: Sequence[Term], joined: str | None, d: int, f: int, related_credit: float = 0.5
    ) -> FieldEvidence:
        """Where and how one phrase occurs in field ``f`` of paper ``d``.

        The phrase itself (word after word, any spelling) counts, as ``exact`` or, made of
        related forms, as ``related``. Failing that, its content words (function words such
        as "of" left out) near each other (``near``) or anywhere in the field: only when
        every content word is there, and only those words are highlighted.
        """
        tokens = self.fields[d][f]
        n = len(terms)
        positions = [self._positions(t, d, f, free_only=False) for t in terms]
        ev = FieldEvidence()
        spans: list[tuple[int, int]] = []
        for p in sorted(positions[0][1]):  # the phrase, word after word
            if p + n > len(tokens):
                continue
            if not all(tokens[p + j].joined and p + j in positions[j][1] for j in range(1, n)):
                continue
            if all(p + j in positions[j][0] for j in range(n)):
                ev.exact += 1
            else:
                ev.related += 1
            spans.append((tokens[p].start, tokens[p + n - 1].end))
        if joined is not None:  # "eventdriven" for "event driven"
            for p in self._norms.get(joined, {}).get(d, ((), ()))[f]:
                ev.exact += 1
                spans.append((tokens[p].start, tokens[p].end))
        else:  # "event-driven" for "eventdriven"
            for p in self._pairs.get(terms[0].norm, {}).get(d, ((), ()))[f]:
                ev.exact += 1
                spans.append((tokens[p].start, tokens[p + 1].end))
        content = [t for t in terms if not is_stop_word(t.norm)]
        if not spans and len(content) > 1:  # the content words apart
            found = []
            level = 1.0
            for t in content:
                exact, related = self._positions(t, d, f)
                found.append(sorted(exact or related))
                level *= 1.0 if exact else related_credit
            if all(found):
                ev.apart = level
                ev.near = _within(found, NEAR_WINDOW)
                spans = [(tokens[p].start, tokens[p].end) for ps in found for p in ps]
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
