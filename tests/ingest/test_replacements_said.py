"""What `replacements: true` keeps is said where a user reads of it, the option's help and the
README's line on sources: every announce type it covers (a new version, replace and
replace-cross, and a changed abstract alone, absonly), not "replaced papers" alone."""

from __future__ import annotations

import re
from pathlib import Path

from digest.ingest.sources.arxiv_feed import REPLACEMENTS
from digest.options import declared
from digest.sources_config import SourceConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_options_help_names_every_announce_type_it_keeps():
    said = declared(SourceConfig)["replacements"].help
    assert [t for t in sorted(REPLACEMENTS) if t not in said] == [], said


def test_the_readmes_sources_line_names_every_announce_type_it_keeps():
    text = " ".join(README.read_text().split())
    (line,) = re.findall(r"an arXiv source, `replacements: true`[^.]*\.", text)
    assert [t for t in sorted(REPLACEMENTS) if t not in line] == [], line
