"""The HTML part goes 7bit, and a mail client shows the same document as it did from quoted-printable."""

from __future__ import annotations

import datetime as dt
import email
import random
from email import policy
from email.message import EmailMessage

import lxml.html
import pytest
from lxml import etree

from digest.compose import ascii_html as module
from digest.compose.ascii_html import LIMIT, ascii_html, mail_html
from digest.compose.inline import premailer_inline
from digest.compose.message import MAIL_POLICY, message_id, unsubscribe_links
from digest.compose.mime import CRLF_POLICY, message_bytes
from digest.compose.render import Renderer
from digest.config import SmtpConfig
from digest.deliver.transports import Envelope, SmtpSender
from digest.ingest.sources import read_dump
from digest.models import Digest, Interest, Paper, Profile
from digest.select.matcher import PaperIndex
from digest.signing import Signer

from conftest import NOW

SENDER = "Research digest <digest@example.org>"


PARSER = lxml.html.HTMLParser(remove_comments=True)  # comments are not shown


def lf(text: str) -> str:
    """Line ends as a parser reads them (an HTML parser turns CRLF into LF before anything else)."""
    return text.replace("\r\n", "\n")


def dom(html: str) -> str:
    """The parsed document (comments left out), written back: equal strings, equal documents."""
    tree = lxml.html.document_fromstring(lf(html), parser=PARSER)
    return etree.tostring(tree, method="html", encoding="unicode")


def shown(html: str) -> tuple[str, list[tuple[str, str]]]:
    """What a reader sees and follows: the document's text, and each link with its text."""
    tree = lxml.html.document_fromstring(lf(html), parser=PARSER)
    return tree.text_content(), [(a.get("href"), a.text_content()) for a in tree.iter("a")]


def test_an_ascii_document_with_short_lines_is_unchanged():
    html = '<!DOCTYPE html>\n<html><body><p class="x">plain &amp; simple</p></body></html>\n'
    assert ascii_html(html) == html


def test_other_characters_become_character_references_in_text_and_attributes():
    html = '<p title="Müller">José · 5 → 6 … 佐藤\xa0x 😀</p>'
    out = ascii_html(html)
    assert (
        out
        == '<p title="M&#252;ller">Jos&#233; &#183; 5 &#8594; 6 &#8230; &#20304;&#34276;&#160;x &#128512;</p>'
    )
    assert dom(out) == dom(html)


def test_a_long_line_is_broken_inside_a_tag_before_its_end():
    html = '<p class="a">' + ("word " * 100 + '<mark style="x">hit</mark> ') * 6 + "</p>"
    out = ascii_html(html)
    lines = out.split("\n")
    assert len(lines) > 1 and max(map(len, lines)) <= LIMIT
    assert all(line.startswith(">") for line in lines[1:])  # the break is inside a tag
    assert out.replace("\n", "") == html and dom(out) == dom(html)


def test_a_self_closing_tag_is_broken_before_its_slash():
    html = "<p>" + ("word " * 150 + "<br/>") * 4 + "</p>"
    out = ascii_html(html)
    assert "\n/>" in out and dom(out) == dom(html)


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<p>" + "word " * 300 + "</p>", "a long line with no tag to break"),
        ("<style>p::after { content: '→' }</style><p>é</p>", "non-ASCII in a raw text element"),
        ("<script>var s = 'é';</script>", "non-ASCII in a raw text element"),
        ("<p>a\rb</p>", "carriage return or NUL"),
        ("<p>a\0b</p>", "carriage return or NUL"),
        ("<p>\ud800</p>", "lone surrogate"),
        ("<!-- " + "<b>x</b> " * 200 + "-->", "a long line with no tag to break"),  # tags in a comment
        ("<style>" + "a > b { color: red } " * 60 + "</style>", "a long line with no tag to break"),
    ],
)
def test_what_cannot_be_written_so_is_handed_back(html, reason):
    module.FALLBACKS.clear()
    assert ascii_html(html) is None
    assert dict(module.FALLBACKS) == {reason: 1}


def test_character_references_are_kept_in_title_where_they_are_decoded():
    html = "<html><head><title>Café</title></head><body>x</body></html>"
    assert ascii_html(html) == "<html><head><title>Caf&#233;</title></head><body>x</body></html>"
    assert dom(ascii_html(html)) == dom(html)


PIECES = [
    "word ",
    "é",
    "→",
    "&amp;",
    "&lt;b&gt;",
    "\n",
    "<b>",
    "</b>",
    '<a href="https://example.org/p?a=1&amp;b=2" title="x > y">',
    "</a>",
    "<br>",
    "<br/>",
    "<img alt='it&#39;s é' src=x>",
    "<span style='font-family:\"Segoe UI\", serif'>",
    "</span>",
    "<!-- a <b>comment</b> é -->",
    "x" * 300,
]


def test_generated_documents_keep_their_dom_or_are_handed_back():
    rng = random.Random(998)
    kept = 0
    for _ in range(400):
        body = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 400)))
        head = "<!DOCTYPE html>\n<html><head><style>p { color: red }</style></head>"
        html = f"{head}<body><p>{body}</p></body></html>"
        out = ascii_html(html)
        if out is None:
            continue
        kept += 1
        assert out.isascii() and max(map(len, out.split("\n"))) <= LIMIT
        assert dom(out) == dom(html)
    assert kept > 300


