"""`digest run --help`'s cron line names digest by its full path, as README's does: cron runs a
job with a PATH of its own (/usr/bin:/bin), which has no virtualenv's bin/ in it, so a bare
`digest` there is "command not found" at every pass, mailed to the crontab's owner or lost.
Before, the help's example was `*/5 * * * * digest --config ... run --once`."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from digest.cli import main
from tests.helpers.faked import clock_at, needs_faketime
from tests.helpers.smtp_login import login_server

from conftest import make_dump

LOGIN = "  timeout: 5\n  username: digest\n  password_env: DIGEST_SMTP_PASSWORD\n"  # a server with a login
GENERATOR = Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator")
CRON = re.compile(r"(?:\S+ ){5}(?:\w+=\S+ )*(\S+) --config \S+ run --once")  # five fields, VAR=..., command


def test_the_cron_example_of_run_help_names_digest_by_readmes_full_path():
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    helps, readmes = CRON.findall(shown), CRON.findall(readme.split("```cron", 1)[1].split("```", 1)[0])
    assert helps and helps == readmes and helps[0].startswith("/"), (helps, readmes)


@needs_faketime
def test_the_cron_example_pasted_sends_with_the_smtp_password_that_cron_has_not(workspace, tmp_path):
    """Cron runs its line by /bin/sh with an environment of its own (PATH=/usr/bin:/bin, HOME,
    LOGNAME, SHELL), none of the operator's variables: the password `smtp.password_env` names comes
    from the file the line reads, as the help says. Before, the help's line had no password: every
    pass said "smtp.password_env names $DIGEST_SMTP_PASSWORD, but that environment variable is
    not set" and sent nothing, though the same command worked in the operator's shell."""
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    line = next(s.strip() for s in shown.splitlines() if s.strip().startswith("*/5 "))
    env_file = tmp_path / "env"
    env_file.write_text(f"{_env_line(shown)}s3cret\n")  # as the help's comment has it
    env_file.chmod(0o600)
    digest = Path(sys.executable).parent / "digest"  # this venv's, as /opt/digest/.venv/bin/digest
    places = {"/etc/digest/env": env_file, "/opt/digest/.venv/bin/digest": digest}
    command = line.split(" ", 5)[5].replace("/etc/digest/config.yaml", str(workspace.config_path))
    for shown_path, here in places.items():
        command = command.replace(shown_path, str(here))
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text.replace("  timeout: 5\n", LOGIN))
    workspace.profile("ada", "email: ada@example.org\nsend_at: '07:00'\ninterests: [spiking]\n")
    workspace.dump("2026-03-02.txt", make_dump("Mar 2", [("Spiking nets", "About spiking networks.")]))
    good = lambda server, session, envelope, mechanism, data: AuthResult(  # noqa: E731
        success=isinstance(data, LoginPassword) and data.password == b"s3cret"
    )
    with login_server(auth_require_tls=False, auth_required=True, authenticator=good) as port:
        workspace.config_path.write_text(workspace.config_path.read_text().replace("2525", str(port)))
        cron = {"HOME": str(tmp_path), "LOGNAME": "digest", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            env=clock_at(dt.datetime(2026, 3, 3, 7, 2, tzinfo=dt.UTC), cron),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sent to ada <ada@example.org>: 1 paper" in done.stdout, done.stdout


def _env_line(shown: str) -> str:
    """The help's line of the file, its value left out: `DIGEST_SMTP_PASSWORD=`."""
    return re.search(r"of lines `([^`]*=)\.\.\.`", shown.replace("\n", " ")).group(1)


def _readme_unit() -> str:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    return (
        readme.split("(`/etc/systemd/system/digest.service`):", 1)[1].split("```ini", 1)[1].split("```", 1)[0]
    )


def test_readmes_systemd_unit_reads_the_password_from_the_file_the_cron_line_reads():
    """A password written in the unit (`Environment=DIGEST_SMTP_PASSWORD=...`, as README had it)
    is given by `systemctl show` to every user of the machine: the unit reads the variables from
    the mode-600 file the cron line reads, one file for both."""
    unit = _readme_unit()
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    sourced = re.search(r"\. (\S+);", shown).group(1)
    assert f"EnvironmentFile={sourced}\n" in unit, unit
    assert "PASSWORD" not in unit, unit


@pytest.mark.skipif(not GENERATOR.exists(), reason="systemd's environment.d generator is not installed")
def test_the_files_lines_as_the_help_has_them_are_read_by_systemds_own_parser(tmp_path):
    """systemd reads an EnvironmentFile= as lines NAME=value and drops any other line (here
    `export DIGEST_SMTP_PASSWORD=...`, the help's line before: "invalid variable name ...,
    ignoring"), so the daemon it starts would have no password. Its environment.d generator reads
    a file with the same parser (systemd's env-file.c) and prints what it got."""
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    (tmp_path / "environment.d").mkdir()
    (tmp_path / "environment.d" / "digest.conf").write_text(f"{_env_line(shown)}s3cret\n")
    done = subprocess.run(
        [str(GENERATOR)], env={"XDG_CONFIG_HOME": str(tmp_path)}, capture_output=True, text=True, timeout=30
    )
    assert "DIGEST_SMTP_PASSWORD=s3cret" in done.stdout.splitlines(), done.stdout + done.stderr
