"""The checks of a reader's keywords: interests with weights, excluded terms, liked titles,
and their limits (see :mod:`digest.checks` for the rest)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from digest.checks import UNSAFE, is_number
from digest.number_text import number_note, read_number
from digest.options import Check, Invalid, Reading
from digest.select.text import keyword_key

MAX_KEYWORD = 100  # characters in one keyword or excluded term
MAX_INTERESTS = 100  # keywords per reader (and as many excluded terms)
MAX_WEIGHT = 100.0  # an interest's weight: 0.5 = half as interesting, 3 = three times


class Weights(Check):
    """Keywords: a list (weight 1 each) or a mapping keyword -> positive weight, made with ``make``."""

    what = "a list of keywords, or a mapping keyword -> weight"

    def __init__(self, make: Callable[[str, float], Any]) -> None:
        self.make = make

    def __call__(self, value: Any, reading: Reading) -> tuple[Any, ...]:
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, list):
            items = [(k, 1) for k in value]
        else:
            raise Invalid(f"must be a list of keywords or a mapping keyword -> weight{_meant(value)}")
        if len(items) > MAX_INTERESTS:
            raise Invalid(f"{len(items)} keywords, over the limit of {MAX_INTERESTS}")
        out, seen, problems = [], set(), []
        for phrase, weight in items:
            if isinstance(phrase, Mapping) and len(phrase) == 1:  # "- robots: 2": a weight in a list
                (keyword, weight), *_ = phrase.items()
                written = f"- {keyword}:" if weight is None else f"- {keyword}: {weight}"
                problems.append(
                    f"'{written}': a list takes keywords alone; to give weights, "
                    "write every keyword as 'keyword: weight' without the dashes"
                )
                continue
            if not isinstance(phrase, str) or not phrase.strip():
                problems.append(f"{phrase!r} is not a keyword (text expected)")
                continue
            if not spaced(phrase):
                problems.append(f"{phrase!r} is not a keyword (text expected)")
                continue
            phrase = spaced(phrase)
            if len(phrase) > MAX_KEYWORD:
                problems.append(too_long(phrase))
                continue
            weight = 1 if weight is None else weight
            if not is_number(weight) or not math.isfinite(weight) or not 0 < weight <= MAX_WEIGHT:
                wanted = f"is not a positive number up to {MAX_WEIGHT:g}{number_note(weight)}"
                problems.append((phrase, f"weight {weight!r} {wanted}"))
            elif keyword_key(phrase) in seen:  # one keyword to the matcher, in any case or form
                problems.append((phrase, "listed twice"))
            else:
                seen.add(keyword_key(phrase))
                out.append(self.make(phrase, float(weight)))
        if not out and not problems:
            problems.append("empty; add at least one keyword")
        if problems:
            raise Invalid(*problems)
        return tuple(out)


class Terms(Check):
    """A keyword or a list of keywords (spacing normalized)."""

    what = "a list of keywords"

    def __call__(self, value: Any, reading: Reading) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise Invalid("must be a list of keywords")
        if len(value) > MAX_INTERESTS:
            raise Invalid(f"{len(value)} terms, over the limit of {MAX_INTERESTS}")
        bad = [
            f"{t!r} is not a keyword (text expected)"
            for t in value
            if not isinstance(t, str) or not spaced(t)
        ]
        bad += [too_long(spaced(t)) for t in value if isinstance(t, str) and len(spaced(t)) > MAX_KEYWORD]
        if bad:
            raise Invalid(*bad)
        return tuple(spaced(t) for t in value)


def _meant(value: Any) -> str:
    """What a text written where the keywords go means: a weight with no space after its colon
    (robots:3, which YAML reads as text), keywords set apart by commas, or one keyword."""
    if not isinstance(value, str):
        return ""
    pairs = re.findall(r"\s*([^:]+?):(\S+)", value) if re.fullmatch(r"(?:[^:]+:\S+\s*)+", value) else []
    if pairs and all(is_number(read_number(weight)) for _, weight in pairs):
        lines = ", ".join(f"'  {keyword}: {weight}'" for keyword, weight in pairs)
        return f" (a weight goes after a colon and a space, a keyword on each line: {lines})"
    parts = comma_parts(value)
    return f" (as a list: {flow_list(parts)})" if len(parts) > 1 else f" (one keyword: {flow_list([value])})"


def comma_parts(text: str) -> list[str]:
    """The terms a comma sets apart in ``text`` (a comma between digits, 1,3-butadiene, sets none)."""
    return [part.strip() for part in re.split(r"(?<!\d),|,(?!\d)", text) if part.strip()]


def flow_list(terms: list[str]) -> str:
    """``terms`` as a YAML list on one line that reads back as them: a term YAML would read
    otherwise there (1,3-butadiene: the items 1 and 3-butadiene; 2024: a number) in quotes."""
    return "[" + ", ".join(map(flow_term, terms)) + "]"


def flow_term(term: str, single: bool = False) -> str:
    """``term`` as an item of a YAML list on one line that reads back as it: bare, or in quotes
    where YAML would read it otherwise ('"quoted"' in its quotes, 2024, medical, biology):
    double (as JSON writes them), or ``single`` (as YAML writes them: 'O''Brien, J.')."""
    if _reads_back(term):
        return term
    return "'" + term.replace("'", "''") + "'" if single else json.dumps(term, ensure_ascii=False)


def _reads_back(term: str) -> bool:
    try:
        return yaml.safe_load(f"[{term}]") == [term]
    except yaml.YAMLError:
        return False


def spaced(text: str) -> str:
    """Spacing normalized, and control characters and bidi marks dropped (as ingest drops them
    from papers): typed into the preferences page or pasted with Hebrew or Arabic text, they would
    reach the reader's emails and the terminal of whoever runs digest. Dropped, not refused: a
    profile that holds one still loads, and its reader's mail goes on."""
    return " ".join(UNSAFE.sub("", " ".join(text.split())).split())


def too_long(phrase: str) -> str:
    """What is said of a keyword or term (spaced) over MAX_KEYWORD characters."""
    return f"a keyword of {len(phrase)} characters ({phrase[:30]!r}...); at most {MAX_KEYWORD}"


class Titles(Check):
    """A paper title or a list of them (spacing normalized)."""

    what = "a list of paper titles"

    def __call__(self, value: Any, reading: Reading) -> tuple[str, ...]:
        if value is None:
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(t, str) and t.strip() for t in values):
            raise self.fail(value)
        if len(values) > MAX_INTERESTS:
            raise Invalid(f"{len(values)} titles, over the limit of {MAX_INTERESTS}")
        if not all(spaced(t) for t in values):
            raise self.fail(value)
        return tuple(spaced(t) for t in values)
