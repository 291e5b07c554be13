"""The readers a name without a profile file was likely typed for: a slip of the keys, not another
name. A typo changes a letter or two (one wrong, left out, added, or two swapped: ``adx``, ``ad``,
``adaa``, ``daa`` for ``ada``); a name it would take more to reach is another reader's, even where
much of it is alike (``jane.doe`` and ``john.doe``, ``alice-smith`` and ``bob-smith``, ``max`` and
``mia``: difflib's ratio, 0.6 and above, said each of them the other's typo, and of ``adx``, as
close to ``bad`` as to ``ada`` by its ratio, said ``bad``, the later in the alphabet). A name may
also be the first part of a reader's, as a reader is called (``jane`` for ``jane.doe``, ``alice``
for ``alice_smith``): closer than any slip but the case's (``alice`` is not ``alicia``'s typo then).
A name typed short, the start of a reader's of PREFIX letters or more (``bob`` of ``bobby``, ``max``
of ``maxine``, ``ann`` of ``annemarie``), is as close as one slip, whatever was left off the end:
counted letter by letter, the letters left off were more slips than a short name's typo makes, and
``bob`` was said ``bab`` (one wrong) but not ``bobby``, whom a user who types a name's start means
as a shell's completion takes it; fewer letters (``a``, ``bo``) begin too many names to say one."""

from __future__ import annotations

import re
from collections.abc import Iterable

SHORT = 4  # a name this long or shorter: one slip (two of three letters is another name); longer: two
PREFIX = 3  # a name's start this long or longer is that name typed short (as one slip)
PARTS = re.compile(r"[._-]")  # what parts a name: jane.doe, alice_smith, ann-marie


def likely_meant(typed: str, known: Iterable[str]) -> list[str]:
    """The names of ``known`` that ``typed`` is closest to by slips, within what a typo makes
    (one for a name of SHORT letters or fewer, two for a longer one; a letter's case is no slip
    of the names here; the first part of a name, ``jane`` of ``jane.doe``, half of one; its start,
    ``bob`` of ``bobby``, one), in order;
    several when equally close; none when none is."""
    most = 1 if len(typed) <= SHORT else 2
    slips = {name: _apart(typed.lower(), name.lower()) for name in known}
    fewest = min((n for n in slips.values() if n <= most), default=None)
    return sorted(name for name, n in slips.items() if n == fewest)


def said(names: list[str]) -> str:
    """ " Did you mean 'ada'?" (" ... 'ada' or 'adz'?"); "" for none."""
    if not names:
        return ""
    quoted = [repr(n) for n in names]
    last = quoted.pop()
    return f" Did you mean {', '.join(quoted)} or {last}?" if quoted else f" Did you mean {last}?"


def _apart(typed: str, name: str) -> float:
    """Slips from ``typed`` to ``name``; half of one for ``name``'s first part (``jane``, jane.doe),
    one at most for its start (``bob``, bobby)."""
    slips = _slips(typed, name)
    if slips and PARTS.split(name, maxsplit=1)[0] == typed:
        return 0.5
    return min(slips, 1) if len(typed) >= PREFIX and name.startswith(typed) else slips


def _slips(a: str, b: str) -> int:
    """Letters wrong, left out, added, or two side by side swapped, from ``a`` to ``b`` (the
    optimal string alignment distance)."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        now = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            now[j] = min(row[j] + 1, now[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                now[j] = min(now[j], before[j - 2] + 1)
        before, row = row, now
    return row[len(b)]
