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
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from digest.models import Hit, Match, Paper, Profile
from digest.select.acronyms import alternatives, defined_in
from digest.select.background import background_rate
from digest.select.gcpause import long_lived
from digest.select.postings import FIELDS, Postings, Term
from digest.select.text import is_stop_word, join_norm, tokenize

log = logging.getLogger(__name__)

_MISSING = object()

TITLE_WEIGHT = 4.0  # a title hit counts as much as this many abstract hits
K1 = 1.2  # BM25 saturation
B = (0.3, 0.9)  # length normalization per field
TYPICAL_LENGTH = (10.0, 200.0)  # fixed typical field lengths in words (not the listing's)
MIN_LENGTH_NORM = 0.5  # a short field can at most double its evidence
STEM_CREDIT = 0.5  # a related form ("optimizer" for "optimization")
NEAR_CREDIT = 0.3  # all words of a phrase within a few words, not as the phrase
APART_CREDIT = 0.05  # words of a phrase in the field, far apart
RATE_PRIOR_STRENGTH = 100.0  # how many papers the background rate counts for
REFERENCE_RATE = 0.01  # a word in 1% of papers or fewer is fully specific
SPECIFICITY_POWER = 2.0  # sharpen the idf: specific words dominate common ones
COVERAGE_BONUS = 0.2  # per extra distinct interest matched
COVERAGE_MIN = 0.3  # an interest counts for coverage from this score on
WORDS_WEIGHT = 2.0  # the profile's words as one BM25 query, next to its phrases (docs/scoring.md)


@dataclass(slots=True)
class _Phrase:
    """One interest phrase matched against every paper of the index (cached)."""

    terms: tuple[Term, ...]
    joined: str | None  # the one-word spelling of a multi-word phrase
    row: int  # row of its scores in the index's score matrix
    exact_docs: np.ndarray  # papers with the phrase itself (what an exclusion removes)
    spans: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)  # found so far
    presence: np.ndarray | None = None  # BM25F evidence of the phrase itself (several words only)


@dataclass(slots=True)
class _Keyword:
    """An interest phrase as a reader wrote it and its match."""

    phrase: str
    match: _Phrase
    id: int  # its row in the index's table of hits (and position in its list of keywords)
    parent: _Keyword | None = None  # for the words of an interest: the interest's phrase


def _saturate(x: np.ndarray | float) -> np.ndarray | float:
    return x * (K1 + 1.0) / (x + K1)


@dataclass(slots=True)
class ProfileScores:
    """One profile scored against every paper of an index (positions as in the index)."""

    used: list[_Keyword]  # the profile's interests that can match anything
    rows: np.ndarray  # unweighted score of each interest for each paper
    weights: np.ndarray  # weight of each interest
    total: np.ndarray  # the paper's score (0 when excluded)
    excluded: np.ndarray  # bool: the paper matches one of the profile's exclusions


class CollectionCounts(Protocol):
    """The collection a score's specificity is estimated from, when it is not the index's own
    papers (a window of the archive ranked with the archive's counts: select.collection)."""

    n: int

    def df(self, norm: str) -> int: ...

    def phrase_df(self, terms: Sequence[Term], joined: str) -> int: ...

    def defined(self) -> dict[str, Counter[tuple[str, ...]]]: ...


