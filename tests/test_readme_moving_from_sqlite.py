"""README's "Moving from SQLite" block, run as written by the admin moving to PostgreSQL: its
switch was `$EDITOR config.yaml  # database: postgresql://db1.example.org/digest`, which where no
EDITOR is set (a root shell over sudo, a fresh account) runs the config's path as a command,
"bash: config.yaml: command not found", and leaves the workers started next on the SQLite file.
The step is a command that writes the `database:` line `digest db migrate` ends with, in the config
the daemon read (README's digest.service: --config /etc/digest/config.yaml), which the copy reads
too. Before, both read ./config.yaml, the folder the admin's shell was in (root's home: "sed: can't
read config.yaml: No such file or directory", and migrate "no such configuration file"). The copy runs
digest as the unit does (/opt/digest/.venv/bin/digest): root's shell has not that folder on its PATH."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
URL = "postgresql://db1.example.org/digest"


def _block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("**Moving from SQLite.**", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].splitlines()


def test_no_step_needs_an_editor_variable():
    assert not [line for line in _block() if "$EDITOR" in line or "$VISUAL" in line]


def test_the_switch_writes_the_database_line_migrate_ends_with(tmp_path):
    (switch,) = [line for line in _block() if line.startswith("sed ") and "database:" in line]
    assert f"ends with the `database:` line to write: {URL}," in "\n".join(_block())
    for config in (
        (ROOT / "config.example.yaml").read_text(encoding="utf-8"),
        "database: digest.db   # the SQLite file\ninbox: inbox\nprofiles: profiles\n",
    ):
        (tmp_path / "config.yaml").write_text(config)
        done = subprocess.run(  # from another folder: the config is named whole
            ["bash", "-c", f"CONFIG={tmp_path / 'config.yaml'}\n{switch}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0 and not done.stderr, done.stderr
        after = (tmp_path / "config.yaml").read_text()
        assert yaml.safe_load(after)["database"] == URL
        changed = [(a, b) for a, b in zip(config.splitlines(), after.splitlines(), strict=True) if a != b]
        assert len(changed) == 1 and changed[0][0].startswith("database: digest.db"), changed


def _unit() -> tuple[str, str]:
    """README's digest.service: the program it runs and the config it names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    unit = text.split("(`/etc/systemd/system/digest.service`):", 1)[1].split("```", 2)[1]
    ((program, read),) = re.findall(r"^ExecStart=(\S+) --config (\S+) run\n", unit, re.MULTILINE)
    return program, read


def test_the_copy_and_the_switch_name_the_config_the_daemon_reads():
    program, read = _unit()
    block = _block()
    assert block[0].split("#")[0].strip() == f"CONFIG={read}", block[0]
    (migrate,) = [line for line in block if " db migrate " in line]
    assert f' {program} --config "$CONFIG" db migrate ' in migrate, migrate
    (switch,) = [line for line in block if line.startswith("sed ") and "database:" in line]
    assert switch.split("#")[0].rstrip().endswith(' "$CONFIG"'), switch


def test_the_copy_runs_in_a_root_shell_without_digest_on_its_path(tmp_path):
    """The block runs as root (`systemctl stop digest`), whose PATH has not the virtualenv the unit
    runs digest from. Before, its copy was `... digest --config "$CONFIG" db migrate ...`: "bash:
    line 2: digest: command not found", exit 127, nothing copied. Now it names the unit's program;
    this digest stands for /opt/digest/.venv/bin/digest, and a config not there is its answer."""
    program, _ = _unit()
    (migrate,) = [line for line in _block() if " db migrate " in line]
    here = Path(sys.executable).parent / "digest"  # this checkout's virtualenv: /opt/digest/.venv
    config = tmp_path / "config.yaml"  # not there: said before any connection is tried
    done = subprocess.run(
        ["bash", "-c", f"CONFIG={config}\n{migrate.replace(program, str(here))}"],
        env={"HOME": str(tmp_path), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},  # sudo's secure_path
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "command not found" not in done.stderr, done.stderr
    assert done.returncode == 1 and f"error: {config}: no such configuration file." in done.stderr, done


def _after_the_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split("**Moving from SQLite.**", 1)[1].split("```sh\n", 1)[1].split("```", 1)[1]
    return " ".join(after.split("\n\n", 2)[1].split())


def test_what_it_says_of_the_sqlite_file_is_what_the_copy_leaves(tmp_path):
    """README said the SQLite file "is left as it was (keep it as the backup)"; a file the release
    before left (schema 38) was upgraded by `digest db migrate` (schema 39), and that release then
    refused it: "the database has schema version 39, newer than this digest understands (38)". It
    says so now, and how to keep a backup that release opens."""
    import sqlite3

    from digest.schema import SCHEMA_VERSION

    from conftest import postgres_database, schema_at

    (tmp_path / "inbox").mkdir()
    (tmp_path / "profiles").mkdir()
    (tmp_path / "config.yaml").write_text("database: digest.db\ninbox: inbox\nprofiles: profiles\n")
    schema_at(tmp_path / "digest.db", SCHEMA_VERSION - 1).close()  # the release before's file
    with postgres_database() as url:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "digest"), "--config", str(tmp_path / "config.yaml")]
            + ["db", "migrate", "--to", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "digest.db") as file:
        assert file.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # upgraded
    said = _after_the_block()
    assert "left as it was" not in said
    assert "A file the release before left is brought to this release's schema first" in said
    assert 'copy the file before the copy (`sqlite3 digest.db ".backup digest-before.db"`)' in said
    assert "newer than this digest understands" in said  # the release before's words
