"""The notes a refusal adds for a new user's slips say the right way to write it, and never one
that would lose a file or turn a valid number into another."""

from __future__ import annotations

import pytest
from helpers.profile_refusal import ADDRESS, refused, shown

from digest.config import load_config
from digest.errors import ConfigError, ProfileError
from digest.profiles.load import load_profile, load_profiles_lenient


def test_an_address_with_two_at_signs_is_told_what_is_wrong(workspace):
    # email: bob@@example.org was told only "is not a valid email address", by every command
    path = workspace.root / "profiles" / "bob.yaml"
    workspace.profile("bob", "email: bob@@example.org\ninterests: [robots]\n")
    said = workspace.cli("profile", "show", "bob")
    assert said.exit_code == 1
    assert (
        "line 1: email: 'bob@@example.org' is not a valid email address (two @: an address has one: "
        "bob@example.org?)" in said.stderr
    )
    made = workspace.cli("profile", "new", "carl", "--email", "carl@@example.org", "-i", "robots")
    assert "(two @: an address has one: carl@example.org?)" in made.stderr and made.exit_code == 1
    assert not (path.parent / "carl.yaml").exists()


def test_a_zone_kept_for_old_systems_is_said_with_the_place_to_write(workspace):
    # timezone: EST (UTC-5 all year: an hour off in New York all summer) loaded without a word
    path = workspace.profile("ada", "email: ada@example.org\ntimezone: EST\ninterests: [robots]\n")
    note = (
        f"note: {path}: timezone: EST is UTC-5 all year, without daylight saving (an hour off in New York "
        "all summer): name the place, America/New_York (or America/Panama for UTC-5 all year)\n"
    )
    for command in (
        ["profile", "show", "ada"],
        ["profile", "test", "ada", "robots"],
        ["preview", "ada", "--out", str(workspace.root / "ada.html")],
    ):
        result = workspace.cli(*command)
        assert (result.exit_code, result.stderr.startswith(note)) == (0, True), (command, result.output)
    said = shown(workspace, "email: ada@example.org\ntimezone: HST\ninterests: [robots]\n").stderr
    assert said.endswith(
        "timezone: HST is UTC-10 all year (Hawaii's time): name the place, Pacific/Honolulu\n"
    )
    workspace.config_path.write_text(workspace.config_path.read_text() + "timezone: EST5EDT\n")
    said = shown(workspace, "email: ada@example.org\ninterests: [robots]\n").stderr
    assert said == (
        f"note: {path}: timezone: EST5EDT (the config's default) is a name kept for old systems: name the "
        "place, e.g. America/New_York\n"
    )
    assert (
        shown(workspace, "email: ada@example.org\ntimezone: America/New_York\ninterests: [robots]\n").stderr
        == ""
    )


def test_a_zone_that_is_no_place_is_said_with_the_place_to_write(workspace):
    # timezone: localtime (Debian's link to /etc/localtime: the server's zone, another on each
    # machine) and Factory (an unset machine's, -00) loaded without a word, and the preferences
    # page offered both in its list of zones
    path = workspace.root / "profiles" / "ada.yaml"
    said = shown(workspace, "email: ada@example.org\ntimezone: localtime\ninterests: [robots]\n").stderr
    assert said == (
        f"note: {path}: timezone: localtime is this machine's own time zone (/etc/localtime: another "
        "machine's may be another), not a place's: name the place, e.g. Europe/London\n"
    )
    said = shown(workspace, "email: ada@example.org\ntimezone: Factory\ninterests: [robots]\n").stderr
    assert said == (
        f"note: {path}: timezone: Factory is the zone of a machine whose time zone was never set (UTC, "
        "shown as -00), not a place's: name the place, e.g. Europe/London\n"
    )


