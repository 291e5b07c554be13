"""A digest a `digest send` by SMTP made and did not try (stopped with Ctrl-C) is the reader's: `digest
send --to-dir DIR` leaves it queued and says who delivers it. In a folder whose config says
`delivery.transport: file` since (the smtp: section gone), that is `digest send` or the daemon's pass
writing it into delivery.dir, not SMTP: the note says so ("... writes it into mail
(delivery.transport: file)"), and the next `digest send` does write it there, once. Before, the note
said "sends it by SMTP", in a folder with no mail server.

Real parts: the real `digest send --to-dir` and `digest send` commands, SQLite."""

from __future__ import annotations

from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import Workspace

MIME = b"Subject: Digest\r\nTo: ada@example.org\r\n\r\nHi\r\n"


def switched_to_files(tmp_path, tried_by: str = "") -> Workspace:
    """Ada's digest made by a send by SMTP (not tried; or tried, the server's reply ``tried_by``), then
    the config switched to `delivery.transport: file`."""
    ws = Workspace(tmp_path, smtp_port=9)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    with Store(ws.config.database) as store, store.transaction():
        Outbox(store).enqueue(
            user="ada", recipient="ada@example.org", message_id="<m0@example.org>", subject="Digest",
            mime=MIME, paper_ids=[], now=wall_clock(), for_files=False,
        )  # fmt: skip
        if tried_by:
            store.db.execute("UPDATE outbox SET attempts = 1, last_error = ?", (tried_by,))
    ws.config_path.write_text(
        "database: digest.db\ninbox: inbox\nprofiles: profiles\ndelivery:\n  transport: file\n  dir: mail\n"
    )
    return ws


def test_to_dir_says_the_file_transport_writes_what_an_smtp_send_left(tmp_path):
    ws = switched_to_files(tmp_path)

    looked = ws.cli("send", "--to-dir", str(tmp_path / "look"))
    assert looked.exit_code == 0, looked.output
    said = (
        "not written (made for email by a send by SMTP and not tried yet: the daemon's pass or `digest "
        f"send` writes it into {ws.config.delivery.dir} (delivery.transport: file)): ada <ada@example.org>"
    )
    assert said in looked.stderr, looked.stderr  # before: "... sends it by SMTP)"
    assert not list((tmp_path / "look").glob("*.eml"))

    sent = ws.cli("send")
    assert sent.exit_code == 0, sent.output
    assert [p.name for p in (tmp_path / "mail").glob("*.eml")] == ["m0.eml"], sent.output


def test_to_dir_says_the_file_transport_writes_what_a_server_deferred(tmp_path):
    """A digest a mail server deferred (tried by SMTP before the config said files) waits for its retry,
    which the file transport makes: the note says so, not "it waits for its retry by SMTP"."""
    ws = switched_to_files(tmp_path, tried_by="451 4.7.1 greylisted, try later")  # deferred by a server

    looked = ws.cli("send", "--to-dir", str(tmp_path / "look"))
    assert looked.exit_code == 0, looked.output
    said = (
        "not written (deferred by the mail server, it waits for its retry: the daemon's pass or `digest "
        f"send` writes it into {ws.config.delivery.dir} (delivery.transport: file) then): ada <ada@"
    )
    assert said in looked.stderr, looked.stderr  # before: "it waits for its retry by SMTP: ... sends it then"
    assert not list((tmp_path / "look").glob("*.eml"))

    sent = ws.cli("send")  # at its retry, written there
    assert sent.exit_code == 0, sent.output
    assert [p.name for p in (tmp_path / "mail").glob("*.eml")] == ["m0.eml"], sent.output
