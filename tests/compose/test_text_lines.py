"""The plain-text part as a reader of plain text meets it: a real `digest send` of the shared dumps
through aiosmtpd on loopback, its text part read back. Its lines keep to 78 characters (RFC 5322's
advice, what a terminal's mail reader shows whole), but for a link, which cannot be broken."""

from __future__ import annotations

from conftest import SHARED

PROFILE = """\
name: Zoë Ångström-Ñúñez
email: zoe@example.org
interests:
  spiking neural networks: 3
  neural radiance fields: 2
  sparse distributed representations: 1
  sparsity: 1
"""


def test_every_line_of_the_text_part_but_a_link_keeps_to_78_characters(mail_workspace, smtp_server):
    ws = mail_workspace
    for dump in sorted((SHARED / "dumps").iterdir()):
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("zoe", PROFILE)
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    long = [line for line in text.splitlines() if len(line) > 78 and "://" not in line]
    assert long == []
    # what was wrapped is all there: the title, the interests, the abstract, as the HTML says them
    assert (
        ". Astrocyte-Enabled Advancements in Spiking Neural Networks for Large\n   Language Modeling\n"
        in text
    )
    assert (
        "picked for your interests: spiking neural\n"
        "networks, neural radiance fields, sparse distributed representations,\nsparsity.\n\n1. "
    ) in text


def test_the_text_of_a_nothing_today_note_says_what_its_html_says(mail_workspace, smtp_server):
    """A `send_empty: true` reader's empty day: the HTML part adds what to do about it; so does the text."""
    ws = mail_workspace
    for dump in sorted((SHARED / "dumps").iterdir()):
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("carol", "email: carol@example.org\nsend_empty: true\ninterests: [coral reef ecology]\n")
    assert ws.cli("send").exit_code == 0
    (received,) = smtp_server.messages
    advice = "The next digest comes as usual; to cast a wider net, add keywords to your profile."
    assert advice in received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nothing new matched your interests today (coral reef ecology).\n" in text
    assert advice in " ".join(text.split())


def test_the_footer_of_a_long_address_is_wrapped_too(mail_workspace, smtp_server):
    """An address too long to share a line (a department's, 85 characters) is on a line of its own."""
    address = "dan.with.a.rather.long.address.for.testing@very-long-subdomain.example-university.edu"
    ws = mail_workspace
    for dump in sorted((SHARED / "dumps").iterdir()):
        ws.dump(dump.name, dump.read_bytes())
    ws.profile("dan", f"email: {address}\ninterests: [neural radiance fields]\n")
    assert ws.cli("send").exit_code == 0
    (received,) = smtp_server.messages
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    long = [line for line in text.splitlines() if len(line) > 78 and "://" not in line]
    assert long == [address]  # a word alone, which cannot be broken
    assert f"You get this digest because\n{address}\nis subscribed.\n" in text
