"""YAML in one place: PyYAML reads (YAML 1.1, safe); ruamel.yaml writes round-trip edits
(:mod:`digest.yaml_edit`).

Every file the program reads (the configuration, the profiles) goes through :func:`load`; every
edit of a file goes through :class:`digest.yaml_edit.Document`. The differences between YAML 1.1
(PyYAML) and YAML 1.2 (ruamel.yaml) are handled here and there, nowhere else:

- Reading: a plain scalar like ``17:30`` is text, not a number in base 60 (YAML 1.1 would read
  1050). Everything else is PyYAML's YAML 1.1 (``yes``/``no``/``on``/``off`` are booleans,
  ``010`` is octal 8, ``0o10`` and ``1e-05`` are text).
- Writing (digest.yaml_edit): an edit writes its values through ``scalar``, which quotes a string
  wherever the loader would read it as something else (:func:`reads_as`), and floats are written
  in a form both versions read as the same float (``1.0e-05``).
- A document is re-read by :func:`load` before an edit returns it: what is written is what
  every reader of the file will see.

Mappings (:class:`Mapping`, a dict) and lists (:class:`Sequence`) remember the line of each key
and item, so that errors can name it; aliases may not expand to more than :data:`MAX_VALUES`
values (a "billion laughs" document is refused, not expanded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.error import MarkedYAMLError as RoundTripMarkedError
from ruamel.yaml.error import YAMLError as RoundTripYAMLError

from digest.errors import DigestError

MAX_VALUES = 100_000  # values a document may expand to through aliases
BASE_60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")


class Mapping(dict):
    """A YAML mapping as a dict, with the 1-based line of each key (``line(key)``), the text
    of each unquoted number as written (``written(key)``: ``0700`` where the value is 448), and
    whether it is written in braces (``braced``: `{port: 8081}`, where a key goes inside them), and
    the text of each null written (``null_written(key)``: ``~``, ``null``, ``!!null ''``; none for a
    bare `key:`, nor for one with an anchor alone, `key: &a`, where a mapping may go under it; those
    too, all that is written after the key, in ``null_text(key)``: `` `` and ``&a``), and the lines
    of the aliases that name a null's anchor (``null_aliases(key)``: `*a` of `&a ~`, and of `&a`)."""

    lines: dict[Any, int]
    numbers: dict[Any, str]
    nulls: dict[Any, str]
    null_texts: dict[Any, str]
    aliases: dict[Any, tuple[int, ...]]
    braced: bool = False

    def line(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key)

    def written(self, key: Any) -> str | None:
        return getattr(self, "numbers", {}).get(key)

    def null_written(self, key: Any) -> str | None:
        return getattr(self, "nulls", {}).get(key)

    def null_text(self, key: Any) -> str | None:
        return getattr(self, "null_texts", {}).get(key)

    def null_aliases(self, key: Any) -> tuple[int, ...]:
        return getattr(self, "aliases", {}).get(key, ())


class Sequence(list):
    """A YAML sequence as a list, with the 1-based line of each item (``line(index)``)."""

    line = Mapping.line


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml if built


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (on libyaml when PyYAML has it); base-60 numbers are text; mappings
    remember their lines; alias expansion is bounded."""

    def __init__(self, stream: Any) -> None:
        if isinstance(stream, str):  # libyaml's marks do not count a byte-order mark, Python's do
            stream = stream.removeprefix("\ufeff")
        super().__init__(stream)
        self.text = stream if isinstance(stream, str) else None  # the nulls as written (Mapping.nulls)

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_size(node)
            _refuse_repeated_keys(node)
        return node


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = Mapping()
    yield data
    data.update(loader.construct_mapping(node))  # flattens merge keys (<<) into node.value
    lines: dict[Any, int] = {}
    numbers: dict[Any, str] = {}
    nulls: dict[Any, str] = {}
    texts: dict[Any, str] = {}
    aliases: dict[Any, tuple[int, ...]] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        # the last of a key: one given beside a merge (<<) overrides the merged one (its value is the dict's)
        lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag in _NUMBER_TAGS:
            numbers[key] = value_node.value
        else:
            numbers.pop(key, None)
        text = _null_text(loader, key_node, value_node)
        written = text if text and _ANCHOR.sub("", text, count=1).strip() else None
        for found, value in ((nulls, written), (texts, text)):
            if value is not None:
                found[key] = value
            else:
                found.pop(key, None)
        # an anchor alone's too (`web: &a`): a mapping written under it is what its aliases stand for
        aliases[key] = _aliases_of(loader.text, text) if text and loader.text else ()
    data.lines, data.numbers, data.nulls, data.braced = lines, numbers, nulls, bool(node.flow_style)
    data.null_texts, data.aliases = texts, aliases


def _null_text(loader: _Loader, key: yaml.Node, node: yaml.Node) -> str | None:
    """A null value's text as written (``~``, ``Null``, ``!!null ''``, its tag with it; an alias,
    ``*n``, as it is written after ``key``, not the anchored null it stands for; ``""`` for nothing
    written, `key:`, ``&a`` for an anchor alone, `key: &a`: a mapping may be written under those
    two, not under the others: `key: !!null` with a line under it is "expected a scalar node");
    none for a value that is not null."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != _NULL_TAG:
        return None
    if loader.text is None:
        return node.value
    if node.start_mark.index < key.end_mark.index:  # written before its key: reached by an alias
        alias = _ALIAS.match(loader.text, key.end_mark.index)
        return alias.group(1) if alias else None
    return loader.text[node.start_mark.index : node.end_mark.index].strip()


