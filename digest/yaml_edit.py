"""Round-trip edits of YAML files with ruamel.yaml: comments, key order, quoting and indentation kept.

An edit writes its values through :func:`scalar`, which quotes a string wherever the loader
(:func:`digest.yamlio.load`, YAML 1.1) would read it as something else (``yes``, ``0o10``,
``1e-05``, a time of day), and floats are written in a form both YAML versions read as the same
float (``1.0e-05``). A :class:`Document` is re-read by the loader before an edit returns it: what
is written is what every reader of the file will see.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RoundTripYAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from digest import yamlio
from digest.errors import DigestError
from digest.yaml_comments import in_place_of_comment


def scalar(value: Any, quote: bool = False) -> Any:
    """``value`` as an edit writes it: a string is quoted where the loader would read it as
    anything but itself (``yes``, ``0o10``, ``1e-05``, ``07:30``, leading spaces, ``#``...), or
    where ``quote`` asks (a term with a comma that is one term: ``"Smith, J."``)."""
    if not isinstance(value, str) or isinstance(value, DoubleQuotedScalarString):
        return value
    plain = (
        not quote
        and value == value.strip()
        and not yamlio.BASE_60.fullmatch(value)
        and yamlio.reads_as(value) == value
    )
    return value if plain else DoubleQuotedScalarString(value)


def inline(value: Any, quote: bool = False) -> str:
    """``value`` as it appears in a YAML text written by hand (a string quoted if needed, or where
    ``quote`` asks: :func:`scalar`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if not isinstance(value, str):
        return str(value)
    quoted = scalar(value, quote or bool(_ESCAPED.search(value)))
    if isinstance(quoted, DoubleQuotedScalarString):
        text = quoted.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + _ESCAPED.sub(_escape, text) + '"'
    return quoted


# What a double-quoted YAML string cannot hold as it is: control characters (refused by the loader:
# "unacceptable character #x0001") and line breaks (folded into a space), and a tab, for its reader
_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _escape(found: re.Match[str]) -> str:
    """``found`` as a double-quoted YAML string's escape: the loader reads it back as it is."""
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _Representer(RoundTripRepresenter):
    """Floats as both YAML versions read them: 1.0e-05, not 1e-05 (text in YAML 1.1)."""


def _float_text(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if e else text


def _represent_float(representer: _Representer, value: float) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:float", _float_text(value))


_Representer.add_representer(float, _represent_float)


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file already uses them."""
    mapping, sequence, offset = 2, 4, 2
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for prev, line in zip(lines, lines[1:], strict=False):
        if not prev.rstrip().endswith(":"):
            continue
        parent = len(prev) - len(prev.lstrip(" "))
        child = len(line) - len(line.lstrip(" "))
        if line.lstrip().startswith("- "):
            offset = max(child - parent, 0)
            sequence = offset + 2
        elif child > parent:
            mapping = child - parent
    return mapping, sequence, offset


class Document:
    """A YAML mapping document opened for a round-trip edit: comments, key order, quoting and
    indentation are kept. Change :attr:`data` (writing values through :func:`scalar`), then
    :meth:`dump`."""

    def __init__(self, text: str, where: str | Path, error: type[DigestError]) -> None:
        try:
            yamlio.load(text, where, error)  # the loader's verdict first: same errors, no alias bombs
        except error as e:
            raise error(f"{e}; fix it by hand first") from None
        self.where, self.error = where, error
        self._yaml = YAML()  # round trip
        self._yaml.Representer = _Representer
        self._yaml.preserve_quotes = True
        self._yaml.width = 4096  # never re-wrap a long line
        mapping, sequence, offset = _guess_indent(text)
        self._yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        try:
            data = self._yaml.load(text)
        except RoundTripYAMLError as e:
            raise error(  # a text the loader reads, which the round trip does not (a tab after 'key:')
                f"{where}: cannot be edited in place as it is written, fix it by hand first: "
                f"{yamlio.said(e, text)}"
            ) from None
        self.data: CommentedMap = CommentedMap() if data is None else data

    def dump(self, uncomment: Iterable[str] = ()) -> tuple[str, Any]:
        """The new text and what the loader reads from it (checked before anything is written).
        ``uncomment``: top-level keys this edit added, each written in place of the commented
        line that shows it (``# frequency: daily   # help``), if the file has one."""
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        text = out.getvalue()
        for key in uncomment:
            text = in_place_of_comment(text, key)
        return text, yamlio.load(text, self.where, self.error)


def read_back(data: CommentedMap, where: str | Path, error: type[DigestError]) -> Any:
    """What the loader reads from ``data`` (an edited :attr:`Document.data`) once written: for a
    check of a document mid-edit (its comments and layout aside, which the loader ignores)."""
    out = io.StringIO()
    dumper = YAML()
    dumper.Representer = _Representer
    dumper.dump(data, out)
    return yamlio.load(out.getvalue(), where, error)


def new_list(items: Iterable[Any] = ()) -> CommentedSeq:
    return CommentedSeq([scalar(i) for i in items])


def new_map(pairs: Iterable[tuple[Any, Any]] = ()) -> CommentedMap:
    return CommentedMap([(scalar(k), scalar(v)) for k, v in pairs])


def list_as_map(seq: CommentedSeq, value: Any) -> CommentedMap:
    """A list as a mapping item -> ``value``, keeping each item's end-of-line comment."""
    out = CommentedMap()
    for i, item in enumerate(seq):
        out[item] = value
        comment = seq.ca.items.get(i)
        if comment and comment[0] is not None:
            out.ca.items[item] = [None, None, comment[0], None]
    return out
