"""A paper a fetched document lists more than once (by its arXiv id): stored once, said so.

The store makes the items of one paper one paper (its first item's title and abstract, the
union of the rest) and counts each one after the first as "known"; a fetch's record counts
them as the one paper they are and names them ("item 3 lists 2612.09001 again (item 1)").
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.models import Entry

NAMED = 3  # the repeats a fetch's record names (the others counted)


@dataclass(frozen=True)
class Repeat:
    item: int  # the item that lists the paper again (1-based)
    first: int  # the item that listed it first
    arxiv_id: str


def repeats(entries: tuple[Entry, ...] | list[Entry]) -> list[Repeat]:
    """Each entry whose arXiv id an earlier entry has, with that earlier entry."""
    first: dict[str, int] = {}
    found = []
    for entry in entries:
        if entry.arxiv_id is None:
            continue
        if entry.arxiv_id in first:
            found.append(Repeat(entry.line, first[entry.arxiv_id], entry.arxiv_id))
        else:
            first[entry.arxiv_id] = entry.line
    return found


def said(found: list[Repeat]) -> str:
    """'; item 3 lists 2612.09001 again (item 1)', the first NAMED of them, and how many more."""
    if not found:
        return ""
    named = "; ".join(f"item {r.item} lists {r.arxiv_id} again (item {r.first})" for r in found[:NAMED])
    more = f"; and {len(found) - NAMED} more listed again" if len(found) > NAMED else ""
    return f"; {named}{more}"
