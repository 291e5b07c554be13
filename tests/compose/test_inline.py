"""The fast renderer gives premailer's bytes exactly, over many varied digests and stylesheets."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from digest.compose.inline import CssInliner, premailer_inline
from digest.compose.render import Renderer, builtin_templates
from digest.ingest.sources import read_dump
from digest.models import Digest, Interest, Paper, Profile
from digest.select.matcher import PaperIndex

from conftest import SHARED

WORDS = [
    *["spiking neural networks", "language model", "diffusion", "agent", "reinforcement learning"],
    *["vision", "retrieval", "graph", "robot", "speech", "<b>bold</b>", "AT&T", '"quoted"'],
    *["l'été", "数据", "benchmark"],
]


def corpus() -> list[Paper]:
    folder = SHARED / "dumps"
    papers: list[Paper] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            for entry in read_dump(path).entries:
                papers.append(Paper(len(papers) + 1, entry.title, entry.abstract, dt.date(2026, 3, 2)))
    rng = random.Random(7)
    for i in range(60):  # hostile text: markup, entities, quotes, non-ASCII, long words
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 120))]
        title = " ".join(words[:6]) + f" <{i}> & ' \" \u00a0 —"
        papers.append(
            Paper(len(papers) + 1, title, " ".join(words) + " x" * rng.randint(0, 400), dt.date(2026, 3, 1))
        )
    return papers


def digests(count: int) -> list[tuple[Digest, dict[str, str]]]:
    rng = random.Random(42)
    index = PaperIndex(corpus())
    out = []
    for i in range(count):
        interests = tuple(
            Interest(w, rng.choice([1.0, 2.0, 3.0])) for w in rng.sample(WORDS, rng.randint(1, 5))
        )
        profile = Profile(
            user=f"u{i}",
            email=f"u{i}@example.org",
            interests=interests,
            name=rng.choice([None, "Ada", "Zoë <script>", 'O\'Brien & "Co"']),
            max_papers=rng.randint(1, 20),
        )
        matches = tuple(index.rank(profile)[: profile.max_papers])
        links = {"unsubscribe_mailto": "mailto:d@example.org?subject=unsubscribe%20x"}
        links["unsubscribe"] = links["unsubscribe_mailto"]
        if i % 3 == 0:
            links["unsubscribe"] = f"https://digest.example.org/u/u{i}/unsubscribe?a=1&b=2"
            links["preferences"] = f"https://digest.example.org/u/u{i}"
        out.append((Digest(profile, matches, rng.choice([None, dt.date(2026, 3, i % 28 + 1)])), links))
    return out


def test_the_fast_renderer_is_byte_for_byte_the_premailer_pipeline():
    fast, plain = Renderer(), Renderer(fast=False)
    cases = digests(150)
    assert sum(1 for d, _ in cases if len(d.matches) >= 10) > 20  # big digests are in the mix
    for digest, links in cases:
        a, b = fast.render(digest, links=links), plain.render(digest, links=links)
        assert a.html == b.html, digest.profile.user
        assert a.text == b.text and a.subject == b.subject
    assert fast.inline.fallbacks == 0


STYLESHEETS = {
    "structural": "p.a { color: red } div > p { margin: 0 } [data-x=y] em { font-weight: bold }"
    " td { width: 10px; background-color: #abc; text-align: center }",
    "siblings and pseudo-classes": "p + p { color: blue } li:first-child { margin: 0 } a:hover { color: red }"
    " p:nth-child(2) { padding: 1px } .a ~ .b { border: 0 }",
    "important and media": ".a { color: red !important } .a { color: blue }"
    " @media (max-width: 600px) { .a { color: green } }",
    "unset and existing style": ".a { color: unset; padding: 2px } .b { margin: 1px }",
}


@pytest.mark.parametrize("name", sorted(STYLESHEETS))
def test_other_stylesheets_give_premailers_bytes_too(name):
    css = STYLESHEETS[name]
    rng = random.Random(name)
    inliner = CssInliner()
    extras = ["", 'style="margin: 3px"', 'data-x="y"']
    for _ in range(40):
        items = "".join(
            f'<p class="{rng.choice(["a", "b", "a b", ""])}" {rng.choice(extras)}>'
            f"<em>{rng.choice(['x', '&amp; é', '<i>y</i>'])}</em></p>"
            for _ in range(rng.randint(1, 6))
        )
        html = (
            f"<!DOCTYPE html><html><head><style>{css}</style></head><body>"
            f"<div>{items}</div><ul><li>1</li><li>2</li></ul><table><tr><td>t</td></tr></table>"
            f'<img src="x.png" style="float: left"></body></html>'
        )
        assert inliner(html) == premailer_inline(html)


def test_a_users_template_with_its_own_stylesheet_is_inlined_the_same_way(tmp_path: Path):
    html = (builtin_templates() / "digest.html.j2").read_text()
    css = ".paper + .paper { color: red }\n.title { color: blue }"
    (tmp_path / "digest.html.j2").write_text(html.replace('{% include "digest.css" %}', css))
    fast, plain = Renderer(tmp_path), Renderer(tmp_path, fast=False)
    for digest, links in digests(10):
        assert fast.render(digest, links=links).html == plain.render(digest, links=links).html
