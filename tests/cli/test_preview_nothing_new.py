"""`digest preview` of a reader with nothing new since their last digest says that, not that
nothing matches their interests "yet" as if they never had a digest (a real SMTP server)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from helpers.faked import digest_at, needs_faketime

from conftest import NOW, make_dump

PAPERS = [("Gardening Robots", "Robots that water plants.")]
SENT = NOW + dt.timedelta(hours=1)  # 2026-03-20 13:00 UTC, the day of the listing of Mar 20


@needs_faketime
def test_an_empty_preview_after_a_digest_says_nothing_new_since_it(mail_workspace, smtp_server):
    """Each command on a clock of the test's (libfaketime): "today at 13:00 UTC" whenever the test
    runs (at the real time, a run that crossed UTC midnight said the digest "on Mon 2026-12-07 at
    23:59 UTC", the day before the preview's)."""
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    ws.profile("eve", "email: eve@example.org\ninterests: [origami]\n")
    ws.dump("day.txt", make_dump("Mar 20", PAPERS), mtime=NOW)
    digest_at(ws, "ingest", at=SENT)
    digest_at(ws, "send", at=SENT)
    assert len(smtp_server.messages) == 1  # ada's; none for eve
    after = digest_at(ws, "preview", "ada", "--text", at=SENT + dt.timedelta(minutes=5)).stderr
    assert (
        "note: nothing new matches ada's interests since their last digest (today at 13:00 UTC;" in after
    ), after
    assert "yet" not in after, after
    never = digest_at(
        ws, "preview", "eve", "--text", at=SENT + dt.timedelta(minutes=5)
    ).stderr  # never had one
    assert "note: nothing matches eve's interests yet: no email is sent for this" in never, never


def test_an_empty_preview_of_a_day_before_the_readers_first_digest_is_not_said_after_it(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("bob", "email: bob@example.org\ninterests: [gardening]\n")
    early = make_dump("Mar 18", [("Event Cameras", "Vision on chips.")])
    ws.dump("early.txt", early, where="aside", mtime=NOW)  # saved in 2026: the listing of 2026-03-18
    assert ws.cli("ingest", str(ws.root / "aside" / "early.txt")).exit_code == 0
    ws.dump("day.txt", make_dump("Mar 20", PAPERS), mtime=NOW)
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1  # bob's first, today
    # Mar 18: nothing of his then, and no digest before that day: not "since their last digest
    # (today ...)", a digest made long after the day shown
    then = ws.cli("preview", "bob", "--date", "2026-03-18", "--text").stderr
    assert "since their last digest" not in then, then
    assert "note: nothing matches bob's interests by 2026-03-18: no email is sent for this" in then, then


def test_a_preview_before_any_paper_was_stored_says_what_stores_them_as_rank_does(workspace):
    # Before: "note: nothing matches ada's interests yet: no email is sent for this (...)", as if her
    # interests were at fault, where `digest rank ada --next` says "No papers stored yet: ..." and
    # what to run
    workspace.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    digest = [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
    inbox = workspace.root / "inbox"
    for sources, fetch in (
        ("", ""),  # dumps only
        (  # README's "Using it": `digest fetch` first
            "sources:\n  - kind: hf_daily\n",
            "run `digest fetch` (the config's sources; `digest status` shows their last fetch), or ",
        ),
    ):
        workspace.config_path.write_text(workspace.config_path.read_text() + sources)
        to_do = f"{fetch}put listing dumps in {inbox} and run `digest ingest`"
        shown = subprocess.run(
            [*digest, "preview", "ada", "--text"], capture_output=True, text=True, timeout=120
        )
        assert shown.returncode == 0, shown.stderr
        assert (
            f"note: no papers stored yet: {to_do}; nothing matches ada's interests yet: no email is sent "
            "for this (`send_empty: true` would send this note).\n" in shown.stderr
        ), shown.stderr
        ranked = subprocess.run(
            [*digest, "rank", "ada", "--next"], capture_output=True, text=True, timeout=120
        )
        assert ranked.stdout == f"No papers stored yet: {to_do}.\n"  # the same words


@needs_faketime
def test_a_dated_preview_before_any_paper_was_stored_says_what_stores_that_days_listing(workspace):
    # Before: "note: no stored listing is dated on or before 2026-03-18." and nothing of what to
    # run, where the preview without --date says "no papers stored yet: put listing dumps in ..."
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    inbox = ws.root / "inbox"
    past = digest_at(ws, "preview", "ada", "--text", "--date", "2026-03-18", at=NOW).stderr
    assert (
        f"note: no papers stored yet: put listing dumps of 2026-03-18 or before in {inbox} and run "
        "`digest ingest`; no stored listing is dated on or before 2026-03-18.\n" in past
    ), past
    ws.config_path.write_text(ws.config_path.read_text() + "sources:\n  - kind: hf_daily\n")
    today = digest_at(ws, "preview", "ada", "--text", "--date", "2026-03-20", at=NOW).stderr
    fetch = "run `digest fetch` (the config's sources; `digest status` shows their last fetch), or "
    assert (  # today's: what stores the first papers, as the preview without --date says it
        f"note: no papers stored yet: {fetch}put listing dumps in {inbox} and run `digest ingest`; "
        "no stored listing is dated on or before 2026-03-20.\n" in today
    ), today
    # followed: the past day's digest is there
    ws.dump("day.txt", make_dump("Mar 18", PAPERS), mtime=NOW)
    digest_at(ws, "ingest", at=NOW)
    shown = digest_at(ws, "preview", "ada", "--text", "--date", "2026-03-18", at=NOW)
    assert "Gardening Robots" in shown.stdout and "no papers stored" not in shown.stderr, shown.stderr
