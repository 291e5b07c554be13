"""Reader profiles: one YAML file per reader; every problem in every file reported at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from digest.errors import ProfileError
from digest.models import Interest
from digest.profiles.load import load_profile, load_profiles, load_profiles_lenient


def test_a_full_profile(workspace):
    workspace.profile(
        "ada",
        (
            "name: Ada Lovelace\nemail: ada@example.org\ntimezone: Europe/London\n"
            'send_at: "07:30"\nmax_papers: 5\ninterests:\n  spiking neural networks: 3\n'
            "  neuromorphic: 2\n  event cameras:\nexclude: [medical]\n"
        ),
    )
    p = load_profile(workspace.config, "ada")
    assert p.user == "ada" and p.display_name == "Ada Lovelace"
    assert p.interests == (
        Interest("spiking neural networks", 3.0),
        Interest("neuromorphic", 2.0),
        Interest("event cameras", 1.0),
    )
    assert p.exclude == ("medical",)
    assert p.send_at == dt.time(7, 30) and p.max_papers == 5 and p.timezone == "Europe/London"


def test_a_list_of_interests_weighs_one_each_and_defaults_come_from_the_config(workspace):
    workspace.profile("kurt", "email: kurt@example.org\ninterests: [grokking, loss landscape]\n")
    p = load_profile(workspace.config, "kurt")
    assert p.interests == (Interest("grokking"), Interest("loss landscape"))
    assert p.timezone == "UTC" and p.max_papers == 10 and p.name is None


def test_an_unquoted_send_time_is_understood(workspace):
    workspace.profile("kurt", "email: kurt@example.org\ninterests: [x]\nsend_at: 07:30\n")
    assert load_profile(workspace.config, "kurt").send_at == dt.time(7, 30)


def test_a_send_time_yaml_reads_as_a_number_is_shown_as_written(workspace):
    workspace.profile("kurt", "email: kurt@example.org\ninterests: [x]\nsend_at: 7.30\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "kurt")
    assert "line 3: send_at: 7.3 is not a time of day like" in str(info.value)
    assert "(YAML reads the unquoted 7.30 as the number 7.3)" in str(info.value)


def test_a_tab_in_the_indentation_is_named(workspace):
    # libyaml said only "found character that cannot start any token": a tab is invisible
    path = workspace.profile("kurt", "email: kurt@example.org\ninterests:\n\tneuromorphic: 1\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "kurt")
    message = str(info.value)
    assert message.startswith(f"{path}: not valid YAML, line 3, column 1: "), message
    assert message.endswith(
        "line 3, column 1: a tab indents this line; YAML indents with spaces only: "
        "replace the tab with spaces"
    ), message


def test_every_problem_of_every_file_is_reported_at_once(workspace):
    bad = workspace.profile(
        "bad",
        (
            "email: not-an-address\ntimezone: Europe/Londn\ninterests:\n  good: 2\n  zero: 0\n"
            "  text: lots\nsend_at: noon\nmax_paper: 3\n"
        ),
    )
    worse = workspace.profile("worse", "name: No Email\n")
    with pytest.raises(ProfileError) as info:
        load_profiles(workspace.config)
    message = str(info.value)
    for expected in (
        f"{bad}: invalid profile",
        "email: 'not-an-address' is not a valid email address",
        "timezone: 'Europe/Londn' is not a known IANA time zone",
        "interests.zero: weight 0 is not a positive number",
        "interests.text: weight 'lots' is not a positive number",
        "send_at: 'noon' is not a time of day",
        "max_paper: unknown key (did you mean max_papers?)",
        f"{worse}: invalid profile",
        "email: required",
        "interests: required",
    ):
        assert expected in message


def test_a_number_written_in_quotes_is_said_to_be_text_not_a_wrong_number(workspace):
    # YAML reads "10" as text: "got '10'" alone reads as if 10 were out of range
    workspace.profile(
        "ada",
        'email: ada@example.org\nmax_papers: "10"\nmin_score: "0.5"\n'
        'interests:\n  robots: "3"\n  drones: 2\n',
    )
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    quoted = "(a number in quotes is text to YAML: write it without the quotes)"
    for expected in (
        f"line 2: max_papers: must be a whole number from 1 to 1000, got '10' {quoted}",
        f"line 3: min_score: must be a number from 0 to 1000, got '0.5' {quoted}",
        f"line 5: interests.robots: weight '3' is not a positive number up to 100 {quoted}",
    ):
        assert expected in str(info.value)


def test_a_new_users_usual_slips_are_each_said_with_the_way_to_write_it(workspace):
    # each was refused before without saying how to write it
    fay = workspace.profile("fay", 'email: "Fay <fay@example.org>"\ninterests: robots\nmin_score: 0,5\n')
    gus = workspace.profile("gus", "email: gus@example.org\ninterests:\n  - robots: 2\n  - drones\n")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert profiles == []
    said = "\n".join(problems)
    for expected in (
        f"{fay}: invalid profile:",
        "line 1: email: 'Fay <fay@example.org>' is not a valid email address (write the address alone, "
        "fay@example.org; the name goes under name:)",
        "line 2: interests: must be a list of keywords or a mapping keyword -> weight "
        "(one keyword: [robots])",
        "line 3: min_score: must be a number from 0 to 1000, got '0,5' (write decimals with a point: 0.5)",
        f"{gus}: invalid profile:",
        "line 2: interests: '- robots: 2': a list takes keywords alone; to give weights, write every "
        "keyword as 'keyword: weight' without the dashes",
    ):
        assert expected in said


def test_text_that_is_no_number_is_not_called_a_quoted_number(workspace):
    workspace.profile("ada", "email: ada@example.org\nmax_papers: ten\ninterests:\n  robots: lots\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    assert "got 'ten'\n" in f"{info.value}\n" and "weight 'lots' is not a positive number up to 100\n" in (
        f"{info.value}\n"
    )
    assert "quotes" not in str(info.value)


def test_a_file_meant_as_a_profile_but_named_otherwise_is_reported_not_ignored(workspace):
    # dave.YAML (another case) and eve.yaml.txt (an editor's .txt) were read by nothing, silently
    folder = workspace.root / "profiles"
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    for name in ("dave.YAML", "eve.yaml.txt", "notes.txt", ".ada.yaml.swp", "ada.yaml~"):
        (folder / name).write_text("email: x@example.org\ninterests: [x]\n")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert [p.user for p in profiles] == ["ada"]
    fix = "not read: a profile's file name ends in .yaml (or .yml), in lower case; rename it"
    assert sorted(problems) == [
        f"{folder / 'dave.YAML'}: {fix} dave.yaml",
        f"{folder / 'eve.yaml.txt'}: {fix} eve.yaml",
    ]


def test_an_empty_profiles_folder_is_named_by_status_and_send(workspace):
    status = workspace.cli("status")
    assert f"(no readers: {workspace.root / 'profiles'} holds no <user>.yaml)" in status.output
    sent = workspace.cli("send", "--dry-run")
    assert f"No readers: {workspace.root / 'profiles'} holds no <user>.yaml (one per reader)." in sent.output
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    assert "No readers" not in workspace.cli("send", "--dry-run").output


def test_problems_are_listed_in_the_order_of_their_lines_after_those_of_the_whole_file(workspace):
    # they came in the order of the declared keys: line 7, line 4, line 3, ...
    path = workspace.profile(
        "ada",
        "name: Ada\nemial: ada@example.org\ntimezone: Europe/Londn\nsend_at: 7am\nmax_papers: 0\n"
        "interests:\n  spiking: -3\n",
    )
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    assert str(info.value).splitlines() == [
        f"{path}: invalid profile:",
        "  - email: required (an email address)",
        "  - line 2: emial: unknown key (did you mean email?)",
        "  - line 3: timezone: 'Europe/Londn' is not a known IANA time zone (did you mean Europe/London?)",
        '  - line 4: send_at: \'7am\' is not a time of day like "07:30" (did you mean "07:00"?)',
        "  - line 5: max_papers: must be a whole number from 1 to 1000, got 0",
        "  - line 7: interests.spiking: weight -3 is not a positive number up to 100",
    ]


def test_an_unknown_user_is_named_with_a_suggestion(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    with pytest.raises(ProfileError, match="no profile for user 'adda'. Did you mean 'ada'"):
        load_profile(workspace.config, "adda")


def test_a_profile_that_is_not_a_mapping_is_refused(workspace):
    workspace.profile("ada", "- just\n- a list\n")
    with pytest.raises(ProfileError, match="a profile must be a mapping"):
        load_profile(workspace.config, "ada")


def test_frequency_weekday_pause_and_empty_digests(workspace):
    workspace.profile(
        "ada",
        "email: ada@example.org\ninterests: [x]\nfrequency: weekly\nweekday: Fri\npaused: true\n"
        "send_empty: true\n",
    )
    p = load_profile(workspace.config, "ada")
    assert (p.frequency, p.weekday, p.paused, p.send_empty) == ("weekly", 4, True, True)
    workspace.profile(
        "bob", "email: bob@example.org\ninterests: [x]\nfrequency: hourly\npaused: yes please\n"
    )
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "bob")
    assert "frequency: 'hourly' is not one of daily, weekdays, weekly" in str(info.value)
    assert "paused: must be true or false" in str(info.value)


def test_a_problem_names_the_line_of_its_key(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  x: 1\n  y: -1\nweekday: fri\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    assert "line 4: interests.y: weight -1 is not a positive number" in str(info.value)
    assert "line 5: weekday: only used with frequency: weekly" in str(info.value)


@pytest.mark.parametrize("weight", [".nan", ".inf", "-.inf", "1.0e+300"])
def test_a_weight_that_is_not_a_finite_positive_number_is_refused(workspace, weight):
    # NaN compares false with everything: a NaN weight would silently send nothing.
    workspace.profile("ada", f"email: ada@example.org\ninterests:\n  spiking: {weight}\n")
    with pytest.raises(
        ProfileError, match=r"interests\.spiking: weight .* is not a positive number up to 100"
    ):
        load_profile(workspace.config, "ada")


def test_a_nan_min_score_is_refused(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking]\nmin_score: .nan\n")
    with pytest.raises(ProfileError, match=r"min_score: must be a number from 0 to 1000, got nan"):
        load_profile(workspace.config, "ada")


def test_a_yml_file_beside_the_same_users_yaml_is_reported_and_the_yaml_one_is_the_reader(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    shadow = workspace.root / "profiles" / "ada.yml"
    shadow.write_text("email: someone-else@example.org\ninterests: [y]\n")
    workspace.profile("bob", "email: bob@example.org\ninterests: [x]\n")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert [(p.user, p.email) for p in profiles] == [("ada", "ada@example.org"), ("bob", "bob@example.org")]
    assert problems == [
        f"{shadow}: ignored: {workspace.root / 'profiles' / 'ada.yaml'} is already the profile of 'ada' "
        "(every command reads that one); rename this file to give another reader a profile, or delete it"
    ]
    assert load_profile(workspace.config, "ada").email == "ada@example.org"  # what `digest profile` edits
    with pytest.raises(ProfileError, match="ada.yml: ignored"):
        load_profiles(workspace.config)


def test_a_choice_is_read_in_any_case_and_one_wrong_value_gives_one_message(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\nfrequency: Weekly\nweekday: Friday\n")
    profile = load_profile(workspace.config, "ada")
    assert (profile.frequency, profile.weekday) == ("weekly", 4)
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\nfrequency: Weakly\nweekday: Friday\n")
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    assert "line 3: frequency: 'Weakly' is not one of daily, weekdays, weekly" in str(info.value)
    assert "only used with" not in str(info.value)  # not also "weekday: only used with frequency: weekly"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Istanbul", "istanbul"),
        ("istanbul", "İstanbul"),  # a Turkish capital dotted I: the matcher reads it as an i
        ("café", "cafe\u0301"),  # "café" typed on macOS (NFD): the same word to the matcher
        ("event  cameras", "Event cameras"),
    ],
)
def test_a_keyword_listed_twice_in_any_case_or_unicode_form_is_refused(workspace, first, second):
    """The matcher reads both as one keyword: kept, it would count twice."""
    workspace.profile("ada", f"email: ada@example.org\ninterests:\n  {first}: 1\n  {second}: 2\n")
    with pytest.raises(ProfileError, match=rf"interests\.{second}: listed twice"):
        load_profile(workspace.config, "ada")


def said_of_the_profiles_folder(workspace) -> tuple[list[str], str]:
    """What a pass says of the profiles folder (its problems: no profile read), and `profile new`."""
    profiles, problems = load_profiles_lenient(workspace.config)
    assert profiles == []
    made = workspace.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "robotics")
    assert made.exit_code == 1
    return problems, made.output


def test_a_profiles_folder_not_there_is_told_to_be_made_or_its_key_fixed(workspace):
    # said before: "create it and add one <user>.yaml per reader (see config.example.yaml)": a
    # `profiles: profils` typed in the config was sent to make a second folder, and the example
    # config, which says nothing of a profile's keys
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("profiles: profiles", "profiles: profils"))
    problems, made = said_of_the_profiles_folder(workspace)
    assert problems == [
        f"{workspace.root / 'profils'}: the profiles folder does not exist; create it and add one "
        "<user>.yaml per reader (`digest profile new USER --email ADDR -i KEYWORD`), or fix `profiles:` "
        f"in {workspace.config_path}"
    ]
    fix = f"or fix `profiles:` in {workspace.config_path}"
    assert f"does not exist; create it and run this again, {fix}" in made


def test_a_file_where_the_profiles_folder_should_be_is_named_as_such(workspace):
    # said before: "the profiles folder does not exist", of a path that exists (a file)
    folder = workspace.root / "profiles"
    folder.rmdir()
    folder.write_text("")
    problems, made = said_of_the_profiles_folder(workspace)
    assert problems == [
        f"{folder}: the profiles folder is a file, not a folder; move the file away and make the "
        f"folder, or fix `profiles:` in {workspace.config_path}"
    ]
    assert "the profiles folder is a file, not a folder" in made


def test_a_link_to_a_folder_that_is_not_there_is_named_as_such(workspace, tmp_path):
    # said before: "the profiles folder does not exist; create it", which fails: the name is taken
    folder = workspace.root / "profiles"
    folder.rmdir()
    folder.symlink_to(tmp_path / "unmounted" / "profiles")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert profiles == [] and problems == [
        f"{folder}: the profiles folder is a link to a folder that is not there; mount its disk, "
        "or remove the link and make the folder"
    ]


def test_profile_show_lists_the_excluded_terms_as_they_read_back_in_a_yaml_list(workspace):
    # '"quoted"' was shown "quoted" and O'Brien, J. "O'Brien, J." (Python's repr), beside
    # 'medical, biology' in quotes that were not the term's: which quotes were whose was a guess
    terms = ['"quoted"', 'O"Brien', "O'Brien, J.", "medical, biology", "2024", "surveys"]
    listed = "".join(f"  - {json.dumps(t)}\n" for t in terms)
    workspace.profile("ada", f"email: ada@example.org\ninterests: [robots]\nexclude:\n{listed}")
    assert load_profile(workspace.config, "ada").exclude == tuple(terms)
    shown = workspace.cli("profile", "show", "ada")
    assert shown.exit_code == 0, shown.output
    line = next(s for s in shown.stdout.splitlines() if s.startswith("  exclude "))
    said = "'\"quoted\"', O\"Brien, 'O''Brien, J.', 'medical, biology', '2024', surveys"
    assert line == f"  exclude     {said}"
    assert yaml.safe_load(f"[{line.split(None, 1)[1]}]") == terms  # as written in the file
