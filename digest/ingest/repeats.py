"""A paper a fetched document lists more than once: stored once, said so.

The store makes the items of one paper one paper (its first item's title and abstract, the
union of the rest) and counts each one after the first as "known"; a fetch's record counts
them as the one paper they are and names them ("item 3 lists 2612.09001 again (item 1)").
One paper as the store finds it (digest.store_papers.upsert_paper): the same arXiv id, or the
same normalized title where one of the two has no id ('item 3 lists 'Sparse probes' again').
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.models import Entry
from digest.store_papers import title_key

NAMED = 3  # the repeats a fetch's record names (the others counted)


@dataclass(frozen=True)
class Repeat:
    item: int  # the item that lists the paper again (1-based)
    first: int  # the item that listed it first
    paper: str  # its arXiv id, or its title (60 characters) quoted where it has none


def repeats(entries: tuple[Entry, ...] | list[Entry]) -> list[Repeat]:
    """Each entry an earlier entry lists already (its arXiv id, or its title where one of the
    two has no id), with that earlier entry."""
    by_id: dict[str, int] = {}
    by_title: dict[str, tuple[int, str | None]] = {}  # a title's first item, and that item's id
    found = []
    for entry in entries:
        key = title_key(entry.title)
        titled = by_title.get(key)
        if entry.arxiv_id is not None and entry.arxiv_id in by_id:
            found.append(Repeat(entry.line, by_id[entry.arxiv_id], entry.arxiv_id))
        elif titled is not None and (entry.arxiv_id is None or titled[1] is None):
            found.append(Repeat(entry.line, titled[0], entry.arxiv_id or repr(entry.title[:60])))
            if entry.arxiv_id is not None:  # the paper has this id now, as the store gives it
                by_id.setdefault(entry.arxiv_id, titled[0])
                by_title[key] = (titled[0], titled[1] or entry.arxiv_id)
        else:
            if entry.arxiv_id is not None:
                by_id[entry.arxiv_id] = entry.line
            by_title.setdefault(key, (entry.line, entry.arxiv_id))
    return found


def said(found: list[Repeat]) -> str:
    """'; item 3 lists 2612.09001 again (item 1)', the first NAMED of them, and how many more."""
    if not found:
        return ""
    named = "; ".join(f"item {r.item} lists {r.paper} again (item {r.first})" for r in found[:NAMED])
    more = f"; and {len(found) - NAMED} more listed again" if len(found) > NAMED else ""
    return f"; {named}{more}"
