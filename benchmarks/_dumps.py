"""Read the shared listing dumps for the benchmarks (the project's real reader lives elsewhere).

The benchmarks never run on other papers without saying so: a folder without dumps stops them
with a message naming it (:func:`dump_files`), and those that can run on generated papers do
so only when asked (``--generated``, :func:`add_paper_options`).
"""

from __future__ import annotations

import argparse
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


def dump_files(folder: Path, generated: bool = False, option: str | None = "--dumps DIR") -> list[Path]:
    """The dump files in ``folder``, sorted; none (or no folder) stops the benchmark with a
    message that names the folder and the benchmark's ``option`` that sets it (None: it has
    none; ``generated``: the benchmark can run on generated papers)."""
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    if not files:
        what = "no folder" if not folder.exists() else "no dump files in the folder"
        how = f"; pass {option}" if option else ""
        other = ", or --generated to run on generated papers" if generated else ""
        raise SystemExit(
            f"no listing dumps at {folder} ({what}): the benchmarks read the shared dumps, "
            f"by default from ../shared/dumps beside the checkout{how}{other}"
        )
    return files


def add_paper_options(ap: argparse.ArgumentParser) -> None:
    """``--dumps DIR`` (default: ../shared/dumps beside the checkout) and ``--generated``."""
    ap.add_argument(
        "--dumps", type=Path, default=DEFAULT_DUMPS, help="the listing dumps (default: ../shared/dumps)"
    )
    ap.add_argument(
        "--generated", action="store_true", help="generated papers only, no dumps (--dumps is ignored)"
    )


def read_dumps(folder: Path = DEFAULT_DUMPS) -> list[Paper]:
    """Every paper of every dump in ``folder``, deduplicated by normalized title."""
    papers: list[Paper] = []
    seen: set[str] = set()
    for n, path in enumerate(dump_files(folder, generated=True)):
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
