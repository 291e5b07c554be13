"""Rendering: escape-safe highlighting, trimmed abstracts, user template overrides, a golden email."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
from pathlib import Path

from markupsafe import escape

from digest.compose.highlight import escape_text, highlight, highlight_spans, trim_point
from digest.compose.message import build_message, message_id, unsubscribe_links
from digest.compose.render import Renderer, format_day
from digest.config import load_config
from digest.demo import SAMPLE
from digest.ingest.sources import read_dump
from digest.models import Digest, Hit, Match, Paper
from digest.profiles.load import load_profile_file
from digest.select.matcher import PaperIndex
from digest.signing import Signer

from conftest import NOW

GOLDEN = Path(__file__).parent.parent / "golden"


def test_highlighting_escapes_everything_and_marks_only_the_spans():
    text = "SNNs <b>&</b> spiking"
    html = highlight(text, [Hit("spiking", "abstract", 14, 21), Hit("snn", "abstract", 0, 4)])
    assert str(html) == ("<mark>SNNs</mark> &lt;b&gt;&amp;&lt;/b&gt; <mark>spiking</mark>")


def test_highlighting_escapes_text_as_markupsafe_does():
    rng = random.Random(5)
    pieces = ["a", " ", "&", "<", ">", '"', "'", "&amp;", "é", "…", "\n", "<b>"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert escape_text(text) == str(escape(text))
        cut = rng.randint(0, len(text))
        spans = tuple(sorted((rng.randint(0, cut), rng.randint(0, cut)) for _ in range(rng.randint(0, 3))))
        marked = str(highlight_spans(text, spans, end=cut))
        assert marked.replace("<mark>", "").replace("</mark>", "") == str(escape(text[:cut])) + (
            " …" if cut < len(text) else ""
        )


def test_overlapping_spans_merge_and_spans_past_the_cut_are_dropped():
    text = "event-driven spiking networks"
    hits = [Hit("a", "title", 0, 12), Hit("b", "title", 6, 20), Hit("c", "title", 21, 29)]
    assert str(highlight(text, hits, end=20)) == "<mark>event-driven spiking</mark> …"


def test_abstracts_are_trimmed_at_a_word():
    text = "word " * 200
    cut = trim_point(text, 480)
    assert cut <= 480 and text[cut] == " "
    assert trim_point("short", 480) == 5


def test_a_template_in_the_users_folder_overrides_the_built_in_one(tmp_path):
    (tmp_path / "digest.txt.j2").write_text("Custom: {{ count }} for {{ name }}\n")
    digest = Digest(profile=_profile("kurt"), matches=(), day=None)
    rendered = Renderer(tmp_path).render(digest)
    assert rendered.text == "Custom: 0 for kurt\n"
    assert "<html" in rendered.html  # the other templates are still the built-in ones


def _profile(user: str):
    config = load_config_for_samples()
    return load_profile_file(SAMPLE / "profiles" / f"{user}.yaml", config)


def load_config_for_samples():
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "config.yaml").write_text(
        "database: d.db\ninbox: i\nprofiles: p\nsmtp:\n  from: Research digest <digest@localhost>\n"
    )
    return load_config(folder / "config.yaml")


def normalize(raw: bytes) -> str:
    """Volatile headers (Date, Message-ID, MIME boundary) replaced by placeholders."""
    text = raw.decode()
    text = re.sub(r"^Date: .*$", "Date: <DATE>", text, flags=re.M)
    text = re.sub(r"^Message-ID: .*$", "Message-ID: <MESSAGE-ID>", text, flags=re.M)
    for boundary in set(re.findall(r'boundary="([^"]+)"', text)):
        text = text.replace(boundary, "<BOUNDARY>")
    return text


GOLDEN_SENDER = "Research digest <digest@localhost>"


INVENTED_AUTHORS = ("Ines Calder", "Tomas Brill", "Yuki Arai", "Ola Nwosu", "Dara Finch")


def _with_sources(paper: Paper) -> Paper:
    """What the JSON and the feeds would add, invented: most papers get an arXiv id and authors
    (every other one past three, so some are shortened), some code, a project page and upvotes;
    every third stays as the trending page gave it (a title search, no authors)."""
    i = paper.id
    if i % 3 == 0:
        return paper
    return dataclasses.replace(
        paper,
        arxiv_id=f"2603.{i:05d}",
        authors=INVENTED_AUTHORS[: 2 + (i % 2) * 3],
        code_url=f"https://github.com/example/paper-{i}" if i % 2 else None,
        project_url="https://example.org/project" if i == 1 else None,
        upvotes=10 * i if i % 4 else None,
    )


def golden_digest() -> tuple[Digest, dict[str, str]]:
    """Ada's digest from the sample dumps, and its signed links: what tests/golden/ada.eml holds."""
    papers, seen = [], set()
    for dump in sorted((SAMPLE / "dumps").iterdir()):
        listing = read_dump(dump, mtime=dt.datetime(2026, 3, 20))
        for e in listing.entries:
            if e.title not in seen:
                seen.add(e.title)
                papers.append(_with_sources(Paper(len(papers) + 1, e.title, e.abstract, listing.day)))
    profile = _profile("ada")
    matches = tuple(PaperIndex.build(papers).rank(profile, profile.max_papers))
    digest = Digest(profile=profile, matches=matches, day=dt.date(2026, 3, 3))
    signer = Signer(b"golden-secret-0123456789abcdef")
    return digest, unsubscribe_links(profile, GOLDEN_SENDER, "https://digest.example.org", signer, NOW)


