"""A keyword (or excluded term) given to `digest profile add`, `profile exclude` or `profile new -i`
with a control character or a bidi mark in it (an escape pasted with it) is refused, as a name with
one is. Before: `digest profile add ada $'spik\\x01ing'` said "'spik\\x01ing' is in ada's interests;
saved ...", the file held "spik\\x01ing", read back (the character dropped) as 'spiking', a keyword
other than the one said; `profile new bob -i $'rob\\x1b[31mots'` made a profile whose keyword
`profile show` printed with the escape's tail ("rob[31mots"). Spacing (a tab, a line break) is
still made one space, as before.

Real parts: real `digest` processes, the profiles folder on disk."""

from __future__ import annotations

from helpers.digest_command import digest

ADA = "email: ada@example.org\ninterests: [robots]\n"


def refusal(what: str, given: str) -> str:
    noun = "term" if what == "exclude" else "keyword"
    return (
        f"error: {what}: the {noun} must not contain control characters or bidi marks, got {given!r}; "
        "give it without them\n"
    )


def test_a_keyword_with_a_control_character_is_refused_and_the_file_left_as_it_was(workspace):
    ws = workspace
    path = ws.profile("ada", ADA)
    for keyword in ("spik\x01ing", "rob\x1b[31mots", "del\x7f", "x\u202ey"):
        refused = digest(ws, "profile", "add", "ada", keyword)
        assert refused.returncode == 1 and refused.stdout == "", refused
        assert refused.stderr == refusal("interests", keyword)
        excluded = digest(ws, "profile", "exclude", "ada", keyword)
        assert excluded.returncode == 1 and excluded.stderr == refusal("exclude", keyword), excluded
        assert path.read_text() == ADA

    spaced = digest(ws, "profile", "add", "ada", "event\tcameras")  # spacing: one space, as before
    assert spaced.returncode == 0, spaced.stderr
    assert path.read_text() == "email: ada@example.org\ninterests: [robots, event cameras]\n"


def test_a_new_profile_with_such_a_keyword_is_not_made(workspace):
    ws = workspace
    path = ws.root / "profiles" / "bob.yaml"
    keyword = "rob\x1b[31mots"
    refused = digest(ws, "profile", "new", "bob", "--email", "bob@example.org", "-i", "drones", "-i", keyword)
    assert refused.returncode == 1 and refused.stdout == "", refused
    assert refused.stderr == refusal("interests", keyword)
    assert not path.exists()
