"""Which ranker a run uses: the keyword index, or the keyword index blended with embeddings
when ``semantic:`` is on. Paper embeddings are computed once per model and kept in the store."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from digest.config import Config, SemanticConfig
from digest.models import Match, Paper, Profile
from digest.select.embedding_lock import EmbeddingsStopped, making_embeddings, stop_asked
from digest.select.matcher import CollectionCounts, PaperIndex
from digest.store import Store

log = logging.getLogger(__name__)

_MODELS: dict[str, object] = {}  # one loaded model per process and model
# papers embedded and stored at a time: a stop (SIGTERM, Ctrl-C) is acted on between two batches
# (some 8 s each on a busy 2-CPU machine), what was made before it kept; the model's own batches are 32
BATCH = 64


class Ranker(Protocol):
    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]: ...


def embedder_for(semantic: SemanticConfig, store: Store | None = None):  # -> digest.semantic.Embedder
    """An embedder for ``semantic``'s model, which loads it (once per process) only when some
    paper or text has no stored embedding; with ``store``, the embeddings of readers' texts are
    looked up there first and kept there."""
    from digest.select.semantic import Embedder, load_model

    def model():  # -> SentenceModel
        if semantic.key not in _MODELS:
            if stop_asked():  # loading takes 10 s and more: not begun once the process is stopping
                raise EmbeddingsStopped(
                    f"stopping: the embedding model {semantic.key} is not loaded, nothing was embedded; "
                    "the next pass or send makes the embeddings"
                )
            _MODELS[semantic.key] = load_model(semantic.model)
            if stop_asked():  # asked while it loaded: kept loaded, nothing embedded
                raise EmbeddingsStopped(
                    f"stopping: the embedding model {semantic.key} is loaded, nothing was embedded with it; "
                    "the next pass or send makes the embeddings"
                )
        return _MODELS[semantic.key]

    cache = StoredTexts(store, semantic.key) if store is not None else None
    return Embedder(_MODELS.get(semantic.key), loader=model, cache=cache)  # type: ignore[arg-type]


class StoredTexts:
    """Embeddings of readers' texts kept in the store, per model (semantic.TextCache)."""

    def __init__(self, store: Store, key: str) -> None:
        self.store = store
        self.key = key

    def load(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found = self.store.text_embeddings(self.key, texts)
        return {text: np.frombuffer(blob, dtype="<f4") for text, blob in found.items()}

    def save(self, vectors: Mapping[str, np.ndarray]) -> None:
        if self.store.keeps_embeddings("text_embeddings"):
            blobs = {t: (len(v), np.asarray(v, dtype="<f4").tobytes()) for t, v in vectors.items()}
            self.store.save_text_embeddings(self.key, blobs)

    def making(self) -> AbstractContextManager[None]:
        """Held while texts missing here are made and kept (digest.select.embedding_lock)."""
        return making_embeddings(self.store, self.key, "text_embeddings")


def build_index(
    store: Store,
    papers: Sequence[Paper],
    config: Config | None = None,
    embedder: object | None = None,
    counts: CollectionCounts | None = None,
    likes: bool = False,
) -> PaperIndex | Ranker:
    """A keyword index of ``papers``; with semantic matching on, blended with their embeddings
    (stored ones reused, missing ones computed now and stored).

    ``counts``: the collection the specificities come from (select.collection.CollectionStats
    for a window of the archive); default: ``papers`` themselves. ``likes``: some reader to be
    ranked lists titles they like (``like:``), so readers' models are wanted before any rating.
    """
    semantic = config.semantic if config is not None else None
    learn = likes or store.has_preferences()  # some reader liked or rated papers: learn from them
    if semantic is None and embedder is None:
        index = PaperIndex.build(papers, counts)
        if learn:
            from digest.select.feedback import FeedbackRanker

            return FeedbackRanker(index, store.ratings, papers_of=store.papers, liked=store.liked_papers)
        return index
    from digest.select.semantic import SemanticIndex

    key = semantic.key if semantic is not None else "injected"
    embedder = embedder or embedder_for(semantic, store)  # type: ignore[arg-type]
    stored = _embeddings(store, key, papers, embedder)
    blended = SemanticIndex(PaperIndex.build(papers, counts), embedder, stored)  # type: ignore[arg-type]
    if not learn:
        return blended
    from digest.select.features import CombinedFeatures, EmbeddingFeatures, TextFeatures
    from digest.select.feedback import FeedbackRanker

    def lookup(others: Sequence[Paper]) -> np.ndarray:
        found = _embeddings(store, key, others, embedder)
        return np.stack([found[p.id] for p in others])

    def embed_text(text: str) -> np.ndarray:
        return embedder.embed_phrases([text])[0]  # type: ignore[attr-defined]

    def features() -> CombinedFeatures:  # made for the first reader with a model only
        embeddings = EmbeddingFeatures(papers, blended.vectors, lookup, embed_text)
        return CombinedFeatures(TextFeatures(papers), embeddings)

    return FeedbackRanker(
        blended, store.ratings, make_features=features, papers_of=store.papers, liked=store.liked_papers
    )


def _embeddings(store: Store, key: str, papers: Sequence[Paper], embedder: object) -> dict[int, np.ndarray]:
    """The papers' embeddings: stored ones reused, missing ones computed now and stored, by one
    process of the database at a time (another one making them meanwhile is waited for, and what
    it stored read: digest.select.embedding_lock)."""
    stored = _stored(store, key, papers)
    if len(stored) == len(papers):
        return stored
    with making_embeddings(store, key, "embeddings"):
        stored.update(_stored(store, key, [p for p in papers if p.id not in stored]))
        missing = [p for p in papers if p.id not in stored]
        if missing:
            log.info("embedding %d new papers with %s", len(missing), key)
            stored.update(_made(store, key, missing, embedder))
    return stored


def _made(store: Store, key: str, missing: Sequence[Paper], embedder: object) -> dict[int, np.ndarray]:
    """The embeddings of ``missing``, made and stored :data:`BATCH` papers at a time, each batch in
    a transaction of its own; a stop asked (the daemon's SIGTERM: digest.select.embedding_lock's
    ``stopping``) ends it before the next batch, or before the first (the model not loaded yet),
    with :class:`EmbeddingsStopped`: what was stored stays; the next pass or command makes the rest.
    A stop asked during the last batch lets it finish, then ends the work the same way (the pass
    stops there: no digest is made), its words saying every paper is embedded.
    The packaged model gives a paper the same vector, bit for bit, in one batch or in many (so
    the rankings are those of papers embedded all at once: checked on the 286 papers of the dumps)."""
    keep = store.keeps_embeddings()
    made: dict[int, np.ndarray] = {}
    for start in range(0, len(missing), BATCH):
        if stop_asked():
            done, left = len(made), len(missing) - len(made)
            said = f"{done} of the {len(missing)} new papers are embedded ({key}) and kept" if made else ""
            said = said or f"none of the {len(missing)} new papers is embedded yet ({key})"
            raise EmbeddingsStopped(
                f"stopping: {said}; the next pass or send embeds {f'the other {left}' if made else 'them'}"
            )
        batch = missing[start : start + BATCH]
        fresh = embedder.embed_papers(batch)  # type: ignore[attr-defined]
        if keep:
            store.save_embeddings(  # not of a paper merged or changed meanwhile (by an ingest)
                key,
                {pid: (len(v), np.asarray(v, dtype="<f4").tobytes()) for pid, v in fresh.items()},
                texts={p.id: (p.title, p.abstract) for p in batch},
            )
        made.update(fresh)
    if stop_asked():  # asked during the last batch: made and kept, but the pass goes no further
        raise EmbeddingsStopped(
            f"stopping: the {len(missing)} new papers are embedded ({key}) and kept, but no digest is "
            "made; the next pass or send makes the digests"
        )
    return made


def _stored(store: Store, key: str, papers: Sequence[Paper]) -> dict[int, np.ndarray]:
    return {
        pid: np.frombuffer(blob, dtype="<f4")
        for pid, blob in store.embeddings(key, (p.id for p in papers)).items()
    }


def keyword_index(index: PaperIndex | Ranker) -> PaperIndex:
    """The keyword part of a ranker (for single-keyword trials)."""
    return index if isinstance(index, PaperIndex) else index.index  # type: ignore[attr-defined]
