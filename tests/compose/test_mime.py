"""The directly written message bytes are the email package's bytes, byte for byte (the HTML part
made 7bit the same way on both sides: digest.compose.ascii_html)."""

from __future__ import annotations

import datetime as dt
import email
import random
import re
from email import policy
from email.message import EmailMessage

import pytest
from test_render import normalize

from digest.compose import mime
from digest.compose.message import MAIL_POLICY, build_message, message_id, unsubscribe_links
from digest.compose.mime import CRLF_POLICY, message_bytes
from digest.compose.render import Rendered, Renderer
from digest.models import Digest, Interest, Match, Paper, Profile
from digest.signing import Signer

from conftest import NOW

SENDER = "Research digest <digest@example.org>"
BOUNDARY = "===============1234567890123456789=="


def email_package(rendered, profile, sender, msg_id, now, links, boundary=BOUNDARY) -> bytes:
    msg = build_message(rendered, profile, sender, msg_id, now, links)
    msg.set_boundary(boundary)
    return msg.as_bytes(policy=CRLF_POLICY)


def assert_same(rendered, profile, sender=SENDER, msg_id=None, now=NOW, links=None, boundary=BOUNDARY):
    msg_id = msg_id or message_id(profile.user, now, sender)
    links = links if links is not None else unsubscribe_links(profile, sender, None)
    args = (rendered, profile, sender, msg_id, now, links)
    try:
        expected = email_package(*args, boundary=boundary)
    except ValueError as e:  # refused (a line break in a header, a non-ASCII Message-ID): refused too
        with pytest.raises(type(e)):
            message_bytes(*args, boundary=boundary)
        return
    assert message_bytes(*args, boundary=boundary) == expected


NAMES = [
    None,
    "",
    "Ada Lovelace",
    "Ada M. Lovelace",
    "Lovelace, Ada",
    'Ada "Countess" Lovelace',
    "Back\\slash",
    "O'Brien (the reader)",
    "Ada  Lovelace",  # two spaces
    " Ada",
    "Ada ",
    "José Müller",
    "佐藤 花子",
    "Ada\tLovelace",
    "=?utf-8?q?Ada?=",
    "Ada <ada@evil.example>",
    "a@b",
    "x" * 60,
    "Verylongfirstname Verylonglastname-Doublebarrelled Of The House Of Lovelace",
    "Ada;Lovelace:[x]",
]
SUBJECTS = [
    "Your research digest for Mar 3, 2026: 3 papers",
    "",
    " leading space",
    "trailing space ",
    "two  spaces",
    "Ünïcödé digest — 3 papers…",
    "=?utf-8?q?not_really?=",
    'quotes "and", commas; (parens) <angles> @ \\',
    "x" * 69,  # "Subject: " + 69 = 78: still one line
    "x" * 70,  # one too long
    "Your research digest for March 3, 2026, with many papers about spiking neural networks",
    "ends with a tab\t",
    "A" + "b" * 200,
]
USERS = ["ada", "reader00001", "josé", "a-b_c", "x" * 60, "with space", "=?x?="]
EMAILS = ["ada@example.org", "a.b+tag@mail.example.co.uk", '"quoted local"@example.org', "über@example.org"]


def text_body(rng: random.Random, papers: int, ascii_only: bool) -> str:
    lines = [f"Your research digest: {papers} papers", "=" * 40, ""]
    for i in range(papers):
        lines.append(f"{i + 1}. " + rng.choice(["Spiking nets", "Diffusion models", "A" * 90, "Naïve Bayes"]))
        lines.append(rng.choice(["From the abstract:", "From here on", ".", "..", ". leading dot", ""]))
        lines.append(rng.choice(["short", "word " * rng.randint(1, 40), "=" * 10, "tab\there", "  indented"]))
        lines.append(
            rng.choice(["https://arxiv.org/search/?searchtype=title&query=" + "x+" * 40, "—", "€ 5"])
        )
    text = "\n".join(lines) + rng.choice(["\n", "", "\n\n", "\r\n"])
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    return text


def html_body(rng: random.Random, papers: int, ascii_only: bool) -> str:
    items = "".join(
        f'<li style="margin:0"><a href="https://example.org/p/{i}?a=1&amp;b=2">'
        f"{rng.choice(['Spiking', 'Naïve', 'Über', 'plain'])} paper {i}</a>"
        + rng.choice(["", "\n", "\nFrom here\n", "\n.\n", " " * 100])
        + "</li>"
        for i in range(papers)
    )
    html = f'<!DOCTYPE html>\n<html lang="en"><body><ul>{items}</ul></body></html>\n'
    return html.encode("ascii", "ignore").decode() if ascii_only else html


