"""The size of a digest's HTML part (Gmail clips messages past 102 KB, hiding the footer).

Prints the HTML and text sizes of a 20-paper digest built from the shared dumps (real
abstracts, keyword hits), every paper given eight authors, an arXiv id, code and project links
upvotes and the signed rating links: the largest a digest gets with today's template.

    .venv/bin/python benchmarks/bench_email_size.py [N_PAPERS]
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from _dumps import dump_files

from digest.compose.render import Renderer
from digest.ingest.sources import read_dump
from digest.models import Digest, Interest, Paper, Profile
from digest.select.matcher import PaperIndex

SHARED = Path(__file__).resolve().parents[2] / "shared" / "dumps"
INTERESTS = ("language models", "reinforcement learning", "diffusion", "transformer", "benchmark", "agents")


def digest_of(n: int) -> Digest:
    papers: list[Paper] = []
    for dump in dump_files(SHARED, option=None):
        listing = read_dump(dump)
        for e in listing.entries:
            i = len(papers) + 1
            papers.append(
                Paper(
                    i,
                    e.title,
                    e.abstract,
                    listing.day,
                    arxiv_id=f"2611.{i:05d}",
                    authors=tuple(f"Author{j} Surname{i}" for j in range(8)),
                    code_url=f"https://github.com/example-org/project-{i}",
                    project_url=f"https://example-org.github.io/project-{i}/",
                    upvotes=100 + i,
                )
            )
    profile = Profile(
        user="ada",
        email="ada@example.org",
        interests=tuple(Interest(k) for k in INTERESTS),
        max_papers=n,
    )
    matches = PaperIndex.build(papers).rank(profile, n)
    assert len(matches) == n, f"only {len(matches)} matches"
    return Digest(profile, tuple(matches), papers[0].first_seen)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    digest = digest_of(n)
    page = "https://digest.example.org/u/" + "t" * 60
    links = {
        "preferences": page,
        "unsubscribe": "https://x/" + "u" * 80,
        "more": page + "/more/",
        "less": page + "/less/",
    }
    rendered = Renderer().render(digest, links=links)
    html, text = rendered.html.encode(), rendered.text.encode()
    per = (len(html) - len(Renderer().render(dataclasses.replace(digest, matches=()), links=links).html)) / n
    print(f"{n} papers: HTML {len(html) / 1024:.1f} KB ({len(html)} bytes), text {len(text) / 1024:.1f} KB")
    print(f"about {per / 1024:.2f} KB of HTML per paper; the Gmail limit is 102 KB")


if __name__ == "__main__":
    main()
