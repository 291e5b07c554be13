"""The characters to highlight: where each interest (or the words of one) matched in a
paper, as :class:`~digest.models.Hit` tuples, computed once per (keyword, paper) pair and
kept in the index's tables. A part of :class:`digest.select.matcher.PaperIndex` (a base
class of :class:`digest.select.phrases.PhraseMatching`).
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from digest.models import Hit, Paper
from digest.select.postings import FIELDS, Postings

if TYPE_CHECKING:
    from digest.select.phrases import Keyword


class Highlighting:
    """The highlighting half of :class:`PaperIndex` (which sets these attributes)."""

    papers: tuple[Paper, ...]
    matrix: np.ndarray
    rows: int
    hit_table: np.ndarray
    hit_known: np.ndarray
    hit_count: np.ndarray
    parent_rows: np.ndarray
    keyword_list: list[Keyword]
    _postings: Postings

    def hits(self, keyword: Keyword, d: int) -> tuple[Hit, ...]:
        """Exact spans of one interest in paper ``d``, computed when first asked for."""
        hits = self.hit_table[keyword.id, d]
        if hits is None:
            self.fill_hits(np.array([keyword.id]), np.array([d]))
            hits = self.hit_table[keyword.id, d]
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
        ``i`` (pairs not known yet, each once) and keep them: a tuple per pair in
        ``hit_table`` (its length in ``hit_count``), which every match of that pair shares
        (:func:`digest.select.batch.rank_many` gathers them for many matches at once)."""
        hidden = self.words_hidden(keyword_ids, docs)
        keywords = self.keyword_list
        pairs = zip(keyword_ids.tolist(), docs.tolist(), hidden.tolist(), strict=True)
        made = [() if h else self._make_hits(keywords[k], d) for k, d, h in pairs]
        self.hit_table[keyword_ids, docs] = np.fromiter(made, dtype=object, count=len(made))
        self.hit_known[keyword_ids, docs] = True
        self.hit_count[keyword_ids, docs] = np.fromiter(map(len, made), dtype=np.intp, count=len(made))

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


def grown(table: np.ndarray, fill: object) -> np.ndarray:
    """``table`` with twice the rows, the new ones ``fill``."""
    grown = np.full((2 * len(table), *table.shape[1:]), fill, dtype=table.dtype)
    grown[: len(table)] = table
    return grown
