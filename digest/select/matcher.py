"""Scoring papers against a reader's keyword interests, with the explanation of every score.

How a score is made (the full story, with the numbers, is in ``docs/scoring.md``):

1. Each interest is matched in the title and in the abstract of every paper. Matching is
   case-insensitive, folds plurals (``network``/``networks``), treats ``event-driven``,
   ``event driven`` and ``eventdriven`` as one form, keeps acronyms precise (``CT`` is a
   whole word only; ``SNN`` matches ``SNNs``), gives related word forms partial credit
   (``optimizer`` for ``optimization``) and gives a phrase partial credit when its words
   appear apart (more when they are near each other).
2. The evidence of the two fields is combined BM25F-style (a title hit counts
   ``TITLE_WEIGHT`` times an abstract hit; long abstracts are normalized against a fixed
   typical length) and saturated, so repeating a keyword twenty times adds little.
3. It is multiplied by the interest's specificity (an idf from a built-in background
   table of common words, smoothed with the listing: it does not swing with the size of
   the listing) and by the interest's weight.
4. The interests' scores are summed, and a paper that matches several different interests
   gets a coverage bonus of ``COVERAGE_BONUS`` per extra interest.

Scale: **1.0 is one specific interest (in at most 1% of papers) of weight 1 clearly present
in a paper: once in the title and once in the abstract.** A single abstract mention of it
scores about 0.6, a title mention about 0.95; common words score much less (``agents``,
in ~15% of papers, about a fifth of that); several interests add up. The same paper gets
the same score whatever else is in the listing, up to the gentle smoothing of the
specificity with the listing's own counts.

Matching runs on an inverted index built once per set of papers (:class:`PaperIndex`);
the score of every paper for one interest phrase is computed once and cached in the index,
so ranking a profile costs a few vector operations; :func:`digest.select.batch.rank_many` ranks
many profiles at once, with the very same results (:mod:`digest.batch`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from digest.models import Hit, HitGroups, Match, Paper, Profile
from digest.select.background import background_rate
from digest.select.gcpause import long_lived
from digest.select.highlights import HitSlots, WordSpans
from digest.select.phrases import (
    COVERAGE_BONUS,
    COVERAGE_MIN,
    MIN_LENGTH_NORM,
    MISSING,
    RATE_PRIOR_STRENGTH,
    REFERENCE_RATE,
    SPECIFICITY_POWER,
    TYPICAL_LENGTH,
    B,
    CollectionCounts,
    ContentWords,
    Keyword,
    Phrase,
    PhraseMatching,
)
from digest.select.postings import Postings, Term

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ProfileScores:
    """One profile scored against every paper of an index (positions as in the index)."""

    used: list[Keyword]  # the profile's interests that can match anything
    rows: np.ndarray  # unweighted score of each interest for each paper
    weights: np.ndarray  # weight of each interest
    total: np.ndarray  # the paper's score (0 when excluded)
    excluded: np.ndarray  # bool: the paper matches one of the profile's exclusions


class PaperIndex(PhraseMatching):
    """An inverted index over a set of papers; build once, rank many profiles.

    ``counts``: the collection the specificities come from (default: these papers).
    """

    def __init__(self, papers: Sequence[Paper], counts: CollectionCounts | None = None) -> None:
        self.papers: tuple[Paper, ...] = tuple(papers)
        self._counts = counts
        self._ids = np.array([p.id for p in self.papers], dtype=np.int64)
        # equal scores: more upvotes first (the daily papers' count), then the lower paper id
        votes = np.array([p.upvotes or 0 for p in self.papers], dtype=np.int64)
        self._ties = np.empty(len(self.papers), dtype=np.int64)
        self._ties[np.lexsort((self._ids, -votes))] = np.arange(len(self.papers))
        with long_lived():  # every word of every paper: flat arrays of spelling ids and spans
            self._postings = Postings([(p.title, p.abstract) for p in self.papers])
        self._length_norm = np.stack(
            [
                np.maximum(
                    1.0 - B[f] + B[f] * self._postings.lengths[f] / TYPICAL_LENGTH[f],
                    MIN_LENGTH_NORM,
                )
                for f in (0, 1)
            ]
        ).reshape(2, len(self.papers))
        self._keywords: dict[str, Keyword | None] = {}
        self.keyword_list: list[Keyword] = []
        self.hit_slots = HitSlots(len(self.papers))  # hits of keyword k in paper d, once asked for
        # for the words of an interest: the row of the interest's scores (-1: an interest)
        self.parent_rows = np.full(64, -1, dtype=np.intp)
        self._by_key: dict[tuple[str, ...], Phrase | None] = {}
        self.matrix = np.zeros((64, len(self.papers)), dtype=np.float64)
        self.rows = 0
        self._words: dict[tuple[int, tuple[Term, ...]], Keyword] = {}
        self._defined: dict | None = None  # acronyms the papers define
        self._word_rows: dict[Term, tuple[np.ndarray, float]] = {}
        self._content: dict[str, ContentWords | None] = {}
        self._word_spans: WordSpans | None = None  # the words' spans as arrays, for many hits at once
        self.batch_tables: object | None = None  # digest.select.batch's arrays of this index, kept

    @classmethod
    def build(cls, papers: Sequence[Paper], counts: CollectionCounts | None = None) -> PaperIndex:
        """Index ``papers`` (a listing, or every unsent paper) for ranking."""
        return cls(papers, counts)

    def __len__(self) -> int:
        return len(self.papers)

    # -- specificity --------------------------------------------------------------------

    def specificity(self, norm: str) -> float:
        """How specific a word is, in (0, 1]: an idf against a fixed background."""
        return self._specificity(self._df(norm), background_rate(norm))

    # The collection's counts: these papers', or the archive's when ranking a window of it.
    def _df(self, norm: str) -> int:
        return self._postings.df(norm) if self._counts is None else self._counts.df(norm)

    def _phrase_df(self, terms: tuple[Term, ...], joined: str, exact_docs: list[int]) -> int:
        return len(exact_docs) if self._counts is None else self._counts.phrase_df(terms, joined)

    def _collection_size(self) -> int:
        return len(self.papers) if self._counts is None else self._counts.n

    def _specificity(self, df: int, prior_rate: float) -> float:
        """The idf of a rate estimated from the background, updated with this listing.

        The background counts as RATE_PRIOR_STRENGTH papers, so the estimate barely moves
        with the size of the listing. The paper being scored is left out of the count (a
        word is not common because the one paper that has it is in the listing), which
        keeps a small listing from making rare words look common. The idf is scaled so
        that REFERENCE_RATE gives 1.
        """
        others = max(self._collection_size() - 1, 0)
        rate = (max(df - 1, 0) + RATE_PRIOR_STRENGTH * prior_rate) / (others + RATE_PRIOR_STRENGTH)
        idf = math.log(1.0 / max(rate, 1e-9)) / math.log(1.0 / REFERENCE_RATE)
        return min(1.0, max(idf, 0.02)) ** SPECIFICITY_POWER

    # -- ranking ------------------------------------------------------------------------

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        """The papers that match ``profile``, best first (ties: more upvotes, then lower paper id).

        Only papers with a score above 0 and at least ``profile.min_score`` that match
        none of ``profile.exclude`` are returned, at most ``limit`` of them. An interest
        listed twice counts once, with the sum of its weights.
        """
        if limit is not None and limit <= 0:
            return []
        scored = self.score(profile)
        if scored is None:
            return []
        order = top(scored.total, self._ties, profile.min_score, limit)
        return self.explain(scored, order, scored.total)

    def score(self, profile: Profile) -> ProfileScores | None:
        """Every paper's keyword score for ``profile`` (0 for excluded papers)."""
        used, w = self.interests(profile)
        if not used or not self.papers:
            return None
        scores = self.matrix[[keyword.match.row for keyword in used]]
        wv = np.array(w, dtype=np.float64)
        total = weighted_sum(scores, wv)
        phrases = sum(1 for keyword in used if keyword.parent is None)
        if phrases > 1:
            covered = np.count_nonzero(scores[:phrases] >= COVERAGE_MIN, axis=0)
            total *= 1.0 + COVERAGE_BONUS * np.maximum(covered - 1, 0)
        excluded = np.zeros(len(self.papers), dtype=bool)
        for phrase in profile.exclude:
            keyword = self.keyword(phrase)
            if keyword is not None and len(keyword.match.exact_docs):
                excluded[keyword.match.exact_docs] = True
        total[excluded] = 0.0
        return ProfileScores(used, scores, wv, total, excluded)

    def interests(self, profile: Profile) -> tuple[list[Keyword], list[float]]:
        """The profile's interests that can match, in the profile's order, with their weights,
        then the keywords of their words (the profile's word query) with theirs.

        An interest listed twice counts once (where it first appears), with the sum of its
        weights.
        """
        return self._with_words(*self._phrases(profile))

    def _phrases(self, profile: Profile) -> tuple[list[Keyword], list[float]]:
        keywords = self._keywords
        used: list[Keyword] = []
        w: list[float] = []
        seen: dict[str, int] = {}
        for interest in profile.interests:
            phrase = interest.phrase
            at = seen.get(phrase)
            if at is not None:
                if at >= 0:
                    w[at] += interest.weight
                continue
            keyword = keywords.get(phrase, MISSING)
            if keyword is MISSING:
                keyword = self.keyword(phrase)
            if keyword is None:
                seen[phrase] = -1
            else:
                seen[phrase] = len(used)
                used.append(keyword)
                w.append(interest.weight)
        return used, w

    def explain(self, scored: ProfileScores, order: np.ndarray, total: np.ndarray) -> list[Match]:
        """Matches for the papers at positions ``order``, scored ``total``, with hits."""
        contributions = (scored.rows[:, order] * scored.weights[:, None]).T.tolist()
        return [
            self._explain(d, score, scored.used, c)
            for d, score, c in zip(order.tolist(), total[order].tolist(), contributions, strict=True)
        ]

    @property
    def ids(self) -> np.ndarray:
        """Paper ids, by position in the index."""
        return self._ids

    @property
    def ties(self) -> np.ndarray:
        """Where each paper goes among papers of equal score: more upvotes first, then lower id."""
        return self._ties

    def _explain(self, d: int, score: float, used: list[Keyword], contributions: list[float]) -> Match:
        """The match with its keywords (largest contribution first) and their hits.

        Hits are grouped by keyword in that order (a group per keyword with hits: the
        index's own tuple); within a keyword, title first, then by position.
        """
        # sorted() is stable, also reversed: equal contributions keep the profile's order
        ranked = sorted(range(len(used)), key=contributions.__getitem__, reverse=True)
        keywords = []
        hits: list[tuple[Hit, ...]] = []  # the index's tuple per keyword (shared, not copied)
        for i in ranked:
            if contributions[i] <= 0.0:
                break
            keyword = used[i]
            if keyword.phrase not in keywords:
                keywords.append(keyword.phrase)
            found = self.hits(keyword, d)
            if found:
                hits.append(found)
        return Match(self.papers[d], score, tuple(keywords), tuple(hits))

    def keyword_matches(self, phrase: str) -> list[Match]:
        """Every paper one keyword matches, best first: for ``digest profile test``."""
        keyword = self.keyword(phrase)
        if keyword is None:
            return []
        scores = self.matrix[keyword.match.row]
        return [
            Match(self.papers[d], float(scores[d]), (phrase,), _groups(self.hits(keyword, d)))
            for d in top(scores, self._ties, 0.0, None).tolist()
        ]


