"""arXiv's Atom: the query API (``export.arxiv.org/api/query``) and the listing feeds
(``rss.arxiv.org/atom/cs.CL``).

Per entry: ``id`` (``http://arxiv.org/abs/2403.01234v2`` or ``oai:arXiv.org:2403.01234v2``: the
version is dropped), ``title``, ``summary`` (the listing feeds' "arXiv:... Announce Type: new
Abstract:" prefix removed), ``author/name`` (the query API) or ``dc:creator`` (the listing feeds:
every author in one string, as in the RSS one), ``arxiv:primary_category`` then ``category@term``,
``arxiv:announce_type``. Replacements (``replace``, ``replace-cross``, ``absonly``) are skipped
unless asked for (``replacements: true`` on the source): a digest is for new work. The listing's day is the
feed's ``updated`` day (without one, the day it was saved, in the config's zone: read_dump).
Kept: arXiv id, title, abstract, authors, categories. Ignored: ``published``/``updated`` of
entries (the store keeps the day it first saw a paper), links (the abstract page and PDF are
made from the id), affiliations, ``arxiv:comment``, ``arxiv:journal_ref``, ``arxiv:doi``, rights.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from digest.errors import DumpError, ItemError
from digest.ingest.sources.arxiv_feed import REPLACEMENTS, iso_day, split_abstract, split_authors
from digest.ingest.sources.fields import (
    ARXIV,
    ATOM,
    DC,
    arxiv_id,
    clean,
    content_sha,
    parse_xml,
    starts_with_root,
    unique,
)
from digest.ingest.sources.markup import element_text, read_before
from digest.models import Entry, Listing

FORMAT = "arxiv_atom"
_ROOT = re.compile(r"<(?:\w+:)?feed[\s>]")


def sniff(text: str) -> bool:
    return starts_with_root(text, _ROOT)


def parse(text: str, path: Path, mtime: dt.datetime, *, replacements: bool = False) -> Listing:
    root = parse_xml(text, path)
    if root.tag != f"{ATOM}feed":
        raise DumpError(f"{path}:1: expected an Atom <feed> (xmlns {ATOM[1:-1]}), found <{root.tag}>")
    entries, skipped = [], []
    for n, node in enumerate(root.findall(f"{ATOM}entry"), 1):
        try:
            entry = _entry(node, n, path, replacements)
        except ItemError as e:
            skipped.append(str(e))
            continue
        if entry is not None:
            entries.append(entry)
    day = iso_day(root.findtext(f"{ATOM}updated")) or mtime.date()
    return Listing(path, day, tuple(entries), content_sha(text), FORMAT, tuple(skipped))


def _entry(node: ET.Element, n: int, path: Path, replacements: bool) -> Entry | None:
    where = f"{path}: entry {n}"
    raw_id = node.findtext(f"{ATOM}id") or ""
    if "/api/errors" in raw_id:  # the query API reports a bad query as an entry
        raise DumpError(f"{where}: the arXiv API reported an error: {clean(node.findtext(f'{ATOM}summary'))}")
    title = element_text(node.find(f"{ATOM}title"))
    announce, abstract = split_abstract(element_text(node.find(f"{ATOM}summary")))
    announce = clean(node.findtext(f"{ARXIV}announce_type")).lower() or announce
    if announce in REPLACEMENTS and not replacements:
        return None
    if not title:
        raise ItemError(f"{where}: <title> is missing or empty")
    if not abstract:
        raise ItemError(f"{where}: <summary> (the abstract of {title[:60]!r}) is missing or empty")
    links = [link.get("href") for link in node.findall(f"{ATOM}link")]
    paper_id = arxiv_id(raw_id) or next((i for i in map(arxiv_id, links) if i), None)
    primary = node.find(f"{ARXIV}primary_category")
    categories = unique(
        [primary.get("term", "") if primary is not None else ""]
        + [c.get("term", "") for c in node.findall(f"{ATOM}category")]
    )
    authors = unique(clean(a.findtext(f"{ATOM}name")) for a in node.findall(f"{ATOM}author")) or unique(
        name for c in node.findall(f"{DC}creator") for name in split_authors(clean(c.text))
    )  # the query API names each author; the listing feeds put them all in one dc:creator
    before = () if paper_id else read_before(node.find(f"{ATOM}title"))  # found by its id else
    return Entry(
        title, abstract, n, arxiv_id=paper_id, authors=authors, categories=categories, read_before=before
    )
