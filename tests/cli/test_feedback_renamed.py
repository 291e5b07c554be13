"""`digest feedback` for a renamed profile file (ada.yaml -> ada2.yaml, the same address) before
any pass carried the rename over: the rating is the renamed reader's, her history goes with her.
Real `digest` processes, a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest
from helpers.renamed_reader import (
    ADA,
    PAPERS,
    ada_being_sent_then_renamed,
    ada_bounced,
    ada_rated_then_renamed,
    digest,
)

from digest.daemon.agree import worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.db import wall_clock
from digest.deliver.suppressions import Suppressions
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import WebWorkspace, make_dump

pytestmark = pytest.mark.backends


def test_a_rating_from_the_command_line_carries_a_pending_rename_over_first(mail_workspace, smtp_server):
    """ada2's rating gave ada2 records of her own, so the send no longer took ada2 for ada renamed:
    ada's rating stayed under ada, and ada2 was a new reader ({'ada': {1: -1}, 'ada2': {2: 1}})."""
    ws = mail_workspace
    first, second = ada_rated_then_renamed(ws)
    assert len(smtp_server.messages) == 1

    rated = digest(ws, "feedback", "ada2", str(second), "up")
    assert rated.returncode == 0, rated.stderr
    assert "ada2 continues ada (the same address <ada@example.org>" in rated.stdout
    assert f"ada2: paper {second} rated up." in rated.stdout
    sent = digest(ws, "send")
    assert sent.returncode == 0, sent.stderr
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2")}
        assert found == {"ada": {}, "ada2": {first: -1, second: 1}}
        assert [d.user for d in store.deliveries()] == ["ada2"]  # her first digest, now hers
    assert len(smtp_server.messages) == 1  # no second digest the same day


def test_a_rating_waits_while_the_carry_over_is_put_off(workspace):
    """A message of ada's being sent by a worker right now (its claim held): the carry-over is put
    off, and a rating under ada2 then would break the rename for good: it is said, nothing rated."""
    ws = workspace
    paper = ada_being_sent_then_renamed(ws)

    rated = digest(ws, "feedback", "ada2", str(paper), "up")
    assert rated.returncode == 1 and rated.stdout == ""
    assert "a message to ada is being sent right now: the carry-over waits for it, and nothing was rated" in (
        rated.stderr
    )
    with Store(ws.config.database) as store:
        assert store.ratings("ada2") == {} and store.schedule_state("ada2") is None
        store.db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL")  # the worker done
    rated = digest(ws, "feedback", "ada2", str(paper), "up")
    assert rated.returncode == 0, rated.stderr
    assert rated.stdout.startswith("ada2 continues ada") and f"ada2: paper {paper} rated up." in rated.stdout
    with Store(ws.config.database) as store:
        assert store.ratings("ada2") == {paper: 1} and store.schedule_state("ada2") is not None


def test_unpausing_a_renamed_reader_lifts_the_old_names_hard_bounce(mail_workspace, smtp_server):
    """`digest profile set ada2 paused false` lifts a hard bounce (README): it looked for one under
    ada2, found none (it was ada's), said nothing of it, and the send carried ada's bounce over to
    ada2, who got no digest."""
    ws = mail_workspace
    ada_bounced(ws)
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")

    done = digest(ws, "profile", "set", "ada2", "paused", "false")
    assert done.returncode == 0, done.stderr
    assert "ada2 continues ada" in done.stdout
    assert "ada2 is no longer suppressed: digests go to them again" in done.stdout
    with Store(ws.config.database) as store:
        assert Suppressions(store).all() == []


def test_a_rating_does_not_choose_between_two_new_profiles_with_the_renamed_readers_address(
    mail_workspace, smtp_server
):
    """ada.yaml renamed ada2.yaml and ada3.yaml made with her address too: none continues ada (the
    warning says so). A rating under ada2 gave ada2 records of her own, and the send then carried
    ada over to ada3, the one left without records ({'ada3': {first: -1}})."""
    ws = mail_workspace
    first, second = ada_rated_then_renamed(ws)
    ws.profile("ada3", ADA)

    rated = digest(ws, "feedback", "ada2", str(second), "up")
    assert rated.returncode == 1 and rated.stdout == ""
    assert "and so does ada3: none of them continues ada yet, and nothing was rated" in rated.stderr
    sent = digest(ws, "send")
    assert sent.returncode == 0, sent.stderr
    assert "continues ada" not in sent.stdout
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {first: -1}, "ada2": {}, "ada3": {}}


