"""Learning from a reader's ratings: a per-reader linear model next to the keyword score.

Each reader's ratings ("more like this" = 1, "less like this" = -1, kept in the store) and
the papers their profile says they like (``like:``, by title) train a linear SVM on tf-idf
features of title + abstract (arxiv-sanity style; see :class:`FeedbackRanker`). Its margin,
scaled to [0, FEEDBACK_WEIGHT] over the index, is added to the keyword score, so a paper no
keyword reaches can enter through what the reader liked; ``min_score`` applies to the sum,
and the explanation says "close to papers you liked". Papers rated down are left out. A
reader with nothing liked gets the keyword ranking unchanged.

The model is refitted on demand when the reader's ratings change (milliseconds: see
benchmarks/bench_feedback.py), so a rating shows in the next `rank`, `preview` or digest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from digest.models import Match, Paper, Profile
from digest.select.matcher import PaperIndex, top

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 4.0  # the paper most like the liked ones counts as much as this many clear interests
LIKED = "close to papers you liked"  # the explanation shown beside the keywords
C = 0.1  # the SVM's inverse regularization
NEGATIVES = 200  # papers of the index every reader's model takes as negatives


@dataclass(frozen=True)
class ReaderModel:
    """A reader's fitted model, in dual form: paper positions in the index, their weights."""

    key: tuple[tuple[int, int], ...]  # the ratings and likes it was fitted on
    support: np.ndarray  # index positions of the support papers
    coefs: np.ndarray  # their dual coefficients
    intercept: float
    outside: tuple[tuple[int, int], ...] = ()  # ratings of papers not in the index (id, rating)
    outside_x: Any = None  # tf-idf rows of those among the support papers, or None
    outside_coefs: np.ndarray | None = None  # their dual coefficients


