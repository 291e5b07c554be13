"""The templates' ``wordwrap``: Jinja's own, counting the columns a fixed-width font gives the text
(a mail reader's plain text, a terminal), not its characters, and breaking Chinese or Japanese text,
which has no spaces, between its characters.

A character East Asian Wide or Fullwidth (``unicodedata.east_asian_width``: a Han character, kana,
hangul, a fullwidth form) takes two columns; a combining mark (an accent written after its letter)
none; any other one. So 68 Japanese characters take 136 columns, and wrapped at 78 make two lines.

Where there is no space, a line may break before or after a wide character, never inside a run of
others: a Latin word, a number, a URL (from its scheme, "https://", to the next space) stays whole. A closing
mark (「。」, 「、」, 「）」, a small kana) stays with the character before it and an opening one
(「（」, 「「」) with the one after, as Japanese and Chinese typesetting asks (kinsoku). Text with no
wide character is wrapped exactly as Jinja's ``wordwrap`` wraps it.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

CLOSING = set(
    "、。，．,.・：；？！:;?!)]}）］｝〕〉》」』】〙〗〟’”ゝゞ々ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
ZWJ = "\u200d"  # the zero-width joiner: the emoji before and after it make one
SKIN_TONES = ("\U0001f3fb", "\U0001f3ff")  # the Fitzpatrick modifiers, each after an emoji
OPENING = set("（［｛〔〈《「『【〘〖〝‘“([{")


def columns(c: str) -> int:
    """The columns one character takes: 2 for East Asian Wide and Fullwidth, 0 for a combining mark."""
    if c < "\u0300":  # Latin-1 and the letters after it: one column each, as len() counts them
        return 1
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def width(text: str) -> int:
    """The columns ``text`` takes in a fixed-width font."""
    return len(text) if text.isascii() else sum(map(columns, text))


def pieces(word: str) -> list[str]:
    """A word (no space in it) cut where a line may break: around each wide character, never inside
    a run of the others, nor inside a URL; closing marks kept with what they close, opening ones with
    what they open."""
    if word.isascii():
        return [word]
    if link := URL.search(word):  # the text before a link may break; the link and what follows not
        if not link.start():
            return [word]
        head = pieces(word[: link.start()])
        before = head[-1].rstrip("".join(c for c in head[-1] if not columns(c)))  # its marks aside
        if before and (before[-1] in OPENING or columns(before[-1]) == 1):  # „ or 「: with the link
            return head[:-1] + [head[-1] + word[link.start() :]]
        return head + [word[link.start() :]]
    out: list[str] = []
    wide_before = False
    for c in word:
        wide = columns(c) == 2
        joined = out and (
            columns(c) == 0
            or c in CLOSING
            or out[-1][-1] in OPENING
            or ZWJ in (c, out[-1][-1])  # an emoji of several (a family): one
            or SKIN_TONES[0] <= c <= SKIN_TONES[1]  # an emoji's skin tone: with it
            or not (wide or wide_before)  # a Latin word, a number: whole
        )
        if joined:
            out[-1] += c
        else:
            out.append(c)
        wide_before = wide if columns(c) else wide_before
    return out


class WideWrapper(textwrap.TextWrapper):
    """textwrap's wrapping, measured in columns (:func:`width`), wide text cut by :func:`pieces`."""

    def _split(self, text: str) -> list[str]:
        return [piece for chunk in super()._split(text) for piece in pieces(chunk)]

    def _wrap_chunks(self, chunks: list[str]) -> list[str]:
        """textwrap's own (without max_lines, never set here), with :func:`width` for len()."""
        if self.width <= 0:
            raise ValueError(f"invalid width {self.width!r} (must be > 0)")
        lines: list[str] = []
        chunks.reverse()
        while chunks:
            cur_line: list[str] = []
            cur_len = 0
            indent = self.subsequent_indent if lines else self.initial_indent
            room = self.width - width(indent)
            if self.drop_whitespace and chunks[-1].strip() == "" and lines:
                del chunks[-1]
            while chunks and cur_len + width(chunks[-1]) <= room:
                cur_len += width(chunks[-1])
                cur_line.append(chunks.pop())
            if chunks and width(chunks[-1]) > room:
                self._handle_long_word(chunks, cur_line, cur_len, room)
            if self.drop_whitespace and cur_line and cur_line[-1].strip() == "":
                del cur_line[-1]
            if cur_line:
                lines.append(indent + "".join(cur_line))
        return lines

    def _handle_long_word(
        self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, room: int
    ) -> None:
        """A chunk wider than a line: cut at the columns left when long words may be broken (at a
        hyphen before them, if allowed), else on a line of its own, as textwrap does."""
        space_left = 1 if room < 1 else room - cur_len
        chunk = reversed_chunks[-1]
        if self.break_long_words:
            end, used = 0, 0
            while end < len(chunk) and (used + columns(chunk[end]) <= space_left or not (end or cur_len)):
                used += columns(chunk[end])
                end += 1
            if self.break_on_hyphens and end < len(chunk):
                hyphen = chunk.rfind("-", 0, end)
                if hyphen > 0 and any(c != "-" for c in chunk[:hyphen]):
                    end = hyphen + 1
            cur_line.append(chunk[:end])
            reversed_chunks[-1] = chunk[end:]
        elif not cur_line:
            cur_line.append(reversed_chunks.pop())


def wordwrap(
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja's ``wordwrap`` (the same arguments; each line of ``s`` wrapped on its own), in columns."""
    wrapstring = "\n" if wrapstring is None else wrapstring
    wrapper = WideWrapper(
        width=width,
        expand_tabs=False,
        replace_whitespace=False,
        break_long_words=break_long_words,
        break_on_hyphens=break_on_hyphens,
    )
    return wrapstring.join(wrapstring.join(wrapper.wrap(line)) for line in s.splitlines())