def test_mail_html_writes_the_same_document_in_ascii_and_breaks_no_line():
    html = (
        '<html><head><title>Café</title><style>p::after { content: "→" }</style></head><body>'
        '<p class="a" style="color:red" title="é style=x">é <br style="x"/><mark  style="y">hit</mark></p>'
        '<!-- <b style="z">é</b> --><a title="style=" href="x">→</a></body></html>'
    )
    out = mail_html(html)
    assert out == (
        '<html><head><title>Caf&#233;</title><style>p::after { content: "→" }</style></head><body>'
        '<p class="a" style="color:red" title="&#233; style=x">&#233; <br style="x"/>'
        '<mark  style="y">hit</mark></p>'
        '<!-- <b style="z">&#233;</b> --><a title="style=" href="x">&#8594;</a></body></html>'
    )  # no line break added (a receiving server reads line by line); CSS stays as it is
    assert dom(out) == dom(html)


def test_generated_documents_keep_their_dom_in_mail_html_and_need_no_more_work():
    rng = random.Random(76)
    for _ in range(300):
        body = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60)))
        head = "<!DOCTYPE html>\n<html><head><style>p { color: red }</style></head>"
        html = f"{head}<body><p>{body}</p></body></html>"
        out = mail_html(html)
        assert out.isascii() and dom(out) == dom(html)
        assert mail_html(out) == out  # written once for all
        if max(map(len, out.split("\n"))) <= LIMIT:
            assert ascii_html(out) == out


# -- real digests, end to end ---------------------------------------------------------------

INTERESTS = [
    ("language models", "reasoning"),
    ("diffusion", "video", "3d"),
    ("reinforcement learning", "agent", "robot"),
    ("retrieval", "benchmark", "multimodal"),
    ("speech",),
]


def real_digests(dumps) -> list[tuple[Digest, dict[str, str]]]:
    papers: list[Paper] = []
    for i, dump in enumerate(dumps):
        listing = read_dump(dump, mtime=dt.datetime(2026, 3, 20))
        for e in listing.entries:
            n = len(papers) + 1
            papers.append(
                Paper(n, e.title, e.abstract, listing.day, arxiv_id=f"2603.{n:05d}" if i % 2 else None)
            )
    index = PaperIndex.build(papers)
    signer = Signer(b"test-secret-0123456789abcdef")
    out = []
    for k, words in enumerate(INTERESTS):
        profile = Profile(
            user=f"reader{k}",
            email=f"r{k}@example.org",
            interests=tuple(Interest(w) for w in words),
            name="Zoë",
        )
        digest = Digest(profile, tuple(index.rank(profile, 10)), dt.date(2026, 3, 20))
        out.append((digest, unsubscribe_links(profile, SENDER, "https://digest.example.org", signer, NOW)))
    return out


def the_old_way(text: str, html: str) -> EmailMessage:
    """The message as the email package wrote it before (its own choice of encoding for the HTML)."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def parts(data: bytes) -> list[EmailMessage]:
    return list(email.message_from_bytes(data, policy=policy.default).iter_parts())


def test_real_digests_are_rendered_ready_for_7bit_and_keep_premailers_document(shared_dumps):
    renderer = Renderer()
    broken = long_lines = 0  # lines broken inside a tag; premailer's lines past LIMIT
    for digest, links in real_digests(shared_dumps):
        rendered = renderer.render(digest, links=links)
        premailers = premailer_inline(
            renderer.env.get_template("digest.html.j2").render(renderer.context(digest, links))
        )
        assert rendered.html == mail_html(premailers)  # the pre-inlined template writes it directly
        assert not premailers.isascii()
        long_lines += max(map(len, premailers.split("\n"))) > LIMIT
        assert rendered.html.isascii()  # ascii_html has only the long lines left to break
        assert dom(rendered.html) == dom(premailers) and shown(rendered.html) == shown(premailers)
        msg_id = message_id(digest.profile.user, NOW, SENDER)
        data = message_bytes(rendered, digest.profile, SENDER, msg_id, NOW, links)
        old = parts(the_old_way(rendered.text, premailers).as_bytes(policy=CRLF_POLICY))
        text_part, html_part = parts(data)
        assert html_part["Content-Transfer-Encoding"] == "7bit" != old[1]["Content-Transfer-Encoding"]
        assert data.isascii() and max(len(line) for line in data.split(b"\r\n")) <= LIMIT
        assert lf(text_part.get_content()) == lf(old[0].get_content()) == rendered.text
        new_html = html_part.get_content()
        assert dom(new_html) == dom(lf(old[1].get_content())) and shown(new_html) == shown(premailers)
        assert len(shown(new_html)[1]) >= 2 * len(digest.matches) + 1  # rating links and more
        broken += new_html.count("\n>")
    # The template breaks the line of a trimmed abstract before its "Read more" link: no line of
    # a real digest is left for ascii_html to break (the breaking is tested on made-up HTML above).
    assert broken == 0 and long_lines == 0


def test_a_real_digest_through_an_smtp_server_reads_back_the_same(shared_dumps, smtp_server):
    renderer = Renderer()
    sent = {}
    config = SmtpConfig(host="127.0.0.1", port=smtp_server.port, sender=SENDER)
    with SmtpSender(config) as sender:
        for digest, links in real_digests(shared_dumps):
            rendered = renderer.render(digest, links=links)
            msg_id = message_id(digest.profile.user, NOW, SENDER)
            data = message_bytes(rendered, digest.profile, SENDER, msg_id, NOW, links)
            result = sender.send(
                Envelope(msg_id, digest.profile.user, "digest@example.org", digest.profile.email, data)
            )
            assert result.ok
            sent[digest.profile.email] = rendered
    assert len(smtp_server.messages) == len(sent)
    for received in smtp_server.messages:
        rendered = sent[received.rcpt_tos[0]]
        text_part, html_part = received.message.iter_parts()
        assert lf(text_part.get_content()) == rendered.text
        assert dom(html_part.get_content()) == dom(rendered.html)
