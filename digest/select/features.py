"""What the per-reader model (:mod:`digest.select.feedback`) sees of a paper: its features.

Two feature spaces, one per ranking mode:

* :class:`TextFeatures` (keywords only): tf-idf of title and abstract, words only
  (scikit-learn's ``TfidfVectorizer``: sublinear tf, English stop words left out). The
  vocabulary and idf come from the papers the ranker is built on; other papers (rated
  in earlier digests, or the day's new ones) are put in the same space.
* :class:`CombinedFeatures` (semantic matching on): the tf-idf row and the paper's
  unit-length sentence embedding (:class:`EmbeddingFeatures`, the ones the semantic blend
  uses) side by side, both of length 1: the model learns from the words a reader's papers
  share and from what they are about, in whatever words.

Both put the reader's interests in the same space (:meth:`profile`), as one text: the
model takes them as one more liked "paper", so what the reader wrote still counts.

The models keep their weights as float32 (a stack of thousands of readers stays small).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from digest.models import Paper, Profile

log = logging.getLogger(__name__)


def paper_text(paper: Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def interests_text(profile: Profile) -> str:
    """The interests as one text, heaviest first (what the semantic blend embeds, too)."""
    return ", ".join(i.phrase for i in sorted(profile.interests, key=lambda i: -i.weight))


class TextFeatures:
    """tf-idf of title + abstract; vocabulary and idf from ``papers``."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
        texts = [paper_text(p) for p in papers]
        try:
            self.matrix = self._vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no word at all (only stop words, or no papers): an empty space
            self._vectorizer = None
            self.matrix = _empty(len(papers))
        self.ids = [p.id for p in papers]

    @property
    def dimension(self) -> int:
        return self.matrix.shape[1]

    def of(self, papers: Sequence[Paper]):
        """Rows for ``papers`` (a sparse matrix)."""
        if self._vectorizer is None:
            return _empty(len(papers))
        return self._vectorizer.transform([paper_text(p) for p in papers]).tocsr()

    def profile(self, profile: Profile):
        if self._vectorizer is None:
            return _empty(1)
        return self._vectorizer.transform([interests_text(profile)]).tocsr()


class EmbeddingFeatures:
    """Unit-length sentence embeddings (rows of ``vectors`` for ``papers``).

    ``lookup`` gives the embeddings of other papers (stored ones, or computed);
    ``embed_text`` embeds the interests' text.
    """

    def __init__(
        self,
        papers: Sequence[Paper],
        vectors: np.ndarray,
        lookup: Callable[[Sequence[Paper]], np.ndarray],
        embed_text: Callable[[str], np.ndarray],
    ) -> None:
        self.matrix = np.asarray(vectors, dtype=np.float32)
        self.ids = [p.id for p in papers]
        self._lookup = lookup
        self._embed_text = embed_text

    @property
    def dimension(self) -> int:
        return self.matrix.shape[1]

    def of(self, papers: Sequence[Paper]) -> np.ndarray:
        if not papers:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._lookup(papers), dtype=np.float32)

    def profile(self, profile: Profile) -> np.ndarray:
        return np.asarray(self._embed_text(interests_text(profile)), dtype=np.float32)[None, :]


def _empty(rows: int):
    from scipy.sparse import csr_matrix

    return csr_matrix((rows, 1), dtype=np.float32)


class CombinedFeatures:
    """Several feature spaces side by side (tf-idf and embeddings): one sparse row per paper."""

    def __init__(self, *parts: TextFeatures | EmbeddingFeatures) -> None:
        from scipy.sparse import csr_matrix, hstack

        self.parts = parts
        self.ids = parts[0].ids
        if any(part.ids != self.ids for part in parts):
            raise ValueError("CombinedFeatures: the parts must be of the same papers")
        self.matrix = hstack([csr_matrix(part.matrix) for part in parts]).tocsr()

    @property
    def dimension(self) -> int:
        return self.matrix.shape[1]

    def of(self, papers: Sequence[Paper]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(part.of(papers)) for part in self.parts]).tocsr()

    def profile(self, profile: Profile):
        from scipy.sparse import csr_matrix, hstack

        return hstack([csr_matrix(part.profile(profile)) for part in self.parts]).tocsr()
