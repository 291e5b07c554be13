"""Numbers typed on `digest profile`'s command line, as a new reader types them."""

from __future__ import annotations

import yaml

PROFILE = "email: bob@example.org\ninterests: [robotics]\n"


def test_a_negative_value_is_refused_by_its_key_not_taken_for_an_option(workspace):
    workspace.profile("bob", PROFILE)
    result = workspace.cli("profile", "set", "bob", "min_score", "-1")
    assert result.exit_code == 1 and "No such option" not in result.output
    assert "min_score: must be a number from 0 to 1000, got -1" in result.output


def test_a_weight_with_a_decimal_comma_is_told_to_use_a_point_and_an_exponent_is_a_number(workspace):
    path = workspace.profile("bob", PROFILE)
    result = workspace.cli("profile", "add", "bob", "control", "--weight", "0,5")
    assert result.exit_code == 2
    assert "'0,5' is not a number (write decimals with a point: 0.5)" in result.output
    assert path.read_text() == PROFILE
    assert workspace.cli("profile", "add", "bob", "control", "--weight", "2.5e-1").exit_code == 0
    assert workspace.cli("profile", "add", "bob", "planning", "--weight", "inf").exit_code == 2  # as the form
    assert yaml.safe_load(path.read_text())["interests"] == {"robotics": 1, "control": 0.25}


def test_digits_of_other_scripts_are_not_numbers_as_in_the_form(workspace):
    """The form's number field sends ASCII digits only; the command line reads the same."""
    path = workspace.profile("bob", PROFILE)
    result = workspace.cli("profile", "set", "bob", "max_papers", "\u0661\u0662")  # Arabic-Indic 12
    assert result.exit_code == 1 and "max_papers" in result.output and "\u0661\u0662" in result.output
    result = workspace.cli("profile", "add", "bob", "control", "--weight", "\uff12")  # a fullwidth 2
    assert result.exit_code == 2 and "is not a number" in result.output
    assert workspace.cli("profile", "set", "bob", "max_papers", " 12 ").exit_code == 0  # spaces, as before
    assert path.read_text().endswith("max_papers: 12\n") and "control" not in path.read_text()


def test_profile_test_tells_a_decimal_comma_as_profile_add_does(workspace):
    """`profile test`, which tries the weight `profile add` then keeps, read it as click's float
    range: "'1,5' is not a valid float range", saying neither what is wrong nor what to write."""
    workspace.profile("bob", PROFILE)
    result = workspace.cli("profile", "test", "bob", "control", "--weight", "1,5")
    assert result.exit_code == 2
    assert (
        "Invalid value for '--weight': '1,5' is not a number (write decimals with a point: 1.5)"
        in result.output
    )
    assert "float" not in result.output
    assert (
        "'abc' is not a number"
        in workspace.cli("profile", "test", "bob", "control", "--weight", "abc").output
    )
    assert (
        "'--weight': 0 is not in the range 0<x<=100."
        in workspace.cli("profile", "test", "bob", "control", "--weight", "0").output
    )
    assert workspace.cli("profile", "test", "bob", "control", "--weight", "2.5e-1").exit_code == 0


def test_a_comma_is_told_to_be_a_point_only_where_that_makes_a_number(workspace):
    """`profile add` and `profile test` said "write decimals with a point" for any text holding a
    comma, with each comma made a point: "'1,5,5' is not a number (write decimals with a point:
    1.5.5)", not a number either. They say it as the form and the profile file's checks say it
    (digest.number_text.number_note): for a decimal comma, the text trimmed ("' 1,5 '": 1.5)."""
    workspace.profile("bob", PROFILE)
    for command in ("add", "test"):
        said = workspace.cli("profile", command, "bob", "control", "--weight", "1,5,5").output
        assert "'1,5,5' is not a number" in said and "point" not in said, (command, said)
        said = workspace.cli("profile", command, "bob", "control", "--weight", " 1,5 ").output
        assert "' 1,5 ' is not a number (write decimals with a point: 1.5)" in said, (command, said)


def test_profile_test_tries_no_weight_profile_add_refuses(workspace):
    """`profile test --weight 500` showed the papers a weight of 500 would rank, a weight `profile
    add` (and the form, and the profile file's check) then refuses: "weight 500 is not a positive
    number up to 100". It is refused as a weight of 0 is, its range said in the help."""
    path = workspace.profile("bob", PROFILE)
    said = workspace.cli("profile", "test", "bob", "control", "--weight", "500")
    assert said.exit_code == 2 and "'--weight': 500 is not in the range 0<x<=100." in said.output, said.output
    said = workspace.cli("profile", "add", "bob", "control", "--weight", "500")
    assert said.exit_code == 2 and "'--weight': 500 is not in the range 0<x<=100." in said.output, said.output
    assert workspace.cli("profile", "test", "bob", "control", "--weight", "100").exit_code == 0
    assert "[0<x<=100]" in " ".join(workspace.cli("profile", "test", "--help").output.split())
    assert path.read_text() == PROFILE


def test_profile_add_says_a_weight_out_of_range_as_typed(workspace):
    """`profile add --weight 1e3` was refused by the profile's check in the words of the number
    read back from the file: "interests.control: weight 1000 is not a positive number up to 100",
    a number the user had not typed. It is refused as `profile test --weight` refuses it, as typed,
    and the file is left as it was."""
    path = workspace.profile("bob", PROFILE)
    for typed, said in (("1e3", "1e3"), ("1e-400", "1e-400"), (" 150 ", "150"), ("-1", "-1"), ("0", "0")):
        out = workspace.cli("profile", "add", "bob", "control", "--weight", typed)
        assert out.exit_code == 2, out.output
        assert f"Error: Invalid value for '--weight': {said} is not in the range 0<x<=100.\n" in out.output, (
            out.output
        )
        assert "1000" not in out.output
    assert path.read_text() == PROFILE
    assert "[0<x<=100]" in " ".join(workspace.cli("profile", "add", "--help").output.split())
    assert workspace.cli("profile", "add", "bob", "control", "--weight", "1e2").exit_code == 0
    assert yaml.safe_load(path.read_text())["interests"] == {"robotics": 1, "control": 100}


def test_a_weight_out_of_range_is_said_as_typed(workspace):
    """`profile test --weight 200` said "200.0 is not in the range 0<x<=100.", the float it was read
    as, not what was typed; `--weight 1e3`, "1000.0"."""
    workspace.profile("bob", PROFILE)
    for typed, said in (("200", "200"), ("1e3", "1e3"), (" 150 ", "150"), ("-1", "-1")):
        out = workspace.cli("profile", "test", "bob", "control", "--weight", typed)
        assert out.exit_code == 2, out.output
        assert f"Error: Invalid value for '--weight': {said} is not in the range 0<x<=100.\n" in out.output, (
            out.output
        )


def test_a_number_of_papers_out_of_range_is_said_as_typed_as_the_form_says_it(workspace):
    """`digest profile set bob max_papers 1e-400` (or -0) said "got 0", the number the file would
    be read as, not what was typed; the preferences form says "got 1e-400" (digest.web.form)."""
    path = workspace.profile("bob", PROFILE)
    for typed in ("1e-400", "-0", "0", "1001", "1500.0"):
        result = workspace.cli("profile", "set", "bob", "max_papers", typed)
        assert result.exit_code == 1
        assert f"max_papers: must be a whole number from 1 to 1000, got {typed}\n" in result.output
        assert path.read_text() == PROFILE
    assert workspace.cli("profile", "set", "bob", "max_papers", "1e2").exit_code == 0  # 100: in range
    assert path.read_text().endswith("max_papers: 100\n")