def test_hostile_generated_messages_are_byte_identical():
    rng = random.Random(6)
    signer = Signer(b"test-secret-0123456789abcdef")
    for i in range(400):
        papers = rng.randint(0, 20)
        ascii_only = rng.random() < 0.5
        text = rng.choice(["", "\n", "one line, no newline", text_body(rng, papers, ascii_only)])
        html = html_body(rng, papers, ascii_only) if rng.random() < 0.9 else ""
        rendered = Rendered(rng.choice(SUBJECTS), html, text)
        profile = Profile(
            user=rng.choice(USERS),
            email=rng.choices(EMAILS, [8, 2, 1, 1])[0],
            interests=(),
            name=rng.choice(NAMES),
        )
        sender = rng.choice([SENDER, "digest@example.org", "Dïgest <d@example.org>", '"A, B" <d@x.org>'])
        base_url = rng.choice([None, "https://d.example.org", "https://" + "long" * 30 + ".example.org"])
        links = unsubscribe_links(profile, sender, base_url, signer if rng.random() < 0.8 else None, NOW)
        now = rng.choice(
            [
                NOW,
                dt.datetime(2026, 1, 2, 3, 4, 5),
                NOW.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))),
            ]
        )
        msg_id = rng.choice(
            [message_id(profile.user, now, sender), "<a@b>", "<" + "x" * 80 + "@example.org>"]
        )
        try:
            expected = email_package(rendered, profile, sender, msg_id, now, links)
        except (ValueError, TypeError) as e:  # e.g. an address the email package refuses
            with pytest.raises(type(e)):
                message_bytes(rendered, profile, sender, msg_id, now, links, boundary=BOUNDARY)
            continue
        actual = message_bytes(rendered, profile, sender, msg_id, now, links, boundary=BOUNDARY)
        assert actual == expected, (i, rendered.subject, profile, sender, msg_id, links)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_name_and_subject(name, subject):
    profile = Profile(user="ada", email="ada@example.org", interests=(), name=name)
    assert_same(Rendered(subject, "<p>hi</p>\n", "hi\n"), profile)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("email", EMAILS)
def test_every_user_and_address(user, email):
    profile = Profile(user=user, email=email, interests=(), name="Ada")
    signer = Signer(b"test-secret-0123456789abcdef")
    for base_url in (None, "https://d.example.org"):
        links = unsubscribe_links(profile, SENDER, base_url, signer, NOW)
        assert_same(Rendered("s", "<p>hé</p>", "h\n"), profile, links=links)


def test_header_values_with_line_breaks_are_refused_as_the_email_package_refuses_them():
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    links = unsubscribe_links(profile, SENDER, None)
    for subject in ("two\nlines", "cr\rhere", "a\r\nb"):
        for build in (build_message, message_bytes):
            with pytest.raises(ValueError):
                build(Rendered(subject, "", ""), profile, SENDER, "<a@b>", NOW, links)


@pytest.mark.parametrize(
    ("text", "cte"),
    [
        ("", "7bit"),
        ("ascii\n", "7bit"),
        ("From the start\nFrom again\n.\n..\n", "7bit"),
        ("x" * 78 + "\n", "7bit"),  # the longest 7bit line
        ("lone\rcarriage\r\nreturns\n", "7bit"),
        ("8bit: é\n", "8bit"),
        ("form\x0cfeed and \x0bvertical tab\u2028 line separator\n", "8bit"),
        ("x" * 79 + "\n", "quoted-printable"),  # one too long
        ("\n".join(["long " * 30] * 5), "quoted-printable"),  # the sniff is the body (<= 10 lines)
        ("\n".join(["long " * 30] * 12) + "\né\n", "quoted-printable"),  # more than the sniffed lines
        ("trailing spaces   \nand tabs\t\n" + "y" * 100, "quoted-printable"),
        ("é" * 100, "base64"),  # base64 wins the sniff
        ("\n".join(["é" * 50] * 12), "base64"),
    ],
)
def test_every_transfer_encoding_of_the_text_part(text, cte):
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    assert_same(Rendered("s", text, text), profile)
    links = unsubscribe_links(profile, SENDER, None)
    data = message_bytes(Rendered("s", "<p>x</p>", text), profile, SENDER, "<a@b>", NOW, links)
    text_part, html_part = email.message_from_bytes(data, policy=policy.default).iter_parts()
    assert (text_part["Content-Transfer-Encoding"], html_part["Content-Transfer-Encoding"]) == (cte, "7bit")


