"""A key written with nothing after it (``timezone:``), which has a default, is told it is empty:
what to write, or to leave the line out for the default; never Python's ``None``."""

from __future__ import annotations

import pytest

from digest.config import load_config
from digest.errors import ConfigError, ProfileError
from digest.profiles.load import load_profile


def refused(workspace, text: str) -> list[str]:
    workspace.profile("ada", text)
    with pytest.raises(ProfileError) as info:
        load_profile(workspace.config, "ada")
    return str(info.value).splitlines()[1:]


def test_an_empty_time_zone_is_told_to_name_one_or_leave_the_line_out(workspace):
    # said: "line 2: timezone: None is not a known IANA time zone (e.g. Europe/London)"
    said = refused(workspace, "email: ada@example.org\ntimezone:\ninterests: [robots]\n")
    assert said == [
        "  - line 2: timezone: empty: write an IANA time zone name (e.g. Europe/London), or leave "
        "the line out for the config's (UTC)"
    ]


def test_other_empty_keys_with_a_default_say_so_too(workspace):
    # said: "send_at: None is not a time of day", "max_papers: must be ..., got None"
    said = refused(workspace, "email: ada@example.org\nsend_at:\nmax_papers:\ninterests: [robots]\n")
    assert said == [
        '  - line 2: send_at: empty: write a time of day like "07:30", or leave the line out for the '
        "config's (07:00)",
        "  - line 3: max_papers: empty: write a whole number from 1 to 1000, or leave the line out for "
        "the config's (10)",
    ]


def test_the_configs_own_empty_time_zone_says_its_default(workspace):
    # said: "line 4: timezone: None is not a known IANA time zone (e.g. Europe/London)"
    workspace.config_path.write_text(workspace.config_path.read_text() + "timezone:\n")
    with pytest.raises(ConfigError) as info:
        load_config(workspace.config_path)
    assert (
        "timezone: empty: write an IANA time zone name (e.g. Europe/London), or leave the line out "
        "for the default (UTC)" in str(info.value)
    )
    assert "None" not in str(info.value)


def test_an_empty_port_says_what_a_port_is_and_its_default(workspace):
    # said: "smtp.port: empty: write a value, or leave the line out for the default (587)"
    text = workspace.config_path.read_text().replace("  port: 2525\n", "  security: starttls\n  port:\n")
    workspace.config_path.write_text(text + "web:\n  port:\n")
    with pytest.raises(ConfigError) as info:
        load_config(workspace.config_path)
    said = str(info.value)
    port = "empty: write a port number from 1 to 65535, or leave the line out for the default"
    assert f"line 7: smtp.port: {port} (587)" in said, said  # starttls's
    assert f"line 11: web.port: {port} (8025)" in said, said


def test_an_empty_key_whose_default_is_no_value_shows_no_empty_brackets(workspace):
    # said: "sources[0].url: empty: write an http(s) URL, or leave the line out for the default ()"
    # and "sources[0].categories: ... for the default (())"
    text = "sources:\n  - kind: arxiv_listing\n    url:\n    categories:\n    feed:\n"
    workspace.config_path.write_text(workspace.config_path.read_text() + text)
    with pytest.raises(ConfigError) as info:
        load_config(workspace.config_path)
    said = str(info.value).splitlines()[1:]
    assert said == [
        "  - line 11: sources[0].url: empty: write an http(s) URL, or leave the line out for the default",
        "  - line 12: sources[0].categories: empty: write arXiv categories like [cs.CL, cs.LG], or leave the "
        "line out for the default",
        "  - line 13: sources[0].feed: empty: write one of rss, atom, or leave the line out for the default "
        "(rss)",
    ]
