"""A renamed profile file (eve.yaml -> eve-smith.yaml) is the same reader: the new name goes on
with the old one's history (what was sent, ratings, the day's digest, a hard bounce) and the
links already sent; no second digest the same day. Two live profiles with one address stay two
readers."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from helpers.renamed_eve import DAY_1, EVE, MON_0700, add_dump, rename, send, yesterday
from helpers.scheduled_days import tick

from digest.compose.preview import preview
from digest.daemon.renamed import carry_over, pending
from digest.daemon.sendnow import ALREADY
from digest.daemon.status import collect_status, format_status
from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.profiles.load import load_profiles, load_profiles_lenient
from digest.signing import Signed, Signer
from digest.store import Store
from digest.web.app import create_app
from digest.web.identity import link_reader

pytestmark = pytest.mark.backends

DAY_2 = [("Neuromorphic Day Two", "More spikes."), ("Neuromorphic Day One", "Spikes again.")]


def titles(received) -> list[str]:
    text = received.message.get_body(("plain",)).get_content()
    lines = text.splitlines()
    return [line.split(". ", 1)[1].strip() for line in lines if line[:1].isdigit() and ". " in line]


def test_a_renamed_profile_goes_on_with_its_readers_history_and_gets_no_second_digest_that_day(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    assert [o.ok for o in send(ws, MON_0700).delivered] == [True]
    with Store(ws.config.database) as store:
        rated = store.papers()[0].id
        store.rate("eve", rated, 1, MON_0700)
    rename(ws, "eve", "eve-smith")

    status = format_status(collect_status(ws.config, MON_0700 + dt.timedelta(minutes=5)))
    said = "eve-smith continues eve (the same address <Eve@Example.org>; eve's profile file is gone)"
    assert said in status
    row = next(line for line in status.splitlines() if line.startswith("eve-smith "))
    assert "2026-03-16 07:00 UTC" in row and "due now" not in row  # eve's last digest, not a new reader

    again = send(ws, MON_0700 + dt.timedelta(minutes=30))
    assert [(c.old, c.new) for c in again.continued] == [("eve", "eve-smith")]
    (plan,) = again.planned
    assert plan.action == ALREADY and again.queued == ()
    assert len(smtp_server.messages) == 1  # the product's worst complaint: two digests in one day
    with Store(ws.config.database) as store:
        assert store.ratings("eve-smith") == {rated: 1} and store.ratings("eve") == {}
        assert [d.user for d in store.deliveries()] == ["eve-smith"]
        assert store.schedule_state("eve") is None
    later = format_status(collect_status(ws.config, MON_0700 + dt.timedelta(hours=1)))
    assert "Renamed profiles" not in later

    tue = MON_0700 + dt.timedelta(days=1)
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, tue - dt.timedelta(hours=6))
    assert [s.papers for s in tick(ws, tue).scheduled] == [1]
    assert titles(smtp_server.messages[-1]) == ["Neuromorphic Day Two"]  # not Day One again
    assert smtp_server.messages[-1].message["X-Digest-User"] == "eve-smith"


def test_the_daemon_carries_a_renamed_reader_over_before_it_looks_at_who_is_due(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    assert len(tick(ws, MON_0700).delivered) == 1
    rename(ws, "eve", "eve-smith")
    assert tick(ws, MON_0700 + dt.timedelta(minutes=1)).scheduled == ()
    assert len(smtp_server.messages) == 1


def test_a_hard_bounce_of_the_address_stays_with_the_renamed_reader(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    with Store(ws.config.database) as store, store.transaction():
        store.set_schedule_state("eve", "2026-03-15", MON_0700 - dt.timedelta(days=1))
        Suppressions(store).add("eve", "eve@example.org", "550 5.1.1 no such user", MON_0700)
    rename(ws, "eve", "eve-smith")
    report = send(ws, MON_0700)
    assert [(c.old, c.new) for c in report.continued] == [("eve", "eve-smith")]
    assert [p.action for p in report.planned] == ["suppressed"] and report.queued == ()


def test_an_unsubscribe_kept_in_the_database_stays_with_the_renamed_reader(workspace):
    """Asked while eve.yaml could not be read; the operator then saved it fixed as eve-smith.yaml."""
    ws = workspace
    ws.profile("eve", EVE)
    with Store(ws.config.database) as store:
        with store.transaction():
            store.set_schedule_state("eve", "2026-03-15", MON_0700 - dt.timedelta(days=1))
            Outbox(store).enqueue(
                user="eve", recipient="eve@example.org", message_id="<sent@x>", subject="s", mime=b"m",
                paper_ids=[], now=MON_0700 - dt.timedelta(days=1), holder=None,
            )  # fmt: skip
            store.db.execute("UPDATE outbox SET status = 'sent'")
        Suppressions(store).unsubscribe("eve", MON_0700 - dt.timedelta(hours=1))
    rename(ws, "eve", "eve-smith")
    report = send(ws, MON_0700)
    assert [(c.old, c.new) for c in report.continued] == [("eve", "eve-smith")]
    assert [p.action for p in report.planned] == ["suppressed"] and report.queued == ()
    with Store(ws.config.database) as store:
        assert Suppressions(store).unsubscribed("eve-smith") is not None


def test_two_live_profiles_with_one_address_stay_two_readers(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    send(ws, MON_0700)
    ws.profile("eve-work", EVE)  # eve.yaml is still there: a second reader, on purpose
    report = send(ws, MON_0700 + dt.timedelta(minutes=30))
    assert report.continued == () and len(report.queued) == 1
    with Store(ws.config.database) as store:
        assert sorted({d.user for d in store.deliveries()}) == ["eve", "eve-work"]


def test_a_gone_reader_whose_address_two_new_profiles_have_is_continued_by_neither(workspace, caplog):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    ws.profile("eve-work", EVE)
    config = ws.config
    with Store(config.database) as store:
        assert pending(config, store, load_profiles(config), MON_0700) == []
    assert "eve's profile file is gone and eve-smith, eve-work have its address" in caplog.text


def test_a_profile_with_another_address_is_a_new_reader(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    (ws.root / "profiles" / "eve.yaml").unlink()
    ws.profile("eve-smith", EVE.replace("Eve@Example.org", "eve.smith@example.org"))
    config = ws.config
    with Store(config.database) as store:
        assert pending(config, store, load_profiles(config), MON_0700) == []


def test_the_links_already_sent_with_the_old_name_open_the_renamed_profile(web_workspace):
    ws = web_workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    send(ws, MON_0700)  # carries eve over (no papers: nothing sent)
    config = ws.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: MON_0700).test_client()
    old = signer.token("eve", MON_0700 - dt.timedelta(days=1))  # yesterday's digest's
    page = client.get(f"/u/{old}")
    assert page.status_code == 200 and "Eve@Example.org" in page.get_data(as_text=True)
    one_click = client.post(f"/u/{old}/unsubscribe", data=b"List-Unsubscribe=One-Click")
    assert one_click.status_code == 200
    assert yaml.safe_load((ws.root / "profiles" / "eve-smith.yaml").read_text())["paused"] is True
    assert not (ws.root / "profiles" / "eve.yaml").exists()
    assert (
        client.get(f"/u/{signer.token('nobody', MON_0700)}").status_code == 410
    )  # signed, but no such reader


def test_profile_new_and_a_dry_run_say_whom_a_new_profile_continues_and_change_nothing(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve", wall_clock())  # the commands' clock: a reader served yesterday
    (ws.root / "profiles" / "eve.yaml").unlink()
    made = ws.cli("profile", "new", "eve-smith", "--email", "eve@example.org", "-i", "neuromorphic")
    assert made.exit_code == 0, made.output
    assert "eve-smith continues eve (the same address <eve@example.org>" in made.output
    dry = ws.cli("send", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "eve-smith continues eve" in dry.output and "(by the send)" in dry.output
    with Store(ws.config.database) as store:
        assert store.schedule_state("eve") is not None and store.schedule_state("eve-smith") is None


def test_a_profile_renamed_and_renamed_back_is_the_same_reader_and_its_old_links_follow(workspace):
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    assert [c.new for c in send(ws, MON_0700).continued] == ["eve-smith"]
    rename(ws, "eve-smith", "eve")
    assert [(c.old, c.new) for c in send(ws, MON_0700).continued] == [("eve-smith", "eve")]
    config = ws.config
    with Store(config.database) as store:
        assert [d.user for d in store.deliveries()] == ["eve"]
    sent = MON_0700 - dt.timedelta(days=1)  # yesterday's digest's links
    for name in ("eve", "eve-smith"):  # a link with either name opens eve.yaml
        assert link_reader(config, Signed(name, sent), MON_0700) == ("eve", ws.root / "profiles" / "eve.yaml")
    assert link_reader(config, Signed("nobody", sent), MON_0700) is None  # the 410


def test_an_address_given_to_a_newcomer_long_after_its_reader_left_starts_a_new_reader(workspace):
    """A lab's alias, its reader's profile removed months ago, given to a new colleague: the
    newcomer inherits none of the old reader's ratings, bounce or links."""
    ws = workspace
    ws.profile("lab-ml", EVE)
    yesterday(ws, "lab-ml")
    (ws.root / "profiles" / "lab-ml.yaml").unlink()
    ws.profile("lab-vision", EVE)
    config = ws.config
    with Store(config.database) as store:
        a_month_later = MON_0700 + dt.timedelta(days=31)
        assert pending(config, store, load_profiles(config), a_month_later) == []
        assert carry_over(config, store, load_profiles(config), a_month_later).done == []
        (soon,) = pending(config, store, load_profiles(config), MON_0700 + dt.timedelta(days=20))
        assert (soon.old, soon.new) == ("lab-ml", "lab-vision")  # a rename, within the month
        assert [d.user for d in store.deliveries()] == ["lab-ml"]


