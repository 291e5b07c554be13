"""The fast renderer gives premailer's bytes exactly; which selectors let a template be inlined once."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from digest.compose.inline import ancestral_attributes, style_selectors
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
    assert fast.preinlined is not None and fast.fallbacks == 0


SELECTORS = {
    # the element's own tag, classes, id and attributes, and its ancestors': follows from the template
    "p": set(),
    ".paper-title a": set(),
    "td.paper > a.more": set(),
    "div>p": set(),
    "#main .why mark.hit": set(),
    "*": set(),
    "[data-x=y] em": {"data-x"},
    'a[href^="https"]': {"href"},
    "a:hover": set(),  # a dynamic pseudo-class: premailer keeps the rule in <style>
    # siblings, position, negation, pseudo-elements, escapes: can change from one message to another
    "p + p": None,
    ".a ~ .b": None,
    "li:first-child": None,
    "p:nth-child(2)": None,
    "p:not(.a)": None,
    "a:hover span": None,
    "p::before": None,
    ":root": None,
    r".a\:b": None,
}


@pytest.mark.parametrize("selector", sorted(SELECTORS))
def test_a_selector_follows_from_the_ancestors_or_is_said_not_to(selector):
    expected = SELECTORS[selector]
    assert ancestral_attributes(selector) == (None if expected is None else frozenset(expected))


def test_the_selectors_of_a_document_are_those_premailer_would_inline():
    html = (
        "<html><head><style>p, .a > b { color: red } @media (max-width: 600px) { .m { x: 1 } }"
        " @font-face { font-family: f }</style><style media=print>.print { y: 2 }</style></head>"
        "<body><p>x</p><style>em { z: 3 }</style></body></html>"
    )
    assert style_selectors(html) == ["p", ".a > b", ".print", "em"]  # @media stays in <style> as it is
    css = (builtin_templates() / "digest.css").read_text()
    selectors = style_selectors(f"<style>{css}</style>")
    assert ".paper-title mark.hit" in selectors
    assert all(ancestral_attributes(s) == frozenset() for s in selectors)


def test_a_users_template_with_sibling_selectors_is_inlined_by_premailer_per_message(tmp_path: Path):
    html = (builtin_templates() / "digest.html.j2").read_text()
    css = ".paper + .paper { color: red }\n.title { color: blue }"
    (tmp_path / "digest.html.j2").write_text(html.replace('{% include "digest.css" %}', css))
    fast, plain = Renderer(tmp_path), Renderer(tmp_path, fast=False)
    assert fast.preinlined is None
    for digest, links in digests(10):
        assert fast.render(digest, links=links).html == plain.render(digest, links=links).html
