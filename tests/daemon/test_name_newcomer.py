"""A removed reader's name given to someone else (ada.yaml, ada@example.org, removed; later a new
ada.yaml for zed@example.net) is a new reader: the removed reader's records (ratings, papers
sent, schedule, the period's digest, a suppression) are moved aside, in one transaction, to an
archived identity (``ada~removed-<when their file was found gone>``); nothing is deleted. The
newcomer's page shows none of the removed reader's ratings, their first digest is not held back
by the removed reader's schedule nor misses the papers sent to the removed reader, and the removed
reader's links still open nothing (410). The same address back keeps the history, as before."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request

import pytest
from helpers import newcomer_name
from helpers.newcomer_name import ADA, ZED, archived, kim_removed_by_a_worker_ahead, records, zed_after_ada

from digest.daemon.archive import is_archived
from digest.db import wall_clock
from digest.profiles.load import load_profiles
from digest.signing import Signer
from digest.store import Store

pytestmark = pytest.mark.backends

ws = newcomer_name.ws  # the fixture: ada and eve served, ada rated and bounced


def page(ws, user: str, signed: dt.datetime) -> tuple[int, str]:
    """``user``'s preferences page through the real server, by a link signed at ``signed``."""
    return opened(ws, Signer.from_config(ws.config).token(user, signed))


def opened(ws, token: str) -> tuple[int, str]:
    """The page a link's ``token`` opens, through the real server."""
    with ws.serve(now=wall_clock() + dt.timedelta(seconds=5)) as base:
        try:
            with urllib.request.urlopen(f"{base}/u/{token}") as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def rated_titles(html: str) -> list[str]:
    return re.findall(r'class="rated-title">([^<]+)</span>', html)


def test_a_file_made_by_hand_under_a_removed_readers_name_with_another_address_starts_afresh(ws, smtp_server):
    before = records(ws, "ada")
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0  # the pass finds ada's file gone
    ws.profile("ada", ZED)  # weeks later, by hand, for someone else
    assert ws.cli("send").exit_code == 0  # the pass finds it back with another address

    # what zed sees: their page lists none of ada's ratings; ada's old links still open nothing
    status, html = page(ws, "ada", wall_clock() + dt.timedelta(seconds=1))  # zed's link
    assert status == 200 and "Your ratings" in html and rated_titles(html) == [] and "None yet" in html
    status, html = page(ws, "ada", ws.ada_signed)  # a link from the removed ada's email
    assert status == 410 and "zed@example.net" not in html
    # what zed gets: a first digest today although ada had one, with the papers ada was sent
    to_zed = [m for m in smtp_server.messages if m.rcpt_tos == ["zed@example.net"]]
    assert len(to_zed) == 1
    assert "Robotics Today" in to_zed[0].message.get_body(("plain",)).get_content()
    assert set(records(ws, "ada")) == {
        "schedule_state",
        "period_digests",
        "outbox",
        "deliveries",
        "sent_papers",
    }
    # what became of ada's records: all kept, under the archived identity
    (aside,) = archived(ws)
    assert re.fullmatch(r"ada~removed-\d{8}T\d{6}Z", aside) and is_archived(aside)
    assert records(ws, aside) == before

    shown = ws.cli("status").output
    assert "removed" not in shown and "~" not in shown  # the archived reader is no active reader
    listed = ws.cli("suppressed").output
    assert f"{aside}" in listed and "kept apart" in listed  # ada's bounce, no longer the name's
    released = ws.cli("suppressed", "--release", aside).output
    assert "a removed reader's, kept apart: no digest goes to them" in released
    assert "the next digest goes" not in released


def test_profile_new_under_a_removed_readers_name_moves_their_history_aside_at_once(ws):
    """No pass between the removal and `profile new`: the newcomer's page, opened before any
    pass, shows none of the removed reader's ratings."""
    (ws.root / "profiles" / "ada.yaml").unlink()
    made = ws.cli("profile", "new", "ada", "--email", "zed@example.net", "-i", "robotics")
    assert made.exit_code == 0, made.output
    status, html = page(ws, "ada", wall_clock() + dt.timedelta(seconds=1))
    assert status == 200 and rated_titles(html) == []  # zed's page, before any pass
    (aside,) = archived(ws)
    assert "ada was the name of another reader <ada@example.org>, whose profile was removed" in made.output
    assert f"kept apart as {aside}; ada starts afresh" in made.output
    assert records(ws, "ada") == {} and "ratings" in records(ws, aside)
    assert page(ws, "ada", ws.ada_signed)[0] == 410
    assert ws.cli("send").exit_code == 0  # the pass finds nothing more to move
    assert archived(ws) == [aside] and records(ws, aside)["ratings"] == 1


