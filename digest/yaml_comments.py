"""Comments through round-trip edits: ruamel.yaml keeps a comment line with the item before it,
so removing an item would take the comment lines of what follows it along, and an emptied
block list would be written on a line of its own below its key's comment (text that does not
parse). :func:`remove` and :func:`drop` keep every other line where it was;
:func:`in_place_of_comment` writes a setting an edit adds on the commented line that shows it
(as `digest profile new` writes them); :func:`append` adds an item above the comment lines that
follow the block. Used by :mod:`digest.yaml_edit` and the profile edits.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


def in_place_of_comment(text: str, key: str) -> str:
    """``text`` with the top-level ``key`` (its line and its block, if any) moved to the one
    comment line that shows it as ``profile new`` writes them, ``# key: value   # help``: the
    help stays, at its column. Unchanged unless both are found once, the comment has such a
    help part (a comment in prose is not a setting's place), and the moved text reads as the
    same document (a comment line inside another key's block is no place for a key)."""
    lines = text.splitlines(keepends=True)
    mine = [i for i, line in enumerate(lines) if line.startswith(f"{key}:")]
    shown = [i for i, line in enumerate(lines) if re.match(rf"#\s?{re.escape(key)}:", line)]
    if len(mine) != 1 or len(shown) != 1:
        return text
    i, j = mine[0], shown[0]
    help_part = _HELP.match(lines[j].rstrip("\n"), 2 + len(key))
    if help_part is None:
        return text
    end = i + 1
    while end < len(lines) and lines[end][:1] in (" ", "-"):  # its block
        end += 1
    head = lines[i].rstrip("\n")
    if "#" not in head:  # a value with a comment of its own keeps that one
        head = head.ljust(help_part.start(1) - 1) + " " + help_part[1]
    moved = [head + "\n", *lines[i + 1 : end]]
    rest = lines[:i] + lines[end:]
    at = j if j < i else j - (end - i)
    result = "".join(rest[:at] + moved + rest[at + 1 :])
    try:
        same = yaml.safe_load(result) == yaml.safe_load(text)
    except yaml.YAMLError:
        same = False
    return result if same else text


# The help part of a commented setting, "   # help": the last such (a value may hold "  # ").
_HELP = re.compile(r".*(?:\s{2,}|\t)(#\s.*)$")


def remove(parent: CommentedMap, name: Any, item: Any) -> None:
    """Remove ``item`` (an index of a list, a key of a mapping) from ``parent[name]`` as
    :func:`drop` does. A list or mapping left empty is written on its key's line (``exclude: []
    # comment``), not on a line of its own below the comment, which would not parse."""
    container = parent[name]
    tail = drop(container, item)
    if not container:
        parent[name] = type(container)()  # flow style, on the key's line
        if tail:
            _append_after(parent, name, tail)


def drop(container: CommentedMap | CommentedSeq, item: Any) -> str:
    """Remove ``item`` (an index, a key), keeping what the round-trip loader attaches to it but
    belongs to what follows: the comment lines and blank lines after it. They go after the item
    before it, or before the new first item; left empty, the container returns them. (An item
    whose value is a non-empty block list or mapping: ruamel keeps those lines with the value's
    last item, and they go with it. The edits drop only scalars and emptied lists.)"""
    slot = 0 if isinstance(container, CommentedSeq) else 2  # where ruamel keeps an item's comment
    keys = list(range(len(container))) if slot == 0 else list(container)
    position = keys.index(item)
    attached = container.ca.items.get(item)
    tail = attached[slot].value.partition("\n")[2] if attached and attached[slot] else ""
    del container[item]  # a list's later comments move up with their items
    if not tail or not container:
        return tail
    if position > 0:
        _append_after(container, position - 1 if slot == 0 else keys[position - 1], tail)
    elif container.ca.comment and container.ca.comment[0]:  # after the key's own comment
        container.ca.comment[0].value += tail
    else:  # among the comment lines before the first item (a document's first lines)
        before = container.ca.comment = container.ca.comment or [None, None]
        before[1] = [*(before[1] or []), _comment(tail)]
    return ""


def append(container: CommentedMap | CommentedSeq, item: Any, value: Any = None) -> None:
    """Add ``item`` at the end of ``container`` (a list's value; a mapping's key, with
    ``value``), keeping the comment lines after the last item after it: ruamel keeps them with
    that item, and the new one would be written below them (the commented ``# exclude:`` line
    that ``profile new`` writes after the interests then stood inside them)."""
    slot = 0 if isinstance(container, CommentedSeq) else 2
    last = (len(container) - 1 if slot == 0 else list(container)[-1]) if container else None
    attached = container.ca.items.get(last) if last is not None else None
    tail = ""
    if attached and attached[slot] and not isinstance(container[last], CommentedMap | CommentedSeq):
        own, newline, tail = attached[slot].value.partition("\n")
        attached[slot].value = own + newline  # the last item keeps its own end-of-line comment
    if slot == 0:
        container.append(item)
    else:
        container[item] = value
    if tail:
        _append_after(container, len(container) - 1 if slot == 0 else item, tail)


def _append_after(container: CommentedMap | CommentedSeq, item: Any, lines: str) -> None:
    """Comment lines after ``item``: after its last line (inside its value, if a block)."""
    value = container[item]
    if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        _append_after(value, len(value) - 1 if isinstance(value, CommentedSeq) else list(value)[-1], lines)
        return
    slot = 0 if isinstance(container, CommentedSeq) else 2
    entry = container.ca.items.setdefault(item, [None, None, None, None])
    if entry[slot]:
        entry[slot].value += lines
    else:
        entry[slot] = _comment("\n" + lines)


def _comment(text: str) -> CommentToken:
    return CommentToken(text, CommentMark(0), None)
