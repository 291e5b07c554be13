"""The `templates:` folder renamed or removed while `digest run` goes on: the daemon read the
config when the folder was there, and does not read it again until it is edited. A real daemon
process and a real aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt

from daemon_processes import logs, start, stop_all, wait_until

from digest.compose.render import builtin_templates

from conftest import make_dump


def test_a_templates_folder_gone_while_the_daemon_runs_is_said_not_replaced_by_the_built_in_one(
    mail_workspace, smtp_server
):
    """The user's folder renamed under a running daemon: ada's digest went out in the built-in
    template, 'digest sent to ada <ada@example.org>: 1 paper', with not a word of the folder."""
    ws = mail_workspace
    mine = ws.root / "my-templates"
    mine.mkdir()
    (mine / "digest.txt.j2").write_text("Mine: " + (builtin_templates() / "digest.txt.j2").read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\nscheduler:\n  poll_seconds: 1\n  profiles_rescan_seconds: 1\n")
    ws.dump("d.txt", make_dump("Mar 14", [("Spiking neural networks at the edge", "Spiking nets.")]))
    daemon = start(ws)
    try:
        wait_until(lambda: "ingested" in logs(ws) or "1 new paper" in logs(ws), 60, "the dump ingested", ws)
        mine.rename(ws.root / "my-templates.old")
        send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%H:%M")
        ws.profile("ada", f"email: ada@example.org\ninterests: [spiking nets]\nsend_at: '{send_at}'\n")
        said = f"templates: {mine} is not a folder any more: put it back, or fix `templates:` in the config"
        wait_until(lambda: said in logs(ws) or smtp_server.messages, 60, "ada's digest, or why not", ws)
        assert said in logs(ws) and not smtp_server.messages, logs(ws)
        (ws.root / "my-templates.old").rename(mine)
        wait_until(lambda: smtp_server.messages, 60, "ada's digest once the folder is back", ws)
    finally:
        stop_all([daemon])
    (message,) = smtp_server.messages
    assert b"Mine: " in message.data
