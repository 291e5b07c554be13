"""Tokenizing and normalizing text for keyword matching.

Two levels of normalization, both computed per token:

* ``norm``: case-folded, with the English plural folded to the singular
  (``networks`` -> ``network``, ``studies`` -> ``study``, ``SNNs`` -> ``snn``).
  Two words with the same ``norm`` are "the same word".
* ``stem``: a more aggressive suffix stripper on top of ``norm``
  (``optimization``/``optimizer``/``optimizing`` -> ``optim``). Two words with the same
  ``stem`` but a different ``norm`` are "related words"; the matcher gives them partial
  credit only. Acronyms and short words are never stemmed.

Both sides of a match are read the same way whatever Unicode form they were written in:
each word is folded to NFKC (``unicodedata``) before case folding, so a keyword typed as
``cafe`` + U+0301 (macOS writes NFD) finds ``café`` (NFC) and the other way round, a
ligature (``ﬁne``) or a full-width form (``ＬＬＭ``) is the word it stands for, and a
combining mark belongs to the word it follows instead of splitting it. NFKC rather than NFC:
the compatibility forms (ligatures, full-width and superscript letters) are what PDFs and
some sources put in titles, and no reader means something else by them in a keyword.

Case is folded by :func:`fold_case`: ``str.casefold``, but the capital dotted I (Turkish ``İ``,
U+0130) is the ``i`` of a keyword typed without it (casefold gives ``i`` + U+0307, a combining
dot above): ``İstanbul`` is ``istanbul``.

Every token keeps its exact character span in the original text (unfolded), so hits are
highlighted on the text as the reader sees it, an accent written as a combining mark included.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

_WORD = re.compile(r"[^\W_]+")
# Characters that may stand between two words of one phrase ("event driven",
# "event-driven", "event–driven", "event/driven"); anything else breaks a phrase.
_JOINER = re.compile(r"[\s\-\u2010-\u2015/]{1,3}")

# Words whose final "s" is not a plural ending (kept as they are).
_NOT_PLURAL_WORDS = (
    "bias gas lens news series species physics mathematics analysis basis thesis hypothesis "
    "synthesis diagnosis axis chaos ethics robotics economics dynamics statistics genomics "
    "linguistics kinematics optics graphics semantics logistics always perhaps whereas "
    "various previous famous numerous continuous autonomous ambiguous simultaneous "
    "heterogeneous homogeneous anomalous this thus plus across towards is was has does "
    "its us yes less unless versus via consensus corpus status bonus virus focus campus "
    "radius nucleus stimulus apparatus calculus modulus locus"
)
_NOT_PLURAL = frozenset(_NOT_PLURAL_WORDS.split())

# Function words: inside a phrase they must stand where the phrase puts them
# ("chain-of-thought"), but on their own they carry no match and are never highlighted.
_STOP_WORDS = (
    "a an the of to in on for from with without by at as into onto via vs versus and or "
    "nor but is are be its it this that than"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
# What joins the words of a compound ("low-rank", "sim-to-real"): a hyphen or a dash.
_HYPHEN = re.compile(r"[\-\u2010-\u2015]")


@lru_cache(maxsize=200_000)
def singular(word: str) -> str:
    """Fold an English plural to its singular; ``word`` must already be case-folded."""
    n = len(word)
    if n <= 2 or not word.endswith("s") or word in _NOT_PLURAL:
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if n > 4 and word.endswith("ies") and word[-4] not in "aeiou":
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if word.endswith("es") and word[:-2] in _NOT_PLURAL:  # "biases" -> "bias"
        return word[:-2]
    if word.endswith("ses") and word[:-2] in ("analys", "bas", "thes", "hypothes", "synthes"):
        return word[:-2] + "is"  # "analyses" -> "analysis", "hypotheses" -> "hypothesis"
    if n <= 3:  # "gas", "its", "fps": leave 3-letter words alone
        return word
    return word[:-1]


# Suffixes stripped by ``stem``, longest first; (suffix, replacement).
_SUFFIXES = (
    ("izations", "iz"),
    ("isations", "iz"),
    ("ization", "iz"),
    ("isation", "iz"),
    ("ational", "ate"),
    ("ations", ""),
    ("ation", ""),
    ("ency", "ent"),
    ("ancy", "ant"),
    ("izers", "iz"),
    ("izer", "iz"),
    ("izing", "iz"),
    ("ising", "iz"),
    ("ized", "iz"),
    ("ised", "iz"),
    ("izes", "iz"),
    ("ize", "iz"),
    ("ise", "iz"),
    ("ically", "ic"),
    ("ality", "al"),
    ("ivity", "ive"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("ments", ""),
    ("ment", ""),
    ("ness", ""),
    ("ities", ""),
    ("ity", ""),
    ("ings", ""),
    ("ing", ""),
    ("ions", ""),
    ("ion", ""),
    ("ers", ""),
    ("er", ""),
    ("ously", ""),
    ("ous", ""),
    ("ed", ""),
    ("ly", ""),
    ("ive", ""),
    ("ics", ""),
    ("ic", ""),
    ("al", ""),
    ("y", ""),
)
_MIN_STEM = 4


@lru_cache(maxsize=200_000)
def stem(norm: str) -> str:
    """A light one-pass suffix stripper: related forms of one word get one stem."""
    if len(norm) <= _MIN_STEM or not norm.isalpha():
        return norm
    word = norm
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= _MIN_STEM:
            word = word[: len(word) - len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > _MIN_STEM:
        word = word[:-1]
    if len(word) > _MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeiouys":
        word = word[:-1]  # "controll" -> "control", "plann" -> "plan"
    return word


class Token(NamedTuple):
    """One word of a text, with its exact span and its two normal forms."""

    start: int
    end: int
    surface: str  # the word in NFKC (text[start:end] is the word as written)
    norm: str
    stem: str
    joined: bool  # True if it continues a phrase with the previous token
    compound: bool = False  # part of a hyphenated compound ("rank" in "low-rank")


def is_acronym(surface: str) -> bool:
    """``CT``, ``SNN``, ``LLMs``, ``NeRF``: at least two capitals, so match it precisely."""
    body = surface.removesuffix("s")
    return sum(c.isupper() for c in body) >= 2 or (len(body) >= 2 and body.isupper())


def fold_case(text: str) -> str:
    """``text`` case-folded as the matcher compares words (see the module's doc): the dot above
    that ``casefold`` leaves after the ``i`` of a capital dotted I dropped."""
    folded = text.casefold()
    return folded if folded.isascii() else folded.replace(_DOTTED_I, "i")


_DOTTED_I = "\u0130".casefold()  # "i" + U+0307 COMBINING DOT ABOVE


def keyword_key(phrase: str) -> str:
    """A keyword as the matcher tells keywords apart: its Unicode form (NFKC), spacing and case
    folded (:func:`fold_case`). Two keywords with one key are one keyword: "café" typed in NFD
    on macOS is the profile's "café", "İstanbul" its "istanbul"."""
    return fold_case(" ".join(fold(str(phrase)).split()))


@lru_cache(maxsize=200_000)
def normalize_word(surface: str) -> tuple[str, str]:
    """The ``(norm, stem)`` pair of one word."""
    surface = fold(surface)
    if is_acronym(surface):
        if surface.endswith("s") and not surface[-2:].isupper():
            surface = surface[:-1]  # "SNNs" -> "snn", "CTs" -> "ct"
        norm = fold_case(surface)
        return norm, norm
    norm = singular(fold_case(surface))
    if len(norm) <= 3:
        return norm, norm
    return norm, stem(norm)


@lru_cache(maxsize=4096)
def _gap(gap: str) -> tuple[bool, bool]:
    """What stands between two words, as tokenize sees it: (the second continues a phrase,
    they form a hyphenated compound). Asked once per distinct gap (mostly a space), not per word."""
    gap = fold(gap)  # a full-width hyphen or solidus joins as the ASCII one does
    joined = gap == "" or _JOINER.fullmatch(gap) is not None
    return joined, joined and _HYPHEN.search(gap) is not None and not gap.isspace()


def fold(word: str) -> str:
    """A word in NFKC, the one form both sides of a match are read in (see the module's doc)."""
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Where the words of ``text`` are: runs of letters and digits, each with the combining
    marks that follow it (``e`` + U+0301 is one letter, written in two characters)."""
    if text.isascii():
        return [m.span() for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    n = len(text)
    for m in _WORD.finditer(text):
        start, end = m.span()
        if spans and spans[-1][1] == start:  # "Cafe" + U+0301 + "s": the marks joined them
            start = spans.pop()[0]
        while end < n and unicodedata.category(text[end])[0] == "M":
            end += 1
        spans.append((start, end))
    return spans


@lru_cache(maxsize=1024)
def tokenize(text: str) -> tuple[Token, ...]:
    """Split ``text`` into words, keeping their exact character spans.

    Cached: a run reads a paper's title and abstract several times (indexing its terms, the
    window's postings, the papers that might hold a phrase); the tokens are immutable."""
    tokens: list[Token] = []
    prev_end = -1
    for start, end in _word_spans(text):
        surface = fold(text[start:end])
        norm, st = normalize_word(surface)
        joined, hyphen = _gap(text[prev_end:start]) if prev_end >= 0 else (False, False)
        if hyphen and not tokens[-1].compound:
            tokens[-1] = tokens[-1]._replace(compound=True)
        tokens.append(Token(start, end, surface, norm, st, joined, hyphen))
        prev_end = end
    return tuple(tokens)


def is_stop_word(norm: str) -> bool:
    """A function word ("of", "to", "the"): part of a phrase, never a match by itself."""
    return norm in STOP_WORDS


def join_norm(surfaces: list[str]) -> str:
    """The one-word form of a phrase: ``event driven`` -> ``eventdriven``."""
    return singular(fold_case("".join(surfaces)))


def join_pair(first: str, second: str) -> str:
    """:func:`join_norm` of two words (``event``, ``driven``): asked for every pair of joined
    words in every paper."""
    return singular(fold_case(first + second))
