"""A source taken out of the config's `sources:` feeds no digest made after the edit, a
reader's next one included: what it fetched before and was not sent stays in the archive
(`digest rank`, `preview --date` of a day whose digest was made), not in the next email. A
source renamed (its url the same) keeps what it fetched under its old name."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from helpers.fetch_sources import HF, NOW, RSS, configure, daily_papers_api, fixture, hf_and_feed

from digest.demo.http_server import LocalHttpServer, Route
from digest.profiles.load import load_profile
from digest.select.digests import next_digest
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends

READER = "email: cy@example.org\ninterests: [spiking attention, curriculum design]\n"
GRADIENT = "Gradient Noise as a Compass for Curriculum Design"  # the feed's (and the daily papers')
DAILY = ["Spiking Attention Without Softmax", "Tidal Memory Layers for Long-Context Language Models"]


def served_fetched_edited(
    workspace, smtp_server, edit: Callable[[str, str], str], *sources: str, routes: dict | None = None
) -> None:
    """cy has had a digest (of a dump dropped in the inbox) before the sources (both: HF and
    RSS) were fetched (`digest fetch`); then the config is edited (``edit``: its text, the
    server's url -> new)."""
    workspace.profile("cy", READER)
    workspace.dump("a.txt", make_dump("Nov 26", [("Spiking Attention Dropped", "On spiking attention.")]))
    assert workspace.cli("ingest").exit_code == 0
    sent = workspace.cli("send")
    assert sent.exit_code == 0, sent.output
    assert [m.message["To"] for m in smtp_server.messages] == ["cy@example.org"], sent.output
    with LocalHttpServer(routes or hf_and_feed()) as server:
        configure(workspace, server, *(sources or (HF, RSS)))
        fetched = workspace.cli("fetch")
        assert fetched.exit_code == 0, fetched.output
        workspace.config_path.write_text(edit(workspace.config_path.read_text(), server.url("")))


def test_a_source_removed_from_the_config_feeds_no_digest_of_a_reader_served_before(
    mail_workspace, smtp_server
):
    # Before: a reader's next window was every paper stored after their previous digest,
    # whatever its source, so the daily papers fetched at 06:00 and taken out of `sources:` at
    # 06:30 still went to cy at 07:00 (Spiking Attention, Tidal Memory), once
    workspace = mail_workspace
    removed = lambda text, url: text.replace(HF.replace("{base}", url), "")  # noqa: E731
    served_fetched_edited(workspace, smtp_server, removed)
    assert next_titles(workspace) == [GRADIENT]
    ranked = workspace.cli("rank", "cy", "--next", "--json")
    # stdout the JSON alone (stderr: "note: cy's digest of this period was already sent ...")
    assert [p["title"] for p in json.loads(ranked.stdout)] == [GRADIENT], ranked.output
    sent = workspace.cli("send", "--force")  # a second digest today, of what is new since
    assert "cy@example.org                      1 paper" in sent.output, sent.output
    email = smtp_server.messages[-1].message.get_body(("plain",)).get_content()
    assert GRADIENT in email and not any(title in email for title in DAILY), email
    # the archive keeps them
    ranked = workspace.cli("rank", "cy", "--json")
    assert set(DAILY) <= {p["title"] for p in json.loads(ranked.output)}, ranked.output
    # the dumps dropped in the inbox are a source that no config names: still one
    today = make_dump("Nov 30", [("Spiking Attention Dropped Today", "On spiking attention.")])
    workspace.dump("b.txt", today)
    assert workspace.cli("ingest").exit_code == 0
    assert next_titles(workspace) == ["Spiking Attention Dropped Today"]


def test_a_renamed_source_keeps_what_it_fetched_under_its_old_name(mail_workspace, smtp_server):
    # its listings are named after its old name until it is fetched again: the same url is the
    # same source, so its papers not yet sent still go to cy, and to a new reader (dee)
    workspace = mail_workspace
    served_fetched_edited(
        workspace, smtp_server, lambda text, url: text.replace("hf_daily\n", "hf_daily\n    name: hf\n")
    )
    assert [s.name for s in workspace.config.sources] == ["hf", "arxiv-cs.LG"]
    assert next_titles(workspace) == [GRADIENT, *DAILY]
    workspace.profile("dee", READER.replace("cy@", "dee@"))
    assert next_titles(workspace, "dee") == [GRADIENT, "Spiking Attention Dropped", *DAILY]


@pytest.mark.parametrize("again", [(), (Route(b"down", status=503),)], ids=["304", "503"])
def test_a_renamed_source_keeps_what_it_fetched_under_its_old_name_after_its_new_names_fetch(
    mail_workspace, smtp_server, again
):
    # Before: the fetches table keeps one name a url, the last one's, so the new name's fetch of
    # the url (a 304 to the validators its old name's fetch kept, a server down) put the old name
    # out of it, and with it what the old name fetched out of every digest, cy's and dee's
    workspace = mail_workspace
    workspace.profile("cy", READER)
    daily = daily_papers_api(*again, etag='"v1"')  # then a 304 (or `again`)
    routes = {**hf_and_feed(), "/api/daily_papers": daily}
    with LocalHttpServer(routes) as server:
        configure(workspace, server, HF, RSS)
        assert workspace.cli("fetch").exit_code == 0
        text = workspace.config_path.read_text()
        renamed = "hf_daily\n    name: hf\n    retries: 0\n"  # a failure said at once
        workspace.config_path.write_text(text.replace("hf_daily\n", renamed))
        fetched = workspace.cli("fetch")
    said = "hf: failed: " if again else "hf: not modified since the last fetch"
    assert said in fetched.output, fetched.output
    assert next_titles(workspace) == [GRADIENT, *DAILY]
    workspace.profile("dee", READER.replace("cy@", "dee@"))
    assert next_titles(workspace, "dee") == [GRADIENT, *DAILY]


@pytest.mark.parametrize(
    "reader, titles", [("cy", [GRADIENT]), ("dee", ["Spiking Attention Dropped", GRADIENT])]
)
def test_an_arxiv_listing_given_another_category_keeps_what_it_fetched_before(
    mail_workspace, smtp_server, reader, titles
):
    # Before: `categories: [cs.LG]` -> `[cs.LG, cs.CL]` made it arxiv-cs.LG+cs.CL, its url
    # .../rss/cs.LG+cs.CL, so what arxiv-cs.LG fetched and no digest sent yet went from cy's next
    # digest (served before the fetch) and dee's first: [] where it was [Gradient Noise]
    workspace = mail_workspace
    widened = lambda text, url: text.replace("[cs.LG]", "[cs.LG, cs.CL]")  # noqa: E731
    served_fetched_edited(workspace, smtp_server, widened, RSS)
    assert [s.name for s in workspace.config.sources] == ["arxiv-cs.LG+cs.CL"]
    workspace.profile("dee", READER.replace("cy@", "dee@"))
    assert next_titles(workspace, reader) == titles


def test_an_arxiv_listing_whose_category_is_removed_takes_not_what_that_listing_fetched(
    mail_workspace, smtp_server
):
    # the listing of cs.LG+cs.CL holds cs.CL's papers too: as a removed source's, not taken
    workspace = mail_workspace
    routes = {"/rss/cs.LG+cs.CL": Route(fixture("arxiv_listing.rss"))}
    narrowed = lambda text, url: text.replace("[cs.LG, cs.CL]", "[cs.LG]")  # noqa: E731
    served_fetched_edited(
        workspace, smtp_server, narrowed, RSS.replace("[cs.LG]", "[cs.LG, cs.CL]"), routes=routes
    )
    assert [s.name for s in workspace.config.sources] == ["arxiv-cs.LG"]
    assert next_titles(workspace) == []


def next_titles(workspace, user: str = "cy") -> list[str]:
    """The titles of the reader's next digest, chosen as the config says."""
    config = workspace.config
    with Store(config.database) as store:
        digest = next_digest(store, load_profile(config, user), NOW, config=config)
    return [m.paper.title for m in digest.matches]


def test_preview_of_a_day_says_a_removed_sources_listings_are_not_taken(workspace):
    # Before: `_listed_by` counted every source's listings, so with the daily papers alone
    # fetched and then taken out of the config, a new reader's preview of the day said nothing
    # matched their interests (Spiking Attention does), not that no source it takes had a listing
    with LocalHttpServer(hf_and_feed()) as server:
        configure(workspace, server, HF)
        assert workspace.cli("fetch").exit_code == 0
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text.replace(HF.replace("{base}", server.url("")), ""))
    workspace.profile("cy", READER)
    shown = workspace.cli("preview", "cy", "--text", "--date", "2026-11-29")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(
        "note: no stored listing of a source in the config's `sources:` (nor a dump dropped in the inbox) "
        "is dated on or before 2026-11-29; those of hf_daily, no longer in `sources:`, are not taken.\n"
    ), shown.output
    assert "nothing matches" not in shown.output
    # the day's digest would take none of them: a digest made then, and the next one, agree
    assert next_titles(workspace) == []
