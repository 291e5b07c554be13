"""Matching one interest phrase in every paper of an index: its evidence per field (the
phrase itself, related forms, its words near or apart), its acronym or expansion, the
profile's words as one BM25 query, and the characters to highlight. A part of
:class:`digest.select.matcher.PaperIndex` (its base class); the constants are explained in
``docs/scoring.md``.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from digest.select.acronyms import alternatives, defined_in
from digest.select.background import background_rate
from digest.select.evidence import evidence_in
from digest.select.highlights import Highlighting, grown
from digest.select.postings import Term
from digest.select.text import is_acronym, is_stop_word, join_norm, tokenize

MISSING = object()

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
BAG_WEIGHT = 1.0  # the multi-word interests' words again, on top: the ranking's tail (docs/scoring.md)


@dataclass(slots=True)
class Phrase:
    """One interest phrase matched against every paper of the index (cached)."""

    terms: tuple[Term, ...]
    joined: str | None  # the one-word spelling of a multi-word phrase
    row: int  # row of its scores in the index's score matrix
    exact_docs: np.ndarray  # papers with the phrase itself (what an exclusion removes)
    spans: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)  # found so far
    presence: np.ndarray | None = None  # BM25F evidence of the phrase itself (several words only)


@dataclass(slots=True)
class Keyword:
    """An interest phrase as a reader wrote it and its match."""

    phrase: str
    match: Phrase
    id: int  # its row in the index's table of hits (and position in its list of keywords)
    parent: Keyword | None = None  # for the words of an interest: the interest's phrase


@dataclass(slots=True)
class ContentWords:
    """An interest and its content words, for the profile's word query (cached per phrase)."""

    keyword: Keyword
    terms: tuple[Term, ...]  # each once, in the phrase's order, function words left out
    norms: tuple[str, ...]
    idfs: tuple[float, ...]
    words: int = 0  # the id of the keyword of all of them (0 until made: never a word keyword)


def saturate(x: np.ndarray | float) -> np.ndarray | float:
    return x * (K1 + 1.0) / (x + K1)


class CollectionCounts(Protocol):
    """The collection a score's specificity is estimated from, when it is not the index's own
    papers (a window of the archive ranked with the archive's counts: select.collection)."""

    n: int

    def df(self, norm: str) -> int: ...

    def phrase_df(self, terms: Sequence[Term], joined: str) -> int: ...

    def defined(self) -> dict[str, Counter[tuple[str, ...]]]: ...


