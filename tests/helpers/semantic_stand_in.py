"""A deterministic stand-in for a sentence-transformers model (BagOfWordsModel: a few words taken as
synonyms), ada's profile of phrases and three papers, stored as `digest ingest` would: what the tests
of semantic matching rank without the model."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np

from digest.models import Interest, Paper, Profile

DAY = dt.date(2024, 3, 14)
FILLER = "We consider a problem and propose a method that improves over baselines. " * 4
# Words the stand-in model takes as synonyms of each other.
TOPICS = {"spiking": "neuro", "neuromorphic": "neuro", "snn": "neuro", "brain": "neuro"}


class BagOfWordsModel:
    """A deterministic stand-in for a sentence-transformers model."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, sentences, **kwargs):
        self.calls += len(sentences)
        out = np.zeros((len(sentences), 64), dtype=np.float32)
        for i, text in enumerate(sentences):
            for word in re.findall(r"\w+", text.lower()):
                if word in TOPICS:
                    out[i, zlib.crc32(TOPICS[word].encode()) % 64] += 3.0
            out[i, 63] += 0.1
        return out


def paper(pid: int, title: str, abstract: str = FILLER) -> Paper:
    return Paper(pid, title, abstract, DAY)


def profile(*phrases: str, exclude=(), min_score=0.0) -> Profile:
    return Profile(
        "ada",
        "ada@example.org",
        tuple(Interest(p) for p in phrases),
        exclude=tuple(exclude),
        min_score=min_score,
    )


PAPERS = [
    paper(1, "Spiking networks for audio"),
    paper(2, "Neuromorphic chips", "Event cameras on neuromorphic hardware. " + FILLER),
    paper(3, "Tabular data with trees"),
]


def stored_papers(store) -> None:
    with store.transaction() as db:
        for p in PAPERS:
            db.execute(
                "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?,?)",
                (p.id, p.title.lower(), p.title, p.abstract, DAY.isoformat(), "2024-03-14T00:00:00+00:00"),
            )
