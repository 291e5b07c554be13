"""Sentences in a trending dump's paragraphs: how a complete one ends, and whether a paragraph
states something (holds a statement's end inside), which a title never does.

A title asks, exclaims, or adds a subtitle ("Is Scale Enough? Data for Robots?"), but states
nothing: an abstract of two sentences or more does, with a period between a word and the next
sentence's capital. A period is no statement's end after a word cut short, by its shape, not by a
list of words: one letter ("J.", "U.S."), letters with a period inside ("e.g.", "i.e."), a word of
one or two small letters ("et al.", "vs.", "cf."), or a capitalized one ("Dr.", "Fig.", "Prof.";
a sentence that ends with a name is not counted either). Nor is a period before a small letter
or a digit, in a bracket or not ("e.g. the", "Fig. 1", "et al. (2017)"), or in an ellipsis. On the five
shared dumps: no title holds one; of the abstracts' tails of two sentences or more (their last
400 characters at most), all but one (its only break after a two-letter word) do.
"""

from __future__ import annotations

import re

# How a complete paragraph ends: a sentence's last mark, perhaps inside quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
# How a question or an exclamation ends.
ASKED = re.compile(r"[?!？！][\"'”’)\]]*$")
# A period (not one of an ellipsis's) before the next sentence's first letter; the word before it
# (the run of characters up to the last space or opening bracket or quote) is judged by _cut_short.
# The next word is looked at, not taken: it may end with a period of its own ("Fig. 3. We").
_PERIOD = re.compile(r"(?<![^\s(\[\"'“‘])([^\s(\[\"'“‘]*)(?<!\.)\.(?!\.)(?=[\"'”’)\]]*\s+[(\[\"'“‘]*(\w))")
_CJK_STOP = re.compile(r"。[\"'”’)\]]*\s*\w")  # no spaces, no abbreviations


def states(text: str) -> bool:
    """Whether ``text`` holds a statement's end before its last sentence (see the module)."""
    if _CJK_STOP.search(text):
        return True
    return any(m[2].isupper() and not _cut_short(m[1]) for m in _PERIOD.finditer(text))


def _cut_short(word: str) -> bool:
    """Whether a period after ``word`` is an abbreviation's, by the word's shape."""
    if word.endswith((")", "]")):
        return False  # a parenthesis closed: "(NAS)."
    if "." in word:
        return True  # "e.g", "i.e", "U.S", "Ph.D"
    last = re.split(r"[-/]", word)[-1]  # "state-of-the-art", "GPT-4", "TCP/IP"
    if not last.isalpha():
        return False  # a number ("5%", "3D", "v2")
    if len(last) == 1:
        return True  # an initial: "J.", "C. elegans"
    if last.islower():
        return len(last) <= 2  # "al", "vs", "cf"; a sentence ending with "on." is not counted
    return last[0].isupper() and last[1:].islower()  # "Dr", "Fig"; "LLMs", "ImageNet" end sentences