def test_a_zone_databases_copy_of_a_place_is_said_with_the_place_to_write(workspace):
    # timezone: right/Europe/London (the leap-second copy; Python's zoneinfo keeps its summer
    # time all winter: a 07:00 digest at 06:00 UTC in December) and posix/..., posixrules (a link
    # to New York's zone) loaded without a word: the zone database's names leave them out
    path = workspace.root / "profiles" / "ada.yaml"
    said = shown(
        workspace, "email: ada@example.org\ntimezone: right/Europe/London\ninterests: [robots]\n"
    ).stderr
    assert said == (
        f"note: {path}: timezone: right/Europe/London is Europe/London counted with leap seconds, which "
        "is read here with wrong offsets (right/Europe/London keeps summer time all winter): write "
        "Europe/London\n"
    )
    said = shown(
        workspace, "email: ada@example.org\ntimezone: posix/Asia/Tokyo\ninterests: [robots]\n"
    ).stderr
    assert said == (
        f"note: {path}: timezone: posix/Asia/Tokyo is the zone database's copy of Asia/Tokyo, kept for old "
        "systems: write Asia/Tokyo\n"
    )
    said = shown(workspace, "email: ada@example.org\ntimezone: posixrules\ninterests: [robots]\n").stderr
    assert "timezone: posixrules is the rule that POSIX time zone strings borrow" in said


def test_an_etc_gmt_zone_is_said_with_the_offset_it_names(workspace):
    # timezone: Etc/GMT+5, meant as UTC+5 (Karachi), loaded without a word: it is UTC-5 (POSIX's
    # sign), ten hours off; a typed etc/gmt+5 was refused with "did you mean Etc/GMT+5?"
    said = shown(workspace, "email: ada@example.org\ntimezone: Etc/GMT+5\ninterests: [robots]\n")
    assert (said.exit_code, said.stderr) == (
        0,
        f"note: {workspace.root / 'profiles' / 'ada.yaml'}: timezone: Etc/GMT+5 is UTC-5 all year, not "
        "UTC+5: the sign of an Etc/GMT name is the reverse of the offset it names, and it follows no "
        "daylight saving: name the place whose time you mean, e.g. Europe/Paris\n",
    )
    said = shown(workspace, "email: ada@example.org\ntimezone: Etc/GMT-14\ninterests: [robots]\n").stderr
    assert "timezone: Etc/GMT-14 is UTC+14 all year, not UTC-14: " in said
    assert refused(workspace, "email: ada@example.org\ntimezone: etc/gmt+5\ninterests: [robots]\n").endswith(
        "(Etc/GMT+5 is UTC-5 all year, not UTC+5: the sign of an Etc/GMT name is the reverse of the "
        "offset it names, and it follows no daylight saving: name the place whose time you mean, e.g. "
        "Europe/Paris)"
    )
    for zero in ("Etc/GMT", "Etc/GMT+0", "Etc/UTC", "Asia/Karachi"):  # UTC itself, or a place: nothing
        assert (
            shown(workspace, f"email: ada@example.org\ntimezone: {zero}\ninterests: [robots]\n").stderr == ""
        )


def test_a_misnamed_copy_beside_the_profile_is_not_to_be_renamed_over_it(workspace):
    # "rename it eve.yaml" beside eve.yaml: following it replaces the profile that is read
    folder = workspace.root / "profiles"
    workspace.profile("eve", "email: eve@example.org\ninterests: [robots]\n")
    (folder / "eve.yaml.txt").write_text("email: eve@example.org\ninterests: [drones]\n")
    (folder / "eve.YAML").write_text("email: eve@example.org\ninterests: [drones]\n")
    (folder / "dave.YML").write_text("email: dave@example.org\ninterests: [drones]\n")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert [p.user for p in profiles] == ["eve"]
    taken = (
        f"not read: {folder / 'eve.yaml'} is already the profile of 'eve' (every command reads that "
        "one); delete this file, or give it another reader's name ending in .yaml"
    )
    assert sorted(problems) == [
        f"{folder / 'dave.YML'}: not read: a profile's file name ends in .yaml (or .yml), in lower "
        "case; rename it dave.yml",
        f"{folder / 'eve.YAML'}: {taken}",
        f"{folder / 'eve.yaml.txt'}: {taken}",
    ]


