"""The RSS 2.0 form of arXiv's listing feeds (``rss.arxiv.org/rss/cs.CL``).

Per item: ``title``, ``link`` (the abstract page), ``guid`` (``oai:arXiv.org:2403.01234v1``),
``description`` ("arXiv:2403.01234v1 Announce Type: new Abstract: ..."), ``category`` (one per
category), ``dc:creator`` (every author in one string), ``arxiv:announce_type``. Replacements
are skipped unless asked for. The listing's day is the channel's ``pubDate`` (else
``lastBuildDate``, else the day it was saved, in the config's zone: read_dump); a weekend feed
has a channel and no items: an empty listing, not an error.
Kept: arXiv id, title, abstract, authors, categories. Ignored: ``pubDate`` of items,
``dc:rights``, the channel's title, description and ``skipDays``.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from digest.errors import DumpError, ItemError
from digest.ingest.sources.arxiv_feed import REPLACEMENTS, rfc822_day, split_abstract, split_authors
from digest.ingest.sources.fields import (
    ARXIV,
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

FORMAT = "arxiv_rss"
_ROOT = re.compile(r"<rss[\s>]")


def sniff(text: str) -> bool:
    return starts_with_root(text, _ROOT)


def parse(text: str, path: Path, mtime: dt.datetime, *, replacements: bool = False) -> Listing:
    root = parse_xml(text, path)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise DumpError(f"{path}:1: expected RSS 2.0 (<rss><channel>...), found <{root.tag}>")
    entries, skipped = [], []
    for n, node in enumerate(channel.findall("item"), 1):
        try:
            entry = _entry(node, n, path, replacements)
        except ItemError as e:
            skipped.append(str(e))
            continue
        if entry is not None:
            entries.append(entry)
    day = (
        rfc822_day(channel.findtext("pubDate"))
        or rfc822_day(channel.findtext("lastBuildDate"))
        or mtime.date()
    )
    return Listing(path, day, tuple(entries), content_sha(text), FORMAT, tuple(skipped))


def _entry(node: ET.Element, n: int, path: Path, replacements: bool) -> Entry | None:
    where = f"{path}: item {n}"
    title = element_text(node.find("title"))
    announce, abstract = split_abstract(element_text(node.find("description")))
    announce = clean(node.findtext(f"{ARXIV}announce_type")).lower() or announce
    if announce in REPLACEMENTS and not replacements:
        return None
    if not title:
        raise ItemError(f"{where}: <title> is missing or empty")
    if not abstract:
        raise ItemError(f"{where}: <description> (the abstract of {title[:60]!r}) is missing or empty")
    paper_id = arxiv_id(node.findtext("guid")) or arxiv_id(node.findtext("link"))
    authors = unique(name for c in node.findall(f"{DC}creator") for name in split_authors(clean(c.text)))
    categories = unique(clean(c.text) for c in node.findall("category"))
    before = () if paper_id else read_before(node.find("title"))  # found by its id else
    return Entry(
        title, abstract, n, arxiv_id=paper_id, authors=authors, categories=categories, read_before=before
    )
