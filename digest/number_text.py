"""Numbers typed as text (the command line, the preferences form): what an HTML
``<input type=number>`` sends is read as the same number here.

HTML's valid floating-point number (an optional ``-``, digits with an optional fraction or a
fraction alone, an optional exponent: ``1e2``, ``2.5E-1``); a leading ``+``, ``1.`` and spaces
around are read too, as the command line always did. Never Python's extras (``inf``, ``nan``,
``1_000``, other scripts' digits), and nothing that is not finite.
"""

from __future__ import annotations

import math
import re
from typing import Any

NUMBER = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")  # \d: any script's
LARGEST_WHOLE = 10**15  # a whole number beyond is kept a float
COMMA_DECIMAL = re.compile(r"\s*[+-]?[0-9]+,[0-9]+\s*")  # 0,5: a decimal comma, as many locales write
THOUSANDS = re.compile(r"\s*[+-]?[0-9]{1,3}(,[0-9]{3})+\s*")  # 1,000: thousands set apart
WHOLE_DIGITS = 9  # a whole-number setting of more digits is left as text, refused with what was typed


def read_number(text: str) -> int | float | None:
    """``text`` as a number (an int when it is whole), or None if it is not one as above."""
    if not NUMBER.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < LARGEST_WHOLE else number


def read_whole(text: str) -> int | None:
    """``text`` as a whole number of at most WHOLE_DIGITS digits (``1e2`` is 100), or None."""
    number = read_number(text)
    return number if isinstance(number, int) and abs(number) < 10**WHOLE_DIGITS else None


def number_note(value: Any, whole: bool = False) -> str:
    """What to add to a number check's message when ``value`` is text meant as a number: one in
    quotes (``max_papers: "10"``: YAML reads text, which no number check takes), one YAML reads
    as text even unquoted (``max_papers: 1e2``: YAML's floats have a point and a signed
    exponent, 1.0e+2; said as the number it reads back as, 100), a decimal
    written with a comma (``0,5``), or, for a ``whole`` number, thousands set apart by commas
    (``1,000``: never a decimal there); else nothing. The command line and the form turn a
    number's text into the number before it is checked."""
    if not isinstance(value, str):
        return ""
    number = (read_whole if whole else read_number)(value)
    if number is not None:
        import yaml

        if isinstance(yaml.safe_load(value), str):  # 1e2, 5E-1: text to YAML unquoted too
            written = yaml.safe_dump(number).split("\n", 1)[0]  # as YAML reads it back: 100, 1.0e-07
            return f" ({value.strip()} is text to YAML, quoted or not: write it as {written})"
        return " (a number in quotes is text to YAML: write it without the quotes)"
    if whole:
        grouped = THOUSANDS.fullmatch(value)
        return f" (write it without the comma: {value.strip().replace(',', '')})" if grouped else ""
    if COMMA_DECIMAL.fullmatch(value):
        return f" (write decimals with a point: {value.strip().replace(',', '.')})"
    return ""
