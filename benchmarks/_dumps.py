"""Read the shared listing dumps for the benchmarks (the project's real reader lives elsewhere)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)

from digest.models import Paper

HEADER = 5  # "new", "Get trending papers...", "Subscribe", "byAK and the...", "Mar 14"
DEFAULT_DUMPS = Path(_path.ROOT).parent / "shared" / "dumps"  # ../shared beside the checkout


def dedupe_key(title: str) -> str:
    return re.sub(r"\W+", " ", title.casefold()).strip()


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def read_dumps(folder: Path = DEFAULT_DUMPS) -> list[Paper]:
    """Every paper of every dump in ``folder``, deduplicated by normalized title."""
    papers: list[Paper] = []
    seen: set[str] = set()
    for n, path in enumerate(sorted(p for p in folder.iterdir() if p.is_file())):
        paras = _paragraphs(path.read_text(encoding="utf-8"))
        day = dt.date(2024, 1, 1) + dt.timedelta(days=n)
        body = paras[HEADER:]
        for title, abstract in zip(body[0::2], body[1::2], strict=False):
            key = dedupe_key(title)
            if key in seen:
                continue
            seen.add(key)
            papers.append(Paper(len(papers) + 1, title, abstract, day))
    return papers
