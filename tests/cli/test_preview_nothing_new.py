"""`digest preview` of a reader with nothing new since their last digest says that, not that
nothing matches their interests "yet" as if they never had a digest (a real SMTP server)."""

from __future__ import annotations

from conftest import make_dump

PAPERS = [("Gardening Robots", "Robots that water plants.")]


def test_an_empty_preview_after_a_digest_says_nothing_new_since_it(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    ws.profile("eve", "email: eve@example.org\ninterests: [origami]\n")
    ws.dump("day.txt", make_dump("Mar 20", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1  # ada's; none for eve
    after = ws.cli("preview", "ada", "--text").stderr
    assert "note: nothing new matches ada's interests since their last digest (today at " in after, after
    assert "yet" not in after, after
    never = ws.cli("preview", "eve", "--text").stderr  # never had one: nothing matches yet
    assert "note: nothing matches eve's interests yet: no email is sent for this" in never, never
