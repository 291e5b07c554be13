"""The maker's records on the pipe: NewMessages as plain bytes, several to a frame.

A :class:`NewMessage` is written as a fixed header (its kind, which optional fields it has,
the lengths of its fields) followed by its fields' bytes: no pickling of a dataclass on
either end, and the reader takes each field with one slice of the frame it received. A frame
holds as many records as fit in about :data:`FRAME_BYTES` (at least one), so a pipe write
and a pipe read carry several messages. The rare records (a digest that could not be made,
an error, the end) follow in the same stream, in order.

    >>> frame = Frame()
    >>> frame.message(NewMessage("ann", "ann@example.org", "<m@x>", "Hi", b"MIME", (3, 7)))
    >>> [m.paper_ids for _, m in records(frame.take())]
    [(3, 7)]
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Iterator
from typing import Any

from digest.deliver.outbox import NewMessage

FRAME_BYTES = 192 * 1024  # a frame is sent once it holds this much (a message is ~50 KB)

MESSAGE, FAILED, ERROR, END = 1, 2, 3, 4

# kind, flags, through, where its window started, then the lengths of: user, recipient, message_id,
# subject, period, mime, packed, and the numbers of paper ids and of those carried (8 bytes each)
_HEAD = struct.Struct("<BBqq9I")
_SHORT = struct.Struct("<BI")  # kind, length of what follows (FAILED: a pickle; ERROR: text)
_PERIOD, _THROUGH, _BACKSTOP, _PACKED, _WINDOW, _START = 1, 2, 4, 8, 16, 32


class Frame:
    """The records of one frame, gathered by the maker until it is full (:attr:`full`)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= FRAME_BYTES

    def message(self, m: NewMessage) -> None:
        texts = [s.encode("utf-8") for s in (m.user, m.recipient, m.message_id, m.subject, m.period or "")]
        packed = m.packed if m.packed is not None else b""
        start, carried = m.window if m.window is not None else (None, ())
        flags = (
            (_PERIOD if m.period is not None else 0)
            | (_THROUGH if m.through is not None else 0)
            | (_BACKSTOP if m.backstop else 0)
            | (_PACKED if m.packed is not None else 0)
            | (_WINDOW if m.window is not None else 0)
            | (_START if start is not None else 0)
        )
        ids = struct.pack(f"<{len(m.paper_ids) + len(carried)}q", *m.paper_ids, *carried)
        head = _HEAD.pack(
            MESSAGE, flags, m.through or 0, start or 0, *map(len, texts), len(m.mime), len(packed),
            len(m.paper_ids), len(carried),
        )  # fmt: skip
        self._add(head, *texts, m.mime, packed, ids)

    def failed(self, outcome: Any) -> None:
        data = pickle.dumps(outcome)
        self._add(_SHORT.pack(FAILED, len(data)), data)

    def error(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        self._add(_SHORT.pack(ERROR, len(data)), data)

    def end(self) -> None:
        self._add(_SHORT.pack(END, 0))

    def take(self) -> bytes:
        """The frame's bytes; the frame is empty again."""
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data

    def _add(self, *parts: bytes) -> None:
        self.parts.extend(parts)
        self.size += sum(map(len, parts))


def records(frame: bytes | bytearray | memoryview) -> Iterator[tuple[int, Any]]:
    """(kind, item) for each record of a frame: a NewMessage, a failed outcome, an error's
    text, or None (the end)."""
    view = memoryview(frame)
    at, end = 0, len(view)
    while at < end:
        kind = view[at]
        if kind != MESSAGE:
            kind, n = _SHORT.unpack_from(view, at)
            at += _SHORT.size
            data = bytes(view[at : at + n])
            at += n
            if kind == FAILED:
                yield kind, pickle.loads(data)
            else:
                yield kind, data.decode("utf-8") if kind == ERROR else None
            continue
        _, flags, through, start, *sizes, ids, n_carried = _HEAD.unpack_from(view, at)
        at += _HEAD.size
        fields = []
        for n in sizes:
            fields.append(bytes(view[at : at + n]))
            at += n
        user, recipient, message_id, subject, period = (f.decode("utf-8") for f in fields[:5])
        paper_ids = struct.unpack_from(f"<{ids}q", view, at)
        carried = struct.unpack_from(f"<{n_carried}q", view, at + 8 * ids)
        at += 8 * (ids + n_carried)
        yield (
            MESSAGE,
            NewMessage(
                user=user,
                recipient=recipient,
                message_id=message_id,
                subject=subject,
                mime=fields[5],
                paper_ids=paper_ids,
                period=period if flags & _PERIOD else None,
                through=through if flags & _THROUGH else None,
                backstop=bool(flags & _BACKSTOP),
                packed=fields[6] if flags & _PACKED else None,
                window=(start if flags & _START else None, carried) if flags & _WINDOW else None,
            ),
        )
