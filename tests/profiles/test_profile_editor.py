"""`digest profile edit`: the user's $EDITOR on a draft, the file replaced only by a valid one."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main

pytestmark = pytest.mark.usefixtures("drafts_in_tmp")  # a kept draft: in the test's folder


def editor_script(
    tmp_path: Path, versions: list[str], encoding: str = "utf-8", meanwhile: tuple[Path, bytes] | None = None
) -> str:
    """An $EDITOR that writes the next of ``versions`` into the file it is given (in ``encoding``);
    ``meanwhile``: a file it writes these bytes to as well (another program saving it then)."""
    script = tmp_path / "editor.py"
    state = tmp_path / "editor-count"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, pathlib
            versions = {versions!r}
            state = pathlib.Path({str(state)!r})
            n = int(state.read_text()) if state.exists() else 0
            state.write_text(str(n + 1))
            pathlib.Path(sys.argv[1]).write_text(versions[min(n, len(versions) - 1)], encoding={encoding!r})
            for other, data in {[(str(meanwhile[0]), meanwhile[1])] if meanwhile else []!r}:
                pathlib.Path(other).write_bytes(data)
            """
        )
    )
    return f"{sys.executable} {script}"


def test_edit_shows_the_errors_and_reopens_until_valid(workspace, tmp_path):
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    editor = editor_script(
        tmp_path, ["email: nope\ninterests: [robotics]\n", "email: a@b.org\ninterests: [x]\n"]
    )
    result = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "profile", "edit", "ada"],
        input="y\n",
        env={"EDITOR": editor, "VISUAL": ""},
    )
    assert result.exit_code == 0, result.output
    assert "email: 'nope' is not a valid email address" in result.output
    assert "Re-open the editor?" in result.output
    assert path.read_text() == "email: a@b.org\ninterests: [x]\n"


def test_edit_declined_leaves_the_file_and_keeps_the_draft(workspace, tmp_path):
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    editor = editor_script(tmp_path, ["email: ada@example.org\ninterests: {robotics: -2}\n"])
    result = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "profile", "edit", "ada"],
        input="n\n",
        env={"EDITOR": editor, "VISUAL": ""},
    )
    assert result.exit_code == 1
    assert "interests.robotics: weight -2 is not a positive number" in result.output
    assert path.read_text() == "email: ada@example.org\ninterests: [robotics]\n"
    draft = Path(result.output.rsplit("your draft is kept at ", 1)[1].split()[0])
    assert draft.read_text() == "email: ada@example.org\ninterests: {robotics: -2}\n"


def test_a_profile_or_a_draft_saved_as_latin_1_is_said_so_and_kept(workspace, tmp_path):
    # `profile add`, `set` and `edit` of a file saved as Latin-1 said "internal error:
    # UnicodeDecodeError", and a draft the editor saved so was deleted with it
    path = workspace.root / "profiles" / "ada.yaml"
    latin = "email: ada@example.org\nname: José\ninterests: [robots]\n"
    path.write_bytes(latin.encode("latin-1"))
    told = (
        f"{path}: cannot read the profile: line 2, column 10: byte 0xe9 ('é' in Windows-1252 or "
        "Latin-1) is not UTF-8: save the file as UTF-8 (in most editors: Save As, Encoding UTF-8)"
    )
    for command in (["add", "ada", "drones"], ["set", "ada", "timezone", "Europe/Paris"], ["edit", "ada"]):
        result = workspace.cli("profile", *command)
        assert (result.exit_code, result.stderr) == (1, f"error: {told}\n"), command
    assert path.read_bytes() == latin.encode("latin-1")
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    result = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "profile", "edit", "ada"],
        input="n\n",
        env={"EDITOR": editor_script(tmp_path, [latin], encoding="latin-1"), "VISUAL": ""},
    )
    assert result.exit_code == 1
    assert "line 2, column 10: byte 0xe9 ('é' in Windows-1252 or Latin-1) is not UTF-8" in result.output
    assert path.read_text() == "email: ada@example.org\ninterests: [robots]\n"
    draft = Path(result.output.rsplit("your draft is kept at ", 1)[1].split()[0])
    assert draft.read_bytes() == latin.encode("latin-1")


def test_a_profile_saved_as_latin_1_while_its_draft_was_edited_keeps_the_draft(workspace, tmp_path):
    # the file saved as Latin-1 by another program while `profile edit`'s editor was open: the
    # check that it had not changed meanwhile said "internal error: UnicodeDecodeError" and
    # deleted the draft, the user's edit in it
    path = workspace.root / "profiles" / "ada.yaml"
    latin = "email: ada@example.org\nname: José\ninterests: [robots]\n".encode("latin-1")
    mine = "email: ada@example.org\ninterests: [robots, drones]\n"
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    result = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "profile", "edit", "ada"],
        env={"EDITOR": editor_script(tmp_path, [mine], meanwhile=(path, latin)), "VISUAL": ""},
    )
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output, result.output
    assert "line 2, column 10: byte 0xe9 ('é' in Windows-1252 or Latin-1) is not UTF-8" in result.output
    assert path.read_bytes() == latin  # left as the other program saved it
    draft = Path(result.output.rsplit("your version is at ", 1)[1].split()[0].rstrip(":"))
    assert draft.read_text() == mine
