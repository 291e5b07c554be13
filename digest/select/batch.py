"""Ranking many profiles against one index at once: what a digest run does.

:meth:`PaperIndex.rank <digest.matcher.PaperIndex.rank>` ranks one profile with a few
numpy calls and builds its matches one keyword at a time; with 100,000 readers the fixed
cost of those calls and of the Python loops dominates. Here the profiles with the same
number of interests are stacked, a few thousand at a time, and each step runs once per
stack: the weighted sums, the coverage bonus, the top ``limit`` of every row, the order
of the keywords in every explanation, and even the keyword tuples and hit groups of the
matches (numpy object arrays, gathered element-wise: a match's hits are the index's own
tuples, one per keyword with hits, shared by every match of that keyword and paper). The
scores are taken a block of a few hundred profiles at a time (``SCORE_BLOCK`` floats):
small enough to stay in the processor's cache while every interest is added to them (over
a whole stack the sums went to memory and back for every interest, and took half as long
again).

The result is exactly what ``[index.rank(p, limit) for p in profiles]`` returns, down to
the last bit of every score: the sums are taken in the same order
(:func:`digest.matcher.weighted_sum`), ties are broken the same way, and the hits come
from the same cache. ``tests/select/test_batch.py`` checks it on many generated profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from digest.models import HitGroups, Match, Profile
from digest.select.gcpause import long_lived
from digest.select.phrases import COVERAGE_BONUS, COVERAGE_MIN
from digest.select.queries import gather

if TYPE_CHECKING:
    from digest.select.matcher import PaperIndex

STACK = 2048  # profiles explained together (their matches made with a few numpy calls)
FEW = 64  # sizes of query with fewer profiles are ranked together (padded: see queries.gather)
SCORE_BLOCK = 1 << 16  # scores (float64) taken together: 512 KiB, in the processor's cache


def rank_many(
    index: PaperIndex,
    profiles: Sequence[Profile],
    limit: int | None | Sequence[int | None] = None,
    skip: Sequence[Collection[int]] | None = None,
    extra: Callable[[list[int]], np.ndarray | None] | None = None,
) -> list[list[Match]]:
    """``[index.rank(p, limit) for p in profiles]``, without the papers in ``skip``.

    ``extra(stack)``: scores to add for the profiles at these positions (a row per profile,
    a column per paper, or None), before exclusions and the top are taken: what the
    readers' models add (:meth:`digest.select.feedback.FeedbackRanker.rank_many`).
    """
    n = len(profiles)
    limits = list(limit) if isinstance(limit, Sequence) else [limit] * n
    if len(limits) != n or (skip is not None and len(skip) != n):
        raise ValueError("rank_many: one limit and one skip set per profile")
    with long_lived():  # the matches and the hits cached in the index
        results: list[list[Match]] = [[] for _ in range(n)]
        if index.papers:
            _rank_into(results, index, profiles, limits, skip, extra)
    return results


def _rank_into(
    results: list[list[Match]],
    index: PaperIndex,
    profiles: Sequence[Profile],
    limits: list[int | None],
    skip: Sequence[Collection[int]] | None,
    extra: Callable[[list[int]], np.ndarray | None] | None = None,
) -> None:

    # Every profile's query first (matching a new phrase adds a row to the matrix),
    # gathered by its number of keywords: keyword ids and weights, a row per profile.
    wanted = [i for i, limit in enumerate(limits) if limit is None or limit > 0]
    queries = gather(index, profiles, wanted, FEW)
    scores = index.matrix[: index.rows]
    n_papers = len(index.papers)
    tables = _Tables.of(index)
    covers, keyword_rows = tables.covers, tables.keyword_rows
    # factor[m]: the coverage bonus for m interests at COVERAGE_MIN, as rank() computes it
    longest = max((query.ids.shape[1] for query in queries), default=1)
    factor = 1.0 + COVERAGE_BONUS * np.maximum(np.arange(longest + 1) - 1, 0)
    position = {pid: d for d, pid in enumerate(index.ids.tolist())} if skip is not None else {}
    step = max(1, SCORE_BLOCK // n_papers)  # profiles scored together
    special = np.array(  # the profiles with exclusions or papers to skip
        [bool(p.exclude) or (skip is not None and bool(skip[i])) for i, p in enumerate(profiles)], dtype=bool
    )
    for query in queries:
        size = query.ids.shape[1]
        for start in range(0, len(query.members), STACK):
            members = query.members[start : start + STACK]
            stack = members.tolist()
            kids = query.ids[start : start + STACK]
            weights = query.weights[start : start + STACK]
            rows = keyword_rows[kids]
            counted = index.parent_rows[kids] < 0  # the interests (coverage), not their words nor the padding
            if query.own is not None:
                counted &= query.own[start : start + STACK]
            added = extra(stack) if extra is not None else None
            floors = np.array([profiles[i].min_score for i in stack], dtype=np.float64)
            floors = np.maximum(floors, np.nextafter(0.0, 1.0))
            stack_limits = [n_papers if limits[i] is None else limits[i] for i in stack]
            # scored and their tops taken a block at a time, the block's scores in the cache
            picked = []
            for b in range(0, len(stack), step):
                block = slice(b, b + step)
                total = _weighted_sums(scores, rows[block], weights[block])
                if size > 1:
                    total *= factor[_coverage(covers, rows[block], counted[block])]
                if added is not None:
                    total += added[block]
                for r in np.flatnonzero(special[members[block]]).tolist():
                    i = stack[b + r]
                    for phrase in profiles[i].exclude:
                        keyword = index.keyword(phrase)
                        if keyword is not None and len(keyword.match.exact_docs):
                            total[r, keyword.match.exact_docs] = 0.0
                    if skip is not None and skip[i]:
                        total[r, [position[pid] for pid in skip[i] if pid in position]] = 0.0
                top_rows, top_docs = _top_rows(total, index.ties, floors[block], stack_limits[block])
                picked.append((top_rows + b, top_docs, total[top_rows, top_docs]))
            sel_rows, sel_docs, sel_totals = (np.concatenate(part) for part in zip(*picked, strict=True))
            matches = _explain(
                tables,
                kids,
                weights,
                np.take(scores, rows[sel_rows] * n_papers + sel_docs[:, None]),  # scores[row, doc]
                sel_totals,
                sel_rows,
                sel_docs,
            )
            ends = np.cumsum(np.bincount(sel_rows, minlength=len(stack))).tolist()
            begin = 0
            for i, end in zip(stack, ends, strict=True):
                results[i] = matches[begin:end]
                begin = end


def _weighted_sums(scores: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row ``r``: ``weighted_sum(scores[rows[r]], weights[r])``, with the same rounding.

    A column of ``rows`` at a time, for a block of profiles: the product of each profile's
    ``j``-th score row and weight, added to the sum so far. These are the very operations of
    ``weighted_sum``, in its order (its interests one after the other), so every float is the
    same to the last bit (``tests/select/test_batch_dumps.py`` checks it).
    """
    total = scores[rows[:, 0]] * weights[:, :1]
    for j in range(1, rows.shape[1]):
        total += scores[rows[:, j]] * weights[:, j : j + 1]
    return total


