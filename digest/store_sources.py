"""Which sources a digest made now takes papers from: the config's ``sources:`` (a source
renamed there, its url the same, with what it fetched under its old name) and the dumps
dropped in the inbox; what a source taken out of the config fetched stays in the archive."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.sources_config import SourceConfig

_DAY = r"\d{4}-\d\d-\d\d"  # a url's {date}, as SourceConfig.resolved_url fills it in


class ListingSources:
    """The ``fetches`` table read by source; the connection is the Store's."""

    db: Any  # sqlite3.Connection, or digest.db.PgConnection that speaks like one

    def fed_sources(self, sources: Sequence[SourceConfig]) -> tuple[str, ...]:
        """The names of ``sources`` (the config's), and the names a url of one of them was
        fetched under before (a source renamed: its listings kept the old name's files)."""
        names = {s.name for s in sources}
        urls = [re.compile(_DAY.join(re.escape(p) for p in _template(s).split("{date}"))) for s in sources]
        for name, url in self.db.execute("SELECT DISTINCT source, url FROM fetches").fetchall():
            if name not in names and any(u.fullmatch(url) for u in urls):
                names.add(name)
        return tuple(sorted(names))


def _template(source: SourceConfig) -> str:
    return source.url.replace("{categories}", "+".join(source.categories))