def _groups(hits: tuple[Hit, ...]) -> HitGroups:
    """One keyword's hits as :attr:`Match.hits` holds them: one group, or none."""
    return (hits,) if hits else ()


def weighted_sum(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``weights @ scores``, summed interest after interest (in the profile's order).

    Not BLAS: its summation order (and so the last bit of a score) depends on the CPU and
    the library build. This order is the one the batch ranking (:mod:`digest.batch`) uses
    too, so the two give the very same floats.
    """
    total = scores[0] * weights[0]
    for j in range(1, len(weights)):
        total += scores[j] * weights[j]
    return total


def top(scores: np.ndarray, ids: np.ndarray, min_score: float, limit: int | None) -> np.ndarray:
    """Indices of the positive scores >= min_score, best first, ties by ``ties`` (smaller first)."""
    floor = min_score if min_score > 0.0 else np.nextafter(0.0, 1.0)
    if limit is not None and limit < len(scores):
        kth = scores[np.argpartition(scores, -limit)[-limit:]].min()
        floor = max(floor, kth)  # the best `limit`, and every tie at the boundary
    candidates = np.flatnonzero(scores >= floor)
    order = candidates[np.lexsort((ids[candidates], -scores[candidates]))]
    return order if limit is None else order[:limit]


def rank(papers: Sequence[Paper], profile: Profile, limit: int | None = None) -> list[Match]:
    """Rank ``papers`` for ``profile``; build a :class:`PaperIndex` to rank many profiles."""
    return PaperIndex.build(papers).rank(profile, limit)


def keyword_matches(papers: PaperIndex | Iterable[Paper], phrase: str) -> list[Match]:
    """The papers a single keyword matches, best first, with their hits."""
    index = papers if isinstance(papers, PaperIndex) else PaperIndex.build(list(papers))
    return index.keyword_matches(phrase)
