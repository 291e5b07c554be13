"""`digest preview` in a shell without the links' secret (its variable not set, its file
readable by the service's user only): it refuses with the error `send` gives (a misspelt
variable or file name is such a shell too), naming --unsigned-links; with that option the
preview is made, byte for byte what `send` sends but for the links' tokens, which say they
are not signed and open nothing, and the command says so."""

from __future__ import annotations

import re

import pytest

from digest.signing import UNSIGNED, Signer, UnsignedLinks
from digest.web.app import create_app

from conftest import NOW, make_dump

PAPERS = [("Spiking Networks on Chips", "Neuromorphic hardware runs spiking networks.")]
SECRET = "preview-secret-0123456789abcdef0123"


@pytest.fixture
def ws(workspace, monkeypatch):
    with workspace.config_path.open("a") as f:
        f.write("base_url: https://digest.example.org\nweb:\n  secret_env: DIGEST_TEST_PREVIEW\n")
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    assert workspace.cli("ingest").exit_code == 0
    monkeypatch.delenv("DIGEST_TEST_PREVIEW", raising=False)
    return workspace


def tokens_out(text: str) -> str:
    return re.sub(r"/u/[^/\"<>\s]+", "/u/TOKEN", text)


def test_a_preview_without_the_secret_has_unsigned_links_says_so_and_is_otherwise_the_message(
    ws, monkeypatch
):
    unsigned = ws.cli("preview", "ada", "--unsigned-links", "--out", str(ws.root / "unsigned.html"))
    assert unsigned.exit_code == 0, unsigned.output
    assert (
        "note: the links in this preview are NOT SIGNED ($DIGEST_TEST_PREVIEW is not set)" in unsigned.output
    )
    assert f"they read /u/{UNSIGNED}/... and open nothing" in unsigned.output
    assert "Wrote " in unsigned.output and "(its links not signed)" in unsigned.output
    text = ws.cli("preview", "ada", "--text", "--unsigned-links")
    assert text.exit_code == 0 and f"https://digest.example.org/u/{UNSIGNED}/unsubscribe" in text.output
    monkeypatch.setenv("DIGEST_TEST_PREVIEW", SECRET)
    signed = ws.cli("preview", "ada", "--unsigned-links", "--out", str(ws.root / "signed.html"))
    assert signed.exit_code == 0 and "NOT SIGNED" not in signed.output
    html = (ws.root / "unsigned.html").read_text()
    real = (ws.root / "signed.html").read_text()
    assert html != real and tokens_out(html) == tokens_out(real)  # the links' tokens alone differ
    assert (
        html.count(f"https://digest.example.org/u/{UNSIGNED}")
        == real.count("https://digest.example.org/u/")
        > 0
    )
    assert UNSIGNED not in real


def test_an_unsigned_links_token_opens_nothing(ws, monkeypatch):
    monkeypatch.setenv("DIGEST_TEST_PREVIEW", SECRET)
    config = ws.config
    client = create_app(config, Signer.from_config(config), lambda: NOW).test_client()
    for page in ("", "/unsubscribe", "/more/1"):
        assert client.get(f"/u/{UNSIGNED}{page}").status_code == 403


def test_send_and_a_secret_that_is_there_but_unusable_still_refuse(ws, monkeypatch):
    sent = ws.cli("send")
    assert (
        sent.exit_code == 1
        and "$DIGEST_TEST_PREVIEW, but that environment variable is not set" in sent.output
    )
    monkeypatch.setenv("DIGEST_TEST_PREVIEW", "short")  # a misconfiguration to fix, not a shell's lack
    shown = ws.cli("preview", "ada", "--text", "--unsigned-links")
    assert shown.exit_code == 1 and "is too short" in shown.output


def test_a_secret_file_this_user_cannot_read_gives_an_unsigned_preview_too(ws):
    text = ws.config_path.read_text().replace("secret_env: DIGEST_TEST_PREVIEW", "secret_file: secret.txt")
    ws.config_path.write_text(text)  # the file is the service user's alone: here, not there at all
    shown = ws.cli("preview", "ada", "--text", "--unsigned-links")
    assert shown.exit_code == 0, shown.output
    assert "NOT SIGNED (cannot read " in shown.output and f"/u/{UNSIGNED}/unsubscribe" in shown.output


def test_without_the_option_a_missing_secret_is_sends_error_and_the_option_is_named(ws, monkeypatch):
    """A variable or file name misspelt in the config (or in the shell's export) must not pass
    for a good preview: without --unsigned-links nothing is written and the error says which."""
    out = ws.root / "preview-ada.html"
    shown = ws.cli("preview", "ada", "--out", str(out))
    assert shown.exit_code == 1 and not out.exists()
    assert "$DIGEST_TEST_PREVIEW, but that environment variable is not set" in shown.output
    assert "`digest preview --unsigned-links`" in shown.output and UNSIGNED not in shown.output
    monkeypatch.setenv("DIGEST_TEST_PREVIEW_TYPO", SECRET)  # exported under another name
    assert ws.cli("preview", "ada", "--text").exit_code == 1
    text = ws.config_path.read_text().replace("secret_env: DIGEST_TEST_PREVIEW", "secret_file: secert.txt")
    ws.config_path.write_text(text)
    misspelt = ws.cli("preview", "ada", "--text")
    assert misspelt.exit_code == 1 and "web.secret_file: cannot read" in misspelt.output


def test_with_the_option_where_the_secret_is_there_the_links_are_signed(ws, monkeypatch):
    monkeypatch.setenv("DIGEST_TEST_PREVIEW", SECRET)
    shown = ws.cli("preview", "ada", "--text", "--unsigned-links")
    assert shown.exit_code == 0 and "NOT SIGNED" not in shown.output and UNSIGNED not in shown.output
    token = re.search(r"https://digest\.example\.org/u/([^/\s]+)/unsubscribe", shown.output)
    assert token and Signer.from_config(ws.config).user(token.group(1)) == "ada"


def test_unsigned_links_open_nothing_even_against_a_secret_of_nothing():
    forged = Signer(b"").token("ada", NOW)
    assert UnsignedLinks().token("ada", NOW) == UNSIGNED
    assert UnsignedLinks().signed(forged) is None and UnsignedLinks().user(forged) is None
