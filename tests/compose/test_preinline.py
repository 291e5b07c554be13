"""The pre-inlined template gives premailer's bytes: random hostile values, other templates, fallbacks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers.hostile_digests import CALM, PIECES, hostile, random_digests
from jinja2 import Environment, nodes
from lxml import etree
from markupsafe import Markup, escape

from digest.compose.lxml_escape import Fallback, lxml_attribute, lxml_text
from digest.compose.plain_outputs import plain_outputs
from digest.compose.preinline import PreInlined, Unsupported
from digest.compose.render import Renderer, builtin_templates


def test_the_escapes_are_what_lxml_writes_back_or_they_give_up():
    """Each fast escape against lxml's own parse + serialize of the markupsafe-escaped value."""
    rng = random.Random(1)
    fast = given_up = 0
    for i in range(3000):
        raw = hostile(rng, 12, CALM if i % 2 else PIECES)
        value = str(escape(raw))
        doc = f'<html><body><p title="{value}"><a href="{value}">{value}</a></p></body></html>'
        tree = etree.fromstring(doc, etree.HTMLParser()).getroottree()
        out = etree.tostring(tree, method="html", encoding="utf-8").decode()
        for build in (
            lambda v: f'<p title="{lxml_attribute(v, uri=False)}">',
            lambda v: f'<a href="{lxml_attribute(v, uri=True)}">',
            lambda v: f">{lxml_text(v)}</a>",
        ):
            try:
                expected = build(value)
            except Fallback:
                given_up += 1
                continue
            fast += 1
            assert expected in out, (raw, expected, out)
    assert fast > 4000 and given_up > 1000  # both sides are exercised


def test_hostile_digests_render_to_premailers_bytes():
    fast, plain = Renderer(), Renderer(fast=False)
    assert fast.preinlined is not None
    cases = random_digests(300)
    for digest, links in cases:
        a, b = fast.render(digest, links=links), plain.render(digest, links=links)
        assert a == b, digest.profile.user
    # the calm two thirds take the fast path; hostile control characters are handed back
    assert 0 < fast.fallbacks < len(cases) / 2


def _override(tmp_path: Path, old: str, new: str) -> Path:
    html = (builtin_templates() / "digest.html.j2").read_text()
    assert old in html
    (tmp_path / "digest.html.j2").write_text(html.replace(old, new))
    return tmp_path


OVERRIDES = {
    "another stylesheet": (
        '{% include "digest.css" %}',
        ".paper-title a { color: red } em mark { margin: 0 }",
    ),
    "highlights in other places": (
        '<p class="why">',
        '<p class="why"><em>{{ paper.title_html }}</em>'
        '<b title="{{ paper.title }}">{{ "<i>x</i>" | safe }}</b>',
    ),
    "values that depend on autoescape (join, ~, format: left to Jinja's escape)": (
        '<p class="why">',
        '<p class="why">{{ [paper.title_html, paper.title] | join(" / ") }} {{ paper.title ~ "<&>" }}'
        ' {{ "%s<" | format(paper.title) }} {{ paper["title"] }} {{ links["unsubscribe"] }}',
    ),
    "a set and a for-else": ("{% for paper in papers %}", "{% set n = 3 %}{% for paper in papers %}"),
    "important, media, unset, attributes and hover": (
        '{% include "digest.css" %}',
        ".paper-title a { color: red !important } .paper-title a { color: blue; padding: 1px }"
        " td[align=center] p { margin: 0 } .why { color: unset; padding: 2px } a:hover { color: red }"
        " td { width: 10px; background-color: #abc; text-align: center }"
        " @media (max-width: 600px) { .why { color: green } }",
    ),
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_a_users_template_is_pre_inlined_too(tmp_path: Path, name: str):
    folder = _override(tmp_path, *OVERRIDES[name])
    fast, plain = Renderer(folder), Renderer(folder, fast=False)
    assert fast.preinlined is not None
    for digest, links in random_digests(40, seed=5):
        assert fast.render(digest, links=links) == plain.render(digest, links=links)


UNSUPPORTED = {
    "sibling selectors": ('{% include "digest.css" %}', ".paper + .paper { color: red }"),
    "an expression in a class": ('<tr><td class="paper">', '<tr><td class="paper {{ count }}">'),
    "an unbalanced branch": ('<p class="rank">', '{% if count %}<div>{% endif %}<p class="rank">'),
    "a macro": (
        '<body bgcolor="#f3f4f6">',
        '<body bgcolor="#f3f4f6">{% macro m() %}x{% endmacro %}{{ m() }}',
    ),
    "an expression in the style": ("<style>", "<style>p { color: {{ 'red' }} }"),
    "a position pseudo-class": ('{% include "digest.css" %}', ".paper:first-child { color: red }"),
    "a selector on an attribute an expression fills": ('{% include "digest.css" %}', 'a[href^="h"] { x: y }'),
    "a style inside a branch": ("</head>", "{% if count %}<style>.why { x: y }</style>{% endif %}</head>"),
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_a_template_that_cannot_be_pre_inlined_is_inlined_by_premailer_per_message(tmp_path: Path, name: str):
    folder = _override(tmp_path, *UNSUPPORTED[name])
    fast, plain = Renderer(folder), Renderer(folder, fast=False)
    with pytest.raises(Unsupported):
        PreInlined(fast.env, "digest.html.j2")
    assert fast.preinlined is None
    for digest, links in random_digests(10, seed=6):
        assert fast.render(digest, links=links) == plain.render(digest, links=links)


def test_only_outputs_of_names_attributes_and_constants_skip_jinjas_second_escape():
    env = Environment(autoescape=True)
    env.filters["f"] = lambda value, k: Markup(escape(value))
    source = (
        "{{ a.b | f(1) }}|{{ a['b'] | f(2) }}|{{ a.c | join(',') | f(3) }}|{{ ('<' ~ a.b) | f(4) }}|{{ a.b }}"
    )
    ast = env.parse(source)
    ast.body = plain_outputs(ast.body, "f")
    switches = [n.options[0].value.value for n in ast.find_all(nodes.EvalContextModifier)]
    assert switches == [False, True, False, True]  # around the first two outputs only
    template = env.from_string(ast)
    assert template.render(a={"b": "<i>", "c": ["<", Markup("<b>")]}) == (
        "&lt;i&gt;|&lt;i&gt;|&lt;,<b>|&lt;&lt;i&gt;|&lt;i&gt;"
    )