@pytest.mark.parametrize(
    ("html", "cte"),
    [
        ("<p>ascii</p>\n", "7bit"),
        ("<p>é · → …</p>\n", "7bit"),  # as character references
        ('<p style="color:red">' + "word " * 150 + "<b>x</b>" + "word " * 150 + "</p>\n", "7bit"),
        ("<p>" + "word " * 300 + "</p>\n", "quoted-printable"),  # no tag to break at in 998 octets
        ("<style>p::after { content: '→' }</style><p>x</p>", "8bit"),  # no reference in CSS: as before
    ],
)
def test_the_html_part_is_7bit_where_the_same_document_can_be_written_in_ascii(html, cte):
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    assert_same(Rendered("s", html, "x\n"), profile)
    links = unsubscribe_links(profile, SENDER, None)
    data = message_bytes(Rendered("s", html, "x\n"), profile, SENDER, "<a@b>", NOW, links)
    _, html_part = email.message_from_bytes(data, policy=policy.default).iter_parts()
    assert html_part["Content-Transfer-Encoding"] == cte
    assert max(len(line) for line in data.split(b"\r\n")) <= 998 and (data.isascii() or cte == "8bit")


def test_real_digests_with_0_to_20_papers_and_signed_links():
    rng = random.Random(20)
    renderer = Renderer()
    signer = Signer(b"test-secret-0123456789abcdef")
    for papers in range(21):
        profile = Profile(
            user=f"reader{papers}",
            email=f"r{papers}@example.org",
            interests=(Interest("spiking", 1.0),),
            name=rng.choice(NAMES),
            max_papers=20,
        )
        matches = tuple(
            Match(
                Paper(
                    i,
                    f"Spiking paper {i} " + "é" * (i % 3),
                    "Abstract " * rng.randint(1, 80),
                    dt.date(2026, 3, 1),
                ),
                1.0,
                (),
            )
            for i in range(papers)
        )
        digest = Digest(profile=profile, matches=matches, day=dt.date(2026, 3, 1))
        for base_url in (None, "https://digest.example.org"):
            links = unsubscribe_links(profile, SENDER, base_url, signer, NOW)
            assert_same(renderer.render(digest, links=links), profile, links=links)


@pytest.mark.parametrize(
    "boundary", [BOUNDARY, BOUNDARY + ".0", BOUNDARY + ".12", "simple", "b" * 80, "with space"]
)
def test_every_boundary_the_caller_can_choose(boundary):
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    assert_same(Rendered("s", "<p>x</p>", "x\n"), profile, boundary=boundary)


def test_a_new_boundary_has_the_generators_format():
    drawn = {mime.new_boundary() for _ in range(100)}
    assert len(drawn) == 100
    assert all(re.fullmatch(r"={15}\d{19}==", b) for b in drawn)
    msg = EmailMessage()
    msg.set_content("x")
    msg.add_alternative("<p>x</p>", subtype="html")
    generated = re.search(rb'boundary="([^"]+)"', msg.as_bytes())[1].decode()
    assert re.fullmatch(r"={15}\d{19}==", generated)  # the email package's own, for comparison


def test_a_new_boundary_never_occurs_in_a_body(monkeypatch):
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    links = unsubscribe_links(profile, SENDER, None)
    drawn = iter(["===============0000000000000000001==", "===============0000000000000000002=="])
    monkeypatch.setattr(mime, "new_boundary", lambda: next(drawn))
    text = "--===============0000000000000000001==\n"  # 7bit: the body holds the first boundary
    data = message_bytes(Rendered("s", "<p>x</p>", text), profile, SENDER, "<a@b>", NOW, links)
    assert re.findall(rb'boundary="([^"]+)"', data) == [b"===============0000000000000000002=="]
    with pytest.raises(ValueError, match="occurs in the message"):
        message_bytes(
            Rendered("s", "<p>x</p>", text),
            profile,
            SENDER,
            "<a@b>",
            NOW,
            links,
            boundary="===============0000000000000000001==",
        )


