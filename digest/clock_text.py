"""The time of day a slip in a time setting means (send_at: 7am), for the refusal to name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any


def clock_meant(value: Any) -> dt.time | None:
    """The time a slip means: 7am, "7:30 pm", 12am, 7.30, 7h30, 0730 or 730, 07:30:00 (no seconds
    but none), a bare hour (7)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.time(value) if 0 <= value < 24 else None
    text = value.strip().lower().replace(".", ":") if isinstance(value, str) else ""
    m = re.fullmatch(r"(\d{1,2})(?:[:h]?(\d{2})(?::00)?)?\s*(?:([ap]):?m:?)?", text)
    if not m or (m[2] is None and m[3] is None):
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[3]:
        hour = hour % 12 + (12 if m[3] == "p" else 0) if 1 <= hour <= 12 else 24
    return dt.time(hour, minute) if hour < 24 and minute < 60 else None
