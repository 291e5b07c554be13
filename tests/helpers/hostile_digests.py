"""Digests made at random from a seed, their papers, readers and links written with hostile pieces
of text (markup, control characters, odd white space: PIECES; CALM and URL, the pieces kept where
they may stand): random_digests, hostile."""

from __future__ import annotations

import datetime as dt
import random

from digest.models import Digest, Hit, Interest, Match, Paper, Profile

PIECES = [
    *["a", "b", "word", "Spiking", "x" * 30, " ", " ", "  ", "-", ".", ",", "%", "%20", "+", "/", "?", "="],
    *["&", "<", ">", '"', "'", "&amp;", "&#39;", "&lt;b&gt;", "<b>", "</mark>", "<mark>"],
    *["\u00a0", "é", "数据", "😀", "—", "…", "\u2028", "\ufeff", "\t", "\n", "\r", "\x0c", "\x01", "\x85"],
    *["zq8v1Z", "zq8b0Z", "{{", "}}", "{%", "<!--", "-->", "]]>", "&nbsp;", "&#x41;", "\\"],
]
CALM = [p for p in PIECES if p not in {"\r", "\x0c", "\x01", "\x85", "\ufeff"}]
NOT_IN_URLS = {'"', "<", ">", "&lt;b&gt;", "<b>", "</mark>", "<mark>", "<!--", "-->", "]]>"}
URL = [p for p in CALM if p not in NOT_IN_URLS | {" ", "  ", "\t", "\n"}]


def hostile(rng: random.Random, n: int, pieces: list[str] = PIECES) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, n)))


def _paper(rng: random.Random, i: int) -> Paper:
    title = hostile(rng, 12, CALM if i % 4 else PIECES)
    abstract = hostile(rng, 200, CALM if i % 4 else PIECES)
    return Paper(i, title, abstract, dt.date(2026, 3, 1 + i % 20))


def _hits(rng: random.Random, field: str, text: str) -> list[Hit]:
    hits = []
    for _ in range(rng.randint(0, 5)):
        start = rng.randint(0, max(len(text) - 1, 0))
        hits.append(Hit("k", field, start, min(len(text), start + rng.randint(0, 15))))
    return hits


def random_digests(count: int, seed: int = 3) -> list[tuple[Digest, dict[str, str]]]:
    rng = random.Random(seed)
    papers = [_paper(rng, i) for i in range(1, 80)]
    calm_papers = [p for p in papers if p.id % 4]
    out = []
    for i in range(count):
        calm = i % 3 != 0
        pieces = CALM if calm else PIECES
        matches = []
        for paper in rng.sample(calm_papers if calm else papers, rng.randint(0, 20)):
            hits = _hits(rng, "title", paper.title) + _hits(rng, "abstract", paper.abstract)
            keywords = tuple(hostile(rng, 4, pieces) for _ in range(rng.randint(0, 3)))
            matches.append(Match(paper, rng.random(), keywords, (tuple(hits),) if hits else ()))
        profile = Profile(
            user=f"u{i}",
            email=hostile(rng, 5, pieces) + "@example.org",
            interests=tuple(Interest(hostile(rng, 6, pieces)) for _ in range(rng.randint(1, 4))),
            name=rng.choice([None, hostile(rng, 6, pieces)]),
        )
        url = URL if calm else PIECES
        links = {"unsubscribe_mailto": "mailto:d@example.org?subject=" + hostile(rng, 6, url)}
        links["unsubscribe"] = links["unsubscribe_mailto"]
        if rng.random() < 0.5:
            links["preferences"] = "https://digest.example.org/u/" + hostile(rng, 6, url)
            links["unsubscribe"] = links["preferences"] + "/unsubscribe"
        day = rng.choice([None, dt.date(2026, 3, 1 + i % 28)])
        out.append((Digest(profile, tuple(matches), day), links))
    return out
