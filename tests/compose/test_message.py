"""Mail through a real SMTP server (aiosmtpd on loopback), read back with the email package."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

import pytest
from helpers.refusing import Refusing

from digest.compose.message import build_message, unsubscribe_links
from digest.compose.mime import message_bytes
from digest.compose.render import Rendered
from digest.daemon.sendnow import send_now
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Received
from digest.ingest.dumps import ingest
from digest.models import Profile
from digest.profiles.load import load_profiles
from digest.signing import Signer
from digest.store import Store

from conftest import NOW, Workspace, make_dump

PAPERS = [
    (
        "Spiking Neural Networks on a <Budget> & Beyond",
        'We train spiking neural networks with <b>bold</b> claims & "quotes"; '
        "<script>alert('x')</script> stays text. " + "Filler sentence about neurons. " * 30,
    ),
    ("Neuromorphic Chips for Keyword Spotting", "An event-driven neuromorphic processor."),
    ("A Paper Nobody Wants", "Cooking recipes and gardening."),
    ("Medical Spiking Networks", "Spiking neural networks for medical imaging."),
]


def seed(ws: Workspace, papers=PAPERS, day="Mar 14", name="day.txt") -> None:
    ws.dump(name, make_dump(day, papers))
    ws.profile(
        "ada",
        (
            "name: Ada Lovelace\nemail: ada@example.org\ninterests:\n"
            "  spiking neural networks: 3\n  neuromorphic: 2\nexclude: [medical]\n"
        ),
    )
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\n")


def send_all(ws: Workspace, now: dt.datetime = NOW):
    """`digest send` at ``now``: each reader's digest of the day, through the real SMTP server."""
    config = ws.config
    with Store(config.database) as store:
        ingest(store, sorted(config.inbox.iterdir()), now)
        with SmtpSender(config.smtp) as sender:
            return list(send_now(config, store, load_profiles(config), sender, now).delivered)


def by_user(server: LocalSmtpServer) -> dict[str, Received]:
    return {m.message["X-Digest-User"]: m for m in server.messages}


def test_each_reader_gets_one_multipart_message_text_first_html_last(mail_workspace, smtp_server):
    seed(mail_workspace)
    outcomes = send_all(mail_workspace)
    assert [(o.user, o.papers, o.ok) for o in outcomes] == [("ada", 2, True), ("bob", 1, True)]
    ada = by_user(smtp_server)["ada"]
    assert ada.rcpt_tos == ["ada@example.org"]
    msg = ada.message
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert msg["From"] == "Research digest <digest@example.org>"
    assert msg["To"] == "Ada Lovelace <ada@example.org>"
    assert msg["Subject"] == "Your research digest for Mar 14, 2026: 2 papers"
    assert msg["Date"] and re.fullmatch(
        r"<digest\.20260320120000\.[0-9a-f]{16}\.ada@example\.org>", msg["Message-ID"]
    )
    assert msg["List-Unsubscribe"] == "<mailto:digest@example.org?subject=unsubscribe%20ada>"


def test_everything_from_a_dump_is_escaped_in_html_and_plain_in_text(mail_workspace, smtp_server):
    seed(mail_workspace)
    send_all(mail_workspace)
    msg = by_user(smtp_server)["ada"].message
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "<script>" not in html and "<b>bold</b>" not in html and "<Budget>" not in html
    assert "&lt;Budget&gt; &amp; Beyond" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Spiking Neural Networks on a <Budget> & Beyond" in text
    assert "Medical" not in html  # excluded
    assert "A Paper Nobody Wants" not in html


def test_styles_are_inlined_and_only_media_queries_stay_in_a_style_block(mail_workspace, smtp_server):
    seed(mail_workspace)
    send_all(mail_workspace)
    html = by_user(smtp_server)["ada"].message.get_body(("html",)).get_content()
    assert re.search(r"<td class=.paper. style=.[^>]*padding:22px 32px", html)
    assert re.search(r'<mark style="[^"]*background-color:#fef3c7', html)
    (style,) = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert style.strip().startswith("@media")


def test_matched_keywords_are_highlighted_and_the_title_links_to_an_arxiv_search(mail_workspace, smtp_server):
    seed(mail_workspace)
    send_all(mail_workspace)
    html = by_user(smtp_server)["ada"].message.get_body(("html",)).get_content()
    assert re.search(r"<mark[^>]*>Spiking Neural Networks</mark> on a &lt;Budget&gt;", html)
    assert "https://arxiv.org/search/?searchtype=title&amp;query=Spiking+Neural+Networks+on+a" in html
    assert "Read more" in html  # the long abstract is trimmed, with a link to the rest