def test_an_old_link_followed_before_the_renamed_reader_was_carried_over_is_the_readers(web_workspace):
    """The file renamed, no pass yet: the old name's link (an unsubscribe, a rating) is the reader's,
    carried over then, not a removed reader's 410 / 200 that the next digest ignores."""
    ws = web_workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve")
    rename(ws, "eve", "eve-smith")
    add_dump(ws, "d1.txt", "Mar 16", DAY_1, MON_0700 - dt.timedelta(hours=6))
    config = ws.config
    signer = Signer.from_config(config)
    client = create_app(config, signer, lambda: MON_0700).test_client()
    old = signer.token("eve", MON_0700 - dt.timedelta(days=1))  # yesterday's digest's
    with Store(config.database) as store:
        paper = store.papers()[0].id
    rating = client.post(f"/u/{old}/rate/{paper}", data={"rating": "up", "csrf": signer.form_token(old)})
    assert rating.status_code == 200
    one_click = client.post(f"/u/{old}/unsubscribe", data=b"List-Unsubscribe=One-Click")
    assert one_click.status_code == 200
    assert yaml.safe_load((ws.root / "profiles" / "eve-smith.yaml").read_text())["paused"] is True
    with Store(config.database) as store:
        assert store.ratings("eve-smith") == {paper: 1} and store.ratings("eve") == {}
        assert store.db.execute("SELECT user FROM schedule_state").fetchall() == [("eve-smith",)]
    report = send(ws, MON_0700 + dt.timedelta(minutes=5))
    assert report.queued == () and report.continued == ()  # paused, and carried over already


