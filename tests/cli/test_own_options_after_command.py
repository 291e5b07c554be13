"""digest's own options (-v, -q, --config, --semantic) typed after the command, as a new user
reads the README's "`-v` logs what happens": click said "No such option '-v'." as if digest had
none, where the option is there, before the command."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def digest(workspace, *args: str) -> subprocess.CompletedProcess[str]:
    """A real `digest` process, run as `python -m digest` (which click names it so in its words)."""
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=workspace.root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_option_of_digest_after_the_command_is_said_where_it_goes(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    config = str(workspace.config_path)
    verbose = digest(workspace, "--config", config, "run", "--once", "-v")
    assert verbose.returncode == 2, verbose.stderr
    assert "No such option" not in verbose.stderr
    assert (
        "Error: -v is an option of digest itself: give it before the command, "
        "`python -m digest -v run ...`" in verbose.stderr
    ), verbose.stderr
    # one taking a value, as --config=PATH too; under a group of commands, their names whole
    placed = digest(workspace, "status", f"--config={config}")
    assert f"`python -m digest --config={shlex.quote(config)} status ...`" in placed.stderr, placed.stderr
    quiet = digest(workspace, "--config", config, "profile", "show", "ada", "-q")
    assert quiet.returncode == 2
    assert "`python -m digest -q profile show ...`" in quiet.stderr, quiet.stderr
    # given before the command, as said, it runs
    assert digest(workspace, "--config", config, "-v", "profile", "show", "ada").returncode == 0


def test_several_options_of_digest_after_the_command_are_each_said_as_typed(workspace):
    # "-vq" was said "-v is an option of digest itself ... `digest -v run ...`": -q lost on the way
    config = str(workspace.config_path)
    together = digest(workspace, "--config", config, "run", "--once", "-vq")
    assert together.returncode == 2
    assert (
        "Error: -vq are options of digest itself: give them before the command, "
        "`python -m digest -vq run ...`" in together.stderr
    ), together.stderr
    apart = digest(workspace, "--config", config, "run", "--once", "-v", "-q")
    assert (
        "Error: -v and -q are options of digest itself: give them before the command, "
        "`python -m digest -v -q run ...`" in apart.stderr
    ), apart.stderr
    # the value of a command's own option is not one of digest's: "-v" here is -i's keyword
    keyword = digest(
        workspace, "--config", config, "profile", "new", "ada", "-i", "-v", "--email", "a@b.org", "-q"
    )
    assert "`python -m digest -q profile new ...`" in keyword.stderr, keyword.stderr
    # as said, it runs
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    assert digest(workspace, "--config", config, "-vq", "profile", "show", "ada").returncode == 0


def test_the_command_said_carries_the_config_given_before_it(workspace):
    # `digest --config ../config.yaml run --once -v` typed in another folder was told
    # `digest -v run ...`, which there finds no config ("no such configuration file")
    elsewhere = workspace.root / "elsewhere"
    elsewhere.mkdir()
    relative = os.path.relpath(workspace.config_path, elsewhere)
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    late = subprocess.run(
        [sys.executable, "-m", "digest", "--config", relative, "run", "--once", "-vq"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert late.returncode == 2
    whole = shlex.quote(str(workspace.config_path.resolve()))
    assert (
        "Error: -vq are options of digest itself: give them before the command, "
        f"`python -m digest --config {whole} -vq run ...`" in late.stderr
    ), late.stderr


def test_the_config_given_with_a_tilde_is_carried_as_the_home_folder_path(workspace):
    # `digest --config=~/d/config.yaml run --once -v` (the shell leaves "~" after "=") was told
    # `digest --config '/the/current/folder/~/d/config.yaml' -v run ...`: a file not there
    home = workspace.root / "home"
    (home / "d").mkdir(parents=True)
    (home / "d" / "config.yaml").write_text(workspace.config_path.read_text())
    env = {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"} | {"HOME": str(home)}
    late = subprocess.run(
        [sys.executable, "-m", "digest", "--config=~/d/config.yaml", "run", "--once", "-v"],
        cwd=workspace.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert late.returncode == 2
    whole = shlex.quote(str(home / "d" / "config.yaml"))
    assert (
        "Error: -v is an option of digest itself: give it before the command, "
        f"`python -m digest --config {whole} -v run ...`" in late.stderr
    ), late.stderr


def test_a_flag_typed_with_a_value_is_said_as_the_flag_alone(workspace):
    # `run --once --verbose=1` was told `digest --verbose=1 run ...`, which click refuses there:
    # "Option '--verbose' does not take a value."
    config = str(workspace.config_path)
    late = digest(workspace, "--config", config, "run", "--once", "--verbose=1")
    assert late.returncode == 2
    assert (
        "Error: --verbose is an option of digest itself: give it before the command, "
        "`python -m digest --verbose run ...`" in late.stderr
    ), late.stderr
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    assert digest(workspace, "--config", config, "--verbose", "profile", "show", "ada").returncode == 0


def test_an_option_no_command_has_is_still_no_such_option(workspace):
    wrong = digest(workspace, "--config", str(workspace.config_path), "status", "--verbos")
    assert wrong.returncode == 2
    assert "Error: No such option '--verbos'." in wrong.stderr, wrong.stderr


def test_the_readme_writes_v_before_the_command():
    readme = (ROOT / "README.md").read_text()
    assert "`digest -v COMMAND` logs what happens" in readme
    assert "`-v` logs what happens" not in readme


def test_the_version_after_a_command_is_said_as_the_version_alone(workspace):
    # "give it before the command, `digest --version run ...`": that line says the version, runs nothing
    late = digest(workspace, "--config", str(workspace.config_path), "run", "--version")
    assert late.returncode == 2
    assert (
        "Error: --version is an option of digest itself, which says its version alone: "
        "`python -m digest --version`" in late.stderr
    ), late.stderr
    assert "--version run" not in late.stderr


def test_the_config_typed_after_the_command_is_said_with_its_path_as_typed(workspace):
    """`digest rank ada --config x` was told `digest --config PATH rank ...`: the path typed was
    left for the user to type again. The command said is the one typed, --config moved before it."""
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    (workspace.root / "my dir").mkdir()
    (workspace.root / "my dir" / "c.yaml").write_text(
        workspace.config_path.read_text().replace(": profiles", f": {workspace.root / 'profiles'}")
    )
    late = digest(workspace, "profile", "show", "ada", "--config", "my dir/c.yaml")
    assert late.returncode == 2
    assert "`python -m digest --config 'my dir/c.yaml' profile show ...`" in late.stderr, late.stderr
    assert "PATH" not in late.stderr
    line = late.stderr.split("`")[1].replace("python -m digest", f"{shlex.quote(sys.executable)} -m digest")
    placed = subprocess.run(
        line.replace("...", "ada"), shell=True, cwd=workspace.root, capture_output=True, text=True, timeout=60
    )
    assert placed.returncode == 0 and "ada@example.org" in placed.stdout, placed.stderr