def test_sending_twice_never_sends_a_paper_twice(mail_workspace, smtp_server):
    seed(mail_workspace)
    send_all(mail_workspace)
    assert len(smtp_server.messages) == 2
    assert send_all(mail_workspace) == []  # nothing new (and the day's digest sent)
    seed(
        mail_workspace,
        [("Neuromorphic Chips for Keyword Spotting", "again"), ("Fresh Neuromorphic Result", "new")],
        day="Mar 15",
        name="day2.txt",
    )
    outcomes = send_all(mail_workspace, NOW + dt.timedelta(days=1))  # the next day's
    assert [(o.user, o.papers) for o in outcomes] == [("ada", 1), ("bob", 1)]
    titles = [m.message["Subject"] for m in smtp_server.messages]
    assert len(titles) == 4
    bob_text = by_user(smtp_server)["bob"].message.get_body(("plain",)).get_content()
    assert "Fresh Neuromorphic Result" in bob_text and "Keyword Spotting" not in bob_text


def test_a_refused_address_is_reported_suppressed_and_its_papers_stay_unsent(tmp_path):
    with LocalSmtpServer(Refusing({"bob@example.org"}, "550 5.1.1 mailbox unavailable")) as server:
        ws = Workspace(tmp_path, server.port)
        seed(ws)
        outcomes = send_all(ws)
        assert sorted((o.user, o.ok) for o in outcomes) == [("ada", True), ("bob", False)]
        [bob] = [o for o in outcomes if o.user == "bob"]  # recorded first: ada's result goes in a batch
        assert bob.reply.startswith("550 5.1.1 mailbox unavailable")
        with Store(ws.config.database) as store:
            assert store.sent_paper_ids("bob") == set()
            assert len(store.sent_paper_ids("ada")) == 2
    with LocalSmtpServer() as good:  # a 5xx for the address: bob gets nothing until released
        ws.config_path.write_text(ws.config_path.read_text().replace(str(server.port), str(good.port)))
        assert send_all(ws) == []
        with Store(ws.config.database) as store:
            assert Suppressions(store).release("bob")
        outcomes = send_all(ws, NOW + dt.timedelta(days=1))  # released: his next digest goes out, ada
        # gets nothing again
        assert [(o.user, o.ok) for o in outcomes] == [("bob", True)]


def test_one_connection_is_reused_for_the_batch(mail_workspace, smtp_server):
    seed(mail_workspace)
    sessions = set()
    original = SmtpSender.connect

    def counting(self):
        original(self)
        sessions.add(id(self.conn))

    SmtpSender.connect = counting
    try:
        send_all(mail_workspace)
    finally:
        SmtpSender.connect = original
    assert len(sessions) == 1 and len(smtp_server.messages) == 2


def test_an_unreachable_server_is_a_clear_error(workspace):
    from digest.errors import DeliveryError

    seed(workspace)
    port = __import__("digest.demo.smtp_server", fromlist=["free_port"]).free_port()
    workspace.config_path.write_text(workspace.config_path.read_text().replace("2525", str(port)))
    with pytest.raises(DeliveryError, match=rf"cannot connect to the SMTP server 127.0.0.1:{port}"):
        send_all(workspace)


def test_a_long_unsubscribe_url_is_folded_only_between_the_urls_never_into_encoded_words():
    """RFC 2369: a client must find each <URL> whole; RFC 2047 encoded words are not links."""
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    sender = "digest@example.org"
    base_url = "https://" + "long" * 30 + ".example.org"
    links = unsubscribe_links(profile, sender, base_url, Signer(b"test-secret-0123456789abcdef"), NOW)
    args = (Rendered("s", "<p>x</p>", "x\n"), profile, sender, "<a@b>", NOW, links)
    urls = [f"<{links['unsubscribe']}>", f"<{links['unsubscribe_mailto']}>"]
    assert len(urls[0]) > 200
    for data in (build_message(*args).as_bytes(policy=policy.SMTP), message_bytes(*args)):
        assert f"List-Unsubscribe: {urls[0]},\r\n {urls[1]}\r\n".encode() in data
        assert b"=?" not in data
        parsed = email.message_from_bytes(data, policy=policy.default)
        assert parsed["List-Unsubscribe"] == ", ".join(urls)
