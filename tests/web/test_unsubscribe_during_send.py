"""A reader who unsubscribes while a long `digest send` runs gets no digest from it: each message
is looked at again right before it goes to the server (digest.deliver.wanted), so one not handed
over yet is held, recorded as not tried (its papers free again), and the reader's undo lets the
next digest go (a real slow SMTP server, the real one-click POST, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import threading
import urllib.request

import pytest

from digest.daemon.sendnow import send_now
from digest.deliver.outbox import Outbox
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profiles
from digest.signing import Signer
from digest.store import FAILED, Store

from conftest import NOW, SECRET, WebWorkspace, make_dump

pytestmark = pytest.mark.backends

ADA = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BOB = "name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\n"
BROKEN = "name: Bob\nemail: bob@example.org\nexclude: [medical\n"


class SlowMailbox(Mailbox):
    """Holds the first message's DATA until ``release`` is set (a slow server, a long send)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        if not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_server():
    with LocalSmtpServer(SlowMailbox()) as server:
        yield server


@pytest.fixture
def ws(tmp_path, slow_server, database, monkeypatch) -> WebWorkspace:
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, slow_server.port, database)
    with ws.config_path.open("a") as f:
        f.write("delivery:\n  connections: 1\n")  # ada's message first, then bob's
    ws.profile("ada", ADA)
    ws.profile("bob", BOB)
    ws.dump("day.txt", make_dump("Mar 20", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    return ws


def post(ws: WebWorkspace, user: str, where: str, data: bytes) -> int:
    url = f"{ws.base_url}/u/{Signer.from_config(ws.config).token(user, NOW)}{where}"
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
        return response.status


def send(ws: WebWorkspace, force: bool = False) -> None:
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW, force=force)


@pytest.mark.parametrize("file", ["readable", "broken"])
def test_a_one_click_while_the_send_runs_holds_the_readers_digest_not_handed_over_yet(ws, slow_server, file):
    """Readable: the one-click writes paused: true into the file; broken: it is kept in the database."""
    mailbox = slow_server.handler
    sending = threading.Thread(target=send, args=(ws,))
    with ws.serve():
        sending.start()
        try:
            assert mailbox.holding.wait(30)  # ada's message is with the server; bob's is made, not sent
            if file == "broken":
                ws.profile("bob", BROKEN)
            assert post(ws, "bob", "/unsubscribe", b"List-Unsubscribe=One-Click") == 200
        finally:
            mailbox.release.set()
            sending.join(60)
        assert not sending.is_alive()
        assert [m.rcpt_tos for m in mailbox.messages] == [["ada@example.org"]]
        with Store(ws.config.database) as store:
            (bob,) = Outbox(store).entries(user="bob")
        assert bob.status == FAILED and bob.attempts == 0  # held, not lost: its papers are free again
        assert bob.last_error.startswith("not tried: ")
        assert (
            "paused since the digest was made" if file == "readable" else "unsubscribed on"
        ) in bob.last_error

        ws.profile("bob", BOB)  # fixed (broken), or as it was; then bob undoes the unsubscribe
        token = Signer.from_config(ws.config).token("bob", NOW)
        with urllib.request.urlopen(f"{ws.base_url}/u/{token}/unsubscribe", timeout=10) as page:
            form_token = _form_token(page.read().decode())
        assert post(ws, "bob", "/resubscribe", f"csrf={form_token}".encode()) == 200
    before = len(mailbox.messages)
    send(ws, force=True)  # the period had its (held) digest: a forced send gives bob the papers
    (to_bob,) = [m for m in mailbox.messages[before:] if m.rcpt_tos == ["bob@example.org"]]
    assert "Robotics Today" in to_bob.message.get_body(("plain",)).get_content()


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)
