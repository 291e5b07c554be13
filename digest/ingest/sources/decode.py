"""Decoding and paragraph splitting shared by the dump readers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from digest.errors import DumpError, NotUtf8

# Control characters (but tab and newline) and the bidi embedding/override/isolate marks; and a
# lone surrogate, which only a JSON escape gives ("\ud800"): no UTF-8, no database stores it.
CONTROL = re.compile(
    "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@dataclass(frozen=True)
class Paragraph:
    text: str  # lines joined by single spaces
    line: int  # 1-based line of its first line


def decode(raw: bytes, path: Path) -> list[str]:
    """Bytes -> lines without line endings or trailing spaces. Rejects empty and non-UTF-8 files."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line, where = raw[: e.start].count(b"\n") + 1, f"byte 0x{raw[e.start]:02x} at offset {e.start}"
        message = f"{path}:{line}: not UTF-8 text ({where}); save the dump as UTF-8 and try again"
        raise NotUtf8(message, str(path), line, where) from None
    if not text.strip():
        raise DumpError(f"{path}:1: the file is empty")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DumpError(f"{path}:{line}: contains a NUL byte; this is not a text listing")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", " ").replace("\u2029", " ")
    text = CONTROL.sub("", text)  # terminal escapes and bidi overrides never reach a screen or an email
    return [line.rstrip() for line in text.split("\n")]


def paragraphs(lines: list[str], start: int = 0) -> list[Paragraph]:
    """Blank-line separated paragraphs of ``lines[start:]``; runs of blank lines count as one."""
    out: list[Paragraph] = []
    buf: list[str] = []
    first = 0
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped:
            if not buf:
                first = i + 1
            buf.append(stripped)
        elif buf:
            out.append(Paragraph(" ".join(buf), first))
            buf = []
    if buf:
        out.append(Paragraph(" ".join(buf), first))
    return out