def test_a_comma_in_a_whole_number_is_not_called_a_decimal(workspace):
    # max_papers: 1,000 was told "write decimals with a point: 1.000", a number it does not take
    said = refused(workspace, "email: ada@example.org\nmax_papers: 1,000\ninterests:\n  robots: 0,5\n")
    assert "line 2: max_papers: must be a whole number from 1 to 1000, got '1,000' (write it without" in said
    assert "the comma: 1000)" in said and "decimals" not in said.splitlines()[1]
    assert "weight '0,5' is not a positive number up to 100 (write decimals with a point: 0.5)" in said
    said = refused(workspace, "email: ada@example.org\nmax_papers: 2,5\ninterests: [robots]\n")
    assert said.endswith("must be a whole number from 1 to 1000, got '2,5'")


def test_a_named_address_with_a_name_in_another_script_is_told_to_drop_the_name(workspace):
    # the name's letters were taken for the address's: "the part before @ must be ASCII"
    said = refused(workspace, 'email: "Zoë Ünal <zoe@example.org>"\ninterests: [robots]\n', "zoe")
    assert (
        "line 1: email: 'Zoë Ünal <zoe@example.org>' is not a valid email address (write the address "
        "alone, zoe@example.org; the name goes under name:)"
    ) in said
    assert "ASCII" not in said


def test_a_profile_saved_in_latin_1_is_told_the_line_the_byte_and_to_save_it_as_utf8(workspace):
    # said before: "cannot read the profile: 'utf-8' codec can't decode byte 0xe9 in position 32:
    # invalid continuation byte", with no line and no way out
    path = workspace.root / "profiles" / "ada.yaml"
    path.write_bytes("email: ada@example.org\nname: José\ninterests: [robots]\n".encode("latin-1"))
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    assert str(info.value) == (
        f"{path}: cannot read the profile: line 2, column 10: byte 0xe9 ('é' in Windows-1252 or Latin-1) "
        "is not UTF-8: save the file as UTF-8 (in most editors: Save As, Encoding UTF-8)"
    )
    workspace.config_path.write_bytes(workspace.config_path.read_bytes() + b"# \x81\n")
    with pytest.raises(
        ConfigError, match=r"configuration file: line 9, column 3: byte 0x81 is not UTF-8: save"
    ):
        load_config(workspace.config_path)


TIME = 'is not a time of day like "07:30"'
ZONE = "is not a known IANA time zone"


