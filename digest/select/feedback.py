"""Learning from a reader's ratings: a per-reader linear model next to the keyword score.

Each reader's ratings ("more like this" = 1, "less like this" = -1, kept in the store) and
the papers their profile says they like (``like:``, by title) train a linear SVM
(scikit-learn's ``LinearSVC``, arxiv-sanity style) on the papers' features
(:mod:`digest.select.features`: tf-idf, and with semantic matching on, tf-idf and the
sentence embeddings side by side):

* positives: the papers liked, and the reader's interests as one more liked text (counted
  PROFILE_WEIGHT times), so what the reader wrote keeps counting next to what they rated;
* negatives: the papers rated down, and every other paper of the index (unrated papers are
  mostly not for the reader); the two classes are balanced by weight.

How it is added (docs/scoring.md, "Learning from ratings"): the model's margin is
standardized by its median and standard deviation over the papers it was fitted with (kept
with the model, so a paper scores the same in any listing), ``z``, and
``score + weight * clip(z / Z_FULL, -1, 1)``: a paper Z_FULL deviations above the typical
paper gains the full weight, one as far below loses it (papers unlike the liked ones sink a
little; a paper rated down is one negative among the unrated ones). With semantic matching
the saturation is smooth, ``weight * tanh(z / Z_SMOOTH)`` (:func:`saturate`). The weight is a rule,
not a per-reader fit: it grows with the reader's ratings,
``FEEDBACK_WEIGHT * n / (n + HALF_RATINGS)`` for ``n`` papers rated or liked, so the first
ratings nudge the keyword (and semantic) ranking and many ratings give the model as much
say as one clear interest. ``min_score`` applies to the sum, papers rated down are left
out, and a paper that owes at least half of its score to the model says "close to papers
you liked". A reader with no paper liked gets the ranking without the model.

The model is primal (a weight vector per reader), so many readers are scored with one
matrix product (:meth:`FeedbackRanker.rank_many`); it is refitted only when the reader's
ratings, likes or interests change (milliseconds: benchmarks/bench_feedback.py).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from digest.models import Match, Paper, Profile
from digest.select.features import CombinedFeatures, EmbeddingFeatures, TextFeatures, interests_text
from digest.select.matcher import PaperIndex, top

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 1.0  # the model's full say, in keyword units (one clear interest)
HALF_RATINGS = 5  # papers rated or liked at which the model has half its full say
LIKED = "close to papers you liked"  # the explanation shown beside the keywords
C = 0.1  # the SVM's inverse regularization
PROFILE_WEIGHT = 1.0  # the interests, as one liked text, count as this many liked papers
Z_FULL = 2.0  # standard deviations from the typical margin at which the full weight is added
Z_SMOOTH = 3.0  # with semantic matching: weight * tanh(z / Z_SMOOTH), no plateau (see _scale)
STACK = 1024  # readers whose model is applied in one matrix product

Features = TextFeatures | EmbeddingFeatures | CombinedFeatures


@dataclass(frozen=True)
class ReaderModel:
    """A reader's fitted model: a weight per feature, and the margin's standardization."""

    key: tuple  # the likes, dislikes and interests it was fitted on
    weights: np.ndarray  # float32, one per feature
    intercept: float
    center: float  # the median margin over the papers it was fitted with (the typical paper)
    scale: float  # the standard deviation of those margins
    weight: float  # the model's say: grows with the number of papers rated or liked


class FeedbackRanker:
    """A ranker (keywords, or keywords + semantic) plus each reader's model.

    ``base``: a :class:`PaperIndex`, or a :class:`digest.select.semantic.SemanticIndex`.
    ``ratings(user)``: paper id -> 1 or -1. ``papers_of(ids)``: the stored papers with
    these ids (rated papers outside the index, e.g. those of earlier digests).
    ``liked(titles)``: the stored papers of a profile's ``like:`` titles (Store.liked_papers: key
    -> ids), whichever listing they came in; those of the index are found without it.
    ``features``: default tf-idf of the index's papers (``make_features``: a function that
    makes them, called when a reader with a model is first ranked); ``models``: fitted models to start
    from (shared between rankers over the same features). ``weight``: the model's full say
    (default FEEDBACK_WEIGHT), reached gradually as ratings accumulate.
    """

    def __init__(
        self,
        base,
        ratings: Callable[[str], dict[int, int]],
        *,
        features: Features | None = None,
        make_features: Callable[[], Features] | None = None,
        papers_of: Callable[[Sequence[int]], list[Paper]] | None = None,
        liked: Callable[[tuple[str, ...]], dict[str, list[int]]] | None = None,
        weight: float | None = None,
        models: dict[str, ReaderModel | None] | None = None,
    ) -> None:
        self.base = base
        self.index: PaperIndex = base if isinstance(base, PaperIndex) else base.index
        self._ratings = ratings
        self._features = features
        self._make_features = make_features or (lambda: TextFeatures(self.index.papers))
        self._papers_of = papers_of or (lambda ids: [])
        self._liked = liked or (lambda titles: {})
        self.weight = FEEDBACK_WEIGHT if weight is None else weight
        self.models: dict[str, ReaderModel | None] = {} if models is None else models
        self._position = {pid: d for d, pid in enumerate(self.index.ids.tolist())}
        self.smooth = self.index is not base  # semantic matching on: a smooth saturation

    @property
    def papers(self):
        return self.index.papers

    @functools.cached_property
    def features(self) -> Features:
        """The papers' features (made when a reader with a model is first ranked: none for a
        reader who rated nothing, whose `digest rank` of a year of papers spares the tf-idf)."""
        return self._features if self._features is not None else self._make_features()

    @functools.cached_property
    def _rows(self):
        return _rows_for(self.features, self.index.papers)

    def preferences(self, profile: Profile) -> tuple[list[int], list[int]]:
        """(paper ids liked, paper ids rated down): ratings, then the profile's liked titles (the
        index's papers, then stored ones outside it: one store lookup, for a reader with likes,
        which finds a paper by a title it was listed under later too)."""
        from digest.store import title_key

        ratings = self._ratings(profile.user)
        up = sorted(pid for pid, r in ratings.items() if r > 0)
        down = sorted(pid for pid, r in ratings.items() if r < 0)
        if profile.likes:
            wanted = {title_key(t) for t in profile.likes}
            stored = {pid for ids in self._liked(profile.likes).values() for pid in ids}
            up += [  # by the title shown, or by one it was listed under later (the store's lookup)
                p.id
                for p in self.index.papers
                if (title_key(p.title) in wanted or p.id in stored) and p.id not in ratings
            ]
            up += sorted(pid for pid in stored if pid not in self._position and pid not in ratings)
        return up, down

    def fit(self, profile: Profile) -> ReaderModel | None:
        """The reader's model (refitted only when their ratings, likes or interests
        changed), or None when they like nothing."""
        return self._fitted(profile)[0]

    def _fitted(self, profile: Profile) -> tuple[ReaderModel | None, list[int]]:
        """:meth:`fit`'s model and the paper ids rated down, from one look at the reader's ratings
        and liked titles (:meth:`preferences`): a ranking needs both, and looks once."""
        up, down = self.preferences(profile)
        key = (tuple(up), tuple(down), interests_text(profile))
        cached = self.models.get(profile.user)
        if cached is not None and cached.key == key:
            return cached, down
        model = self._fit(key, up, down, profile) if up else None
        self.models[profile.user] = model
        return model, down

    def _fit(self, key: tuple, up: list[int], down: list[int], profile: Profile) -> ReaderModel | None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC

        rated = set(up) | set(down)
        negatives = [d for d, pid in enumerate(self.index.ids.tolist()) if pid not in rated]
        liked, disliked = self._features_of(up), self._features_of(down)
        parts = [liked, self.features.profile(profile), disliked, self._rows[negatives]]
        y = np.array([1] * (liked.shape[0] + 1) + [0] * (disliked.shape[0] + len(negatives)))
        if y.all():
            return None  # nothing to tell the liked papers from
        w = np.ones(len(y))
        w[liked.shape[0]] = PROFILE_WEIGHT
        positive = y == 1
        w[positive] /= w[positive].sum()  # balanced classes
        w[~positive] /= w[~positive].sum()
        w *= len(y) / 2
        svm = LinearSVC(C=C, loss="hinge", dual=True, max_iter=5000, random_state=0)
        with warnings.catch_warnings():  # a few iterations short of the optimum rank the same
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(_stack(parts), y, sample_weight=w)
        weights = svm.coef_.ravel().astype(np.float32)
        intercept = float(svm.intercept_[0])
        margins = _dot(self._rows, weights) + intercept
        std = float(margins.std()) or 1.0
        say = self.weight * say_of(len(up) + len(down))
        return ReaderModel(key, weights, intercept, float(np.median(margins)), std, say)

    def _features_of(self, ids: list[int]):
        inside = [self._position[pid] for pid in ids if pid in self._position]
        outside = [pid for pid in ids if pid not in self._position]
        rows = self._rows[inside]
        if outside:
            found = self._papers_of(outside)
            if found:
                rows = _stack([rows, self.features.of(found)])
        return rows

    def affinity(self, profile: Profile) -> np.ndarray | None:
        """What the reader's model adds to every paper of the index (0..weight), or None."""
        return self._affinity(self.fit(profile))

    def _affinity(self, model: ReaderModel | None) -> np.ndarray | None:
        if model is None:
            return None
        return self._scale(_dot(self._rows, model.weights), model)

    def _scale(self, margins: np.ndarray, model: ReaderModel) -> np.ndarray:
        z = (margins + (model.intercept - model.center)) / model.scale
        return model.weight * saturate(z, smooth=self.smooth)

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        """Like :meth:`PaperIndex.rank`, with the reader's model added to the score."""
        if limit is not None and limit <= 0:
            return []
        model, disliked = self._fitted(profile)  # one look at the reader's ratings and likes
        affinity = self._affinity(model)
        down = [self._position[pid] for pid in disliked if pid in self._position]
        if affinity is None and not down:
            return self.base.rank(profile, limit)
        scored, total = self._base_scores(profile)
        if scored is None and affinity is None:
            return []
        total = np.zeros(len(self.index.papers)) if total is None else total.copy()
        if affinity is not None:
            keep = np.ones(len(total), dtype=bool) if scored is None else ~scored.excluded
            total[keep] += affinity[keep]
        total[down] = 0.0
        order = top(total, self.index.ties, profile.min_score, limit)
        if scored is None:
            matches = [Match(self.index.papers[d], float(total[d]), ()) for d in order.tolist()]
        else:
            matches = self._explain(profile, scored, order, total)
        if affinity is None:
            return matches
        return [_liked(m, float(affinity[d])) for m, d in zip(matches, order.tolist(), strict=True)]

    def _base_scores(self, profile: Profile):
        if isinstance(self.base, PaperIndex):
            scored = self.index.score(profile)
            return scored, None if scored is None else scored.total
        return self.base.blend(profile)

    def _explain(self, profile: Profile, scored, order: np.ndarray, total: np.ndarray) -> list[Match]:
        if isinstance(self.base, PaperIndex):
            return self.index.explain(scored, order, total)
        return self.base.explain(profile, scored, order, total)

    def rank_many(
        self,
        profiles: Sequence[Profile],
        limit: int | None | Sequence[int | None] = None,
        skip: Sequence[Collection[int]] | None = None,
    ) -> list[list[Match]]:
        """``[self.rank(p, limit) for p in profiles]`` minus the papers in ``skip``, with the
        keyword ranking of all readers at once (:func:`digest.select.batch.rank_many`) and
        every model applied as one matrix product per stack of readers."""
        n = len(profiles)
        limits = list(limit) if isinstance(limit, Sequence) else [limit] * n
        skip = [set(s) for s in skip] if skip is not None else [set() for _ in range(n)]
        if not isinstance(self.base, PaperIndex):  # the semantic blend ranks one reader at a time
            return [
                [m for m in self.rank(p) if m.paper.id not in s][:k] if k is None or k > 0 else []
                for p, k, s in zip(profiles, limits, skip, strict=True)
            ]
        from digest.select.batch import rank_many

        fitted = [self._fitted(p) for p in profiles]
        models = [model for model, _ in fitted]
        for i, (_, disliked) in enumerate(fitted):
            skip[i] |= set(disliked)
        affinities: dict[int, np.ndarray] = {}

        def extra(stack: list[int]) -> np.ndarray | None:
            fitted = [(r, i) for r, i in enumerate(stack) if models[i] is not None]
            if not fitted:
                return None
            out = np.zeros((len(stack), len(self.index.papers)))
            for start in range(0, len(fitted), STACK):
                part = fitted[start : start + STACK]
                weights = np.stack([models[i].weights for _, i in part])  # readers x features
                margins = _dot(self._rows, weights.T).T  # readers x papers: one product
                shift = np.array([[models[i].intercept - models[i].center] for _, i in part])
                scale = np.array([[models[i].scale] for _, i in part])
                say = np.array([[models[i].weight] for _, i in part])
                rows = [r for r, _ in part]
                out[rows] = say * saturate((margins + shift) / scale, smooth=False)
            for r, i in fitted:
                affinities[i] = out[r]
            return out

        results = rank_many(self.index, profiles, limits, skip, extra=extra)
        for i, matches in enumerate(results):
            if models[i] is not None and i not in affinities and (limits[i] is None or limits[i] > 0):
                # no interest of theirs matches anything here: the model alone
                ranked = [m for m in self.rank(profiles[i]) if m.paper.id not in skip[i]]
                results[i] = ranked[: limits[i]]
            elif i in affinities:
                position, affinity = self._position, affinities[i]
                results[i] = [_liked(m, float(affinity[position[m.paper.id]])) for m in matches]
        return results