class PaperIndex:
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
        with long_lived():  # every word of every paper, with its positions and spans
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
        self._keywords: dict[str, _Keyword | None] = {}
        self.keyword_list: list[_Keyword] = []
        # hits of keyword k in paper d (a tuple, or None until asked for)
        self.hit_table = np.empty((64, len(self.papers)), dtype=object)
        self._by_key: dict[tuple[str, ...], _Phrase | None] = {}
        self.matrix = np.zeros((64, len(self.papers)), dtype=np.float64)
        self.rows = 0
        self._words: dict[tuple[int, tuple[Term, ...]], _Keyword] = {}
        self._defined: dict | None = None  # acronyms the papers define
        self._word_rows: dict[Term, tuple[np.ndarray, float]] = {}

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

    # -- matching one phrase ------------------------------------------------------------

    def keyword(self, phrase: str) -> _Keyword | None:
        """Match one interest phrase against every paper (cached per index)."""
        keyword = self._keywords.get(phrase, _MISSING)
        if keyword is not _MISSING:
            return keyword
        tokens = tokenize(phrase)
        key = tuple(t.norm for t in tokens)
        if key not in self._by_key:  # "Event-driven" and "event driven" share one match
            self._by_key[key] = self._with_alternatives(phrase, self._match(tokens)) if tokens else None
        match = self._by_key[key]
        keyword = None if match is None else self._add_keyword(phrase, match)
        self._keywords[phrase] = keyword
        return keyword

    def _with_alternatives(self, phrase: str, match: _Phrase) -> _Phrase:
        """The match, or the best of it and its acronym's or expansion's ("LLM" <-> "large
        language models"; see :mod:`digest.select.acronyms`) in every paper."""
        if self._defined is None:
            texts = (f"{p.title}\n{p.abstract}" for p in self.papers)
            self._defined = defined_in(texts) if self._counts is None else self._counts.defined()
        others = [self._match(tokenize(a)) for a in alternatives(phrase, self._defined)]
        if not others:
            return match
        rows = [self.matrix[m.row] for m in (match, *others)]
        best = np.maximum.reduce(rows)
        spans = {
            d: sorted({s for m in (match, *others) for s in self._spans_of(m, d)})
            for d in np.flatnonzero(best).tolist()
        }
        exact = np.union1d(match.exact_docs, np.concatenate([m.exact_docs for m in others]))
        return _Phrase(match.terms, match.joined, self._store_row(best), exact, spans, match.presence)

    def _spans_of(self, match: _Phrase, d: int) -> list[tuple[int, int, int]]:
        """(field, start, end) of one match's evidence in paper ``d``."""
        if self.matrix[match.row, d] <= 0.0:
            return []
        if len(match.terms) == 1 and d not in match.spans:
            return self._postings.word_spans(match.terms[0], d)
        return match.spans.get(d, [])

    def _add_keyword(self, phrase: str, match: _Phrase, parent: _Keyword | None = None) -> _Keyword:
        keyword = _Keyword(phrase, match, len(self.keyword_list), parent)
        self.keyword_list.append(keyword)
        if keyword.id == len(self.hit_table):
            grown = np.empty((2 * len(self.hit_table), len(self.papers)), dtype=object)
            grown[: keyword.id] = self.hit_table
            self.hit_table = grown
        return keyword

    # -- the profile's words as one query ------------------------------------------------

    def _word(self, term: Term) -> tuple[np.ndarray, float]:
        """(BM25F evidence of one word in every paper, its idf): Robertson's idf on the listing."""
        found = self._word_rows.get(term)
        if found is None:
            n, df = self._collection_size(), self._df(term.norm)  # the archive's, in a window too
            idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
            tf = self._postings.word_counts(term.norm) + STEM_CREDIT * self._postings.related_counts(term)
            found = self._word_rows[term] = (self._bm25f(tf), idf)
        return found

    def _words_of(self, parent: _Keyword, terms: tuple[Term, ...]) -> _Keyword:
        """The content words of an interest as a keyword of their own: their idf-weighted sum.

        Where the interest's phrase occurs (in any spelling: "eventdriven" for "event
        driven"), each of its words counts as present that often.
        """
        key = (parent.id, terms)
        keyword = self._words.get(key)
        if keyword is None:
            phrase = parent.match.presence
            row = np.zeros(len(self.papers), dtype=np.float64)
            for t in terms:
                evidence, idf = self._word(t)
                row += idf * (evidence if phrase is None else np.maximum(evidence, phrase))
            match = _Phrase(terms, None, self._store_row(row), np.zeros(0, dtype=int))
            keyword = self._words[key] = self._add_keyword(parent.phrase, match, parent)
        return keyword

    def _with_words(self, used: list[_Keyword], w: list[float]) -> tuple[list[_Keyword], list[float]]:
        """``used`` and, after them, the words of each (each distinct content word once).

        All the words together make one BM25 query whose score, divided by the sum of their
        idfs (so in [0, ~1.15]), is added with WORDS_WEIGHT: partial credit for a phrase
        whose words appear apart, by how specific each word is, and counted once when
        several interests share a word.
        """
        seen: set[str] = set()
        groups: list[tuple[_Keyword, float, tuple[Term, ...]]] = []
        for keyword, weight in zip(used, w, strict=True):
            words = []
            for term in keyword.match.terms:
                if not is_stop_word(term.norm) and term.norm not in seen:
                    seen.add(term.norm)
                    words.append(term)
            if words:
                groups.append((keyword, weight, tuple(words)))
        total_idf = sum(self._word(t)[1] for _, _, words in groups for t in words)
        if total_idf <= 0.0:
            return used, w
        share = 1.0 / (1.0 + WORDS_WEIGHT)  # keeps the scale: 1.0 = one interest clearly present
        scale = WORDS_WEIGHT * share / total_idf
        return (
            used + [self._words_of(k, words) for k, _, words in groups],
            [weight * share for weight in w] + [weight * scale for _, weight, _ in groups],
        )

    def _match(self, tokens: list) -> _Phrase:
        terms = tuple(Term(t.norm, t.stem) for t in tokens)
        if len(terms) == 1:
            return self._match_word(terms[0])
        return self._match_words(terms, join_norm([t.surface for t in tokens]))

    def _match_word(self, term: Term) -> _Phrase:
        exact = self._postings.word_counts(term.norm)
        tf = exact + STEM_CREDIT * self._postings.related_counts(term)
        scores = self._bm25f(tf) * self.specificity(term.norm)
        exact_docs = np.flatnonzero(exact.sum(axis=0))
        return _Phrase((term,), None, self._store_row(scores), exact_docs)

    def _match_words(self, terms: tuple[Term, ...], joined: str) -> _Phrase:
        """A phrase: as such, as related forms, or (partial credit) its content words apart.

        Partial credit needs every content word of the phrase in the field ("masked image
        modeling" gets nothing from "masked language modeling"); function words ("of" in
        "chain-of-thought") only count inside the phrase itself.
        """
        postings = self._postings
        tf = np.zeros((2, len(self.papers)), dtype=np.float64)
        itself = np.zeros((2, len(self.papers)), dtype=np.float64)  # the phrase as such
        content = [t for t in terms if not is_stop_word(t.norm)] or list(terms)
        candidates = set.intersection(*(postings.docs_with(t) for t in content))
        candidates |= postings.docs_with(Term(joined, joined))
        exact_docs = []
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for d in sorted(candidates):
            has_exact = False
            for f in (0, 1):
                ev = postings.evidence(terms, joined, d, f, STEM_CREDIT)
                if ev.exact or ev.related:
                    has_exact = has_exact or ev.exact > 0
                    tf[f, d] = itself[f, d] = ev.exact + STEM_CREDIT * ev.related
                elif ev.near:
                    tf[f, d] = NEAR_CREDIT * ev.apart
                elif ev.apart:
                    tf[f, d] = APART_CREDIT * ev.apart
                else:
                    continue
                spans.setdefault(d, []).extend((f, start, end) for start, end in ev.spans)
            if has_exact:
                exact_docs.append(d)
        # The phrase's own rate: the background's rates of its words as if independent.
        prior = math.prod(background_rate(t.norm) for t in terms)
        scores = self._bm25f(tf) * self._specificity(self._phrase_df(terms, joined, exact_docs), prior)
        row = self._store_row(scores)
        return _Phrase(terms, joined, row, np.array(exact_docs, dtype=int), spans, self._bm25f(itself))

    def _bm25f(self, tf: np.ndarray) -> np.ndarray:
        """Field-weighted, length-normalized, saturated evidence; 1.0 = title + abstract."""
        x = TITLE_WEIGHT * tf[0] / self._length_norm[0] + tf[1] / self._length_norm[1]
        return _saturate(x) / _saturate(TITLE_WEIGHT + 1.0)

    def _store_row(self, scores: np.ndarray) -> int:
        if self.rows == len(self.matrix):
            grown = np.zeros((2 * len(self.matrix), len(self.papers)), dtype=np.float64)
            grown[: self.rows] = self.matrix
            self.matrix = grown
        self.matrix[self.rows] = scores
        self.rows += 1
        return self.rows - 1

    def hits(self, keyword: _Keyword, d: int) -> tuple[Hit, ...]:
        """Exact spans of one interest in paper ``d``, computed when first asked for."""
        hits = self.hit_table[keyword.id, d]
        if hits is not None:
            return hits
        match = keyword.match
        spans = match.spans.get(d)
        if keyword.parent is not None:  # words of an interest: highlighted where its phrase is not
            phrase_found = self.matrix[keyword.parent.match.row, d] > 0.0
            words = () if phrase_found else match.terms
            spans = sorted({s for t in words for s in self._postings.word_spans(t, d)})
        if spans is None and len(match.terms) == 1:
            spans = self._postings.word_spans(match.terms[0], d)
        elif spans is None:  # a phrase with no evidence in this paper: nothing to highlight
            spans = []
        hits = tuple(Hit(keyword.phrase, FIELDS[f], start, end) for f, start, end in spans)
        self.hit_table[keyword.id, d] = hits
        return hits

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

    def interests(self, profile: Profile) -> tuple[list[_Keyword], list[float]]:
        """The profile's interests that can match, in the profile's order, with their weights.

        An interest listed twice counts once (where it first appears), with the sum of its
        weights.
        """
        keywords = self._keywords
        used: list[_Keyword] = []
        w: list[float] = []
        seen: dict[str, int] = {}
        for interest in profile.interests:
            phrase = interest.phrase
            at = seen.get(phrase)
            if at is not None:
                if at >= 0:
                    w[at] += interest.weight
                continue
            keyword = keywords.get(phrase, _MISSING)
            if keyword is _MISSING:
                keyword = self.keyword(phrase)
            if keyword is None:
                seen[phrase] = -1
            else:
                seen[phrase] = len(used)
                used.append(keyword)
                w.append(interest.weight)
        return self._with_words(used, w)

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

    def _explain(self, d: int, score: float, used: list[_Keyword], contributions: list[float]) -> Match:
        """The match with its keywords (largest contribution first) and their hits.

        Hits are grouped by keyword in that order; within a keyword, title first, then
        by position.
        """
        # sorted() is stable, also reversed: equal contributions keep the profile's order
        ranked = sorted(range(len(used)), key=contributions.__getitem__, reverse=True)
        keywords = []
        hits: tuple[Hit, ...] = ()
        for i in ranked:
            if contributions[i] <= 0.0:
                break
            keyword = used[i]
            if keyword.phrase not in keywords:
                keywords.append(keyword.phrase)
            hits += self.hits(keyword, d)
        return Match(self.papers[d], score, tuple(keywords), hits)

    def keyword_matches(self, phrase: str) -> list[Match]:
        """Every paper one keyword matches, best first: for ``digest profile test``."""
        keyword = self.keyword(phrase)
        if keyword is None:
            return []
        scores = self.matrix[keyword.match.row]
        return [
            Match(self.papers[d], float(scores[d]), (phrase,), self.hits(keyword, d))
            for d in top(scores, self._ties, 0.0, None).tolist()
        ]


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