_ANCHOR = re.compile(r"^&\S+\s*")
_ANCHOR_NAMED = re.compile(r"(?:^|\s)&([^\s,\[\]{}]+)")


def _aliases_of(text: str, written: str) -> tuple[int, ...]:
    """The 1-based lines of the aliases (`*a`) that name the anchor of a null ``written`` with one
    (`&a ~`, `!!null &a ''`), none for one without: a comment's `*a` is no alias."""
    anchor = _ANCHOR_NAMED.search(written)
    if not anchor:
        return ()
    found = []
    for alias in re.finditer(rf"(?<![^\s:\-\[{{,])\*{re.escape(anchor[1])}(?![^\s,\]}}])", text):
        before = text[text.rfind("\n", 0, alias.start()) + 1 : alias.start()]
        if not re.search(r"(?:^|\s)#", before):
            found.append(text.count("\n", 0, alias.start()) + 1)
    return tuple(found)


_ALIAS = re.compile(r"\s*:\s*(\*[^\s,\[\]{}]+)")


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Any:
    data = Sequence(loader.construct_sequence(node))  # a recursive alias is refused (_check_size)
    data.lines = {i: item.start_mark.line + 1 for i, item in enumerate(node.value)}
    return data


_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_NULL_TAG = "tag:yaml.org,2002:null"


def _refuse_repeated_keys(root: yaml.Node) -> None:
    """A key written twice in one mapping is an error, not "the last one wins" (PyYAML's way):
    two ``send_at:`` lines are a mistake, and which one counts must not be a guess. Checked on
    the document as written, before anything is built (building a merge key, ``<<``, folds the
    merged keys into the mapping, where a key given beside it overrides them, as YAML means)."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:  # an alias: its anchor's node, checked once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Mark] = {}
            for key_node, value_node in node.value:
                pending += [key_node, value_node]
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in first:
                    twice = f"{key_node.value!r} is given twice (first on line {first[key].line + 1})"
                    raise yaml.constructor.ConstructorError(None, None, twice, key_node.start_mark)
                first[key] = key_node.start_mark


def _construct_number(kind: str):
    def construct(loader: _Loader, node: yaml.ScalarNode) -> Any:
        if isinstance(node.value, str) and BASE_60.fullmatch(node.value):
            return loader.construct_scalar(node)  # 17:30 stays "17:30" (YAML 1.1: 1050)
        return loader.construct_yaml_int(node) if kind == "int" else loader.construct_yaml_float(node)

    return construct


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_number("int"))
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_number("float"))


class TooLarge(yaml.YAMLError):
    """Aliases that would expand without end, or to more than MAX_VALUES values."""

    def __init__(self, mark: yaml.Mark | None, recursive: bool = False) -> None:
        super().__init__()
        self.mark, self.recursive = mark, recursive

    def __str__(self) -> str:
        how = f"to more than {MAX_VALUES:,} values (a 'billion laughs' document?)"
        if self.recursive:
            how = "without end (an alias inside its own anchor)"
        return f"its aliases expand {how}; write the values out instead of repeating them through aliases"


def _check_size(root: yaml.Node) -> None:
    """Count the values the node graph expands to (an alias counts its whole target again)."""
    sizes: dict[int, int] = {}
    pending: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in pending:  # a recursive alias expands without end
            raise TooLarge(node.start_mark, recursive=True)
        pending.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children: Iterable[yaml.Node] = node.value
        elif isinstance(node, yaml.MappingNode):
            children = (n for pair in node.value for n in pair)
        else:
            children = ()
        for child in children:
            total += size(child)
            if total > MAX_VALUES:
                raise TooLarge(child.start_mark)
        pending.discard(key)
        sizes[key] = total
        return total

    size(root)


def describe(error: yaml.YAMLError | RoundTripYAMLError) -> str:
    """A PyYAML (or ruamel) error as 'line L, column C: what is wrong'."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    if isinstance(error, yaml.MarkedYAMLError | RoundTripMarkedError):
        context, start = error.context, error.context_mark
        if (
            context
            and start is not None
            and mark is not None
            and (start.line, start.column) != (mark.line, mark.column)
        ):
            context += f" (from line {start.line + 1}, column {start.column + 1})"
        what = ": ".join(p for p in (context, error.problem) if p)
        return where + (what or str(error))
    return where + str(error)


