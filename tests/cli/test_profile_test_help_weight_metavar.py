"""`digest profile test --help` names --weight's value NUMBER, as `profile add --help` does: the
same option of two sibling commands, one naming it in the commands' own word, the other in click's
("--weight FLOAT RANGE  The weight to try ...")."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main


def _help(*command: str) -> str:
    return " ".join(CliRunner().invoke(main, [*command, "--help"]).output.split())


def test_both_commands_name_the_weight_number():
    assert "--weight NUMBER How much it counts" in _help("profile", "add")
    said = _help("profile", "test")
    assert "--weight NUMBER The weight to try" in said, said
    assert "FLOAT" not in said, said


def test_both_commands_say_the_weight_range():
    # `profile add --help` said "How much it counts (default 1)": nothing of the 100 it refuses
    # above ("weight 500 is not a positive number up to 100"), which `profile test --help` says
    for command in ("add", "test"):
        said = _help("profile", command)
        assert said.count("[0<x<=100]") == 1, said
