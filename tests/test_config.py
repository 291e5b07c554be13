"""The configuration: validated in one place, every problem reported with its key."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.config_files import GOOD, status_with, write

from digest.cli import main
from digest.config import Config, find_config_path, load_config
from digest.errors import ConfigError
from digest.options import dotted_keys
from digest.sources_config import SourceConfig


def test_paths_are_relative_to_the_config_file_and_ports_follow_security(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.database == tmp_path / "data" / "digest.db"
    assert config.inbox == tmp_path / "inbox"
    assert config.smtp.port == 587
    assert config.timezone == "UTC" and config.max_papers == 10


def test_every_problem_is_reported_at_once_with_its_key(tmp_path):
    path = write(
        tmp_path,
        (
            "database: d.db\ninbox: inbox\ntimezone: Mars/Olympus\nmax_papers: 0\nsend_at: '25:00'\n"
            "smtp:\n  host: x\n  port: 99999\n  security: tls\n  from: nobody\n  pasword_env: X\n"
        ),
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    for expected in (
        f"{path}: invalid configuration",
        "profiles: required",
        "timezone: 'Mars/Olympus' is not a known IANA time zone",
        "max_papers: must be a whole number from 1 to 1000",
        "send_at: '25:00' is not a time of day",
        "smtp.port: 99999 is not a valid port",
        "smtp.security: 'tls' is not one of none, starttls, ssl",
        "smtp.from: 'nobody' is not an email address",
        "smtp.pasword_env: unknown key (did you mean smtp.password_env?)",
    ):
        assert expected in message


def test_a_password_in_yaml_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="passwords are never read from YAML"):
        load_config(write(tmp_path, GOOD + "  password: hunter2\n"))


def test_the_password_comes_from_the_named_environment_variable(tmp_path, monkeypatch):
    smtp = load_config(write(tmp_path, GOOD)).smtp
    monkeypatch.delenv("MY_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=r"\$MY_SMTP_PASSWORD, but that environment variable") as info:
        smtp.password()
    # config.example.yaml has a username: a new user's local server without a login is told the way out
    assert "a server that takes mail without a login: remove smtp.username: 'me')" in str(info.value)
    monkeypatch.setenv("MY_SMTP_PASSWORD", "s3cret")
    assert smtp.password() == "s3cret"


def test_a_variable_named_with_a_slip_is_told_the_set_one_of_a_close_name(tmp_path, monkeypatch):
    # secret_env: DIGEST_SECERT was told to export it, "only the first time a new one": a new
    # user who follows it makes a second secret, which revokes every link already sent
    monkeypatch.setenv("DIGEST_SECRET", "s" * 32)
    monkeypatch.setenv("MY_SMTP_PASSWORD", "s3cret")
    config = load_config(
        write(
            tmp_path,
            GOOD.replace("MY_SMTP_PASSWORD", "MY_SMTP_PASWORD") + "web:\n  secret_env: DIGEST_SECERT\n",
        )
    )
    with pytest.raises(ConfigError) as info:
        config.smtp.password()
    assert "$MY_SMTP_PASWORD, but that environment variable is not set (but $MY_SMTP_PASSWORD is: a " in str(
        info.value
    )
    with pytest.raises(ConfigError) as info:
        config.web.secret()
    # ... and then given the command that makes a new secret, under the misspelt name: a second one
    assert str(info.value) == (
        "web.secret_env names $DIGEST_SECERT, but that environment variable is not set (but "
        "$DIGEST_SECRET is: a misspelt name?): if so, write secret_env: DIGEST_SECRET in the config, "
        "not a new secret (another revokes every link of the emails already sent); else export it "
        "with the secret the links are signed with"
    )
    monkeypatch.delenv("DIGEST_SECRET")
    with pytest.raises(ConfigError) as info:
        config.web.secret()
    assert "$DIGEST_SECERT, but that environment variable is not set: export it" in str(info.value)


def test_a_missing_file_says_how_to_get_one(tmp_path):
    # "Copy config.example.yaml to ...": a file a user who installed the wheel has nowhere near
    with pytest.raises(ConfigError, match="Copy .*config.example.yaml to ") as err:
        load_config(tmp_path / "config.yaml")
    from conftest import ROOT

    example = Path(re.search(r"Copy (\S+) to ", str(err.value))[1])
    assert example.is_absolute() and example.read_text() == (ROOT / "config.example.yaml").read_text()


def test_the_example_config_is_in_the_wheel_where_the_message_finds_it():
    """`pip install .` installs the wheel, which has no file beside digest/: config.example.yaml
    goes in it as digest/config.example.yaml, the copy config_missing.example_config() names."""
    import tomllib

    from conftest import ROOT

    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert build["targets"]["wheel"]["force-include"]["config.example.yaml"] == "digest/config.example.yaml"


def test_a_command_run_from_another_folder_is_told_where_it_looked_and_the_config_above(
    workspace, monkeypatch
):
    # from profiles/ (or with config.yml typed): "config.yaml: no such configuration file. Copy
    # config.example.yaml to config.yaml", naming neither the folder looked in nor the file there
    inside = workspace.root / "profiles"
    monkeypatch.chdir(inside)
    result = CliRunner().invoke(main, ["status"], env={"DIGEST_CONFIG": None})
    assert result.exit_code == 1
    assert result.output == (
        f"error: config.yaml: no such configuration file in {inside} (the current folder); there is "
        f"{workspace.config_path}: pass --config {workspace.config_path} (paths inside it are relative "
        "to it, so any folder will do)\n"
    )
    typed = workspace.root / "config.yml"
    with pytest.raises(
        ConfigError, match=f"^{typed}: no such configuration file; there is {workspace.config_path}:"
    ):
        load_config(typed)
    monkeypatch.chdir(workspace.root.parent)
    with pytest.raises(ConfigError, match=r"no such configuration file in .* Copy /\S*config.example.yaml"):
        load_config("elsewhere.yaml")


def test_a_command_run_in_a_folder_since_removed_is_told_so(tmp_path, monkeypatch):
    # a shell left in a folder removed under it (rm -rf of a demo, a branch switched) got
    # "internal error: FileNotFoundError" from the missing config's message asking for the folder
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    result = CliRunner().invoke(main, ["status"], env={"DIGEST_CONFIG": None})
    assert (result.exit_code, result.output) == (
        1,
        "error: config.yaml: no such configuration file: the current folder no longer exists (removed "
        "while this shell was in it): cd to the config's folder, or pass --config PATH\n",
    )


def test_bad_yaml_is_named(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "database: [unclosed\n"))


def test_the_config_path_comes_from_the_flag_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.setenv("DIGEST_CONFIG", "/etc/digest.yaml")
    assert str(find_config_path("mine.yaml")) == "mine.yaml"
    assert str(find_config_path(None)) == "/etc/digest.yaml"
    monkeypatch.delenv("DIGEST_CONFIG")
    assert str(find_config_path(None)) == "config.yaml"


def test_the_example_config_is_valid(tmp_path):
    from conftest import ROOT

    config = load_config(ROOT / "config.example.yaml")
    assert config.smtp.security == "starttls"


def keys_in(text: str) -> set[str]:
    """Every key of a YAML example, dotted, the commented-out ones too ('# web:', '#   port: 80')."""
    keys, stack = set(), []
    for line in text.splitlines():
        if "#" in line and not line[: line.index("#")].strip():
            hash_at = line.index("#")
            rest = line[hash_at + 1 :]
            line = line[:hash_at] + (rest[1:] if rest.startswith(" ") else rest)
        m = re.match(r"^( *)([a-z_]+):(?:\s|$)", line)
        if not m:
            continue
        indent = len(m[1])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m[2]))
        keys.add(".".join(k for _, k in stack))
    return keys


def test_every_declared_option_is_in_the_example_config_which_loads():
    from conftest import ROOT

    text = (ROOT / "config.example.yaml").read_text()
    missing = [key for key in dotted_keys(Config) if key not in keys_in(text)]
    assert not missing, f"config.example.yaml does not show: {', '.join(missing)}"
    assert load_config(ROOT / "config.example.yaml").smtp.host == "smtp.example.org"


def test_every_key_the_example_config_shows_is_one_digest_reads():
    """The example's keys commented out too ('#   name: my-query' of its url source): loading the
    example checks only the live ones, so a key renamed in digest would still be shown there."""
    from conftest import ROOT

    read = set(dotted_keys(Config)) | {f"sources.{key}" for key in dotted_keys(SourceConfig)}
    prose = {"true"}  # '# true: the packaged all-MiniLM-L6-v2 model': a value of semantic, said in words
    unknown = sorted(keys_in((ROOT / "config.example.yaml").read_text()) - read - prose)
    assert not unknown, f"config.example.yaml shows keys digest does not read: {', '.join(unknown)}"


def test_a_number_in_quotes_in_the_config_is_said_to_be_text(tmp_path):
    path = write(tmp_path, GOOD + 'max_papers: "20"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (
        "line 10: max_papers: must be a whole number from 1 to 1000, got '20' "
        "(a number in quotes is text to YAML: write it without the quotes)"
    ) in str(info.value)


def test_problems_name_the_line_of_their_key(tmp_path):
    path = write(tmp_path, GOOD + "max_papers: 0\nscheduler:\n  poll_secnds: 5\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert "line 10: max_papers: must be a whole number from 1 to 1000, got 0" in message
    assert "line 12: scheduler.poll_secnds: unknown key (did you mean scheduler.poll_seconds?)" in message


def test_an_unquoted_time_is_a_time_not_a_number_in_base_60(tmp_path):
    # YAML 1.1 reads a plain 17:30 as 1050 (base 60); digest.yamlio reads it as the text it is.
    assert load_config(write(tmp_path, GOOD + "send_at: 17:30\n")).send_at == dt.time(17, 30)
    with pytest.raises(ConfigError, match="send_at: 1050 is not a time of day"):
        load_config(write(tmp_path, GOOD + "send_at: 1050\n"))


def test_a_value_yaml_reads_as_a_number_is_shown_as_written(tmp_path):
    # YAML 1.1 reads an unquoted 0700 as the octal number 448, and 7.30 as 7.3: a message
    # that said only "448 is not a time of day" named a value nobody wrote
    for written, number in (("0700", "448"), ("7.30", "7.3")):
        with pytest.raises(ConfigError) as info:
            load_config(write(tmp_path, GOOD + f"send_at: {written}\n"))
        assert (
            f'line 10: send_at: {number} is not a time of day like "07:30" (YAML reads the unquoted '
            f"{written} as the number {number})"  # no quotes advised: "0700" is no time either
        ) in str(info.value)
    with pytest.raises(ConfigError) as info:  # a number as written is shown as it was
        load_config(write(tmp_path, GOOD + "send_at: 1050\n"))
    assert "(YAML reads" not in str(info.value)


def test_quotes_are_advised_only_where_the_text_as_written_is_a_valid_value(tmp_path):
    # "put the value in quotes" was said of every number: quoted, a number of papers or of
    # seconds is text, refused again ("got '0_0'")
    text = GOOD.replace("username: me", "username: 0700")
    text += "max_papers: 0_0\nscheduler:\n  poll_seconds: .5e-3\n"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    said = str(info.value)
    assert "username: must be text, got 448 (YAML reads the unquoted 0700 as the number 448: put " in said
    assert "max_papers: must be a whole number from 1 to 1000, got 0 (YAML reads the unquoted 0_0 " in said
    assert "as the number 0)" in said
    assert "poll_seconds: must be a number from 0.1 to 86400, got 0.0005 (YAML reads the unquoted " in said
    assert ".5e-3 as the number 0.0005)" in said
    assert said.count("put the value in quotes") == 1


def test_a_key_beside_a_merge_is_named_with_its_own_line_and_text(tmp_path):
    # the merged key came first and was the one kept: "line 10: ... the unquoted 0100 as the number 0"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, GOOD + "<<: {max_papers: 0100}\nmax_papers: 0_0\n"))
    said = str(info.value)
    assert "line 11: max_papers: must be a whole number from 1 to 1000, got 0 " in said
    assert "(YAML reads the unquoted 0_0 as the number 0)" in said


def test_the_rate_limit_per_minute_sets_the_rate_per_second_but_not_both(tmp_path):
    config = load_config(write(tmp_path, GOOD + "delivery:\n  max_per_minute: 600\n"))
    assert config.delivery.max_per_second == 10.0
    both = GOOD + "delivery:\n  max_per_minute: 600\n  max_per_second: 10\n"
    with pytest.raises(ConfigError, match="set either max_per_second or max_per_minute, not both"):
        load_config(write(tmp_path, both))


@pytest.mark.parametrize(
    "section, key, value",
    [
        ("smtp", "timeout", ".inf"),
        ("scheduler", "poll_seconds", "1.0e+308"),
        ("scheduler", "grace_minutes", "1.0e+300"),
        ("scheduler", "settle_seconds", ".nan"),
        ("delivery", "max_per_second", ".nan"),
        ("delivery", "retry_for_hours", ".inf"),
    ],
)
def test_infinite_nan_and_absurdly_large_numbers_are_refused_with_their_key(tmp_path, section, key, value):
    text = GOOD if section == "smtp" else GOOD + f"{section}:\n"
    text = text.replace("  from: Digest", f"  {key}: {value}\n  from: Digest") if section == "smtp" else text
    if section != "smtp":
        text += f"  {key}: {value}\n"
    with pytest.raises(
        ConfigError,
        match=rf"{section}\.{key}: must be a (positive )?number (of seconds )?"
        r"(up to|from [0-9.]+ to) [0-9]+, got",
    ) as e:
        load_config(write(tmp_path, text))
    assert "line " in str(e.value)


def test_a_fetch_time_written_as_it_is_said_is_told_the_24_hour_time_as_send_at_is(tmp_path):
    sources = "sources:\n  - kind: hf_daily\n    when: ['6am', '07:00']\n  - kind: hf_daily\n"
    sources += "    name: late\n    when: '25:00'\n"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + "send_at: 7pm\n" + sources))
    message = str(err.value)
    assert """line 10: send_at: '7pm' is not a time of day like "07:30" (did you mean "19:00"?)""" in message
    said = ' is not a time of day like "07:30"'
    assert f"""line 13: sources[0].when: '6am'{said} (did you mean "06:00"?)""" in message
    assert f"line 16: sources[1].when: '25:00'{said}" in message


def test_a_check_of_two_keys_says_nothing_when_either_was_refused(tmp_path):
    """`retry_first_seconds: -5` was refused, then retry_max_seconds: 10 was said "shorter than
    retry_first_seconds (60)": a default nobody wrote. Each refused value is said once."""
    delivery = "delivery:\n  retry_first_seconds: -5\n  retry_max_seconds: 10\n"
    result = status_with(tmp_path, delivery)
    assert result.exit_code == 1
    assert result.output.endswith(
        "invalid configuration:\n"
        "  - line 5: delivery.retry_first_seconds: must be a positive number up to 86400, got -5\n"
    )
    said = status_with(tmp_path, delivery.replace("-5", "60")).output  # both valid: the check says it
    assert "line 6: delivery.retry_max_seconds: 10 is shorter than retry_first_seconds (60)" in said


def test_the_database_is_a_path_or_a_postgresql_url_without_a_password(tmp_path):
    url = load_config(write(tmp_path, GOOD.replace("data/digest.db", "postgresql://db.example.org/digest")))
    assert url.database == "postgresql://db.example.org/digest"
    assert url.database.local == tmp_path  # the worker's own files (caches, notes): beside the config
    for value, says in [
        ("postgresql://me:secret@db/digest", "must not hold a password"),
        ("postgresql://me@db/digest?sslmode=require&password=secret", "must not hold a password"),
        ("mysql://db/digest", "got a mysql:// URL"),
        ("postgresql://db:port/digest", "is not a valid postgresql:// URL"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(says)) as info:
            load_config(write(tmp_path, GOOD.replace("data/digest.db", value)))
        assert "database:" in str(info.value)
