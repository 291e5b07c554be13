"""Why a paper matched, in words its reader can check: the keywords found as written, those
found only in part, those found by meaning alone, and the reader's ratings. The email says it
beside each paper (digest.compose.render) and `digest rank` beside each score."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from digest.models import Hit, Paper
from digest.select.feedback import LIKED
from digest.select.text import fold, fold_case


@dataclass(frozen=True)
class Why:
    matched: tuple[str, ...]  # found as written (up to case, punctuation and a plural s)
    partly: tuple[str, ...]  # found in part: some words of a phrase, or a related form
    similar: tuple[str, ...]  # found by meaning alone, with no hit (semantic matching)
    liked: bool  # the reader's ratings gave most of the score

    @property
    def text(self) -> str:
        """'Matched: event cameras; partly: spiking networks; close to papers you liked'."""
        groups = [("Matched", self.matched), ("partly", self.partly), ("close to", self.similar)]
        why = "; ".join(f"{label}: {', '.join(words)}" for label, words in groups if words)
        if self.liked:
            why = f"{why}; {LIKED}" if why else LIKED
        return why[:1].upper() + why[1:]


def why(paper: Paper, hits: Iterable[Hit], keywords: tuple[str, ...]) -> Why:
    """The keywords behind a match (``keywords``, best first), each in its group by what its
    ``hits`` in ``paper`` cover."""
    found: dict[str, set[str]] = {}  # keyword -> the distinct texts its hits cover
    for h in hits:
        text = paper.title if h.field == "title" else paper.abstract
        found.setdefault(h.keyword, set()).add(text[h.start : h.end])
    matched, partly, similar = [], [], []
    for keyword in keywords:
        if keyword == LIKED:  # the reader's ratings, not a keyword: said in words after them
            continue
        texts = found.get(keyword)
        if not texts:
            similar.append(keyword)
        elif any(same_words(text, keyword) for text in texts):
            matched.append(keyword)
        else:
            partly.append(keyword)
    return Why(tuple(matched), tuple(partly), tuple(similar), LIKED in keywords)


@functools.lru_cache(maxsize=65536)
def same_words(found: str, keyword: str) -> bool:
    """``found`` is ``keyword`` up to case, punctuation, spacing, a plural s and the Unicode
    form (NFKC, as the matcher reads both: digest.select.text)."""
    a, b = (re.sub(r"[\W_]", "", fold_case(fold(x))) for x in (found, keyword))
    return a == b or a.rstrip("s") == b.rstrip("s")
