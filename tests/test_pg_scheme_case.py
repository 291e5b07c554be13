"""A PostgreSQL URL's scheme is read by libpq in lower case only: `POSTGRESQL:///digest` is no URL to
it but a whole connection string (`psql 'POSTGRESQL:///digest'` looks for a database named so). The
config's check took any case of the scheme as PostgreSQL, then handed it to libpq, whose words came
back: "database: is not a valid postgresql:// URL (missing "=" after "POSTGRESQL:///digest" in
connection info string)".

Chosen: refused, not folded to lower case (libpq, psql and every other tool given the same URL would
not take it either), in our words, naming the key, the scheme as written and the one to write."""

from __future__ import annotations

import pytest

from digest.config import ConfigError, load_config


@pytest.mark.parametrize("url", ["POSTGRESQL:///digest", "Postgres://db.example.org/digest"])
def test_an_upper_case_scheme_is_refused_saying_to_write_it_in_lower_case(tmp_path, url):
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir()
    path = tmp_path / "config.yaml"
    path.write_text(f"database: {url}\ninbox: inbox\nprofiles: profiles\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    scheme = url.partition("://")[0]
    assert (
        f"line 1: database: must begin with postgresql:// in lower case (libpq reads no other), "
        f"got {scheme}:// ({url!r})"
    ) in str(info.value)
    assert "connection info string" not in str(info.value)


def test_an_upper_case_scheme_with_a_password_is_said_without_quoting_the_url(tmp_path):
    """The password check comes first: the scheme's message quotes the URL, which must not show it."""
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir()
    path = tmp_path / "config.yaml"
    path.write_text(
        "database: POSTGRESQL://ada:s3cret@db.example.org/digest\ninbox: inbox\nprofiles: profiles\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "line 1: database: must not hold a password" in str(info.value)
    assert "s3cret" not in str(info.value)
