"""A paper renamed between versions, seen in the "wrong" order: the trending page (titles only)
names it by its new title before any listing gave its id with that title. It is stored as a
second paper until then; the listing that gives the id with the new title makes the two one
paper, in its ingest's transaction, with everything either had: listings, what was sent of it,
ratings, messages waiting with it, the links already sent with its id."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from helpers.retitled_paper import ABSTRACT, MON, NEW, OLD, daily_json, query_atom

from digest.daemon.sendnow import send_now
from digest.deliver.outbox import Outbox
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.signing import Signer
from digest.store import Store
from digest.store_papers import merge_paper
from digest.web.app import create_app

from conftest import NOW, SECRET, WebWorkspace, make_dump

pytestmark = pytest.mark.backends


def add(ws, store: Store, name: str, text: str, now: dt.datetime) -> None:
    report = ingest(store, [ws.dump(name, text, where="dumps", mtime=now)], now)
    assert not report.failures


def test_the_new_title_seen_first_without_an_id_is_one_paper_once_the_id_comes_with_it(workspace):
    ws = workspace
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, "Lantern vectors, trending.")]), MON)
        assert sorted(p.title for p in store.papers()) == [OLD, NEW]  # no id yet: two, as before
        add(ws, store, "query.atom", query_atom("2026-03-15"), MON)
        (paper,) = store.papers()
        assert (paper.arxiv_id, paper.title, paper.authors) == ("2603.04040", OLD, ("Ines Vale",))
        assert paper.first_seen == dt.date(2026, 3, 13) and paper.upvotes == 4
        assert store.latest_day([paper.id]) == dt.date(2026, 3, 15)
        rows = store.db.execute("SELECT COUNT(*) FROM listing_papers WHERE paper_id = ?", (paper.id,))
        assert rows.fetchone()[0] == 3  # the trending page's listing is the paper's too
        # and the trending page naming it by either title again finds it
        add(ws, store, "again.txt", make_dump("Mar 16", [(NEW.lower(), "x"), (OLD, "y")]), MON)
        assert [p.id for p in store.papers()] == [paper.id]


SPEECH = "We route speech frames through a sparse mixture of experts chosen per utterance length."
FOLDING = "A tutorial on protein folding: energy landscapes, contact maps and the first deep predictors."


def retitled(day: str, title: str) -> str:  # the id of the speech paper, with a new title
    return query_atom(day).replace(NEW, title).replace(ABSTRACT, SPEECH)


@pytest.mark.parametrize(
    ("first_listed", "abstract"),
    [("Jan 5", SPEECH), ("Mar 14", FOLDING)],
    ids=["listed months before the paper with the id", "another abstract"],
)
def test_a_paper_without_an_id_that_only_shares_a_generic_title_is_not_merged(
    workspace, first_listed, abstract
):
    ws = workspace
    with Store(ws.config.database) as store:
        add(ws, store, "trending.txt", make_dump(first_listed, [("Introduction", abstract)]), MON)
        add(ws, store, "daily.json", daily_json("2026-03-13").replace(ABSTRACT, SPEECH), MON)
        add(ws, store, "query.atom", retitled("2026-03-15", "Introduction"), MON)
        papers = {p.arxiv_id: p for p in store.papers()}
        assert papers[None].abstract == abstract and papers[None].title == "Introduction"
        assert papers["2603.04040"].first_seen == dt.date(2026, 3, 13)
        assert store.db.execute("SELECT COUNT(*) FROM paper_merges").fetchone() == (0,)


def test_what_was_sent_rated_or_queued_of_either_paper_is_the_merged_papers(workspace):
    ws = workspace
    later = MON + dt.timedelta(hours=1)
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, ABSTRACT), ("Soup", "Soup.")]), MON)
        ids = {p.title: p.id for p in store.papers()}
        kept, merged, soup = ids[OLD], ids[NEW], ids["Soup"]
        store.record_delivery("ada", "<1@x>", "ada@example.org", [merged], MON)
        store.record_delivery("bob", "<2@x>", "bob@example.org", [kept], MON)  # sent both:
        store.record_delivery("bob", "<3@x>", "bob@example.org", [merged, soup], later)
        store.rate("ada", kept, -1, MON)  # rated both: the later rating is the one that holds
        store.rate("ada", merged, 1, later)
        store.rate("bob", kept, 1, later)
        store.rate("bob", merged, -1, MON)
        store.rate("carl", merged, 1, MON)
        with store.transaction():  # a digest made with the id-less paper, not sent yet
            Outbox(store).enqueue(
                user="dan", recipient="dan@example.org", message_id="<4@x>", subject="s",
                mime=b"m", paper_ids=[soup, merged], now=MON, through=soup,
            )  # fmt: skip

        window_start = store.newest_day_when(merged)  # a digest chosen up to the id-less paper

        add(ws, store, "query.atom", query_atom("2026-03-15"), later)

        assert {p.id for p in store.papers()} == {kept, soup}
        assert store.newest_day_when(merged) == window_start == dt.date(2026, 3, 14)  # its next window
        assert store.sent_paper_ids("ada") == {kept}
        assert store.sent_paper_ids("bob") == {kept, soup}
        assert [d.message_id for d in store.deliveries("bob")] == ["<2@x>", "<3@x>"]  # history kept
        assert store.ratings("ada") == {kept: 1} and store.ratings("bob") == {kept: 1}
        assert store.ratings("carl") == {kept: 1}
        assert store.reserved_paper_ids("dan") == {soup, kept}
        # a message in flight with the old id (made before the merge) records the paper it is now
        store.record_delivery("eve", "<5@x>", "eve@example.org", [merged], later)
        assert store.sent_paper_ids("eve") == {kept}
        # a rating link sent with the old id rates the paper it is now
        assert store.current_paper_id(merged) == kept and store.current_paper_id(soup) == soup
        store.rate("fay", merged, -1, later)
        assert store.ratings("fay") == {kept: -1}


def test_a_rating_link_sent_with_the_merged_papers_id_opens_and_rates_the_paper(web_workspace):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [lanterns]\n")
    config = ws.config
    with Store(config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, ABSTRACT)]), MON)
        merged = next(p.id for p in store.papers() if p.title == NEW)
        add(ws, store, "query.atom", query_atom("2026-03-15"), MON)
        (paper,) = store.papers()
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: MON).test_client()
    ada = signer.token("ada", NOW)
    page = client.get(f"/u/{ada}/more/{merged}")
    assert page.status_code == 200
    assert OLD in page.get_data(as_text=True)
    assert f'action="/u/{ada}/rate/{paper.id}"' in page.get_data(as_text=True)
    posted = client.post(f"/u/{ada}/rate/{merged}", data={"csrf": signer.form_token(ada), "rating": "up"})
    assert posted.status_code == 200
    with Store(config.database) as store:
        assert store.ratings("ada") == {paper.id: 1}


def test_a_reader_gets_the_renamed_paper_once_in_the_digest_after_the_three_listings(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [lanterns]\nsend_at: "07:00"\n')
    config = ws.config

    def send(now: dt.datetime) -> list[str]:
        with Store(config.database) as store:
            report = send_now(config, store, load_profiles(config), None, now)
        assert [o.ok for o in report.delivered] == [True]
        text = smtp_server.messages[-1].message.get_body(("plain",)).get_content()
        return [m.group(1) for m in re.finditer(r"^\d+\. (.+?)\r?$", text, re.M)]

    with Store(config.database) as store:
        add(ws, store, "first.txt", make_dump("Mar 12", [("Dense Lanterns", "Lanterns, densely.")]), MON)
    assert send(MON + dt.timedelta(hours=1)) == ["Dense Lanterns"]
    tue = MON + dt.timedelta(days=1)
    with Store(config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-16"), tue)
        add(ws, store, "trending.txt", make_dump("Mar 16", [(NEW, ABSTRACT)]), tue)
        add(ws, store, "query.atom", query_atom("2026-03-16"), tue)
    assert send(tue + dt.timedelta(hours=1)) == [OLD]  # not the same paper twice


def test_a_rating_made_while_its_paper_is_merged_rates_the_paper_it_became(tmp_path, database, monkeypatch):
    # on PostgreSQL the rating waited for the merge's transaction, then was refused (the paper
    # gone): a 500 page and no rating
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, 2525, database)
    ws.profile("ada", "email: ada@example.org\ninterests: [lanterns]\n")
    config = ws.config
    with Store(config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, ABSTRACT)]), MON)
        ids = {p.title: p.id for p in store.papers()}
    merging, done = threading.Event(), threading.Event()

    def merge() -> None:  # an ingest's merge, its transaction held while the rating comes
        with Store(config.database) as store, store.transaction() as db:
            merge_paper(db, into=ids[OLD], other=ids[NEW], stamp="2026-03-16T06:00:00")
            merging.set()
            done.wait(1.5)

    thread = threading.Thread(target=merge)
    thread.start()
    merging.wait()
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: MON).test_client()
    ada = signer.token("ada", NOW)
    posted = client.post(f"/u/{ada}/rate/{ids[NEW]}", data={"csrf": signer.form_token(ada), "rating": "up"})
    done.set()
    thread.join()
    assert posted.status_code == 200
    with Store(config.database) as store:
        assert store.ratings("ada") == {ids[OLD]: 1}


def test_a_paper_stored_after_a_merge_never_gets_the_merged_papers_id(workspace):
    # SQLite gave the next paper the highest id + 1: the merged paper's, when it was the newest;
    # its rating links, deliveries and readers' windows then went to the paper it was merged into
    ws = workspace
    later = MON + dt.timedelta(days=1)
    with Store(ws.config.database) as store:
        add(ws, store, "daily.json", daily_json("2026-03-13"), MON)
        add(ws, store, "trending.txt", make_dump("Mar 14", [(NEW, ABSTRACT)]), MON)
        kept, merged = (next(p.id for p in store.papers() if p.title == t) for t in (OLD, NEW))
        assert merged > kept
        add(ws, store, "query.atom", query_atom("2026-03-15"), MON)
        add(ws, store, "next.txt", make_dump("Mar 16", [("Dense Lanterns", "Lanterns, densely.")]), later)
        fresh = next(p.id for p in store.papers() if p.title == "Dense Lanterns")
        assert fresh > merged and store.current_paper_id(fresh) == fresh
        store.record_delivery("ada", "<1@x>", "ada@example.org", [fresh], later)
        store.rate("ada", fresh, 1, later)
        assert store.sent_paper_ids("ada") == {fresh} and store.ratings("ada") == {fresh: 1}