def test_the_preview_of_a_renamed_profile_not_carried_over_yet_is_what_the_send_sends(
    mail_workspace, smtp_server
):
    """Not the old name's papers again, as a new reader's first digest would have them."""
    ws = mail_workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    send(ws, MON_0700)
    assert sorted(titles(smtp_server.messages[-1])) == ["Neuromorphic Day One", "Neuromorphic Other"]
    rename(ws, "eve", "eve-smith")
    tue = MON_0700 + dt.timedelta(days=1)
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, tue - dt.timedelta(hours=6))
    shown = preview(ws.config, "eve-smith", tue)
    assert [m.paper.title for m in shown.digest.matches] == ["Neuromorphic Day Two"]
    assert shown.digest.profile.user == "eve-smith"  # its links are the new name's
    with Store(ws.config.database) as store:
        assert store.schedule_state("eve-smith") is None  # a preview carries nothing over
    send(ws, tue)
    assert titles(smtp_server.messages[-1]) == ["Neuromorphic Day Two"]


def test_rank_next_of_a_renamed_profile_not_carried_over_yet_is_the_window_the_send_takes(
    mail_workspace, smtp_server
):
    """As the preview: from the old name's history, not a new reader's latest listing (which
    would list again a paper eve was sent)."""
    ws = mail_workspace
    ws.profile("eve", EVE)
    now = wall_clock()  # `digest rank`'s clock
    sent = now - dt.timedelta(days=1)
    add_dump(ws, "d1.txt", f"{sent:%b} {sent.day}", DAY_1, sent - dt.timedelta(hours=1))
    send(ws, sent)
    assert sorted(titles(smtp_server.messages[-1])) == ["Neuromorphic Day One", "Neuromorphic Other"]
    rename(ws, "eve", "eve-smith")
    add_dump(ws, "d2.txt", f"{now:%b} {now.day}", DAY_2, now - dt.timedelta(hours=1))
    ranked = ws.cli("rank", "eve-smith", "--next")
    assert ranked.exit_code == 0, ranked.output
    assert "Neuromorphic Day Two" in ranked.output and "Neuromorphic Day One" not in ranked.output
    with Store(ws.config.database) as store:
        assert store.schedule_state("eve-smith") is None  # ranking carries nothing over