@pytest.mark.parametrize(
    ("line", "told"),
    [
        # send_at: 7am was told only 'is not a time of day like "07:30"'
        ("send_at: 7am", f'{TIME} (did you mean "07:00"?)'),
        ('send_at: "7 PM"', f'{TIME} (did you mean "19:00"?)'),
        ('send_at: "7:30 p.m."', f'{TIME} (did you mean "19:30"?)'),
        ('send_at: "12am"', f'{TIME} (did you mean "00:00"?)'),
        ('send_at: "7.30"', f'{TIME} (did you mean "07:30"?)'),
        ("send_at: 7", f'{TIME} (did you mean "07:00"?)'),
        # these, with no separator or with seconds, were told only 'is not a time of day like "07:30"'
        ('send_at: "0730"', f'{TIME} (did you mean "07:30"?)'),
        ('send_at: "730"', f'{TIME} (did you mean "07:30"?)'),
        ('send_at: "07:30:00"', f'{TIME} (did you mean "07:30"?)'),
        ("send_at: 19:00:00", f'{TIME} (did you mean "19:00"?)'),
        *(
            (f"send_at: {no}", TIME)
            for no in ('"13pm"', '"24:00"', '"0am"', "true", '"soon"', '"07:30:15"', '"0760"', '"12345"')
        ),  # no guess
        # an abbreviation or an offset was told "(e.g. Europe/London)", whatever was meant
        ("timezone: PST", f"{ZONE} (PST is an abbreviation: name the place, e.g. America/Los_Angeles)"),
        ("timezone: cest", f"{ZONE} (cest is an abbreviation: name the place, e.g. Europe/Paris)"),
        (
            "timezone: UTC+1",
            f"{ZONE} (an offset names no place and follows no daylight saving: name the place whose "
            "time you mean, e.g. Europe/Paris)",
        ),
        (
            'timezone: "+01:00"',
            f"{ZONE} (an offset names no place and follows no daylight saving: name "
            "the place whose time you mean, e.g. Europe/Paris)",
        ),  # fmt: skip
        (  # UTC+0 (UTC) was told to name a place, e.g. Europe/Paris, without a word of UTC
            "timezone: UTC+0",
            f"{ZONE} (an offset names no place and follows no daylight saving: write UTC if it is UTC "
            "you mean, else name the place whose time you mean, e.g. Europe/Paris)",
        ),
        ("timezone: Europe/Berln", f"{ZONE} (did you mean Europe/Berlin?)"),
        # est was told "did you mean EST?": the name kept for old systems (UTC-5 all year) that the
        # profile is then told to replace with the place
        (
            "timezone: est",
            f"{ZONE} (EST is UTC-5 all year, without daylight saving (an hour off in New York all "
            "summer): name the place, America/New_York (or America/Panama for UTC-5 all year))",
        ),
        ("timezone: cet", f"{ZONE} (CET is a name kept for old systems: name the place, e.g. Europe/Paris)"),
        (
            "timezone: est5edt",
            f"{ZONE} (EST5EDT is a name kept for old systems: name the place, e.g. America/New_York)",
        ),
        # BST (Britain's summer, Bangladesh's) was told Europe/London alone, CST (China's, Chicago's)
        # "e.g. Europe/London": an abbreviation of more than one zone gets no guess, the choices
        (
            "timezone: BST",
            f"{ZONE} (BST is an abbreviation of more than one zone: name the place, Europe/London "
            "(British Summer Time) or Asia/Dhaka (Bangladesh))",
        ),
        (
            "timezone: AEST",  # Sydney's winter, Brisbane's all year
            f"{ZONE} (AEST is an abbreviation of more than one zone: name the place, Australia/Sydney "
            "(summer time AEDT) or Australia/Brisbane (AEST all year))",
        ),
        (
            "timezone: CST",
            f"{ZONE} (CST is an abbreviation of more than one zone: name the place, America/Chicago "
            "or Asia/Shanghai)",
        ),
        # each was told only "is not a valid email address"
        ("email: ada@example,org", f"{ADDRESS} (a comma for a point? ada@example.org)"),
        (
            'email: "ada@example.org, al@example.org"',
            f"{ADDRESS} (one address a profile: give each reader a profile of their own)",
        ),
        ("email: [ada@example.org]", f"{ADDRESS} (one address, without brackets)"),
        (  # was told "(one address a profile)", not what to do
            "email: [ada@example.org, al@example.org]",
            f"{ADDRESS} (one address a profile: give each reader a profile of their own)",
        ),
        ("email: mailto:ada@example.org", f"{ADDRESS} (write the address alone: ada@example.org)"),
        ('email: "ada@@example.org"', f"{ADDRESS} (two @: an address has one: ada@example.org?)"),
        ("email: ada@example.org@example.org", f"{ADDRESS} (two @: an address has one, before its domain)"),
        # with a comma for a point too, it was told "(one address a profile: ...)", of one address
        ('email: "ada@@example,org"', f"{ADDRESS} (two @: an address has one: ada@example.org?)"),
        (
            'email: "ada@@example.org, al@example.org"',
            f"{ADDRESS} (one address a profile: give each reader a profile of their own)",
        ),
        ("email: []", f"[] {ADDRESS}"),  # was told "(one address a profile)", of no address
        # with no @ at all, each was told only "is not a valid email address"
        *(
            (f"email: {no_at}", f"{ADDRESS} (no @: an address has one, before its domain: name@example.org)")
            for no_at in ("ada.example.org", "ada")
        ),
        (
            "email: mailto:ada.example.org",
            f"{ADDRESS} (write the address alone, without mailto:; no @: an address has one, before its "
            "domain: name@example.org)",
        ),
        ("email: ada@example", ADDRESS),
    ],
)
def test_a_value_written_as_people_say_it_is_told_what_to_write(workspace, line, told):
    email = "" if line.startswith("email:") else "email: ada@example.org\n"
    assert refused(workspace, f"{email}{line}\ninterests: [robots]\n").endswith(told)
