"""A paper's title or abstract as the HTML part shows it: escaped, the hits wrapped in <mark>
(overlapping ones merged), the abstract cut at a word with " …" (digest.compose.render)."""

from __future__ import annotations

from markupsafe import Markup

from digest.models import Hit

Spans = tuple[tuple[int, int], ...]


def trim_point(text: str, limit: int) -> int:
    """Where to cut ``text`` to at most ``limit`` characters, at a word boundary."""
    if len(text) <= limit:
        return len(text)
    space = text.rfind(" ", 0, limit)
    return space if space > limit // 2 else limit


def highlight(text: str, hits: list[Hit], end: int | None = None) -> Markup:
    """Escape ``text[:end]`` and wrap the hit spans in <mark>; overlapping spans are merged."""
    return highlight_spans(text, tuple((h.start, h.end) for h in hits), end)


def highlight_spans(text: str, hits: Spans, end: int | None = None) -> Markup:
    """highlight() with the hits as (start, end) pairs."""
    end = len(text) if end is None else end
    spans = sorted((max(a, 0), min(b, end)) for a, b in hits if a < end and b > a)
    merged: list[list[int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    out: list[str] = []
    pos = 0
    for start, stop in merged:
        out += (escape_text(text[pos:start]), "<mark>", escape_text(text[start:stop]), "</mark>")
        pos = stop
    out.append(escape_text(text[pos:end]))
    if end < len(text):
        out.append(" …")
    return Markup("".join(out))


def escape_text(text: str) -> str:
    """markupsafe's ``escape`` of a str, as a str (no Markup made for each piece)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    return text
