"""`digest profile set USER KEY ''` takes KEY back to its default, as a field emptied on the
preferences page does: its line leaves the file (the comment lines stay), and the command says
the value the profile now reads. A key that has no default (email) is refused as before."""

from __future__ import annotations

PROFILE = """\
# Ada's profile
email: ada@example.org
# where Ada reads
timezone: Europe/London   # her city
frequency: weekly
weekday: friday
interests:
  spiking neurons: 3
"""


def test_an_empty_value_takes_the_key_back_to_the_default(workspace):
    with workspace.config_path.open("a") as f:
        f.write("timezone: America/New_York\n")  # the config's default for profiles
    path = workspace.profile("ada", PROFILE)
    done = workspace.cli("profile", "set", "ada", "timezone", "")
    assert done.exit_code == 0, done.output
    assert "timezone is back to the default for ada: America/New_York" in done.output, done.output
    assert path.read_text() == PROFILE.replace("timezone: Europe/London   # her city\n", "")


def test_an_emptied_frequency_takes_the_weekday_that_only_it_used_along(workspace):
    path = workspace.profile("ada", PROFILE)
    done = workspace.cli("profile", "set", "ada", "frequency", "")
    assert done.exit_code == 0, done.output
    assert "frequency is back to the default for ada: daily" in done.output, done.output
    assert "frequency:" not in path.read_text() and "weekday:" not in path.read_text()


def test_a_key_without_a_default_is_still_refused_empty(workspace):
    path = workspace.profile("ada", PROFILE)
    done = workspace.cli("profile", "set", "ada", "email", "")
    assert done.exit_code == 1
    assert "email: '' is not a valid email address" in done.output, done.output
    assert path.read_text() == PROFILE