def test_a_rating_of_a_paper_that_does_not_exist_carries_nothing_over(mail_workspace, smtp_server):
    """A mistyped paper id: the command fails and does nothing. It carried ada over to ada2 first
    ("ada2 continues ada ...") and then said "error: no paper with id 9999"."""
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "send").returncode == 0
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")

    rated = digest(ws, "feedback", "ada2", "9999", "up")
    assert rated.returncode == 1 and rated.stdout == ""
    assert "error: no paper with id 9999" in rated.stderr
    with Store(ws.config.database) as store:
        assert store.schedule_state("ada") is not None and store.schedule_state("ada2") is None


def test_a_link_printed_for_the_new_name_carries_a_pending_rename_over_first(web_workspace):
    """`digest profile url ada2` printed a link of ada2 and carried nothing over: a rating through
    it gave ada2 records of her own, and the send then took ada2 for a new reader (a second
    digest the same day, ada's rating left under ada: {'ada': {1: -1}, 'ada2': {2: 1}})."""
    ws = web_workspace
    first, second = ada_rated_then_renamed(ws)

    url = digest(ws, "profile", "url", "ada2")
    assert url.returncode == 0, url.stderr
    assert "ada2 continues ada (the same address <ada@example.org>" in url.stderr
    token = re.fullmatch(r"\S+/u/(\S+)\n", url.stdout).group(1)
    web = create_app(ws.config, Signer.from_config(ws.config), wall_clock).test_client()
    csrf = re.search(
        r'name="csrf" value="([^"]+)"', web.get(f"/u/{token}/more/{second}").get_data(as_text=True)
    )
    assert (
        web.post(f"/u/{token}/rate/{second}", data={"rating": "up", "csrf": csrf.group(1)}).status_code == 200
    )
    assert digest(ws, "send").returncode == 0
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2")}
        assert found == {"ada": {}, "ada2": {first: -1, second: 1}}
        assert [d.user for d in store.deliveries()] == ["ada2"]  # no second digest the same day


def test_a_rating_with_another_profiles_folder_than_the_workers_carries_nothing_over(
    mail_workspace, smtp_server
):
    """`digest feedback ada2` run with a config whose profiles folder is not the workers' (a stale
    copy: ada2.yaml in it, ada.yaml not) carried the workers' live reader ada over to ada2 ("ada2
    continues ada ..."), which `digest send` and `profile new` refuse (agree.refuse_if_apart): the
    workers' next pass would then take ada, whose file they still have, for a new reader."""
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert digest(ws, "send").returncode == 0
    with Store(ws.config.database) as store:
        paper = min(p.id for p in store.papers())
    (ws.root / "workers").mkdir()
    workers = WebWorkspace(ws.root / "workers", 2525, database=str(ws.config.database))
    workers.profile("ada", ADA)  # the workers' folder: ada's file is there
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada2.yaml")
    now = wall_clock()
    with Store(ws.config.database) as store:
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(workers.config))
    with RunLock(ws.config.database).acquire(worker="app1:7:abcd"):
        rated = digest(ws, "feedback", "ada2", str(paper), "up")
    assert rated.returncode == 1 and "ada2 continues ada" not in rated.stdout
    assert (
        "its settings differ from those of the workers on this database (worker app1:7:abcd)" in rated.stderr
    )
    with Store(ws.config.database) as store:
        assert store.schedule_state("ada") is not None and store.ratings("ada2") == {}


def paused_note(paper: int) -> str:
    """What `digest feedback ada2 PAPER up` adds when paused ada2 shares ada's address with ada3,
    who continues ada."""
    return (
        "note: ada2 is paused, and ada3 (not paused, the same address <ada@example.org>) continues ada, "
        "whose profile file is gone, from the next `digest send` or daemon pass: this rating is ada2's "
        "own, and steers no digest while ada2 is paused; ada3 gets the next digests, with ada's "
        f"ratings (rate them under ada3: `digest feedback ada3 {paper} up`)\n"
    )


def test_a_rating_of_a_paused_profile_while_another_continues_the_renamed_reader_says_so(
    mail_workspace, smtp_server
):
    """ada.yaml renamed ada2.yaml, paused, and ada3.yaml made with her address: ada3, the only one
    not paused, continues ada. `digest feedback ada2 ...` said only 'ada2: paper 2 rated up.': the
    rating went under paused ada2, who gets no digest, and steered nothing ada's address gets."""
    ws = mail_workspace
    first, second = ada_rated_then_renamed(ws)
    ws.profile("ada2", ADA + "paused: true\n")
    ws.profile("ada3", ADA)

    rated = digest(ws, "feedback", "ada2", str(second), "up")
    assert rated.returncode == 0, rated.stderr
    assert rated.stdout == f"ada2: paper {second} rated up.\n" + paused_note(second)
    assert digest(ws, "send").returncode == 0
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {}, "ada2": {second: 1}, "ada3": {first: -1}}