class PhraseMatching(Highlighting):
    """The phrase-matching half of :class:`PaperIndex` (which sets these attributes); the
    highlighting half is :class:`digest.select.highlights.Highlighting`."""

    _length_norm: np.ndarray
    _counts: CollectionCounts | None
    _keywords: dict[str, Keyword | None]
    _by_key: dict[tuple[str, ...], Phrase | None]
    _words: dict[tuple[int, tuple[Term, ...]], Keyword]
    _defined: dict | None
    _word_rows: dict[Term, tuple[np.ndarray, float]]
    _content: dict[str, ContentWords | None]

    def _df(self, norm: str) -> int:
        raise NotImplementedError

    def _phrase_df(self, terms: tuple[Term, ...], joined: str, exact_docs: list[int]) -> int:
        raise NotImplementedError

    def _collection_size(self) -> int:
        raise NotImplementedError

    def _specificity(self, df: int, prior_rate: float) -> float:
        raise NotImplementedError

    # -- matching one phrase ------------------------------------------------------------

    def keyword(self, phrase: str) -> Keyword | None:
        """Match one interest phrase against every paper (cached per index)."""
        keyword = self._keywords.get(phrase, MISSING)
        if keyword is not MISSING:
            return keyword
        tokens = tokenize(phrase)
        # "Event-driven" and "event driven" share one match; "TRAINING" (an acronym: its own
        # word only, and its expansions) and "Training" (every form) do not: stems and acronym too
        acronym = len(tokens) == 1 and is_acronym(tokens[0].surface)
        key = tuple(f"{t.norm} {t.stem}" for t in tokens) + ("acronym",) * acronym
        if key not in self._by_key:
            self._by_key[key] = self._with_alternatives(phrase, self._match(tokens)) if tokens else None
        match = self._by_key[key]
        keyword = None if match is None else self._add_keyword(phrase, match)
        self._keywords[phrase] = keyword
        return keyword

    def _with_alternatives(self, phrase: str, match: Phrase) -> Phrase:
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
        return Phrase(match.terms, match.joined, self._store_row(best), exact, spans, match.presence)

    def _spans_of(self, match: Phrase, d: int) -> list[tuple[int, int, int]]:
        """(field, start, end) of one match's evidence in paper ``d``."""
        if self.matrix[match.row, d] <= 0.0:
            return []
        if len(match.terms) == 1 and d not in match.spans:
            return self._postings.word_spans(match.terms[0], d)
        return match.spans.get(d, [])

    def _add_keyword(self, phrase: str, match: Phrase, parent: Keyword | None = None) -> Keyword:
        keyword = Keyword(phrase, match, len(self.keyword_list), parent)
        self.keyword_list.append(keyword)
        self.hit_slots.add_row(keyword.id)
        if keyword.id == len(self.parent_rows):
            self.parent_rows = grown(self.parent_rows, -1)
        if parent is not None:
            self.parent_rows[keyword.id] = parent.match.row
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

    def _words_of(self, parent: Keyword, terms: tuple[Term, ...]) -> Keyword:
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
            match = Phrase(terms, None, self._store_row(row), np.zeros(0, dtype=int))
            keyword = self._words[key] = self._add_keyword(parent.phrase, match, parent)
        return keyword

    def _with_words(self, used: list[Keyword], w: list[float]) -> tuple[list[Keyword], list[float]]:
        """``used`` and, after them, the words of each (each distinct content word once).

        All the words together make one BM25 query whose score, divided by the sum of their
        idfs (so in [0, ~1.15]), is added with WORDS_WEIGHT: partial credit for a phrase
        whose words appear apart, by how specific each word is, and counted once when
        several interests share a word.
        """
        seen: set[str] = set()
        groups: list[tuple[Keyword, float, tuple[Term, ...]]] = []
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
        bag = BAG_WEIGHT / total_idf

        def words_weight(keyword: Keyword, weight: float) -> float:
            # a one-word interest is its own word already: the bag adds nothing to it
            return weight * (scale + (bag if len(keyword.match.terms) > 1 else 0.0))

        return (
            used + [self._words_of(k, words) for k, _, words in groups],
            [weight * share for weight in w] + [words_weight(k, weight) for k, weight, _ in groups],
        )

    def content_words(self, phrase: str) -> ContentWords | None:
        """The interest ``phrase`` with its content words and their idfs (None if it can
        match nothing), cached: what the profiles' word queries are made of, many at once
        (:mod:`digest.select.queries`)."""
        words = self._content.get(phrase, MISSING)
        if words is not MISSING:
            return words
        keyword = self.keyword(phrase)
        words = None
        if keyword is not None:
            terms: dict[str, Term] = {}
            for term in keyword.match.terms:  # each content word once, as _with_words keeps them
                if not is_stop_word(term.norm):
                    terms.setdefault(term.norm, term)
            idfs = tuple(self._word(t)[1] for t in terms.values())
            words = ContentWords(keyword, tuple(terms.values()), tuple(terms), idfs)
        self._content[phrase] = words
        return words

    def words_keyword(self, words: ContentWords, terms: tuple[Term, ...] | None = None) -> int:
        """The id of the keyword of some of an interest's words (``terms``; default: all)."""
        if terms is not None:
            return self._words_of(words.keyword, terms).id
        if not words.words:
            words.words = self._words_of(words.keyword, words.terms).id
        return words.words

    def _match(self, tokens: list) -> Phrase:
        terms = tuple(Term(t.norm, t.stem) for t in tokens)
        if len(terms) == 1:
            return self._match_word(terms[0])
        return self._match_words(terms, join_norm([t.surface for t in tokens]))

    def _match_word(self, term: Term) -> Phrase:
        exact = self._postings.word_counts(term.norm)
        tf = exact + STEM_CREDIT * self._postings.related_counts(term)
        scores = self._bm25f(tf) * self.specificity(term.norm)
        exact_docs = np.flatnonzero(exact.sum(axis=0))
        return Phrase((term,), None, self._store_row(scores), exact_docs)

    def _match_words(self, terms: tuple[Term, ...], joined: str) -> Phrase:
        """A phrase: as such, as related forms, or (partial credit) its content words apart.

        Partial credit needs every content word of the phrase in the field ("masked image
        modeling" gets nothing from "masked language modeling"); function words ("of" in
        "chain-of-thought") only count inside the phrase itself.
        """
        postings = self._postings
        tf = np.zeros((2, len(self.papers)), dtype=np.float64)
        itself = np.zeros((2, len(self.papers)), dtype=np.float64)  # the phrase as such
        content = [t for t in terms if not is_stop_word(t.norm)] or list(terms)
        candidates = functools.reduce(np.logical_and, (postings.has(t) for t in content))
        docs = np.flatnonzero(candidates | postings.has(Term(joined, joined))).tolist()
        exact_docs = []
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for d, fields in zip(docs, evidence_in(postings, terms, joined, docs, STEM_CREDIT), strict=True):
            has_exact = False
            for f, ev in enumerate(fields):
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
        return Phrase(terms, joined, row, np.array(exact_docs, dtype=int), spans, self._bm25f(itself))

    def _bm25f(self, tf: np.ndarray) -> np.ndarray:
        """Field-weighted, length-normalized, saturated evidence; 1.0 = title + abstract."""
        x = TITLE_WEIGHT * tf[0] / self._length_norm[0] + tf[1] / self._length_norm[1]
        return saturate(x) / saturate(TITLE_WEIGHT + 1.0)

    def _store_row(self, scores: np.ndarray) -> int:
        if self.rows == len(self.matrix):
            grown = np.zeros((2 * len(self.matrix), len(self.papers)), dtype=np.float64)
            grown[: self.rows] = self.matrix
            self.matrix = grown
        self.matrix[self.rows] = scores
        self.rows += 1
        return self.rows - 1
