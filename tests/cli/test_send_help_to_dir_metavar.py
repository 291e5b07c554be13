"""`digest send --help` names --to-dir's folder as its own text and the README do: `--to-dir DIR`
("Write each message as DIR/<message id>.eml", README's `digest send --to-dir DIR`), not click's
default name for a folder (DIRECTORY) beside them."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main


def test_to_dir_is_named_dir_where_its_help_says_dir():
    """The option's line read "--to-dir DIRECTORY  Write each message as DIR/<message id>.eml"."""
    said = " ".join(CliRunner().invoke(main, ["send", "--help"]).output.split())
    assert "--to-dir DIR Write each message as DIR/<message id>.eml" in said, said
    assert "DIRECTORY" not in said, said
