"""A template of the user's `templates:` folder that raises an error of Python's for one reader
only ({{ 1 // 0 }} under an `if` of theirs, a filter given what it cannot take): the others get
their digest, and that reader's failure names the file, the line and the fix, in the log and in
`digest status`, as a value not there (test_template_errors) is said. Real `digest run --once`
processes, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.faked import digest_at, needs_faketime

from digest.compose.render import builtin_templates

from conftest import make_dump

pytestmark = [pytest.mark.backends, needs_faketime]

SAVED = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)  # the listing of Mar 14, saved that morning
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # the first pass, ten minutes after the send time

FOR_BOB = '{% if name == "bob" %}{{ 1 // 0 }}{% endif %}\n'


def run_once(ws, minutes: int, code: int) -> str:
    """One `digest run --once`, ``minutes`` after SENT, ending with ``code``: what it said."""
    done = digest_at(ws, "run", "--once", at=SENT + dt.timedelta(minutes=minutes), code=code)
    return done.stdout + done.stderr


@pytest.mark.parametrize("name", ["digest.txt.j2", "digest.html.j2"])
def test_a_template_that_raises_for_one_reader_is_said_with_its_file_and_line(
    mail_workspace, smtp_server, name
):
    """bob's digest: "cannot build the message: ZeroDivisionError: integer division or modulo by
    zero", in the log and in `digest status`: no file, no line, no word of the `templates:` folder."""
    ws = mail_workspace
    mine = ws.root / "my-templates" / name
    mine.parent.mkdir()
    mine.write_text("\n" + FOR_BOB + (builtin_templates() / name).read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")
    ws.dump(
        "day.txt", make_dump("Mar 14", [("Neuromorphic", "An event-driven neuromorphic chip.")]), mtime=SAVED
    )
    for user in ("ada", "bob", "cy"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '11:50'\n")
    said = (
        f"cannot build the message: {mine}, line 2: ZeroDivisionError: integer division or modulo by "
        "zero (a template of your `templates:` folder: fix it, or remove it to use the built-in one)"
    )

    first = run_once(ws, 0, code=1)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ada@example.org", "cy@example.org"]
    assert "digest for bob (" in first and f"not queued: {said}" in first, first
    assert f"  bob: {said}" in digest_at(ws, "status", at=SENT + dt.timedelta(minutes=1)).stdout

    mine.write_text((builtin_templates() / name).read_text())  # mended: bob's comes, once
    run_once(ws, 2, code=0)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        f"{u}@example.org" for u in ("ada", "bob", "cy")
    ]
