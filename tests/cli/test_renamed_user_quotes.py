"""The commands an error of a reader's old name suggests (the reader's file renamed, or removed with
their history kept: digest.cli.renamed_user) write a word with a single quote in it ("O'Brien, J.",
an address like o'brien@example.org) as the comma notes of `digest profile exclude` do
(tests/cli/test_profile_comma_note_removes.py): in double quotes, where nothing in it is expanded
there; else in single quotes, as before. Before: `digest profile exclude ada-lee 'O'"'"'Brien, J.'`,
`--email 'o'"'"'brien@example.org'` (right, hard to read). Either way the line, pasted into bash as
it is, does what it says.

Real parts: real `digest` processes, a real send to a loopback SMTP server first, each suggested
line run by bash, the profile files on disk."""

from __future__ import annotations

from helpers.renamed_reader import renamed
from helpers.suggested_commands import in_bash, profile, refused


def test_a_renamed_readers_command_says_a_word_with_a_single_quote_in_double_quotes(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    renamed(ws)  # ada.yaml -> ada-lee.yaml after a send
    said = {
        "O'Brien, J.": 'digest profile exclude ada-lee "O\'Brien, J."',  # was 'O'"'"'Brien, J.'
        "it's $5": "digest profile exclude ada-lee 'it'\"'\"'s $5'",  # $ expanded in double quotes: as before
    }
    for term, again in said.items():
        assert refused(ws, "profile", "exclude", "ada", term) == again
        in_bash(ws, again)
        assert term in profile(ws, "ada-lee")["exclude"]
    again = refused(ws, "profile", "add", "ada", "Hawking's radiation", "--weight", "2")
    assert again == 'digest profile add ada-lee "Hawking\'s radiation" --weight 2'
    in_bash(ws, again)
    assert profile(ws, "ada-lee")["interests"]["Hawking's radiation"] == 2


def test_a_removed_readers_address_with_a_single_quote_is_said_in_double_quotes(mail_workspace, smtp_server):
    ws = mail_workspace
    renamed(ws)
    ws.profile("obrien", "email: o'brien@example.org\ninterests: [spiking]\n")
    assert ws.cli("send", "--user", "obrien").exit_code == 0  # their history kept after
    (ws.root / "profiles" / "obrien.yaml").unlink()
    again = refused(ws, "profile", "show", "obrien")
    assert (
        again == 'digest profile new obrien --email "o\'brien@example.org" -i KEYWORD'
    )  # was 'o'"'"'brien@...'
    in_bash(ws, again.replace("KEYWORD", "spiking"))
    assert profile(ws, "obrien")["email"] == "o'brien@example.org"