def say_of(rated: int) -> float:
    """The share of its full weight a model fitted on ``rated`` papers (rated or liked) gets:
    1/2 at HALF_RATINGS, 2/3 at twice that, approaching 1."""
    return rated / (rated + HALF_RATINGS)


def saturate(z: np.ndarray, *, smooth: bool) -> np.ndarray:
    """The model's standardized margin ``z`` as a share of its say, in [-1, 1].

    Keywords only: ``clip(z / Z_FULL, -1, 1)``, every paper Z_FULL deviations above the
    typical one gains the full say. With semantic matching: ``tanh(z / Z_SMOOTH)``, no
    plateau, so the model still orders the papers it likes most (the embeddings tell them
    apart where tf-idf alone does not); chosen leaving readers out (docs/scoring.md).
    """
    if smooth:
        return np.tanh(z / Z_SMOOTH)
    return np.clip(z / Z_FULL, -1.0, 1.0)


def _rows_for(features: Features, papers: Sequence[Paper]):
    """The features' rows for the index's papers (the features may be of more papers)."""
    if features.ids == [p.id for p in papers]:
        return features.matrix
    where = {pid: r for r, pid in enumerate(features.ids)}
    if all(p.id in where for p in papers):
        return features.matrix[[where[p.id] for p in papers]]
    return features.of(papers)


def _stack(parts: list):
    from scipy.sparse import issparse, vstack

    if any(issparse(p) for p in parts):
        return vstack(parts).tocsr()
    return np.vstack(parts)


def _dot(rows, weights: np.ndarray) -> np.ndarray:
    """rows @ weights as a dense array (rows sparse or dense)."""
    return np.asarray(rows @ weights, dtype=np.float64)


def _liked(match: Match, affinity: float) -> Match:
    """The match, with "close to papers you liked" among its reasons when the model gave at
    least half of its score."""
    if affinity < 0.5 * match.score or LIKED in match.keywords:
        return match
    return Match(match.paper, match.score, (*match.keywords, LIKED), match.hits)
