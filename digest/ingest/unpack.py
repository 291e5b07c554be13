"""Unpacking a compressed body (gzip, deflate) no further than a limit, as it is read: what a
few kilobytes unpack to is never held whole (digest.ingest.http.Http._fetch)."""

from __future__ import annotations

import zlib
from collections.abc import Callable


def unpacker(coding: str) -> Callable[[bytes, int], list[bytes]]:
    """What unpacks a body sent in ``coding`` (gzip, deflate; any other is kept as it came, as
    httpx keeps one it cannot decode): called with each part read (b"" at the end) and the most
    to give back, it returns the part unpacked, in pieces of at most that many bytes, so a
    few bytes that unpack to a gigabyte never stand in memory whole. zlib.error if damaged."""
    coding = coding.strip().lower()
    if coding not in ("gzip", "x-gzip", "deflate"):
        return lambda raw, most: [raw] if raw else []
    gzip = coding != "deflate"
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
    first = not gzip  # deflate: zlib's format, or raw deflate as some servers send it (httpx's way)
    head = b""  # deflate's first bytes, until zlib's two-byte header is judged (a byte per part too)
    fed = False  # whether any of the body came: one cut short is damaged, an empty one is not

    def unpack(raw: bytes, most: int) -> list[bytes]:
        nonlocal inflate, first, head, fed
        pieces, got = [], 0
        if first:
            head += raw
        while raw:
            try:
                piece = inflate.decompress(raw, max(most, 1))
            except zlib.error:
                if not first:
                    raise
                inflate, first, raw, head = zlib.decompressobj(-zlib.MAX_WBITS), False, head, b""
                continue  # raw deflate from its first byte, not from this part's
            if len(head) >= 2:  # the header was there to judge, and zlib took it
                first, head = False, b""
            pieces.append(piece)
            got += len(piece)
            raw, fed = inflate.unconsumed_tail, True
            if gzip and inflate.eof and not raw and inflate.unused_data.strip(b"\0"):  # RFC 1952's
                raw, inflate = inflate.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)  # members
            if got >= most:  # over the limit: the caller refuses it
                break
        if not raw and not pieces:  # the end
            pieces.append(inflate.flush())
            if fed and not inflate.eof:
                raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return [p for p in pieces if p]

    return unpack
