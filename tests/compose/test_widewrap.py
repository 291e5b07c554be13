"""The templates' wordwrap in columns (digest.compose.widewrap): ASCII text wrapped exactly as Jinja's
own wordwrap wraps it; wide characters two columns, combining marks none, links and Latin words whole."""

from __future__ import annotations

import random
import string

from jinja2 import Environment
from jinja2.filters import do_wordwrap

from digest.compose.widewrap import wordwrap


def test_ascii_text_is_wrapped_as_jinjas_wordwrap_wraps_it():
    env, rng = Environment(), random.Random(5)
    words = ["supercalifragilistic", "https://example.org/a-b-c", "---", "well-known", ""]
    for _ in range(3000):
        text = "".join(
            rng.choice(string.ascii_letters + "   --\n\t.,") if rng.random() < 0.9 else rng.choice(words)
            for _ in range(rng.randint(0, 160))
        )
        width = rng.randint(1, 40)
        for long_words in (True, False):
            for hyphens in (True, False):
                for wrapstring in (None, "\n   "):
                    expected = do_wordwrap(env, text, width, long_words, wrapstring, hyphens)
                    assert wordwrap(text, width, long_words, wrapstring, hyphens) == expected, (text, width)


def test_wide_characters_take_two_columns_and_combining_marks_none():
    assert wordwrap("漢字仮名交じり文", 6, False) == "漢字仮\n名交じ\nり文"
    decomposed = "Zoe\u0308 Ang\u030astro\u0308m"  # "Zoë Ångström" with combining marks: 12 columns
    assert wordwrap(decomposed, 12, False) == decomposed


def test_a_link_a_latin_word_and_closing_marks_stay_whole():
    assert wordwrap("基于Transformer的模型", 12, False) == "基于\nTransformer\n的模型"
    assert wordwrap("见https://example.org/长链接/abc。", 10, False) == "见\nhttps://example.org/长链接/abc。"
    assert wordwrap("研究です。結果", 8, False) == "研究で\nす。結果"  # no line begins with 。
    assert wordwrap("結果（実験）", 6, False) == "結果\n（実\n験）"  # nor ends with （


def test_a_quote_or_opening_mark_before_a_link_stays_with_the_link():
    # no wide character: as Jinja's own wraps it (a line never ends with the opening quote)
    text = "Der Code liegt unter „https://example.org/a/very/long/path“ bereit, siehe dort"
    assert wordwrap(text, 40) == do_wordwrap(Environment(), text, 40)
    assert wordwrap("詳細は「https://example.org/x」", 12, False) == "詳細は\n「https://example.org/x」"


def test_an_emoji_of_several_characters_is_never_cut():
    family, wave = "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f44b\U0001f3fd"  # ZWJ; a skin tone
    for width in range(8, 30):
        for text in (f"Robots {family} learn, and {family}{family}", f"hello {wave}{wave}{wave}{wave}"):
            lines = wordwrap(text, width, False).split("\n")
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")
            assert not any(line.endswith("\u200d") or line.startswith("\U0001f3fd") for line in lines), lines
