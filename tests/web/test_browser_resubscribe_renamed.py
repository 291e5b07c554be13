"""A reader whose address bounced and whose profile file was then renamed (bob.yaml to robert.yaml,
the same address, no pass since) who unsubscribes from his page and undoes it ("Undo: send my
digests again", which lifts a hard bounce too) is carried over to the new name first, as a rating
of the page is (digest.web.carried): the undo then lifts the bounce he inherits. Without it the
undo lifted nothing under robert, told him "Welcome back: your digests are on again.", and the
next send carried bob's bounce over to robert and sent him nothing.
The real `digest send` through aiosmtpd on loopback (refusing bob's address on the second day, his
mailbox back on the third), the real `digest preview robert --text` for the link, the real `digest
serve`, the buttons clicked in Chromium."""

from __future__ import annotations

from helpers.rated_from_email import HANG, bob_bounced, digest
from helpers.refusing import Refusing
from playwright.sync_api import expect
from test_browser_rating_renamed import robert_link

from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import make_dump

THIRD = [("Neuromorphic robots", "Spiking control.")]


def test_a_renamed_bounced_reader_who_resubscribes_gets_his_digests_again(
    tmp_path,
    monkeypatch,
    browser,
):
    refusing = Refusing(set())
    with LocalSmtpServer(refusing) as server:
        ws = bob_bounced(tmp_path, monkeypatch, server, refusing)
        link = robert_link(ws, "Unsubscribe")

        with ws.served(HANG):
            page = browser.new_page()
            page.goto(link)
            page.get_by_role("button", name="Unsubscribe").click()
            page.get_by_role("button", name="Undo: send my digests again").click()
            expect(page.locator(".notice")).to_contain_text("Welcome back: your digests are on again.")
            page.close()

        with Store(ws.config.database) as store:
            assert Suppressions(store).get("robert") is None and Suppressions(store).get("bob") is None
        refusing.refused.clear()  # his mailbox is back
        ws.dump("day3.txt", make_dump("Mar 16", THIRD))
        sent = digest(ws, "send", "--force")
        assert sent.returncode == 0, sent.stdout + sent.stderr
    assert [m.rcpt_tos for m in server.messages][-1:] == [["bob@example.org"]], sent.stdout
    assert len(server.messages) == 2, sent.stdout  # day 1's, and robert's now