def load(text: str, where: str | Path, error: type[DigestError]) -> Any:
    """The data of a YAML text; ``error(f"{where}: not valid YAML, line L, column C: ...")`` if not."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as e:
        raise error(f"{where}: not valid YAML, {said(e, text)}") from None
    except ValueError as e:  # a number of thousands of digits: Python refuses to convert it
        raise error(f"{where}: a number too long to read ({str(e)[:60]}...)") from None


def quoted_items(text: str, key: str) -> set[str]:
    """The items of the top-level ``key``'s list (or the keys of its mapping) that ``text``
    writes in quotes, as written: a term the user quoted on purpose (set() if unreadable)."""
    try:
        root = yaml.compose(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except (yaml.YAMLError, ValueError):
        return set()
    value = next((v for k, v in getattr(root, "value", ()) if getattr(k, "value", None) == key), None)
    if isinstance(value, yaml.MappingNode):
        items = [k for k, _ in value.value]
    else:
        items = value.value if isinstance(value, yaml.SequenceNode) else []
    return {n.value for n in items if isinstance(n, yaml.ScalarNode) and n.style in ("'", '"')}


def read_problem(error: OSError | UnicodeDecodeError) -> str:
    """What keeps a YAML file from being read: for a text not in UTF-8 (saved as Latin-1 or
    Windows-1252 by an editor), where and which byte, as that encoding reads it, and the fix;
    Python's own words ('can't decode byte 0xe9 in position 32') say neither line nor cure."""
    if not isinstance(error, UnicodeDecodeError):
        return str(error)
    before = bytes(error.object[: error.start])
    line, column = before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1
    byte = bytes(error.object[error.start : error.start + 1])
    shown = byte.decode("cp1252", errors="replace")
    seen = f" ({shown!r} in Windows-1252 or Latin-1)" if shown != "\ufffd" else ""
    return (
        f"line {line}, column {column}: byte 0x{byte.hex()}{seen} is not UTF-8: save the file "
        "as UTF-8 (in most editors: Save As, Encoding UTF-8)"
    )


def said(error: yaml.YAMLError | RoundTripYAMLError, text: str) -> str:
    """'line L, column C: what is wrong' (:func:`describe`), said plainly where the error points
    at a tab (invisible in most editors), which YAML refuses in indentation and before a value:
    libyaml's words ("while scanning a plain scalar (from line 1, column 8): found a tab character
    that violates indentation", or that a character cannot start a token) say neither that it
    is a tab nor what to do. Only where the error points at a tab: one elsewhere on the line
    (inside a quoted value, in a flow list) is no cause."""
    mark = getattr(error, "problem_mark", None)
    lines = _LINE_BREAKS.split(text)  # YAML's line breaks, as the mark counts them
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if mark is None or line[mark.column : mark.column + 1] != "\t":
        return describe(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: "
    if not line[: mark.column].strip(" \t"):
        return where + "a tab indents this line; YAML indents with spaces only: replace the tab with spaces"
    return where + "a tab, where YAML takes only spaces: replace the tab with a space"


_LINE_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def reads_as(text: str) -> Any:
    """What the loader makes of ``text`` as a value (``_MISSING`` if it is not a single value)."""
    try:
        data = yaml.load(f"k: {text}", Loader=_Loader)  # noqa: S506
    except (yaml.YAMLError, ValueError):  # ValueError: a number of thousands of digits
        return _MISSING
    return data.get("k", _MISSING) if isinstance(data, dict) and len(data) == 1 else _MISSING


_MISSING = object()
