"""docs/architecture.md describes, where it lists the modules, the parts the latest changes added:
the commands messages suggest (cli/suggested.py), one process at a time making embeddings
(select/embedding_lock.py), what an inbox problem is to a pass (first.py, InboxNotWritten), and a
preferences field emptied (back to the default) as against one not sent (kept)."""

from __future__ import annotations

import re

from conftest import ROOT

DOC = " ".join((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split())


def test_the_module_list_describes_the_latest_parts():
    assert "`suggested.py` writes the commands digest's messages suggest" in DOC
    assert "made by one process of a database at a time (`embedding_lock.py`)" in DOC
    assert "`InboxNotWritten`, raised by `ingest/fetch.py`" in DOC
    assert "another error but the database's a bug said as one" in DOC
    assert "a field sent empty goes back to its default" in DOC
    assert "a field not sent at all is kept as the file has it" in DOC


def test_the_module_lists_name_the_modules_this_release_added():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for name in ("certificates.py", "data_lost.py", "missed_days.py"):
        assert f"`{name}`" in DOC, name
        assert f" {name} (" in readme or f" {name}:" in readme, name


def test_the_module_lists_name_the_newer_modules_where_their_package_is():
    """Modules added or split out since (a fetch's documents put aside, the leases' clocks, the
    delivery's pace, what a command says in its own lines and not in its log too, and the parts
    moved out of daily.py, outbox.py and tick.py; a server's logins we lack, a period queued by another
    process meanwhile, what `--to-dir` leaves queued, a name's typos) are named with the others of their
    package."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for package, name in (
        ("ingest", "fetch_aside.py"),
        ("daemon", "clocks.py"),
        ("deliver", "pacing.py"),
        ("cli", "said_once.py"),
        ("cli", "run_daemon.py"),
        ("deliver", "outbox_messages.py"),
        ("daemon", "queue_due.py"),
        ("deliver", "login_methods.py"),
        ("daemon", "meanwhile.py"),
        ("cli", "send_kept.py"),
        ("profiles", "name_typos.py"),
    ):
        section = DOC.split(f"**`{package}/`", 1)[1].split("**`", 1)[0]  # up to the next package's
        assert f"`{name}`" in section, (package, name)
        # the package's lines in the README's layout: its own, then those indented under it
        (listed,) = re.findall(rf"^  {package}/ +(.*?\n)(?=  \S)", readme, re.M | re.S)
        listed = " ".join(listed.split())
        assert re.search(rf"(?<![\w/.]){re.escape(name)}", listed), (package, name)  # not sources/x.py
