"""Learning from a reader's ratings: a per-reader linear model next to the keyword score.

Each reader's ratings ("more like this" = 1, "less like this" = -1, kept in the store) and
the papers their profile says they like (``like:``, by title) train a linear SVM
(scikit-learn's LinearSVC) on tf-idf features of title + abstract, arxiv-sanity style: the
papers the reader liked are the positives, every other paper of the index a negative (the
ones they rated down among them). Its margin, scaled to [0, FEEDBACK_WEIGHT] over the
index, is added to the keyword score, so a paper no keyword reaches can enter through what
the reader liked; ``min_score`` applies to the sum. Papers rated down are left out. A reader
with nothing liked gets the keyword ranking unchanged.

The tf-idf matrix is built once per index; fitting one reader's model takes a few
milliseconds for a few thousand papers, so it is refitted on demand: a rating shows in the
next `rank`, `preview` or digest at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from digest.models import Match, Profile
from digest.select.matcher import PaperIndex, top

log = logging.getLogger(__name__)

FEEDBACK_WEIGHT = 4.0  # the paper most like the liked ones counts as much as this many clear interests
LIKED = "close to papers you liked"  # the explanation shown beside the keywords
C = 0.1  # the SVM's inverse regularization


class FeedbackRanker:
    """The keyword index, plus each reader's model from their ratings and likes."""

    def __init__(self, index: PaperIndex, ratings: Callable[[str], dict[int, int]]) -> None:
        self.index = index
        self._ratings = ratings
        self._features = None
        self._position = {pid: d for d, pid in enumerate(index.ids.tolist())}

    @property
    def papers(self):
        return self.index.papers

    def features(self):
        """tf-idf of every paper's title and abstract (rows in index order), built once."""
        if self._features is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            texts = [f"{p.title}. {p.abstract}" for p in self.index.papers]
            vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
            self._features = vectorizer.fit_transform(texts)
        return self._features

    def preferences(self, profile: Profile) -> tuple[list[int], list[int]]:
        """(positions liked, positions rated down): ratings, then the profile's liked titles."""
        from digest.store import title_key

        ratings = self._ratings(profile.user)
        up = [self._position[pid] for pid, r in ratings.items() if r > 0 and pid in self._position]
        down = [self._position[pid] for pid, r in ratings.items() if r < 0 and pid in self._position]
        if profile.likes:
            wanted = {title_key(t) for t in profile.likes}
            up += [d for d, p in enumerate(self.index.papers) if title_key(p.title) in wanted and d not in up]
        return up, down

    def affinity(self, profile: Profile) -> tuple[np.ndarray | None, list[int]]:
        """The model's score of every paper (its margin scaled to [0, FEEDBACK_WEIGHT]), or None;
        and the positions rated down."""
        up, down = self.preferences(profile)
        n = len(self.index.papers)
        if not up or len(up) == n:
            return None, down
        from sklearn.svm import LinearSVC

        y = np.zeros(n, dtype=np.int8)
        y[up] = 1
        features = self.features()
        model = LinearSVC(C=C, class_weight="balanced")
        margin = model.fit(features, y).decision_function(features)
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
