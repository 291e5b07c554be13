"""Letters other than ASCII on the way to a real SMTP server (aiosmtpd on loopback): names
arrive as written, and an address no server is bound to take is refused in the config."""

from __future__ import annotations

from conftest import make_dump

PAPERS = [("Spiking Neural Networks at Scale", "We train spiking neural networks on event data.")]


def with_sender(workspace, sender: str):
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("Research digest <digest@example.org>", sender))


def test_accented_names_of_the_reader_and_the_sender_arrive_as_written(mail_workspace, smtp_server):
    with_sender(mail_workspace, "'\"Récherche Numérique\" <digest@example.org>'")
    mail_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    mail_workspace.profile(
        "ada", "name: Adélaïde Ñúñez-Çoğlu\nemail: ada@example.org\ninterests: [spiking]\n"
    )
    mail_workspace.cli("ingest")
    result = mail_workspace.cli("send")
    assert result.exit_code == 0, result.output
    (got,) = smtp_server.messages
    assert got.data.isascii()  # encoded words: any server takes it, SMTPUTF8 or not
    message = got.message
    assert str(message["To"]) == "Adélaïde Ñúñez-Çoğlu <ada@example.org>"
    assert str(message["From"]) == "Récherche Numérique <digest@example.org>"
    assert (got.mail_from, got.rcpt_tos) == ("digest@example.org", ["ada@example.org"])


def test_a_sender_address_with_letters_other_than_ascii_before_the_at_is_refused_in_the_config(
    mail_workspace, smtp_server
):
    with_sender(mail_workspace, "Recherche <dïgest@example.org>")
    mail_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    mail_workspace.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    result = mail_workspace.cli("send")
    assert result.exit_code != 0
    assert "line 7: smtp.from: 'Recherche <dïgest@example.org>' is not an email address" in result.output
    assert "the part before @ must be ASCII" in result.output
    assert "UnicodeEncodeError" not in result.output
    assert smtp_server.messages == []


def test_an_address_whose_domain_is_not_ascii_is_told_its_ascii_form_which_arrives(
    mail_workspace, smtp_server
):
    mail_workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    mail_workspace.profile("ada", "email: ada@exämple.org\ninterests: [spiking]\n")
    result = mail_workspace.cli("send")
    assert (
        "line 1: email: 'ada@exämple.org' is not a valid email address (a domain in letters other than "
        "ASCII is written in its ASCII form: ada@xn--exmple-cua.org)"
    ) in result.output
    mail_workspace.profile("ada", "email: ada@xn--exmple-cua.org\ninterests: [spiking]\n")
    assert mail_workspace.cli("send").exit_code == 0
    (got,) = smtp_server.messages
    assert got.rcpt_tos == ["ada@xn--exmple-cua.org"]


def test_a_sender_whose_domain_is_not_ascii_is_told_its_ascii_form(mail_workspace):
    with_sender(mail_workspace, "Recherche <digest@exämple.org>")
    result = mail_workspace.cli("send")
    assert (
        "line 7: smtp.from: 'Recherche <digest@exämple.org>' is not an email address (a domain in letters "
        "other than ASCII is written in its ASCII form: Recherche <digest@xn--exmple-cua.org>)"
    ) in result.output


def test_a_sender_not_ascii_on_both_sides_of_the_at_is_not_told_a_form_that_is_refused_too(mail_workspace):
    """The ASCII form of the domain alone ('dïgest@xn--…') would be refused for its first part:
    that part is said first, as for a reader's address."""
    with_sender(mail_workspace, "Recherche <dïgest@exämple.org>")
    result = mail_workspace.cli("send")
    assert (
        "line 7: smtp.from: 'Recherche <dïgest@exämple.org>' is not an email address (the part before @ "
        "must be ASCII: not every mail server accepts others)"
    ) in result.output
    assert "xn--" not in result.output
