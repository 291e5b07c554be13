"""The notes a refusal or `profile show` adds for slips in a new user's interests (a term with a
comma, keywords as one text, weights without a space, a list not indented) say how to write them
as meant."""

from __future__ import annotations

import pytest
from helpers.profile_refusal import refused, shown


def test_a_keyword_with_a_colon_and_no_weight_in_a_list_is_shown_as_written(workspace):
    # "- robots:" (no weight) was shown as "'- robots: None'"
    said = refused(workspace, "email: ada@example.org\ninterests:\n  - robots:\n  - drones\n")
    assert "line 2: interests: '- robots:': a list takes keywords alone" in said
    assert "None" not in said


def test_a_term_with_a_comma_meant_as_two_is_said_by_show_test_and_preview(workspace, shared_dumps):
    # exclude: medical, biology is one term, which `profile show` listed as if it were two
    workspace.profile(
        "ada",
        'email: ada@example.org\ninterests:\n  - robots\n  - "1,3-butadiene"\n  - drones,boats\n'
        "exclude: medical, biology\n",
    )
    assert workspace.cli("ingest", *map(str, shared_dumps[:1])).exit_code == 0
    path = workspace.root / "profiles" / "ada.yaml"
    notes = [
        f"note: {path}: exclude: 'medical, biology' is one excluded term with a comma in it (a paper "
        "is left out only if it holds all of it); for 2 excluded terms, list them apart: [medical, biology]",
        f"note: {path}: interests: 'drones,boats' is one keyword with a comma in it (scored as one "
        "phrase); for 2 keywords, list them apart: [drones, boats]",
    ]
    for command in (
        ["profile", "show", "ada"],
        ["profile", "test", "ada", "robots"],
        ["preview", "ada", "--out", str(workspace.root / "ada.html")],
    ):
        result = workspace.cli(*command)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines()[:2] == notes, command
    assert "  exclude     'medical, biology'\n" in workspace.cli("profile", "show", "ada").stdout
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\nexclude: [medical, biology]\n")
    assert workspace.cli("profile", "show", "ada").stderr == ""


def test_a_term_with_a_comma_quoted_in_its_list_is_not_said_to_be_two(workspace):
    # exclude: ["Smith, J."], quoted so that YAML reads one term, was told "for 2 excluded terms,
    # list them apart: [Smith, J.]", the note meant for exclude: medical, biology
    said = shown(
        workspace,
        'email: ada@example.org\ninterests:\n  "Lovelace, A.": 2\n  drones,boats: 1\n'
        "exclude: [\"Smith, J.\", 'Doe,  J.', medical]\n",
    )
    assert "  exclude     'Smith, J.', 'Doe, J.', medical\n" in said.stdout
    assert said.stderr == (  # an unquoted one still is
        f"note: {workspace.root / 'profiles' / 'ada.yaml'}: interests: 'drones,boats' is one keyword with a "
        "comma in it (scored as one phrase); for 2 keywords, list them apart: [drones, boats]\n"
    )
    assert (
        shown(workspace, 'email: ada@example.org\ninterests: [robots]\nexclude:\n  - "Smith, J."\n').stderr
        == ""
    )
    said = shown(workspace, "email: ada@example.org\ninterests: [robots]\nexclude:\n  - Smith, J.\n").stderr
    assert "for 2 excluded terms, list them apart: [Smith, J.]" in said


def test_the_list_a_term_with_a_comma_is_told_to_be_reads_back_as_the_terms_it_names(workspace):
    # exclude: medical, 1,3-butadiene was told "list them apart: [medical, 1,3-butadiene]", which
    # YAML reads as medical, 1 and 3-butadiene (the number 1 refused as a term)
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\nexclude: medical, 1,3-butadiene\n")
    said = workspace.cli("profile", "show", "ada").stderr
    told = 'list them apart: [medical, "1,3-butadiene"]'
    assert said.endswith(f"for 2 excluded terms, {told}\n"), said
    workspace.profile("ada", f"email: ada@example.org\ninterests: [robots]\nexclude: {told.split(': ')[1]}\n")
    shown = workspace.cli("profile", "show", "ada")
    assert (shown.exit_code, shown.stderr) == (0, "")
    assert "  exclude     medical, '1,3-butadiene'\n" in shown.stdout  # two terms


