"""`send`: digests are made while earlier ones are with the server; each is stored before it goes."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from digest.compose.render import Renderer, builtin_templates
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import QUEUED, SENT, NewMessage, Outbox
from digest.deliver.queue import send_digests
from digest.deliver.transports import FileSender
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.select.digests import build_digests
from digest.store import Store

from conftest import NOW, make_dump

READERS = 12


def setup(ws) -> None:
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(READERS):
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [neuromorphic]\n")


def test_every_reader_gets_one_message_each_recorded_with_its_papers(mail_workspace, smtp_server):
    setup(mail_workspace)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        digests = build_digests(store, load_profiles(config), config=config)
        outcomes = send_digests(config, store, digests, None, NOW)
        assert sorted(o.user for o in outcomes if o.ok) == [f"r{i:02d}" for i in range(READERS)]
        stored = Outbox(store).messages()
        assert [m.status for m in stored] == [SENT] * READERS
        received = {r.data for r in smtp_server.handler.messages}
        assert received == {m.mime for m in stored}  # what went out is what was stored
        assert all(store.sent_paper_ids(f"r{i:02d}") for i in range(READERS))


def test_a_digest_that_cannot_be_made_stops_the_send_and_the_next_run_sends_the_rest_once(
    mail_workspace, smtp_server, tmp_path
):
    setup(mail_workspace)
    config = mail_workspace.config
    broken = tmp_path / "templates"
    broken.mkdir()
    text = (builtin_templates() / "digest.txt.j2").read_text()
    trap = "{% if profile.user == 'r07' %}{{ no_such_value }}{% endif %}"
    (broken / "digest.txt.j2").write_text(trap + text)
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        digests = build_digests(store, load_profiles(config), config=config)
        with pytest.raises(UndefinedError):
            send_digests(config, store, digests, None, NOW, renderer=Renderer(broken))
        made = Outbox(store).messages()
        assert {m.user for m in made} <= {f"r{i:02d}" for i in range(7)}
        assert all(m.status in (SENT, QUEUED) for m in made)

        digests = build_digests(store, load_profiles(config), config=config)
        send_digests(config, store, digests, None, NOW)
        users = sorted(m.user for m in Outbox(store).messages() if m.status == SENT)
        assert users == [f"r{i:02d}" for i in range(READERS)]
    recipients = [r.rcpt_tos[0] for r in smtp_server.handler.messages]
    assert sorted(recipients) == sorted(set(recipients))  # nobody got two


def test_the_messages_made_ahead_of_the_server_stay_few(workspace, tmp_path):
    """Memory stays flat: the producer waits once a few dozen messages wait for the server."""
    config = workspace.config
    made, ahead = [0], []

    def fresh():
        for i in range(300):
            made[0] += 1
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@example.org>", "S", b"x" * 1000, ())

    class Watching(FileSender):
        def send(self, mail):
            ahead.append(made[0] - len(ahead))
            return super().send(mail)

    with Store(config.database) as store:
        outcomes = deliver_due(config, store, Watching(tmp_path / "eml"), NOW, fresh=fresh(), fresh_count=300)
    assert len(outcomes) == 300 and all(o.ok for o in outcomes)
    assert max(ahead) <= 64
