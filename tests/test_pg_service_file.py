"""`digest status` (any command) with a connection service libpq cannot read: the URL's
`service=` or PGSERVICE naming a service no service file defines, PGSERVICEFILE naming no file, a
line of the file libpq cannot read. libpq refuses before trying any server, and reads none of
PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE for it: the advice names the service, who named it
(the URL or PGSERVICE), the files read (PGSERVICEFILE's, else ~/.pg_service.conf; PGSYSCONFDIR's)
and the line, not those variables. Before: "...: definition of service "digset" not found; check
the URL and the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables it leaves to the
environment".

Real parts: real `digest status` processes, a service file written as an operator writes one. No
server is needed: libpq refuses before connecting (the service's host here is a loopback port
nothing listens on, never reached)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import PG_ENV, Workspace

GENERIC = "PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE"


def status(tmp_path: Path, url: str, wrap: Sequence[str] = (), **env: str) -> str:
    """`digest status` of a config whose database is ``url``, with ``env`` (HOME and PGSYSCONFDIR
    in tmp_path: no operator's service file of this machine read); its exit 1, its words."""
    ws = tmp_path / f"ws{len(list(tmp_path.glob('ws*')))}"  # a workspace for each command
    ws.mkdir()
    config = Workspace(ws, database=url).config_path
    (tmp_path / "etc").mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k not in (*PG_ENV, "PGSERVICEFILE", "PGSYSCONFDIR")}
    base.update(HOME=str(tmp_path), PGSYSCONFDIR=str(tmp_path / "etc"), **env)
    command = [*wrap, sys.executable, "-m", "digest", "--config", str(config), "status"]
    done = subprocess.run(command, capture_output=True, text=True, env=base, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert GENERIC not in done.stderr, done.stderr
    return " ".join(done.stderr.split())


def service_file(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "pg_service.conf"
    path.write_text(
        text or "# digest's database\n[digest]\nhost=127.0.0.1\nport=9\ndbname=digest\nuser=digest\n"
    )
    return path


def test_a_service_no_file_defines_is_named_with_who_named_it_and_the_files_read(tmp_path):
    path = service_file(tmp_path)
    system = tmp_path / "etc" / "pg_service.conf"
    said = status(tmp_path, "postgresql:///?service=digset", PGSERVICEFILE=str(path))
    assert (
        f"definition of service \"digset\" not found; the service 'digset' the URL names (service=) is "
        f"defined neither in {path} (PGSERVICEFILE's) nor in {system} (PGSYSCONFDIR's): add its section to "
        f"{path} ([digset], then its host=, port=, dbname=, user= lines), or name a service defined there "
        "(take service= out of the URL to use none)"
    ) in said, said
    said = status(tmp_path, "postgresql:///digest", PGSERVICE="digset")  # ~/.pg_service.conf: none
    assert (
        f"the service 'digset' PGSERVICE names is defined neither in {tmp_path / '.pg_service.conf'} nor in "
        f"{system} (PGSYSCONFDIR's): add its section to {tmp_path / '.pg_service.conf'} ([digset], "
    ) in said, said
    assert said.endswith("or name a service defined there (unset PGSERVICE to use none)"), said


def test_a_service_file_that_is_a_folder_is_said_to_be_one(tmp_path):
    """libpq reads a folder named as the service file (PGSERVICEFILE's, or ~/.pg_service.conf) as an
    empty file: "definition of service ... not found". Before, the advice was to "add its section to"
    the folder."""
    folder = tmp_path / "services"
    folder.mkdir()
    system = tmp_path / "etc" / "pg_service.conf"
    said = status(tmp_path, "postgresql:///digest", PGSERVICE="digest", PGSERVICEFILE=str(folder))
    assert said.endswith(
        f'definition of service "digest" not found; PGSERVICEFILE names {folder}, a folder, not a '
        f"service file (read for the service 'digest' PGSERVICE names, defined neither there nor in {system} "
        "(PGSYSCONFDIR's)): set it to the path of a service file with its section ([digest], then its "
        "host=, port=, dbname=, user= lines), or unset it (libpq then reads "
        f"{tmp_path / '.pg_service.conf'}); or unset PGSERVICE to use no service"
    ), said
    home = tmp_path / ".pg_service.conf"
    home.mkdir()
    said = status(tmp_path, "postgresql:///?service=digest")
    assert said.endswith(
        f"{home} is a folder, not a service file (read for the service 'digest' the URL names (service=), "
        f"defined neither there nor in {system} (PGSYSCONFDIR's)): put in its place a service file with its "
        "section ([digest], then its host=, port=, dbname=, user= lines); or take service= out of the URL "
        "to use no service"
    ), said
    assert "add its section" not in said, said


def test_a_service_file_pgservicefile_names_that_is_not_there_is_said_so(tmp_path):
    """libpq's words name the path; the advice says it is PGSERVICEFILE's, not the path again.
    Before: 'service file "/x/pg_sevrice.conf" not found; PGSERVICEFILE names /x/pg_sevrice.conf,
    which does not exist (...)'."""
    gone = tmp_path / "pg_sevrice.conf"
    for url, env, named, unnamed in (
        ("postgresql:///digest", {"PGSERVICE": "digest"}, "PGSERVICE names", "unset PGSERVICE"),
        (
            "postgresql:///digest?service=digest",
            {},
            "the URL names (service=)",
            "take service= out of the URL",
        ),
    ):
        said = status(tmp_path, url, PGSERVICEFILE=str(gone), **env)
        assert (
            f'service file "{gone}" not found; PGSERVICEFILE names that path, and no file is there (read '
            f"for the service 'digest' {named}): set it to your service file's path, or unset it (libpq then "
            f"reads {tmp_path / '.pg_service.conf'}); or {unnamed} to use no service"
        ) in said, said
        assert said.count(str(gone)) == 1, said


def test_a_line_of_the_service_file_libpq_cannot_read_is_named(tmp_path):
    path = service_file(tmp_path, "[digest]\nhost=127.0.0.1\nport 9\n")  # its = forgotten
    said = status(tmp_path, "postgresql:///digest", PGSERVICE="digest", PGSERVICEFILE=str(path))
    assert (
        f"syntax error in service file \"{path}\", line 3; the file is read for the service 'digest' "
        "PGSERVICE names: each line of a service file is a [service] heading, a keyword=value setting of "
        "a connection parameter libpq knows (host, port, dbname, user, ...; no space before the =) or a # "
        "comment: fix that line"
    ) in said, said
    # libpq's words name the file and line; before, said again after them ('..., line 3;
    # /path/pg_service.conf, line 3 (read for the service ...)')
    assert said.count(str(path)) == 1, said


def test_each_line_libpq_refuses_is_said_what_is_wrong_with_it(tmp_path):
    """A line that is a keyword=value setting, or a # comment, libpq refuses all the same: a keyword
    it does not know (misspelled, a space before the =), a service= in a service's section, a line
    too long. Before, each said "each line of a service file is a [service] heading, a key=value
    setting or a # comment; fix that line", which that line was."""
    read = "; the file is read for the service 'digest' PGSERVICE names: "
    lines = {
        "[digest]\nhost=127.0.0.1\nhots=127.0.0.1\n": (
            "syntax error in service file {path}, line 3",
            "each line of a service file is a [service] heading, a keyword=value setting of a "
            "connection parameter libpq knows (host, port, dbname, user, ...; no space before the =)",
        ),
        "[digest]\nport =9\n": ("syntax error in service file {path}, line 2", "each line"),
        "[digest]\nservice=other\nhost=127.0.0.1\n": (
            "nested service specifications not supported in service file {path}, line 2",
            "a service's section may not name another service (service=): write that service's "
            "settings into this section in place of that line",
        ),
        f"[digest]\nhost=127.0.0.1\n# {'x' * 2000}\n": (
            "line 3 too long in service file {path}",
            "libpq reads no line of over about 1,000 characters, a # comment's as well: shorten it",
        ),
    }
    for text, (libpq, told) in lines.items():
        path = service_file(tmp_path, text)
        said = status(tmp_path, "postgresql:///digest", PGSERVICE="digest", PGSERVICEFILE=str(path))
        assert libpq.format(path=f'"{path}"') + read + told in said, said
        assert said.count(str(path)) == 1, said
        assert "key=value setting or a # comment" not in said, said


def test_a_service_file_this_user_may_not_read_is_not_said_missing(tmp_path):
    """libpq says "service file ... not found" of a file it found but could not open (another user's,
    mode 600: a daemon's own user, the file root's): it is said to be there, and whose it is to read.
    Before: "PGSERVICEFILE names ..., which does not exist"; of ~/.pg_service.conf, the advice about
    PGHOST, PGPORT, ... Root reads any file: as root, digest runs in a user namespace of its own
    (`unshare -r`), where a file of an unmapped user (nobody's) is not root's to read."""
    wrap: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("unshare") is None or subprocess.run(["unshare", "-r", "true"]).returncode:
            pytest.skip("root here, and no user namespace (unshare -r) to be one who may not read a file")
        wrap = ["unshare", "-r"]
    for env in ({"PGSERVICEFILE": str(service_file(tmp_path))}, {}):
        path = Path(env.get("PGSERVICEFILE") or service_file(tmp_path).rename(tmp_path / ".pg_service.conf"))
        path.chmod(0o600)
        if wrap:
            os.chown(path, 65534, 65534)
        else:
            path.chmod(0)
        said = status(tmp_path, "postgresql:///digest", wrap, PGSERVICE="digest", **env)
        assert f'service file "{path}" not found; it is there, but the user digest runs as (' in said, said
        assert said.count(str(path)) == 1, said  # libpq's words name it; before, said again
        assert (
            ") may not read it (read for the service 'digest' PGSERVICE names): let that user read it (the "
            "file's owner, group or mode), or unset PGSERVICE to use no service"
        ) in said, said
        assert "does not exist" not in said, said
        path.unlink()
