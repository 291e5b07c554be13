"""`digest rank --help` says which papers of the window are the next digest as the matcher keeps
them: those scoring at least min_score (digest.select.matcher.top: the positive scores >=
min_score), as the README says ("at least `min_score`")."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main


def test_rank_help_keeps_a_paper_scoring_exactly_min_score():
    """The help said "the first max_papers of it above min_score are the next digest", where a
    paper whose score is min_score exactly is among them (a profile's min_score set to the
    fourth paper's score: `digest rank ada --next` listed it, fourth)."""
    said = " ".join(CliRunner().invoke(main, ["rank", "--help"]).output.split())
    assert "above min_score" not in said, said
    assert "scoring at least min_score" in said, said
