"""Helpers shared by the structured readers (JSON, Atom, RSS): safe XML, arXiv ids, clean text."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from digest.errors import DumpError
from digest.ingest.sources.decode import CONTROL

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

# New-style ids (2007 on: 0704.0001, 2403.01234) and old-style ones (hep-th/9901001, math.GT/0309136)
_ARXIV_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)?"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Runs of whitespace (arXiv wraps titles and abstracts over lines) become one space; NUL,
    control characters and bidi overrides are dropped, as :func:`~.decode.decode` drops them from
    the file: here they come from escapes (JSON's ``\\u001b``, XML's ``&#x202E;``) decoded after it."""
    return _SPACE.sub(" ", CONTROL.sub("", (text or "").replace("\x00", ""))).strip()


def arxiv_id(text: str | None) -> str | None:
    """The arXiv id, without version, in an id, a URL or an OAI identifier; None if there is none."""
    if not text:
        return None
    m = _ARXIV_ID.search(text.strip())
    return m["id"] if m else None


def parse_xml(text: str, path: Path) -> ET.Element:
    """Parse with entity expansion and external references refused (XML bombs, XXE). The text
    is parsed as the text it is (decoded from UTF-8 already): an ``encoding=`` in its XML
    declaration is not applied a second time (UTF-8 read as ISO-8859-1: "CafÃ©")."""
    try:
        return fromstring(text)
    except DefusedXmlException as e:
        raise DumpError(
            f"{path}: refused: the XML declares entities or a DTD ({e}); not a feed we read"
        ) from None
    except ET.ParseError as e:
        line = e.position[0]
        raise DumpError(f"{path}:{line}: not well-formed XML: {e}") from None


def content_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def most_common(values: Iterable[object]) -> object | None:
    counts = Counter(v for v in values if v is not None)
    return counts.most_common(1)[0][0] if counts else None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def starts_with_root(text: str, root: re.Pattern[str]) -> bool:
    """Does the document look like XML whose root element ``root`` matches (the first 4 KB)?"""
    head = text.lstrip()[:4096]
    return head.startswith("<") and root.search(head) is not None
