"""`digest profile set ada name -h` (a VALUE of -h or --help) shows the command's help, as any command
does, and saves nothing: the help says how such a value is given (after ``--``), and the line it shows
sets it. Before, the help said nothing of it, and the user was left with no way to find one.

Real parts: real `digest` processes, the profile file on disk."""

from __future__ import annotations

from helpers.digest_command import digest

from digest.profiles.load import load_profile


def test_a_value_of_dash_h_is_told_and_set_after_double_dash(workspace):
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    before = (ws.root / "profiles" / "ada.yaml").read_text()
    for asked in ("-h", "--help"):
        shown = digest(ws, "profile", "set", "ada", "name", asked)
        assert shown.returncode == 0 and "profile set [OPTIONS] USER KEY VALUE\n" in shown.stdout, shown
        assert (ws.root / "profiles" / "ada.yaml").read_text() == before  # nothing saved
        assert "# a VALUE of -h or --help (else this help is shown), after --:\n" in shown.stdout
        assert "\n    digest profile set ada name -- -h\n" in shown.stdout, shown.stdout

    done = digest(ws, "profile", "set", "ada", "name", "--", "-h")  # done as shown
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("name is -h for ada; saved "), done.stdout
    assert load_profile(ws.config, "ada").name == "-h"
    done = digest(ws, "profile", "set", "ada", "name", "--", "--help")
    assert done.returncode == 0 and load_profile(ws.config, "ada").name == "--help", done.stderr


def test_a_renamed_readers_command_says_a_value_of_dash_h_after_double_dash(mail_workspace, smtp_server):
    # Before: `digest profile set ada name -- -h` (ada.yaml renamed ada-lee.yaml) was told to use
    # `digest profile set ada-lee name -h`, which, pasted, showed the help and saved nothing (exit 0)
    from test_renamed_user_quotes import in_bash, profile, refused
    from test_send_renamed_user import renamed

    ws = mail_workspace
    renamed(ws)  # ada.yaml -> ada-lee.yaml after a send
    for value in ("-h", "--help"):
        again = refused(ws, "profile", "set", "ada", "name", "--", value)
        assert again == f"digest profile set ada-lee name -- {value}", again
        in_bash(ws, again)
        assert profile(ws, "ada-lee")["name"] == value
