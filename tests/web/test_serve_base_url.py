"""`digest serve` listening on another port than the emails' links (a loopback base_url) says so."""

from __future__ import annotations

import select

from digest.demo.smtp_server import free_port

HANG = 120  # seconds: only ends a server that hangs; no step is timed


def test_a_loopback_base_url_on_another_port_than_the_one_served_is_said(web_workspace):
    """The user set base_url: http://127.0.0.1:8125 and no web.port: `digest serve` said 'Serving
    on http://127.0.0.1:8025' and printed links there, which worked, while every email's links went
    to 8125, where nothing listened. (Here web.port names another port: no --port given.)"""
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    linked, ws.port = ws.port, free_port()  # base_url keeps the first port; serve gets another
    with ws.config_path.open("a") as f:
        f.write(f"  port: {ws.port}\n")  # web.port, under web:, the config's last section
    with ws.serve_process(HANG, port_option=False) as proc:
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed nothing"
        assert proc.stdout.readline().startswith(f"Serving on http://127.0.0.1:{ws.port}")
        proc.stdout.readline()  # ada's link: the start is done, anything said is said (stderr first)
        assert select.select([proc.stderr], [], [], 0)[0], "no note on stderr"
        note = proc.stderr.readline()
    assert note.startswith(f"note: the emails' links go to base_url {ws.base_url}, port {linked}")
    assert f"this server listens on port {ws.port}: set web.port: {linked} in the config" in note


def test_a_port_given_on_the_command_line_is_the_one_to_change(web_workspace):
    """The config had base_url and web.port on one port, and `digest serve --port` another: the
    note said "set web.port: 8025 in the config", which it was already, and which --port overrides."""
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    linked, ws.port = ws.port, free_port()
    with ws.config_path.open("a") as f:
        f.write(f"  port: {linked}\n")  # under web:, the config's last section
    with ws.serve_process(HANG) as proc:  # `serve --port ws.port`
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed nothing"
        assert proc.stdout.readline().startswith(f"Serving on http://127.0.0.1:{ws.port}")
        proc.stdout.readline()
        assert select.select([proc.stderr], [], [], 0)[0], "no note on stderr"
        note = proc.stderr.readline()
    assert note.startswith(f"note: the emails' links go to base_url {ws.base_url}, port {linked}")
    assert "set web.port" not in note
    assert f"this server listens on port {ws.port} (--port): serve with --port {linked}" in note


def test_no_note_when_the_server_listens_where_the_links_go(web_workspace):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    with ws.served(HANG) as proc:
        proc.stdout.readline()  # ada's link: the start is done, anything said is said
        assert not select.select([proc.stderr], [], [], 0)[0]