def test_the_sample_digest_matches_the_golden_email():
    """If a template change is intended: DIGEST_UPDATE_GOLDEN=1 pytest tests/compose/test_render.py."""
    digest, links = golden_digest()
    profile, sender = digest.profile, GOLDEN_SENDER
    rendered = Renderer().render(digest, links=links)
    msg = build_message(rendered, profile, sender, message_id("ada", NOW, sender), NOW, links)
    actual = normalize(msg.as_bytes())
    golden = GOLDEN / "ada.eml"
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert actual == golden.read_text()


def test_every_paper_has_signed_more_and_less_like_this_links_in_html_and_text():
    digest, links = golden_digest()
    token = Signer(b"golden-secret-0123456789abcdef").token("ada", NOW)
    rendered = Renderer().render(digest, links=links)
    for match in digest.matches:
        pid = match.paper.id
        for kind in ("more", "less"):
            url = f"https://digest.example.org/u/{token}/{kind}/{pid}"
            assert f'<a href="{url}"' in rendered.html
            assert f"{kind.capitalize()} like this: {url}\n" in rendered.text
    assert rendered.html.count(">More like this</a>") == len(digest.matches) > 0


def test_without_a_base_url_or_secret_there_are_no_rating_links():
    digest, _ = golden_digest()
    links = unsubscribe_links(digest.profile, GOLDEN_SENDER, None, None)
    rendered = Renderer().render(digest, links=links)
    assert "like this" not in rendered.html and "like this" not in rendered.text


def test_the_fast_and_the_plain_renderer_write_the_same_rating_links():
    digest, links = golden_digest()
    assert Renderer().render(digest, links=links) == Renderer(fast=False).render(digest, links=links)


def test_a_paper_that_came_through_the_readers_ratings_says_so_once():
    paper = Paper(1, "Docking by message passing", "Proteins and ligands.", dt.date(2026, 3, 3))
    digest, _ = golden_digest()
    liked = Match(paper, 3.0, ("close to papers you liked",), ())
    both = Match(paper, 3.0, ("docking", "close to papers you liked"), ((Hit("docking", "title", 0, 7),),))
    expected = ((liked, "Close to papers you liked"), (both, "Matched: docking; close to papers you liked"))
    for match, why in expected:
        for renderer in (Renderer(), Renderer(fast=False)):
            rendered = renderer.render(dataclasses.replace(digest, matches=(match,)))
            assert f"   {why}\n" in rendered.text
            assert rendered.html.count("to papers you liked") == 1
            assert "close to papers you liked</span>" not in rendered.html  # not a keyword chip


def test_a_link_in_an_abstract_stays_whole_on_its_line_in_the_text_part():
    # Cut at the line's width or at a hyphen, a plain-text mail client links only its first part.
    url = "https://github.com/Pongpisit-Thanasutives/Variations-of-SFANet-for-Crowd-Counting"
    abstract = f"We count crowds in dense scenes with state-of-the-art accuracy. Code: {url}. More follows."
    paper = Paper(1, "Crowd counting", abstract, dt.date(2026, 3, 3))
    digest, _ = golden_digest()
    match = Match(paper, 1.0, ("crowd",), ((Hit("crowd", "title", 0, 5),),))
    text = Renderer().render(dataclasses.replace(digest, matches=(match,))).text
    assert f"\n   {url}.\n" in text
    assert "state-of-the-art" in text  # nor is a hyphenated word cut at its hyphens


def test_a_fault_of_digests_own_filter_called_from_the_users_template_is_not_said_as_theirs(tmp_path):
    """A filter of digest's (here `day`, made to fail as a bug of digest's would) raising an error
    of Python's as the user's template calls it: said as before (raised, its type said: a bug to
    report), not as a fault of their template to fix; {{ 1 // 0 }} in the template is theirs."""
    (tmp_path / "digest.txt.j2").write_text("Custom\n{{ day | day }}\n")
    digest = Digest(profile=_profile("kurt"), matches=(), day=dt.date(2026, 3, 14))
    renderer = Renderer(tmp_path, fast=False)

    renderer.env.filters["day"] = lambda day: format_day(object())  # as a bug of digest's would
    try:
        renderer.render(digest)
    except Exception as e:  # noqa: BLE001
        error = e
    assert type(error) is TypeError, error
    (tmp_path / "digest.txt.j2").write_text("Custom\n{{ 1 // 0 }}\n")
    try:
        Renderer(tmp_path, fast=False).render(digest)
    except Exception as e:  # noqa: BLE001
        error = e
    assert f"{tmp_path / 'digest.txt.j2'}, line 2: ZeroDivisionError" in str(error), error
