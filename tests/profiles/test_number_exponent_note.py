"""A number written with an exponent and no point in a profile or the config (`max_papers: 1e2`, a
weight `1e3`): YAML reads it as text, quoted or not (its floats have a point and a signed
exponent, 1.0e+2), and the check refused it saying "(a number in quotes is text to YAML: write it
without the quotes)", quotes the user had not written. It is said as text to YAML with the number
to write; a number in quotes is still told to drop them."""

from __future__ import annotations

import yaml


def test_an_exponent_without_a_point_is_said_with_the_number_to_write(workspace):
    workspace.profile(
        "ada",
        "email: ada@example.org\nmax_papers: 1e2\nmin_score: 5E-1\n"
        'interests:\n  robots: 1e-7\n  drones: "2"\n',
    )
    said = workspace.cli("profile", "show", "ada").output
    assert "got '1e2' (1e2 is text to YAML, quoted or not: write it as 100)\n" in said, said
    assert "got '5E-1' (5E-1 is text to YAML, quoted or not: write it as 0.5)\n" in said, said
    assert (
        "weight '1e-7' is not a positive number up to 100 (1e-7 is text to YAML, quoted or not: write it as "
        in said
    )
    assert yaml.safe_load(said.split("write it as ")[3].split(")")[0]) == 1e-7  # as YAML reads it back
    assert "weight '2' is not a positive number up to 100 (a number in quotes is text to YAML: " in said, said
    assert said.count("a number in quotes") == 1, said


def test_the_config_says_it_alike(workspace):
    workspace.config_path.write_text(workspace.config_path.read_text() + "max_papers: 1e2\n")
    said = workspace.cli("status").output
    assert (
        "max_papers: must be a whole number from 1 to 1000, got '1e2' "
        "(1e2 is text to YAML, quoted or not: write it as 100)" in said
    ), said
    assert "quotes)" not in said, said