def test_without_a_boundary_the_bytes_differ_only_in_it():
    profile = Profile(user="ada", email="ada@example.org", interests=(), name="Ada")
    links = unsubscribe_links(profile, SENDER, None)
    args = (Rendered("s", "<p>x</p>", "x\n"), profile, SENDER, "<a@b>", NOW, links)
    msg = build_message(*args)
    expected = msg.as_bytes(policy=CRLF_POLICY)
    assert normalize(message_bytes(*args)) == normalize(expected)


def test_the_golden_email_written_directly():
    """tests/golden/ada.eml, the email package's LF bytes, is also what message_bytes writes (in CRLF)."""
    from pathlib import Path

    from test_render import GOLDEN_SENDER, golden_digest
    from test_render import NOW as GOLDEN_NOW

    digest, links = golden_digest()
    profile, sender = digest.profile, GOLDEN_SENDER
    rendered = Renderer().render(digest, links=links)
    data = message_bytes(rendered, profile, sender, message_id("ada", GOLDEN_NOW, sender), GOLDEN_NOW, links)
    golden = (Path(__file__).parent.parent / "golden" / "ada.eml").read_text()
    assert normalize(data).replace("\r\n", "\n") == golden
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF throughout


def email_package_body(text: str) -> tuple[str, bytes]:
    """The transfer encoding ``set_content`` chooses and the body the generator writes (CRLF)."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg.set_content(text, charset="utf-8")
    _, _, body = msg.as_bytes(policy=CRLF_POLICY).partition(b"\r\n\r\n")
    return msg["Content-Transfer-Encoding"], body


def test_encode_text_is_the_email_packages_encoding_written_as_the_generator_writes_it():
    """Fuzz: "=" and whitespace at every place around the soft line breaks, every byte value."""
    rng = random.Random(2045)
    pieces = ["=", " ", "\t", "a", "é", "€", "\x00", "\x7f", "\x0c", "\r", "\n", "\r\n", "丁", "x" * 70]
    for _ in range(3000):
        n = rng.choice([1, 5, 40, 120, 400])
        text = "".join(rng.choice(pieces) if rng.random() < 0.5 else chr(rng.randrange(256)) for _ in " " * n)
        if rng.random() < 0.5:  # mostly ASCII, long lines: quoted-printable, breaks near "=" and spaces
            text = "\n".join(
                "b" * rng.randint(60, 160) + rng.choice(["", " ", "\t", "=", "é", "==", " x", "=" * 5])
                for _ in range(rng.choice([1, 3, 12]))
            )
        assert mime.encode_text(text) == email_package_body(text), text


def test_a_reader_with_a_non_ascii_name_gets_an_ascii_message_id():
    profile = Profile(user="josé", email="jose@example.org", interests=(), name="José")
    msg_id = message_id(profile.user, NOW, SENDER)
    assert msg_id.isascii() and ".jos-@example.org>" in msg_id
    assert_same(Rendered("s", "<p>x</p>", "x\n"), profile, msg_id=msg_id)


@pytest.mark.parametrize("end", [" ", "\t", "=", "é", "x", " \t", "= "])
def test_quoted_printable_lines_are_cut_as_the_email_package_cuts_them(end):
    """Every line length around the limit, ending in a space, a tab or an escape; escapes at every
    place around the cut (a line longer than 78 makes the whole body quoted-printable)."""
    long_line = "a" * 100
    for n in range(70, 164):
        text = f"{long_line}\n{'b' * n}{end}\n"
        assert mime.encode_text(text) == email_package_body(text), (n, end)
        for at in range(70, 80):
            line = "c" * n
            text = f"{long_line}\n{line[:at]}={line[at:]}{end}"
            assert mime.encode_text(text) == email_package_body(text), (n, at, end)


def test_quoted_lines_are_remembered_per_line_and_give_the_same_bytes_again(monkeypatch):
    monkeypatch.setattr(mime, "_QP_CACHE_LIMIT", 8)
    mime._QP_CACHE.clear()
    lines = ["Your digest", "=" * 40, "", "   " + "word " * 20 + "…", "   https://example.org/" + "x" * 80]
    text = "\n".join(lines) + "\n"
    first = mime.encode_text(text)
    assert first[0] == "quoted-printable" and first == email_package_body(text)
    assert set(mime._QP_CACHE) == {line.encode() for line in lines}
    assert mime.encode_text(text) == first  # from the cache
    other = "\n".join(["ab " * 30 + str(i) for i in range(6)])
    assert mime.encode_text(other) == email_package_body(other)  # past the limit: the cache starts over
    assert len(mime._QP_CACHE) == 6