def _coverage(covers: np.ndarray, rows: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Per profile: how many of its score rows ``rows[r]`` where ``counted`` (its interests,
    not their words) are 1 in ``covers`` (uint8, its last row all 0), for every paper.

    Added up a column of ``rows`` at a time in uint8 (wider for 256 interests or more):
    an eighth of the memory of float64 sums, and exact.
    """
    at = np.where(counted, rows, len(covers) - 1)  # the words: the row of zeros
    total = covers[at[:, 0]].astype(np.uint8 if at.shape[1] < 256 else np.intp, copy=False)
    for j in range(1, at.shape[1]):
        total += covers[at[:, j]]
    return total


def _top_rows(
    total: np.ndarray, ids: np.ndarray, floors: np.ndarray, limits: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(row, paper position) of every row's top, as :func:`digest.matcher.top` picks them.

    Per row: the scores >= the row's floor, at most ``limit`` of them, best first, ties
    by ``ties`` (upvotes, then paper id); the pairs come row after row.
    """
    n_papers = total.shape[1]
    floors = floors.copy()
    limit_of = np.array(limits, dtype=np.intp)
    distinct = set(limits)
    for limit in distinct:
        if limit >= n_papers:
            continue
        # the best `limit`, and every tie at the boundary (all rows: no copy of them first)
        if len(distinct) == 1:
            np.maximum(floors, np.partition(total, n_papers - limit, axis=1)[:, n_papers - limit], out=floors)
        else:
            members = np.flatnonzero(limit_of == limit)
            kth = np.partition(total[members], n_papers - limit, axis=1)[:, n_papers - limit]
            floors[members] = np.maximum(floors[members], kth)
    rows, docs = np.nonzero(total >= floors[:, None])
    values = total[rows, docs]
    order = np.lexsort((ids[docs], -values, rows))
    rows, docs = rows[order], docs[order]
    rank_in_row = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
    keep = rank_in_row < limit_of[rows]
    return rows[keep], docs[keep]


class _Tables:
    """The index's papers, keywords, coverage and hits as numpy arrays, for gathering.

    Made once per index and kept with it (``index.batch_tables``): a call that ranks a few
    readers (the daemon claims 25 at a time) does not go over the whole index again. The
    index only ever appends keywords and score rows (matching a new phrase), so
    :meth:`of` extends the arrays by what is new since the last call.
    """

    def __init__(self, index: PaperIndex) -> None:
        self.index = index
        self.papers = np.empty(len(index.papers), dtype=object)
        self.papers[:] = index.papers
        self.phrases = np.empty(0, dtype=object)  # per keyword: its phrase
        # the interest a keyword speaks for (its own id, or its parent's for its words): two
        # keywords have the same phrase exactly when they have the same root
        self.roots = np.empty(0, dtype=np.intp)
        self.keyword_rows = np.empty(0, dtype=np.intp)  # its row of scores
        self._covers = np.zeros((64, len(index.papers)), dtype=np.uint8)  # score >= COVERAGE_MIN
        self._rows = 0  # the rows of _covers made

    @classmethod
    def of(cls, index: PaperIndex) -> _Tables:
        """The index's tables, brought up to date."""
        tables = index.batch_tables
        if not isinstance(tables, cls):
            tables = index.batch_tables = cls(index)
        tables._update()
        return tables

    @property
    def covers(self) -> np.ndarray:
        """1 where a score counts for coverage, a row per score row; the last row: all 0."""
        return self._covers[: self._rows + 1]

    def _update(self) -> None:
        index = self.index
        new = index.keyword_list[len(self.phrases) :]
        if new:
            roots = [k.id if k.parent is None else k.parent.id for k in new]
            self.phrases = np.concatenate((self.phrases, np.array([k.phrase for k in new], dtype=object)))
            self.roots = np.concatenate((self.roots, np.array(roots, dtype=np.intp)))
            rows = np.array([k.match.row for k in new], dtype=np.intp)
            self.keyword_rows = np.concatenate((self.keyword_rows, rows))
        if index.rows > self._rows:
            if index.rows + 1 > len(self._covers):  # room for the rows and a row of zeros after
                grown = np.zeros((2 * (index.rows + 1), self._covers.shape[1]), dtype=np.uint8)
                grown[: self._rows] = self._covers[: self._rows]
                self._covers = grown
            self._covers[self._rows : index.rows] = index.matrix[self._rows : index.rows] >= COVERAGE_MIN
            self._rows = index.rows

    def hits(self, kids: np.ndarray, docs: np.ndarray, per_row: np.ndarray) -> list[HitGroups]:
        """Per row: the hits of its keywords ``kids`` in its paper, a group per keyword with
        hits (the index's own tuple for the pair, shared: not copied), one keyword after the
        other; ``kids`` and ``docs`` are flat, the row's ``per_row`` pairs after the previous
        row's. The missing pairs are computed first (each once)."""
        index = self.index
        slots = index.hit_slots
        pairs = slots.positions(kids, docs)  # flat positions in the index's tables
        missing = ~np.take(slots.known, pairs)
        if missing.any():
            unknown = np.unique(pairs[missing])  # each missing pair once
            index.fill_hits(*slots.pairs_at(unknown))  # their papers have columns: pairs stay put
        found = np.take(slots.count, pairs) > 0  # the pairs with hits: a group each
        groups = np.take(slots.table, pairs[found])
        row_ends = np.concatenate(([0], np.cumsum(found)))[np.cumsum(per_row)]
        return _split(tuple(groups.tolist()), row_ends)

    def keywords(self, kids: np.ndarray, n_keywords: np.ndarray) -> list[tuple[str, ...]]:
        """Each row's phrases of its first ``n_keywords`` keywords, each once (where it first
        appears): ``tuple(dict.fromkeys(row))``.

        (The words of an interest have its phrase: one phrase, one root per index.) The
        repeats are found on the roots, a column at a time, on the rows long enough (the
        rows by length, longest first: a prefix of them).
        """
        order = np.argsort(-n_keywords, kind="stable")
        longest = n_keywords[order]
        roots = self.roots[kids[order]]
        first = np.arange(kids.shape[1]) < longest[:, None]
        for j in range(1, int(longest[0]) if len(longest) else 0):
            p = int(np.count_nonzero(longest > j))
            first[:p, j] = (roots[:p, :j] != roots[:p, j : j + 1]).all(axis=1)
        kept = np.empty_like(first)
        kept[order] = first
        return _split(tuple(self.phrases[kids[kept]].tolist()), np.cumsum(np.count_nonzero(kept, axis=1)))


def _split(flat: tuple, ends: np.ndarray) -> list[tuple]:
    """``flat`` cut into consecutive tuples ending at ``ends``."""
    ends_list = ends.tolist()
    return list(map(flat.__getitem__, map(slice, [0, *ends_list[:-1]], ends_list)))


def _explain(
    tables: _Tables,
    kids: np.ndarray,
    weights: np.ndarray,
    row_scores: np.ndarray,
    totals: np.ndarray,
    sel_rows: np.ndarray,
    sel_docs: np.ndarray,
) -> list[Match]:
    """The matches for the selected (row, paper) pairs, as ``PaperIndex.explain`` makes them.

    ``kids``/``weights``: each row's keyword ids and weights; ``row_scores[m, j]``: the
    unweighted score of keyword j of the row of match m in its paper; ``totals``: the
    matches' scores. The keywords of a match are ordered by contribution, largest first,
    ties in the profile's order (a stable sort, as ``sorted(..., reverse=True)``), and
    stop at the first one that contributes nothing; its hits follow the same order.

    Every match's keywords and hit groups are laid out flat, match after match, gathered
    with a few numpy calls for all of them, and cut into tuples (slices of one tuple); the
    matches are made in C: ``tuple.__new__(Match, fields)`` is what ``Match(*fields)``
    does, less the Python call.
    """
    contributions = row_scores * weights[sel_rows]
    ranked = np.argsort(-contributions, axis=1, kind="stable")
    ordered = np.take_along_axis(kids[sel_rows], ranked, axis=1)
    n_keywords = np.count_nonzero(contributions > 0.0, axis=1)  # 0 only with weights <= 0
    valid = np.arange(ordered.shape[1]) < n_keywords[:, None]
    keywords = tables.keywords(ordered, n_keywords)
    hits = tables.hits(ordered[valid], np.repeat(sel_docs, n_keywords), n_keywords)
    fields = zip(tables.papers[sel_docs].tolist(), totals.tolist(), keywords, hits, strict=True)
    return list(map(tuple.__new__, repeat(Match), fields))