def test_a_kept_unsubscribe_counts_as_paused_in_choosing_who_continues_the_renamed_reader(
    mail_workspace, smtp_server
):
    """ada.yaml renamed ada2.yaml and ada3.yaml made with her address, neither paused in its file,
    and ada2's unsubscribe kept in the database (as the app keeps it while the file cannot be read:
    Suppressions.unsubscribe): ada2 is out of the choice (a suppression makes a reader of its own),
    so ada3 continues ada, as if ada2 said paused, and nothing goes to ada2."""
    ws = mail_workspace
    first, _ = ada_rated_then_renamed(ws)
    ws.profile("ada3", ADA)
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada2", wall_clock())
    status = digest(ws, "status")
    assert "  ada3 continues ada (the same address <ada@example.org>" in status.stdout, status.stdout
    sent = digest(ws, "send")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("ada3 continues ada (the same address <ada@example.org>")
    assert (
        "ada2             ada@example.org                              suppressed: unsubscribed on "
        in sent.stdout
    )
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {}, "ada2": {}, "ada3": {first: -1}}
        assert [tuple(r) for r in store.db.execute("SELECT user, status FROM outbox")] == [("ada3", "sent")]


def test_a_clearing_of_a_paused_profile_while_another_continues_the_renamed_reader_says_what_it_did(
    mail_workspace, smtp_server
):
    """As above, `digest feedback ada2 FIRST clear` (ada's down-rating of it to go to ada3): ada2
    had none to clear, and the note said "this rating is ada2's own", of no rating at all; the
    command it gives, run, clears ada's rating under ada3."""
    ws = mail_workspace
    first, _ = ada_rated_then_renamed(ws)
    ws.profile("ada2", ADA + "paused: true\n")
    ws.profile("ada3", ADA)

    cleared = digest(ws, "feedback", "ada2", str(first), "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout == (
        f"ada2: paper {first} had no rating to clear.\n"
        "note: ada2 is paused, and ada3 (not paused, the same address <ada@example.org>) continues ada, "
        "whose profile file is gone, from the next `digest send` or daemon pass: ada2 had no rating of "
        "it to clear, and none of ada's was cleared; ada3 gets the next digests, with ada's ratings "
        f"(clear it under ada3: `digest feedback ada3 {first} clear`)\n"
    )
    again = digest(ws, "feedback", "ada3", str(first), "clear")
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith(f"ada3: paper {first} cleared (was down).\n")
    with Store(ws.config.database) as store:
        assert {user: store.ratings(user) for user in ("ada", "ada2", "ada3")} == {
            "ada": {},
            "ada2": {},
            "ada3": {},
        }


def test_a_second_rating_of_a_paused_profile_while_another_continues_the_renamed_reader_says_so_too(
    mail_workspace, smtp_server
):
    """As above, ada2 rating a second paper: the first rating gave paused ada2 records of her own
    (she continues none), and the second said only 'ada2: paper 1 rated up.', though ada3 still
    continues ada from the next pass, with her ratings."""
    ws = mail_workspace
    first, second = ada_rated_then_renamed(ws)
    ws.profile("ada2", ADA + "paused: true\n")
    ws.profile("ada3", ADA)
    assert "note: ada2 is paused" in digest(ws, "feedback", "ada2", str(second), "up").stdout

    rated = digest(ws, "feedback", "ada2", str(first), "up")
    assert rated.returncode == 0, rated.stderr
    assert rated.stdout == f"ada2: paper {first} rated up.\n" + paused_note(first)
    assert digest(ws, "send").returncode == 0
    with Store(ws.config.database) as store:
        found = {user: store.ratings(user) for user in ("ada", "ada2", "ada3")}
        assert found == {"ada": {}, "ada2": {first: 1, second: 1}, "ada3": {first: -1}}
    again = digest(ws, "feedback", "ada2", str(first), "down")  # ada carried over: her pause alone
    assert again.stdout == f"ada2: paper {first} rated down (was up).\n" + (
        "note: ada2 is paused: nothing is sent to them until `digest profile set ada2 paused false`; "
        "the rating is kept, and their digests learn from it once they go again.\n"
    ), again.stdout