def test_the_same_address_back_keeps_its_history(ws, smtp_server):
    before = records(ws, "ada")
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("ada", ADA.replace("ada@example.org", "Ada@Example.org"))  # restored
    assert ws.cli("send").exit_code == 0
    assert archived(ws) == [] and records(ws, "ada") == before
    assert len(smtp_server.messages) == 2  # no second digest today, nothing sent again
    status, html = page(ws, "ada", ws.ada_signed)  # their own links open their page again
    assert status == 200 and rated_titles(html) == ["Robotics Today"]


def test_profile_new_with_the_removed_readers_address_keeps_its_history(ws):
    before = records(ws, "ada")
    (ws.root / "profiles" / "ada.yaml").unlink()
    made = ws.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "robotics")
    assert made.exit_code == 0 and "another reader" not in made.output, made.output
    assert archived(ws) == [] and records(ws, "ada") == before


def test_an_address_edited_in_place_stays_the_same_reader(ws):
    before = records(ws, "ada")
    ws.profile("ada", ZED)  # never removed
    assert ws.cli("send").exit_code == 0
    assert archived(ws) == [] and records(ws, "ada")["ratings"] == before["ratings"]


def test_two_readers_of_one_name_archived_in_turn_are_kept_apart(ws, smtp_server):
    folder = ws.root / "profiles"
    (folder / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("ada", ZED)
    assert ws.cli("send").exit_code == 0  # zed's first digest
    (folder / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("ada", ZED.replace("zed@example.net", "yan@example.com"))
    assert ws.cli("send").exit_code == 0
    first, second = archived(ws)
    assert records(ws, first)["ratings"] == 1 and "ratings" not in records(ws, second)
    with Store(ws.config.database) as store:
        to = dict(
            store.db.execute("SELECT user, recipient FROM outbox WHERE user LIKE ?", ("ada%",)).fetchall()
        )
    assert to == {first: "ada@example.org", second: "zed@example.net", "ada": "yan@example.com"}


def test_the_daemons_pass_moves_the_history_aside_before_it_serves_the_newcomer(ws, smtp_server):
    """The daemon's pass (run_once: carry-overs, the look, then who is due): the newcomer's first
    digest is made after the move, so it is theirs and not filed with the removed reader's."""
    from digest.daemon.names import Looked
    from digest.daemon.tick import run_once
    from digest.deliver.transports import SmtpSender

    def tick() -> None:
        config = ws.config
        with Store(config.database) as store, SmtpSender(config.smtp) as sender:
            run_once(config, store, load_profiles(config), sender, wall_clock(), looked=Looked())

    (ws.root / "profiles" / "ada.yaml").unlink()
    tick()
    ws.profile("ada", ZED + f'send_at: "{wall_clock() - dt.timedelta(minutes=1):%H:%M}"\n')  # due now (UTC)
    tick()
    (aside,) = archived(ws)
    assert [m.rcpt_tos for m in smtp_server.messages].count(["zed@example.net"]) == 1
    with Store(ws.config.database) as store:
        to = sorted(
            store.db.execute("SELECT user, recipient FROM outbox WHERE user LIKE ?", ("ada%",)).fetchall()
        )
    assert to == [("ada", "zed@example.net"), (aside, "ada@example.org")]


def test_a_profile_with_the_archived_readers_address_does_not_continue_them(ws):
    """No carry-over from an archived reader (as a renamed file would continue a removed one): its
    name went to someone else, and the carry-over would lead that name's later renames elsewhere.
    ada's address back under another name within days is a new reader, as before the move."""
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    ws.profile("ada", ZED)
    assert ws.cli("send").exit_code == 0
    (aside,) = archived(ws)
    ws.profile("ada-again", ADA)
    assert ws.cli("send").exit_code == 0
    assert records(ws, aside)["ratings"] == 1 and "ratings" not in records(ws, "ada-again")
    assert "sent_papers" in records(ws, "ada-again")  # a first digest of their own


@pytest.mark.parametrize("address, moved", [("zed@example.net", True), ("ada@example.org", False)])
def test_a_removal_whose_reader_is_not_known_is_told_by_the_records_address(ws, address, moved):
    """A removal noted without its reader's address (before addresses were kept, or settled):
    the name's records are a removed reader's if they were made for another address."""
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0
    with Store(ws.config.database) as store, store.transaction() as db:
        db.execute("UPDATE reader_name_removals SET address = NULL WHERE user = 'ada'")
    ws.profile("ada", ADA.replace("ada@example.org", address))
    assert ws.cli("send").exit_code == 0
    assert len(archived(ws)) == moved and ("ratings" in records(ws, "ada")) != moved


@pytest.mark.parametrize("by", ["send", "daemon"])
def test_a_file_renamed_onto_a_removed_readers_name_continues_its_own_reader(ws, smtp_server, by):
    """eve.yaml renamed ada.yaml after ada's file went: the look moves ada's records aside, and the
    same pass lets ada continue eve (eve's history, no second digest today), not start afresh."""
    from digest.daemon.names import Looked
    from digest.daemon.tick import run_once
    from digest.deliver.transports import SmtpSender

    def a_pass() -> None:
        if by == "send":
            assert ws.cli("send").exit_code == 0
            return
        config = ws.config
        with Store(config.database) as store, SmtpSender(config.smtp) as sender:
            run_once(config, store, load_profiles(config), sender, wall_clock(), looked=Looked())

    eve = records(ws, "eve")
    folder = ws.root / "profiles"
    (folder / "ada.yaml").unlink()
    a_pass()  # ada's file found gone
    (folder / "eve.yaml").rename(folder / "ada.yaml")
    if by == "daemon":  # due now (UTC), as the send makes it
        ws.profile(
            "ada",
            ADA.replace("ada@", "eve@") + f'send_at: "{wall_clock() - dt.timedelta(minutes=1):%H:%M}"\n',
        )
    a_pass()
    (aside,) = archived(ws)
    assert records(ws, "ada") == eve and records(ws, "eve") == {}  # eve goes on as ada
    assert records(ws, aside)["ratings"] == 1  # the removed ada's, kept apart
    assert [m.rcpt_tos for m in smtp_server.messages].count(["eve@example.org"]) == 1  # none again today
    with Store(ws.config.database) as store:
        renames = store.db.execute("SELECT old_user, user FROM reader_renames").fetchall()
    assert renames == [("eve", "ada")]  # eve's links open ada's page


def test_profile_url_right_after_the_removal_is_noted_prints_a_link_that_opens(ws):
    """A link is signed to the whole second, and one signed before the removal's second is the
    removed reader's (410): the newcomer's link is signed once the clock is past it, as `profile
    new` waits (names.past_second_of); it opens zed's page."""
    kim_removed_by_a_worker_ahead(ws)
    url = ws.cli("profile", "url", "kim")
    assert url.exit_code == 0 and "kim was the name of another reader <kim@example.org>" in url.stderr
    status, html = opened(ws, url.stdout.strip().rsplit("/", 1)[1])
    assert status == 200 and "zed@example.net" in html


def test_profile_url_for_a_file_made_by_hand_before_any_pass_opens_a_clean_page(ws):
    """A new ada.yaml written by hand for zed after ada's removal was noted, and its link taken
    with `profile url` before any pass: the link is the newcomer's first, so it moves the removed
    reader's history aside as the pass would (their ratings are never on zed's page)."""
    zed_after_ada(ws)
    url = ws.cli("profile", "url", "ada")
    assert url.exit_code == 0, url.output
    token = url.stdout.strip().rsplit("/", 1)[1]
    with (
        ws.serve(now=wall_clock() + dt.timedelta(seconds=2)) as base,
        urllib.request.urlopen(f"{base}/u/{token}") as answer,
    ):
        html = answer.read().decode()
    assert "Your ratings" in html and rated_titles(html) == []  # zed's page: not ada's rating
    (aside,) = archived(ws)
    assert f"kept apart as {aside}" in url.output
    assert records(ws, "ada") == {} and records(ws, aside)["ratings"] == 1


def test_profile_url_of_a_file_that_cannot_be_read_blames_the_file_not_the_database(ws):
    """A reader's file broken (a YAML slip): `profile url` prints the link as before, and says what
    is wrong with the file, not that the database could not be read or written."""
    ws.profile("eve", "email: eve@example.org\ninterests: [robotics\n")
    url = ws.cli("profile", "url", "eve")
    assert url.exit_code == 0, url.output
    assert url.stdout.strip().startswith("http") and "/u/" in url.stdout
    assert "eve.yaml: not valid YAML" in url.stderr and "database" not in url.stderr


def test_profile_url_of_a_broken_file_under_a_removed_readers_name_prints_no_link(ws):
    """zed's ada.yaml made by hand with a YAML slip: its address cannot be read, so the removed
    reader's history cannot be moved aside; a link printed then opened ada's ratings on zed's page
    once the file was fixed, before any pass. It is refused, saying to fix the file and ask again;
    asked again, the history is moved aside and the link opens a clean page."""
    zed_after_ada(ws)
    ws.profile("ada", ZED + "exclude: [medical\n")
    url = ws.cli("profile", "url", "ada")
    assert url.exit_code == 1 and url.stdout == ""
    assert "ada.yaml: not valid YAML" in url.stderr and "a reader whose profile was removed" in url.stderr
    assert "fix the file, then run `digest profile url ada` again" in url.stderr
    assert archived(ws) == [] and records(ws, "ada")["ratings"] == 1

    ws.profile("ada", ZED)
    url = ws.cli("profile", "url", "ada")
    assert url.exit_code == 0 and f"kept apart as {archived(ws)[0]}" in url.stderr
    assert records(ws, "ada") == {}
