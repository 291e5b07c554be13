"""A keyword or excluded term that begins with '-' (`digest profile add ada -foo`) is refused by click
as an option it does not know; the refusal says the word goes after ``--``, with the command to type
(the options before it, the config given), and that command does it. Before, it said "No such option
'-f'." alone, as if an option had been mistyped. An option mistyped is still said as click says it.

Real parts: real `digest` processes, the profile file on disk."""

from __future__ import annotations

import shlex
import subprocess
import sys

from digest.profiles.load import load_profile


def digest(ws, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def said_line(refused: subprocess.CompletedProcess[str]) -> list[str]:
    """The command the refusal says to type, as words (after `digest`)."""
    assert refused.returncode == 2 and refused.stdout == "", refused
    line = refused.stderr.rsplit("`--`, which ends the options: `", 1)[1].split("`", 1)[0]
    return shlex.split(line)


def test_a_keyword_or_term_beginning_with_a_dash_is_told_to_go_after_double_dash(workspace, monkeypatch):
    ws = workspace
    monkeypatch.delenv("DIGEST_CONFIG")  # the --config given is said in the command to type
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    path = ws.root / "profiles" / "ada.yaml"
    before = path.read_text()
    config = shlex.join(["--config", str(ws.config_path)])

    refused = digest(ws, "profile", "add", "ada", "-foo", "--weight", "2")
    assert (
        "Error: No such option '-f'. KEYWORD '-foo' begins with '-': give it after `--`, which ends the "
        f"options: `digest {config} profile add ada --weight 2 -- -foo`\n"
    ) in refused.stderr, refused.stderr
    assert path.read_text() == before  # nothing saved
    done = subprocess.run(
        [sys.executable, "-m", "digest", *said_line(refused)[1:]], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert load_profile(ws.config, "ada").interests[-1].phrase == "-foo"
    assert load_profile(ws.config, "ada").interests[-1].weight == 2

    refused = digest(ws, "profile", "exclude", "ada", "-foo", "--remove")
    assert "TERM '-foo' begins with '-'" in refused.stderr, refused.stderr
    assert said_line(refused)[-5:] == ["exclude", "ada", "--remove", "--", "-foo"]
    for command in ("remove", "test"):
        refused = digest(ws, "profile", command, "ada", "--foo")
        assert "No such option '--foo'. KEYWORD '--foo' begins with '-'" in refused.stderr, refused.stderr
        assert said_line(refused)[-4:] == [command, "ada", "--", "--foo"]

    # an option mistyped, not a keyword; nor is a word after the keyword, nor digest's own -v
    extra = digest(ws, "profile", "add", "ada", "neuromorphic", "-foo")
    assert extra.returncode == 2 and "begins with '-'" not in extra.stderr, extra.stderr
    verbose = digest(ws, "profile", "add", "ada", "neuromorphic", "-v")
    assert "-v is an option of digest itself" in verbose.stderr, verbose.stderr
    mistyped = digest(ws, "profile", "add", "ada", "neuromorphic", "--wieght", "2")
    assert mistyped.returncode == 2, mistyped
    assert "No such option '--wieght'. Did you mean '--weight'?" in mistyped.stderr
    assert "begins with '-'" not in mistyped.stderr
