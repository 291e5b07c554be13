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

Scale: **1.0 is one specific interest of weight 1 clearly present in a paper: once in the
title and once in the abstract.** A single abstract mention of it scores about 0.4; common
words score less; several interests add up. The same paper gets the same score whatever
else is in the listing, up to the gentle smoothing of the specificity.

Matching runs on an inverted index built once per set of papers (:class:`PaperIndex`);
the score of every paper for one interest phrase is computed once and cached in the index,
so ranking many profiles against one listing costs a few vector operations per profile.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from digest.background import background_rate
from digest.models import Hit, Match, Paper, Profile
from digest.text import Token, join_norm, tokenize

log = logging.getLogger(__name__)

FIELDS = ("title", "abstract")
TITLE, ABSTRACT = 0, 1

TITLE_WEIGHT = 4.0  # a title hit counts as much as this many abstract hits
K1 = 1.2  # BM25 saturation
B = (0.3, 0.9)  # length normalization per field
TYPICAL_LENGTH = (10.0, 200.0)  # fixed typical field lengths in words (not the listing's)
MIN_LENGTH_NORM = 0.5  # a short field can at most double its evidence
STEM_CREDIT = 0.5  # a related form ("optimizer" for "optimization")
NEAR_CREDIT = 0.3  # all words of a phrase within NEAR_WINDOW words, not as the phrase
APART_CREDIT = 0.05  # all words of a phrase in the field, far apart
NEAR_WINDOW = 6
RATE_PRIOR_STRENGTH = 100.0  # how many papers the background rate counts for
REFERENCE_RATE = 0.01  # a word in 1% of papers or fewer is fully specific
SPECIFICITY_POWER = 2.0  # sharpen the idf: specific words dominate common ones
COVERAGE_BONUS = 0.2  # per extra distinct interest matched
COVERAGE_MIN = 0.3  # an interest counts for coverage from this score on


@dataclass(frozen=True, slots=True)
class _Doc:
    """A paper's two fields, tokenized."""

    fields: tuple[list[Token], list[Token]]


@dataclass(frozen=True, slots=True)
class _QueryTerm:
    norm: str
    stem: str
    specificity: float


@dataclass(slots=True)
class _PhraseResult:
    """One interest phrase matched against every paper of the index."""

    row: int  # row of its scores in the index's score matrix
    hits: dict[int, tuple[tuple[int, int, int], ...]]  # doc -> (field, start, end)
    exact_docs: frozenset[int]  # docs with the phrase itself (used by exclusions)


def _saturate(x: float) -> float:
    return x * (K1 + 1.0) / (x + K1)


def _full() -> float:
    """The evidence that scores 1.0: once in the title and once in the abstract."""
    return _saturate(TITLE_WEIGHT + 1.0)