def test_a_list_item_indented_further_than_the_one_above_is_said_to_make_one_term(workspace):
    # "- robots" then " - drones": YAML reads the keyword 'robots - drones', without a word
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  - robots\n   - drones\n   - boats\n")
    said = workspace.cli("profile", "show", "ada")
    assert "robots - drones - boats  1" in said.stdout
    assert said.stderr == (
        f"note: {workspace.root / 'profiles' / 'ada.yaml'}: interests: 'robots - drones - boats' is one "
        "keyword (scored as one phrase): a '- ' line indented further than the one above it is read as "
        "the rest of that one; for 3 keywords, indent every '- ' alike\n"
    )


def test_a_term_written_with_a_dash_on_one_line_is_not_said_to_be_folded(workspace):
    # "spin - orbit coupling" as a weighted keyword, "COVID - 19" in a list on one line were told
    # "a '- ' line indented further than the one above it is read as the rest of that one"
    said = shown(
        workspace,
        'email: ada@example.org\ninterests:\n  "Spin - orbit coupling": 2\n  x - ray  -  imaging: 1\n'
        'exclude: ["COVID - 19", "a - b"]\n',
    )
    assert "spin - orbit coupling" in said.stdout.lower() and said.stderr == ""


@pytest.mark.parametrize(
    ("written", "note"),
    [
        # "robots, drones" was told "(one keyword: [robots, drones])", which is two
        ("robots, drones", "(as a list: [robots, drones])"),
        # "robots:3" (no space: YAML reads text) was told "(one keyword: [robots:3])"
        ("\n  robots:3", "(a weight goes after a colon and a space, a keyword on each line: '  robots: 3')"),
        (
            "\n  event cameras:0.5\n  drones:2",
            "(a weight goes after a colon and a space, a keyword on each line: '  event cameras: 0.5', "
            "'  drones: 2')",
        ),
        ("robots", "(one keyword: [robots])"),
        # [1,3-butadiene] (told so before) is the keywords 1 and 3-butadiene: the one keyword in quotes
        ('"1,3-butadiene"', '(one keyword: ["1,3-butadiene"])'),
        ("drones, 1,3-butadiene, 2024", '(as a list: [drones, "1,3-butadiene", "2024"])'),
        ("http://example.org", "(one keyword: [http://example.org])"),
    ],
)
def test_keywords_written_as_one_text_are_told_the_list_or_the_weights_they_mean(workspace, written, note):
    said = refused(workspace, f"email: ada@example.org\ninterests: {written}\n")
    assert said.endswith(f"interests: must be a list of keywords or a mapping keyword -> weight {note}")


def test_keywords_not_indented_under_interests_are_told_to_be(workspace):
    # said: "interests: required" (no line: the key is there) and "robots: unknown key"
    said = refused(
        workspace, "email: ada@example.org\ninterests:\nrobots: 2\nevent cameras: 1\nmax_paper: 3\n"
    )
    assert said.splitlines()[1:] == [
        "  - line 2: interests: empty: required (a list of keywords, or a mapping keyword -> weight)",
        "  - line 3: robots: unknown key (below interests:, which is empty: if it belongs to interests, "
        "indent it under it)",
        "  - line 4: event cameras: unknown key (below interests:, which is empty: if it belongs to "
        "interests, indent it under it)",
        "  - line 5: max_paper: unknown key (did you mean max_papers?)",
    ]


def test_a_term_with_a_comma_given_on_the_command_line_is_said_when_kept(workspace):
    # profile new -i "robots, drones" and profile exclude "medical, biology" kept one term each, silently
    new = workspace.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "robots, drones")
    assert new.exit_code == 0 and "interests: 'robots, drones' is one keyword with a comma" in new.stderr
    excluded = workspace.cli("profile", "exclude", "ada", "medical, biology")
    assert excluded.exit_code == 0
    assert "exclude: 'medical, biology' is one excluded term with a comma in it" in excluded.stderr