class FeedbackRanker:
    """The keyword index, plus each reader's model from their ratings and likes.

    The model is a linear SVM on tf-idf features of title + abstract, fitted in dual form on
    a precomputed kernel (scikit-learn's SVC): the papers the reader liked are the positives;
    the negatives are the papers they rated down and a fixed sample of NEGATIVES papers of
    the index (the same for every reader, so their similarities to every paper are computed
    once). Fitting is a few hundred dot products and a tiny SVM; the fitted model is kept
    per reader until their ratings change.
    """

    def __init__(
        self,
        index: PaperIndex,
        ratings: Callable[[str], dict[int, int]],
        lookup: Callable[[Iterable[int]], list[Paper]] | None = None,
    ) -> None:
        """``lookup`` (e.g. Store.papers) finds rated papers outside the index: a reader rates
        the papers of a digest already sent, and the next digest is ranked from newer ones."""
        self.index = index
        self._ratings = ratings
        self._lookup = lookup
        self._vectorizer: Any = None
        self._outside_rows: dict[int, Any] = {}  # tf-idf rows of rated papers outside the index
        self._features = None
        self._transposed = None
        self._position = {pid: d for d, pid in enumerate(index.ids.tolist())}
        self._models: dict[str, ReaderModel | None] = {}
        n = len(index.papers)
        self._negatives = np.arange(0, n, max(n // NEGATIVES, 1))[:NEGATIVES]
        self._negative_kernel: np.ndarray | None = None  # negatives x every paper

    @property
    def papers(self):
        return self.index.papers

    def features(self):
        """tf-idf of every paper's title and abstract (rows in index order), built once."""
        if self._features is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            texts = [f"{p.title}. {p.abstract}" for p in self.index.papers]
            vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
            self._features = vectorizer.fit_transform(texts).tocsr()
            self._vectorizer = vectorizer
            self._transposed = self._features.T.tocsr()
        return self._features

    def _kernel(self, rows: np.ndarray) -> np.ndarray:
        """Similarities of the papers at ``rows`` to every paper (dense, rows x papers)."""
        if self._negative_kernel is None:
            x = self.features()
            self._negative_kernel = (x[self._negatives] @ self._transposed).toarray()
        where = {int(d): i for i, d in enumerate(self._negatives.tolist())}
        out = np.empty((len(rows), len(self.index.papers)))
        others = [i for i, d in enumerate(rows.tolist()) if d not in where]
        for i, d in enumerate(rows.tolist()):
            if d in where:
                out[i] = self._negative_kernel[where[d]]
        if others:
            x = self.features()
            out[others] = (x[rows[others]] @ self._transposed).toarray()
        return out

    def preferences(self, profile: Profile) -> tuple[list[int], list[int]]:
        """(positions liked, positions rated down): ratings, then the profile's liked titles."""
        from digest.store import title_key

        ratings = self._ratings(profile.user)
        up = [self._position[pid] for pid, r in ratings.items() if r > 0 and pid in self._position]
        down = [self._position[pid] for pid, r in ratings.items() if r < 0 and pid in self._position]
        if profile.likes:
            wanted = {title_key(t) for t in profile.likes}
            up += [d for d, p in enumerate(self.index.papers) if title_key(p.title) in wanted and d not in up]
        return sorted(up), sorted(down)

    def outside(self, profile: Profile) -> tuple[tuple[int, int], ...]:
        """The reader's ratings of papers not in the index, as (paper id, rating), when the
        ranker can look them up."""
        if self._lookup is None:
            return ()
        ratings = self._ratings(profile.user).items()
        return tuple(sorted((p, r) for p, r in ratings if p not in self._position))

    def _vectorize_outside(self, ids: list[int]) -> None:
        """The tf-idf rows of these papers outside the index, looked up and computed once per
        ranker (readers rate the same papers of the same digests)."""
        missing = [p for p in ids if p not in self._outside_rows]
        if not missing or self._lookup is None:
            return
        papers = self._lookup(missing)
        if papers:
            rows = self._vectorizer.transform([f"{p.title}. {p.abstract}" for p in papers]).tocsr()
            for i, paper in enumerate(papers):
                self._outside_rows[paper.id] = rows[i]

    def fit(self, profile: Profile) -> ReaderModel | None:
        """The reader's model (refitted only when their ratings or likes changed), or None."""
        up, down = self.preferences(profile)
        key = tuple((d, 1) for d in up) + tuple((d, -1) for d in down)
        outside = self.outside(profile)
        cached = self._models.get(profile.user)
        if cached is not None and cached.key == key and cached.outside == outside:
            return cached
        if not up and not any(r > 0 for _, r in outside):
            self._models.pop(profile.user, None)
            return None
        from scipy.sparse import vstack
        from sklearn.svm import SVC

        rated = set(up) | set(down)
        negatives = [d for d in self._negatives.tolist() if d not in rated]
        rows = np.array(up + down + negatives, dtype=np.intp)
        x = self.features()[rows]
        self._vectorize_outside([p for p, _ in outside])
        outside = tuple((p, r) for p, r in outside if p in self._outside_rows)  # a paper gone: not counted
        labels = np.array([1] * len(up) + [0] * (len(rows) - len(up)) + [int(r > 0) for _, r in outside])
        if len(set(labels.tolist())) < 2:
            return None
        if outside:
            x_out = vstack([self._outside_rows[p] for p, _ in outside]).tocsr()
            x = vstack([x, x_out]).tocsr()
        gram = (x @ x.T).toarray()
        svm = SVC(kernel="precomputed", C=C, class_weight="balanced").fit(gram, labels)
        coefs, support = svm.dual_coef_.ravel(), svm.support_
        inside = support < len(rows)
        extra: tuple[Any, np.ndarray | None] = (None, None)
        if not inside.all():  # support papers outside the index: their rows are kept
            extra = (x_out[support[~inside] - len(rows)], coefs[~inside])
        intercept = float(svm.intercept_[0])
        model = ReaderModel(key, rows[support[inside]], coefs[inside], intercept, outside, *extra)
        self._models[profile.user] = model
        return model

    def affinity(self, profile: Profile) -> tuple[np.ndarray | None, list[int]]:
        """The model's score of every paper (its margin scaled to [0, FEEDBACK_WEIGHT]), or None;
        and the positions rated down."""
        model = self.fit(profile)
        down = [d for d, r in (model.key if model else ()) if r < 0]
        if model is None:
            down = self.preferences(profile)[1]
            return None, down
        margin = model.coefs @ self._kernel(model.support) + model.intercept
        if model.outside_x is not None:  # support papers outside the index
            margin += model.outside_coefs @ (model.outside_x @ self._transposed).toarray()
        low, high = float(margin.min()), float(margin.max())
        return FEEDBACK_WEIGHT * (margin - low) / max(high - low, 1e-12), down

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        """Like :meth:`PaperIndex.rank`, with the reader's model added to the keyword score."""
        if limit is not None and limit <= 0:
            return []
        affinity, down = self.affinity(profile)
        if affinity is None and not down:
            return self.index.rank(profile, limit)
        scored = self.index.score(profile)
        if scored is None and affinity is None:
            return []
        total = np.zeros(len(self.index.papers)) if scored is None else scored.total.copy()
        if affinity is not None:
            keep = np.ones(len(total), dtype=bool) if scored is None else ~scored.excluded
            total[keep] += affinity[keep]
        total[down] = 0.0
        order = top(total, self.index.ids, profile.min_score, limit)
        if scored is None:
            matches = [Match(self.index.papers[d], float(total[d]), ()) for d in order.tolist()]
        else:
            matches = self.index.explain(scored, order, total)
        if affinity is None:
            return matches
        return [_liked(m, float(affinity[d])) for m, d in zip(matches, order.tolist(), strict=True)]


def _liked(match: Match, affinity: float) -> Match:
    """The match, with "close to papers you liked" among its reasons when the model gave at
    least half of its score."""
    if affinity < 0.5 * match.score:  # the keywords explain most of it
        return match
    return Match(match.paper, match.score, (*match.keywords, LIKED), match.hits)