class PaperIndex:
    """An inverted index over a set of papers; build once, rank many profiles."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers: tuple[Paper, ...] = tuple(papers)
        self._ids = np.array([p.id for p in self.papers], dtype=np.int64)
        self._docs: list[_Doc] = []
        # norm / stem / joined pair -> {doc: [(field, position)]}
        self._norms: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(dict)
        self._stems: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(dict)
        self._pairs: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(dict)
        for d, paper in enumerate(self.papers):
            doc = _Doc((tokenize(paper.title), tokenize(paper.abstract)))
            self._docs.append(doc)
            for f, tokens in enumerate(doc.fields):
                for pos, tok in enumerate(tokens):
                    self._norms[tok.norm].setdefault(d, []).append((f, pos))
                    self._stems[tok.stem].setdefault(d, []).append((f, pos))
                    if tok.joined:
                        pair = join_norm([tokens[pos - 1].surface, tok.surface])
                        self._pairs[pair].setdefault(d, []).append((f, pos - 1))
        self._norms = dict(self._norms)
        self._stems = dict(self._stems)
        self._pairs = dict(self._pairs)
        self._phrases: dict[str, _PhraseResult | None] = {}
        self._by_key: dict[tuple[str, ...], _PhraseResult | None] = {}
        self._matrix = np.zeros((16, len(self.papers)), dtype=np.float64)
        self._rows = 0
        log.debug("indexed %d papers, %d distinct words", len(self.papers), len(self._norms))

    @classmethod
    def build(cls, papers: Sequence[Paper]) -> PaperIndex:
        """Index ``papers`` (a listing, or every unsent paper) for ranking."""
        return cls(papers)

    def __len__(self) -> int:
        return len(self.papers)

    # -- specificity --------------------------------------------------------------------

    def specificity(self, norm: str) -> float:
        """How specific a word is, in (0, 1]: an idf against a fixed background."""
        df = len(self._norms.get(norm, ())) + len(self._pairs.get(norm, ()))
        return self._specificity(df, background_rate(norm))

    def _specificity(self, df: int, prior_rate: float) -> float:
        """The idf of a rate estimated from the background, updated with this listing.

        The background counts as RATE_PRIOR_STRENGTH papers, so the estimate barely moves
        with the size of the listing. The paper being scored is left out of the count (a
        word is not common because the one paper that has it is in the listing), which
        keeps a small listing from making rare words look common. The idf is scaled so
        that REFERENCE_RATE gives 1.
        """
        others = max(len(self.papers) - 1, 0)
        rate = (max(df - 1, 0) + RATE_PRIOR_STRENGTH * prior_rate) / (others + RATE_PRIOR_STRENGTH)
        idf = math.log(1.0 / max(rate, 1e-9)) / math.log(1.0 / REFERENCE_RATE)
        return min(1.0, max(idf, 0.02)) ** SPECIFICITY_POWER

    # -- matching one phrase ------------------------------------------------------------

    def _phrase(self, phrase: str) -> _PhraseResult | None:
        """Match one interest phrase against every paper (cached)."""
        try:
            return self._phrases[phrase]
        except KeyError:
            pass
        tokens = tokenize(phrase)
        key = tuple(t.norm for t in tokens)
        if key in self._by_key:
            result = self._by_key[key]
        else:
            result = self._match_phrase(tokens) if tokens else None
            self._by_key[key] = result
        self._phrases[phrase] = result
        return result

    def _store_row(self, scores: np.ndarray) -> int:
        if self._rows == len(self._matrix):
            grown = np.zeros((2 * len(self._matrix), len(self.papers)), dtype=np.float64)
            grown[: self._rows] = self._matrix
            self._matrix = grown
        self._matrix[self._rows] = scores
        self._rows += 1
        return self._rows - 1

    def _match_phrase(self, tokens: list[Token]) -> _PhraseResult:
        terms = [_QueryTerm(t.norm, t.stem, self.specificity(t.norm)) for t in tokens]
        n = len(terms)
        joined = join_norm([t.surface for t in tokens]) if n > 1 else None
        candidates: set[int] = set()
        for t in terms:
            candidates.update(self._norms.get(t.norm, ()))
            candidates.update(self._stems.get(t.stem, ()))
        if n == 1:
            candidates.update(self._pairs.get(terms[0].norm, ()))
        if joined is not None:
            candidates.update(self._norms.get(joined, ()))
        full = _full()
        scores = np.zeros(len(self.papers), dtype=np.float64)
        hits: dict[int, tuple[tuple[int, int, int], ...]] = {}
        exact_docs: set[int] = set()
        for d in candidates:
            tf = [0.0, 0.0]
            doc_hits: list[tuple[int, int, int]] = []
            exact = False
            for f, field_tokens in enumerate(self._docs[d].fields):
                tf[f], exact_f, spans = self._field_evidence(terms, joined, field_tokens, d, f)
                exact = exact or exact_f
                doc_hits.extend((f, s, e) for s, e in spans)
            if exact:
                exact_docs.add(d)
            score = self._field_score(tf, self._docs[d]) / full
            if score > 0.0:
                scores[d] = score
                hits[d] = tuple(sorted(set(doc_hits)))
        if n == 1:
            scores *= terms[0].specificity
        else:  # the phrase's own rate: the background's words as if independent
            prior = math.prod(background_rate(t.norm) for t in terms)
            scores *= self._specificity(len(exact_docs), prior)
        return _PhraseResult(self._store_row(scores), hits, frozenset(exact_docs))

    def _field_evidence(
        self,
        terms: list[_QueryTerm],
        joined: str | None,
        tokens: list[Token],
        d: int,
        f: int,
    ) -> tuple[float, bool, list[tuple[int, int]]]:
        """Evidence of one phrase in one field: (term frequency, exact?, spans)."""
        n = len(terms)
        exact = related = 0
        spans: list[tuple[int, int]] = []
        for i in range(len(tokens) - n + 1):
            window = tokens[i : i + n]
            if any(not tok.joined for tok in window[1:]):
                continue
            if all(tok.norm == t.norm for tok, t in zip(window, terms, strict=True)):
                exact += 1
            elif all(_related(tok, t) for tok, t in zip(window, terms, strict=True)):
                related += 1
            else:
                continue
            spans.append((window[0].start, window[-1].end))
        for tok in tokens:  # "eventdriven" for "event driven"
            if joined is not None and tok.norm == joined:
                exact += 1
                spans.append((tok.start, tok.end))
        if n == 1:  # "event-driven" for "eventdriven"
            for i in range(1, len(tokens)):
                tok = tokens[i]
                if tok.joined and join_norm([tokens[i - 1].surface, tok.surface]) == terms[0].norm:
                    exact += 1
                    spans.append((tokens[i - 1].start, tok.end))
        tf = exact + STEM_CREDIT * related
        if tf == 0.0 and n > 1:
            tf, spans = _partial_evidence(terms, tokens)
        return tf, exact > 0, spans

    @staticmethod
    def _field_score(tf: list[float], doc: _Doc) -> float:
        x = 0.0
        for f, weight in ((TITLE, TITLE_WEIGHT), (ABSTRACT, 1.0)):
            if tf[f]:
                length = len(doc.fields[f]) / TYPICAL_LENGTH[f]
                x += weight * tf[f] / max(1.0 - B[f] + B[f] * length, MIN_LENGTH_NORM)
        return _saturate(x)

    # -- ranking ------------------------------------------------------------------------

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        """The papers that match ``profile``, best first (ties by paper id)."""
        if not self.papers or not profile.interests or (limit is not None and limit <= 0):
            return []
        results = [self._phrase(i.phrase) for i in profile.interests]
        used = [(i, r) for i, r in zip(profile.interests, results, strict=True) if r is not None]
        if not used:
            return []
        rows = [r.row for _, r in used]
        weights = np.array([i.weight for i, _ in used], dtype=np.float64)
        per_interest = self._matrix[rows] * weights[:, None]
        total = per_interest.sum(axis=0)
        covered = (self._matrix[rows] >= COVERAGE_MIN).sum(axis=0)
        total *= 1.0 + COVERAGE_BONUS * np.maximum(covered - 1, 0)
        for phrase in profile.exclude:
            excluded = self._phrase(phrase)
            if excluded is not None and excluded.exact_docs:
                total[list(excluded.exact_docs)] = 0.0
        order = _top(total, self._ids, max(profile.min_score, 0.0), limit)
        return [self._explain(int(d), float(total[d]), used, per_interest[:, d]) for d in order]

    def _explain(self, d: int, score: float, used: list, contributions: np.ndarray) -> Match:
        ranked = sorted(
            (i for i in range(len(used)) if contributions[i] > 0.0),
            key=lambda i: (-contributions[i], i),
        )
        keywords: list[str] = []
        hits: list[Hit] = []
        for i in ranked:
            interest, result = used[i]
            if interest.phrase in keywords:
                continue
            keywords.append(interest.phrase)
            hits.extend(Hit(interest.phrase, FIELDS[f], s, e) for f, s, e in result.hits.get(d, ()))
        hits.sort(key=lambda h: (h.field != "title", h.start, h.end, h.keyword))
        return Match(self.papers[d], score, tuple(keywords), tuple(hits))

    def keyword_matches(self, phrase: str) -> list[Match]:
        """Every paper one keyword matches, best first: for ``digest profile test``."""
        result = self._phrase(phrase)
        if result is None:
            return []
        scores = self._matrix[result.row]
        order = _top(scores, self._ids, 0.0, None)
        return [
            Match(
                self.papers[d],
                float(scores[d]),
                (phrase,),
                tuple(Hit(phrase, FIELDS[f], s, e) for f, s, e in result.hits.get(int(d), ())),
            )
            for d in order
        ]


def _related(tok: Token, term: _QueryTerm) -> bool:
    return tok.norm == term.norm or tok.stem == term.stem


def _partial_evidence(
    terms: list[_QueryTerm], tokens: list[Token]
) -> tuple[float, list[tuple[int, int]]]:
    """Credit for a phrase whose words appear in the field but not together."""
    positions: list[list[int]] = []
    credit = total = 0.0
    for t in terms:
        exact = [p for p, tok in enumerate(tokens) if tok.norm == t.norm]
        near = exact or [p for p, tok in enumerate(tokens) if _related(tok, t)]
        positions.append(near)
        total += t.specificity
        if exact:
            credit += t.specificity
        elif near:
            credit += STEM_CREDIT * t.specificity
    if credit == 0.0:
        return 0.0, []
    cover = credit / total
    found = [p for p in positions if p]
    if len(found) == len(terms) and _within(found, NEAR_WINDOW):
        factor = NEAR_CREDIT
    else:
        factor = APART_CREDIT
    spans = [(tokens[p].start, tokens[p].end) for ps in found for p in ps]
    return factor * cover * cover, spans


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


def _top(scores: np.ndarray, ids: np.ndarray, min_score: float, limit: int | None) -> np.ndarray:
    """Indices of the positive scores >= min_score, best first, ties by paper id."""
    candidates = np.flatnonzero((scores > 0.0) & (scores >= min_score))
    if limit is not None and len(candidates) > limit:
        values = scores[candidates]
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        candidates = candidates[values >= kth]  # keeps every tie at the boundary
    order = candidates[np.lexsort((ids[candidates], -scores[candidates]))]
    return order if limit is None else order[:limit]


def rank(papers: Sequence[Paper], profile: Profile, limit: int | None = None) -> list[Match]:
    """Rank ``papers`` for ``profile``; build a :class:`PaperIndex` to rank many profiles."""
    return PaperIndex.build(papers).rank(profile, limit)


def keyword_matches(papers: PaperIndex | Iterable[Paper], phrase: str) -> list[Match]:
    """The papers a single keyword matches, best first, with their hits."""
    index = papers if isinstance(papers, PaperIndex) else PaperIndex.build(list(papers))
    return index.keyword_matches(phrase)
