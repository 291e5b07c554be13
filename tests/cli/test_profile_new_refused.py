"""`digest profile new` refused for what it was given (`--email carl.example.org`, a keyword too long)
says that the file was not made, and each problem by its key: not "profiles/carl.yaml: invalid profile:
- line 2: email: ...", a line of a file that is not there, which sent the user looking for it.

Real parts: real `digest` processes, the profiles folder on disk."""

from __future__ import annotations

from helpers.digest_command import digest


def test_a_new_profile_refused_is_said_not_made_by_its_keys(workspace):
    ws = workspace
    path = ws.root / "profiles" / "carl.yaml"
    refused = digest(
        ws, "profile", "new", "carl", "--email", "carl.example.org", "-i", "robots", "-i", "x" * 101
    )
    assert refused.returncode == 1 and refused.stdout == "", refused
    assert refused.stderr == (
        f"error: {ws.config.profiles / 'carl.yaml'} not made (nothing written):\n"
        "  - email: 'carl.example.org' is not a valid email address (no @: an address has one, before "
        "its domain: name@example.org)\n"
        f"  - interests: a keyword of 101 characters ('{'x' * 30}'...); at most 100\n"
    ), refused.stderr
    assert not path.exists()

    made = digest(ws, "profile", "new", "carl", "--email", "carl@example.org", "-i", "robots")
    assert made.returncode == 0 and path.is_file(), made.stderr


def test_a_name_with_a_control_character_is_refused_in_the_words_profile_set_says_it_with(workspace):
    """Before: `--name $'Carl\\x01'` was refused in PyYAML's words, "profiles/carl.yaml: not valid
    YAML, unacceptable character #x0001: control characters are not allowed in "<unicode string>",
    position 87", of a file not made; `--name $'Carl\\nBell'` made a profile named "Carl Bell" (the
    line break folded into a space), a name `digest profile set carl name` refuses."""
    ws = workspace
    path = ws.root / "profiles" / "carl.yaml"
    for name in ("Carl\x01", "Carl\nBell", "Carl\x85"):
        refused = digest(
            ws, "profile", "new", "carl", "--email", "carl@example.org", "-i", "robots", "--name", name
        )
        assert refused.returncode == 1 and refused.stdout == "", refused
        assert refused.stderr == (
            f"error: {ws.config.profiles / 'carl.yaml'} not made (nothing written):\n"
            f"  - name: must not contain control characters (line breaks, tabs, ...), got {name!r}\n"
        ), refused.stderr
        assert not path.exists()

    made = digest(
        ws, "profile", "new", "carl", "--email", "carl@example.org", "-i", "robots", "--name", 'Carl "C" \\'
    )
    assert made.returncode == 0, made.stderr
    assert 'Carl "C" \\' in digest(ws, "profile", "show", "carl").stdout
