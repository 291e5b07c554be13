"""The rating page (a real `digest serve`, the email's "More like this" clicked in Chromium) and
`digest feedback` say the same state of a reader whose address the server refused for good, in
the cases where it is not plain: bob's address changed since the bounce (it stops nothing: his
next digest goes to the new one, and learns from the rating at once); bob's file renamed to
robert.yaml with no pass since (his old email's link opens robert's page, carried over, still
suppressed); bob bounced and paused (paused is said, as `digest preview` says it first). Both
read the suppression as `digest send` plans the reader (Suppressions.blocks)."""

from __future__ import annotations

from helpers.rated_from_email import AT_ONCE, BOUNCED, LATER, bob_sent_once, digest, first_link, rated_hint
from helpers.refusing import Refusing

from digest.demo.smtp_server import LocalSmtpServer

from conftest import WebWorkspace, make_dump

PAUSED = "Your digests are paused: your next digest, once you resume them, learns from this."


def bob_bounced(tmp_path, monkeypatch) -> tuple[WebWorkspace, str]:
    """bob's first digest taken, his address refused for good the next day: the workspace, and
    the first "More like this" link of his first email."""
    refusing = Refusing(set())
    with LocalSmtpServer(refusing) as server:
        ws = bob_sent_once(tmp_path, monkeypatch, server)
        refusing.refused.add("bob@example.org")
        ws.dump("day2.txt", make_dump("Mar 15", LATER))
        assert digest(ws, "send", "--force").returncode == 1
    return ws, first_link(server)


def feedback_note(ws: WebWorkspace, user: str) -> list[str]:
    """The lines of `digest feedback USER 1 up` after its first (the rating itself)."""
    done = digest(ws, "feedback", user, "1", "up")
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[1:]


def test_a_bounce_of_an_address_changed_since_stops_nothing_on_the_page_nor_in_feedback(
    tmp_path,
    monkeypatch,
    browser,
):
    ws, link = bob_bounced(tmp_path, monkeypatch)
    ws.profile("bob", "email: bob@new.example.org\ninterests: [neuromorphic]\n")
    words = rated_hint(ws, link, browser)
    assert AT_ONCE in words and "refused your digests" not in words, words
    assert feedback_note(ws, "bob") == []


def test_a_bounced_reader_renamed_is_said_suppressed_on_the_page_and_in_feedback(
    tmp_path,
    monkeypatch,
    browser,
):
    ws, link = bob_bounced(tmp_path, monkeypatch)
    (ws.root / "profiles" / "bob.yaml").rename(ws.root / "profiles" / "robert.yaml")
    words = rated_hint(ws, link, browser)  # bob's old link: robert's page, carried over now
    assert BOUNCED in words and AT_ONCE not in words, words
    (note,) = feedback_note(ws, "robert")
    assert note.startswith("note: robert is suppressed (<bob@example.org> refused on "), note


def test_a_bounced_reader_paused_is_said_paused_on_the_page_and_in_feedback(
    tmp_path,
    monkeypatch,
    browser,
):
    ws, link = bob_bounced(tmp_path, monkeypatch)
    ws.profile("bob", "email: bob@example.org\ninterests: [neuromorphic]\npaused: true\n")
    words = rated_hint(ws, link, browser)
    assert PAUSED in words and BOUNCED not in words and AT_ONCE not in words, words
    (note,) = feedback_note(ws, "bob")
    assert note.startswith("note: bob is paused: nothing is sent to them until "), note
