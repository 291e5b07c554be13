"""Gmail clips an HTML part past 102 KB and hides what follows (the unsubscribe link): a full
20-paper digest, with authors, links, rating links, upvotes and highlighted keywords, stays well under it."""

from __future__ import annotations

import datetime as dt
import re

from digest.compose.render import Renderer
from digest.models import Digest, Interest, Paper, Profile
from digest.select.matcher import PaperIndex

GMAIL_CLIP = 102 * 1024
KEYWORDS = ("language models", "reinforcement learning", "diffusion", "transformer", "benchmark", "agents")


def heavy_paper(i: int) -> Paper:
    """As big as a paper gets in the email: a long title, an abstract dense with keyword hits
    (trimmed to 480 characters in the email), ten authors, every link, upvotes."""
    sentence = (  # eight or nine hits in the 480 characters shown: a dense abstract
        "We study how language models trained with reinforcement learning behave when they must "
        "plan over many steps in open worlds, where feedback is rare and comes late. Our agents "
        "combine a planner with a diffusion policy over actions and a small transformer critic. "
    )
    return Paper(
        i,
        f"Agents, Diffusion and Language Models: A Transformer Benchmark for Reinforcement Learning, no. {i}",
        sentence * 12,
        dt.date(2026, 11, 27),
        arxiv_id=f"2611.{i:05d}",
        authors=tuple(f"Firstname{j} Lastname-Longer{i}" for j in range(10)),
        code_url=f"https://github.com/some-research-organization/a-fairly-long-repository-name-{i}",
        project_url=f"https://some-research-organization.github.io/a-fairly-long-project-page-{i}/",
        upvotes=1000 + i,
    )


def test_a_20_paper_digest_with_authors_and_links_stays_under_gmails_clipping_size():
    papers = [heavy_paper(i) for i in range(1, 21)]
    profile = Profile(
        user="ada", email="ada@example.org", interests=tuple(Interest(k) for k in KEYWORDS), max_papers=20
    )
    matches = tuple(PaperIndex.build(papers).rank(profile, 20))
    assert len(matches) == 20
    page = "https://digest.example.org/u/" + "t" * 64
    links = {
        "preferences": page,
        "unsubscribe": page + "/unsubscribe",
        "more": page + "/more/",
        "less": page + "/less/",
    }
    html = Renderer().render(Digest(profile, matches, dt.date(2026, 11, 27)), links=links).html
    size = len(html.encode("utf-8"))
    assert (
        "Firstname0 Lastname-Longer1, Firstname1 Lastname-Longer1, Firstname2 Lastname-Longer1 et al." in html
    )
    assert 'href="https://arxiv.org/pdf/2611.00001"' in html and ">Code</a>" in html
    assert html.count("<mark") > 20 * 6  # the hits are there, each with its inlined style
    assert html.count(">More like this</a>") == html.count(">Less like this</a>") == 20
    assert size < GMAIL_CLIP - 7 * 1024, (
        f"the HTML part is {size / 1024:.1f} KB"
    )  # room for a longer base_url


def test_bgcolor_is_written_where_html_reads_it_only():
    """body and the two tables carry bgcolor (Outlook); the highlights and chips only their style."""
    profile = Profile(user="ada", email="ada@example.org", interests=(Interest("agents"),))
    matches = tuple(PaperIndex.build([heavy_paper(1)]).rank(profile, 1))
    html = Renderer().render(Digest(profile, matches, dt.date(2026, 11, 27))).html
    tags = re.findall(r"<([a-z0-9]+)\b[^>]*\bbgcolor=", html)
    assert sorted(tags) == ["body", "table", "table"]
    assert re.search(r'<mark style="background-color:#fef3c7[^"]*">', html)