def test_a_profile_that_is_a_symbolic_link_to_a_share_not_mounted_is_not_a_removed_reader(
    workspace, tmp_path
):
    """Its reader still has a file (a dangling link: the web says 403, not 410): a new profile
    with their address does not take their history, which the share's return would split in two."""
    ws = workspace
    share = tmp_path / "share"
    share.mkdir()
    (share / "eve.yaml").write_text(EVE)
    (ws.root / "profiles" / "eve.yaml").symlink_to(share / "eve.yaml")
    yesterday(ws, "eve")
    (share / "eve.yaml").unlink()  # the share not mounted
    ws.profile("eve-smith", EVE)
    config = ws.config
    with Store(config.database) as store:
        assert pending(config, store, load_profiles_lenient(config)[0], MON_0700) == []


def test_a_new_profile_with_a_live_readers_address_is_pointed_out_until_it_has_a_digest(workspace):
    """A copy made to rename a file (`profile new`, or cp, before removing the old one): two
    readers from the next pass on, which profile new and status say while it can still be a
    rename. Two profiles with one address on purpose stay two readers, said nothing of after."""
    ws = workspace
    ws.profile("eve", EVE)
    yesterday(ws, "eve", wall_clock())
    made = ws.cli("profile", "new", "eve-smith", "--email", "eve@example.org", "-i", "neuromorphic")
    assert made.exit_code == 0, made.output
    note = "eve-smith has the address of eve <eve@example.org>, who is a reader too"
    assert note in made.output and "remove eve's profile file before then" in made.output
    status = ws.cli("status")
    assert "New profiles with a live reader's address" in status.output and note in status.output
    yesterday(ws, "eve-smith", wall_clock())  # both had digests: two readers, on purpose or not
    assert note not in ws.cli("status").output


def test_the_preview_of_a_reader_with_digests_reads_no_other_readers_name(
    mail_workspace, smtp_server, monkeypatch
):
    """Only a profile without a digest may be a renamed file not carried over yet: a reader's
    preview (and `rank --next`) looks at their own name alone, not at every reader's."""
    import digest.daemon.renamed as renamed

    ws = mail_workspace
    ws.profile("eve", EVE)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    send(ws, MON_0700)
    every = renamed.known_readers
    asked: list[object] = []
    monkeypatch.setattr(
        renamed, "known_readers", lambda store, among=None: asked.append(among) or every(store, among)
    )
    tue = MON_0700 + dt.timedelta(days=1)
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, tue - dt.timedelta(hours=6))
    assert [m.paper.title for m in preview(ws.config, "eve", tue).digest.matches] == ["Neuromorphic Day Two"]
    assert asked == [["eve"]]
