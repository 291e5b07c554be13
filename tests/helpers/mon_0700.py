"""MON_0700: Monday 16 March 2026, 07:00 UTC, the hour the daemon's tests start their passes at
(a reader's `send_at: "07:30"` not come yet; the dump of Sunday the 15th, made six hours before)."""

from __future__ import annotations

import datetime as dt

MON_0700 = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
