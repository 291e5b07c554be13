"""Papers and readers made at random from a seed (_papers, _readers): words that are forms of one
another, hyphenated and joined, for the tests that compare two ways of finding a reader's words."""

from __future__ import annotations

import datetime as dt
import random

from digest.models import Interest, Paper, Profile

# fmt: off
WORDS = [
    "event", "driven", "event-driven", "eventdriven", "Event-Driven", "rank", "ranking", "ranks",
    "low-rank", "lowrank", "optimization", "optimizer", "optimized", "training", "trained",
    "Training", "TRAINING", "model", "models", "modeling", "LLM", "LLMs", "large", "language",
    "network", "networks", "neural", "graph", "graphs", "robust", "robustness", "learning",
    "learned", "fine-tuning", "finetuning", "fine", "tuning", "chain-of-thought", "chain", "of",
    "thought", "sim-to-real", "multi-agent", "multiagent", "agents", "self-supervised", "supervised",
]
FILLER = ["we", "propose", "a", "study", "of", "the", "method", "and", "show", "results", "on", "it"]
# fmt: on


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n)]
    return "".join(w + rng.choice((" ", " ", " ", "-", ", ", "/")) for w in words)


def _papers(seed: int, n: int = 90) -> list[Paper]:
    rng = random.Random(seed)
    day = dt.date(2026, 12, 1)
    texts = [(_text(rng, rng.randint(1, 8)), _text(rng, rng.randint(0, 50))) for _ in range(n)]
    return [Paper(i + 1, title, abstract, day) for i, (title, abstract) in enumerate(texts)]


def _readers(seed: int, n: int = 60) -> list[Profile]:
    rng = random.Random(seed)
    phrases = list(dict.fromkeys(WORDS)) + [" ".join(rng.sample(WORDS, rng.randint(2, 3))) for _ in range(80)]
    # interests whose words are forms of one another (each span once), and the plain ones
    phrases += ["optimization optimizer", "training trained models", "learning learned", "event driven"]
    return [
        Profile(f"u{u}", f"u{u}@example.org", tuple(map(Interest, rng.sample(phrases, rng.randint(1, 10)))))
        for u in range(n)
    ]
