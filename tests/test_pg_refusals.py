"""PostgreSQL refusing the connection: a wrong password, a role that may not log in, a database
that does not exist, a pg_hba.conf that lets no one in from here. None of them passes by
waiting, so each is StoreUnusable (the CLI says what is wrong and how to fix it, the daemon's log
says it will fail until fixed, the web's 503 says the operator must fix it, with no secret in
it), told apart by the SQLSTATE the server sent, not by its message (in its own language). A
server that is not there at all may come back: that stays a passing StoreError."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.slow_proxy import SlowProxy, slow_proxy

from digest.daemon.service import Daemon
from digest.errors import StoreError, StoreUnusable
from digest.signing import Signer
from digest.store import Store
from digest.web.app import create_app

from conftest import NOW, PG_ENV

LASTING = "This will not pass by itself: the person who runs your digest needs to fix it"
PASSWORD = "s3cret-Pa55"


@dataclass(frozen=True)
class Login:
    host: str
    port: str
    role: str
    database: str

    def url(self, role: str | None = None, database: str | None = None) -> str:
        return f"postgresql://{role or self.role}@{self.host}:{self.port}/{database or self.database}"


ADMIN_PASSWORD = os.environ.get("PGPASSWORD")  # the server's superuser (pg_virtualenv's), read first


def admin():
    """A connection as the superuser, whatever a test set PGPASSWORD to."""
    import psycopg

    return psycopg.connect(autocommit=True, **({"password": ADMIN_PASSWORD} if ADMIN_PASSWORD else {}))


@pytest.fixture
def login(monkeypatch) -> Iterator[Login]:
    """A role that logs in with a password over TCP (pg_virtualenv's pg_hba.conf asks it from
    127.0.0.1), and a database it owns; the password in PGPASSWORD, as the config wants it."""
    if not any(os.environ.get(v) for v in PG_ENV):
        pytest.skip("no PostgreSQL server: run under pg_virtualenv")
    role, database = f"digest_role_{uuid.uuid4().hex[:8]}", f"digest_login_{uuid.uuid4().hex[:8]}"
    with admin() as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        connection.execute(f"CREATE DATABASE {database} OWNER {role}")
    host = os.environ.get("PGHOST", "")
    host = host if host and not host.startswith("/") else "127.0.0.1"
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    try:
        yield Login(host, os.environ.get("PGPORT", "5432"), role, database)
    finally:
        with admin() as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            connection.execute(f"DROP ROLE IF EXISTS {role}")


def refused(url: str) -> StoreError:
    with pytest.raises(StoreError) as info:
        Store(url, timeout=5)
    return info.value


def test_the_right_password_connects(login):
    with Store(login.url()) as store:
        assert store.schema_version > 0


def test_a_wrong_password_is_lasting_and_says_which_role(login, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    error = refused(login.url())
    assert isinstance(error, StoreUnusable), error
    assert f"refused the password of role '{login.role}'" in str(error)
    assert "PGPASSWORD or ~/.pgpass" in str(error)
    assert "not-the-password" not in str(error)


def test_a_role_that_does_not_exist_is_lasting(login):
    # with a password asked, the server does not say whether the role exists: the message says both
    error = refused(login.url(role="nobody_here"))
    assert isinstance(error, StoreUnusable), error
    assert "(a wrong password, or no such role)" in str(error) and "'nobody_here'" in str(error)


def test_a_role_that_may_not_log_in_is_lasting(login):
    with admin() as connection:
        connection.execute(f"ALTER ROLE {login.role} NOLOGIN")
    error = refused(login.url())
    assert isinstance(error, StoreUnusable), error
    assert f"does not let role '{login.role}' connect to database '{login.database}'" in str(error)


def test_a_database_that_does_not_exist_is_lasting_and_says_how_to_make_it(login):
    error = refused(login.url(database="no_such_digest_db"))
    assert isinstance(error, StoreUnusable), error
    assert "database 'no_such_digest_db' does not exist on PostgreSQL at" in str(error)
    assert f"createdb -O {login.role} no_such_digest_db" in str(error)


def test_the_createdb_said_runs_as_copied_for_names_a_shell_splits(login):
    # a role and a database named with capitals and a space (`createuser "Digest Owner"`): said
    # bare, "createdb -O Digest Owner digest papers" is four words ("too many command-line arguments")
    role, database = f"Digest Owner {uuid.uuid4().hex[:6]}", f"digest papers {uuid.uuid4().hex[:6]}"
    with admin() as connection:
        connection.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{PASSWORD}'")
    try:
        url = login.url(role=role.replace(" ", "%20"), database=database.replace(" ", "%20"))
        said = str(refused(url))
        command = said.split("create it (", 1)[1].split(") or fix", 1)[0]
        assert command.startswith("createdb -O "), said
        env = {**os.environ, **({"PGPASSWORD": ADMIN_PASSWORD} if ADMIN_PASSWORD else {})}
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
        with Store(url, timeout=5) as store:  # made, and owned by that role
            assert store.schema_version > 0
        with admin() as connection:
            owner = connection.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
        assert owner == (role,)
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_the_createdb_said_runs_as_copied_for_a_database_named_with_a_leading_hyphen(login):
    # said bare, "createdb -O R -digest" is refused: "createdb: invalid option -- 'd'"
    database = f"-digest-{uuid.uuid4().hex[:6]}"
    try:
        said = str(refused(login.url(database=database)))
        command = said.split("create it (", 1)[1].split(") or fix", 1)[0]
        assert command == f"createdb -O {login.role} -- {database}", said
        env = {**os.environ, **({"PGPASSWORD": ADMIN_PASSWORD} if ADMIN_PASSWORD else {})}
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
        with Store(login.url(database=database), timeout=5) as store:  # made, and theirs to use
            assert store.schema_version > 0
    finally:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_the_createdb_said_writes_a_database_name_with_a_single_quote_in_double_quotes(login):
    # was: createdb -O R 'o'"'"'brien papers ...' (right, hard to read); run as copied either way
    database = f"o'brien papers {uuid.uuid4().hex[:6]}"
    try:
        said = str(refused(login.url(database=database.replace("'", "%27").replace(" ", "%20"))))
        command = said.split("create it (", 1)[1].split(") or fix", 1)[0]
        assert command == f'createdb -O {login.role} "{database}"', said
        env = {**os.environ, **({"PGPASSWORD": ADMIN_PASSWORD} if ADMIN_PASSWORD else {})}
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
        with admin() as connection:
            made = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        assert made == (1,)
    finally:
        with admin() as connection:
            connection.execute(f'''DROP DATABASE IF EXISTS "{database}" WITH (FORCE)''')


@contextlib.contextmanager
def hba_rejecting(role: str) -> Iterator[None]:
    """The server's pg_hba.conf with a first line that rejects ``role`` from anywhere."""
    with admin() as connection:
        hba = Path(connection.execute("SHOW hba_file").fetchone()[0])
        if not os.access(hba, os.W_OK):
            pytest.skip(f"{hba} is not writable here")
        before = hba.read_text()
        hba.write_text(f"host all {role} all reject\n" + before)
        connection.execute("SELECT pg_reload_conf()")
        try:
            yield
        finally:
            hba.write_text(before)
            connection.execute("SELECT pg_reload_conf()")


def test_a_pg_hba_conf_that_rejects_the_role_is_lasting(login):
    with hba_rejecting(login.role):
        error = refused(login.url())
    assert isinstance(error, StoreUnusable), error
    assert "pg_hba.conf" in str(error) and f"role '{login.role}'" in str(error)


def test_no_password_at_all_is_lasting(login, monkeypatch, tmp_path):
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    error = refused(login.url())
    assert isinstance(error, StoreUnusable), error
    assert f"asks a password of role '{login.role}' and none was given" in str(error)


def test_a_server_that_answers_too_many_connections_may_pass(login):
    with admin() as connection:  # SQLSTATE 53300, as "sorry, too many clients already"
        connection.execute(f"ALTER ROLE {login.role} CONNECTION LIMIT 0")
    error = refused(login.url())
    assert not isinstance(error, StoreUnusable) and "cannot connect to PostgreSQL" in str(error)


def test_a_server_that_is_not_there_may_come_back(login):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = refused(f"postgresql://{login.role}@127.0.0.1:{port}/{login.database}")
    assert not isinstance(error, StoreUnusable) and "cannot connect to PostgreSQL" in str(error)


def test_a_host_name_that_does_not_resolve_may_come_back():
    error = refused("postgresql://digest@db.example.invalid/digest")  # the resolver may be down
    assert not isinstance(error, StoreUnusable) and "db.example.invalid" in str(error)


def test_a_host_name_from_pghost_that_does_not_resolve_is_named_not_said_as_none(monkeypatch):
    """The README's `PGHOST=db1.example.org ... digest db migrate --to postgresql:///digest` with
    the name mistyped said 'cannot connect to PostgreSQL: failed to resolve host None: [Errno -2]
    Name or service not known' (psycopg names the URL's host, and this URL has none)."""
    monkeypatch.setenv("PGHOST", "db1.example.invalid")
    error = str(refused("postgresql:///digest"))
    assert "the name db1.example.invalid does not resolve (" in error and "(the host is PGHOST's)" in error
    assert "None" not in error


def test_the_cli_the_daemon_and_the_web_say_a_refused_login_must_be_fixed(
    login, monkeypatch, web_workspace, caplog
):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    text = ws.config_path.read_text().replace("database: digest.db", f"database: {login.url()}")
    ws.config_path.write_text(text)
    monkeypatch.setenv("PGPASSWORD", "not-the-password")

    status = ws.cli("status")
    assert status.exit_code == 1 and "internal error" not in status.output
    assert f"refused the password of role '{login.role}'" in status.output

    caplog.set_level(logging.INFO)
    Daemon(ws.config, lambda: dt.datetime.now(dt.UTC)).tick()
    failed = [r for r in caplog.records if r.getMessage().startswith("tick failed")]
    assert len(failed) == 1 and failed[0].exc_info is None
    assert failed[0].getMessage().startswith("tick failed, and will until this is fixed")
    assert f"refused the password of role '{login.role}'" in failed[0].getMessage()

    caplog.clear()
    client = create_app(ws.config, Signer.from_config(ws.config), lambda: NOW).test_client()
    r = client.get(f"/u/{Signer.from_config(ws.config).token('ada', NOW)}/digest")
    page = r.get_data(as_text=True)
    assert r.status_code == 503 and "Retry-After" not in r.headers and LASTING in page
    for secret in ("not-the-password", PASSWORD, login.role, login.host, "PGPASSWORD"):
        assert secret not in page
    assert f"refused the password of role '{login.role}'" in caplog.text


@pytest.fixture
def german_server() -> Iterator[str]:
    """A PostgreSQL server of its own whose messages are in German (lc_messages de_DE, from a
    locale built with localedef into its folder), on a free port; its host:port. Stopped after."""
    bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    if not shutil.which("localedef") or not (Path(bindir) / "initdb").exists():
        pytest.skip("needs localedef and PostgreSQL's initdb")
    root = Path(tempfile.mkdtemp(prefix="digest-pg-de-"))  # not under pytest's folder: the server's
    # owner (postgres, when the tests run as root) must reach it
    locales, data = root / "locales", root / "data"
    locales.mkdir()
    built = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(locales / "de_DE.UTF-8")])
    if built.returncode not in (0, 1) or not (locales / "de_DE.UTF-8").exists():  # 1: warnings only
        shutil.rmtree(root)
        pytest.skip("cannot build the de_DE locale here")
    (root / "pw").write_text("admin-pw\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_owner = ["sh", "-c"]
    if os.geteuid() == 0:  # initdb refuses root; su drops LOCPATH, so it is set in the command
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
        as_owner = ["su", "postgres", "-s", "/bin/sh", "-c"]
    ctl = f"LOCPATH={locales} {bindir}/pg_ctl -D {data} -l {root / 'log'}"
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    initdb = (
        f"LOCPATH={locales} {bindir}/initdb -D {data} -U postgres -A scram-sha-256 "
        f"--pwfile={root / 'pw'} --lc-messages=de_DE.UTF-8 >/dev/null"
    )
    subprocess.run([*as_owner, f"{initdb} && {ctl} -w -o '{options}' start >/dev/null"], check=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([*as_owner, f"{ctl} -m immediate stop >/dev/null"], check=False)
        shutil.rmtree(root)


def test_the_refusal_is_told_by_its_code_whatever_language_the_server_speaks(german_server, monkeypatch):
    import psycopg

    with psycopg.connect(f"postgresql://postgres:admin-pw@{german_server}/postgres", autocommit=True) as db:
        db.execute("CREATE ROLE ada LOGIN PASSWORD 'ada-pw'")
        assert db.execute("SHOW lc_messages").fetchone() == ("de_DE.UTF-8",)
    monkeypatch.setenv("PGPASSWORD", "wrong")
    error = refused(f"postgresql://ada@{german_server}/postgres")
    assert isinstance(error, StoreUnusable) and "Passwort-Authentifizierung" in str(error)  # German
    assert "refused the password of role 'ada'" in str(error)
    monkeypatch.setenv("PGPASSWORD", "ada-pw")
    error = refused(f"postgresql://ada@{german_server}/gibt_es_nicht")
    assert isinstance(error, StoreUnusable) and "existiert nicht" in str(error)
    assert "database 'gibt_es_nicht' does not exist" in str(error)


def connections_of(port: SlowProxy, connect) -> int:
    before = port.connections
    with contextlib.suppress(Exception):
        connect()
    return port.connections - before


def test_a_server_that_hangs_up_is_not_asked_twice():
    # no error of the server's in the message (a proxy whose server is down): a second attempt
    # would only be hung up on again, at every poll of the daemon and every request of the web
    import psycopg

    with slow_proxy(0.0, hang_up=True) as port:
        url = f"postgresql://digest@127.0.0.1:{port.port}/digest"
        alone = connections_of(port, lambda: psycopg.connect(url, connect_timeout=5))
        error = refused(url)
        assert port.connections - alone == alone >= 1
    assert not isinstance(error, StoreUnusable) and "cannot connect to PostgreSQL" in str(error)


def test_the_same_refusal_again_costs_no_second_login(login, monkeypatch):
    # the server's log and its lock-out rules see one failed login per poll or request, not two
    import psycopg

    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    with slow_proxy(0.0, (login.host, int(login.port))) as port:
        url = f"postgresql://{login.role}@127.0.0.1:{port.port}/{login.database}"
        alone = connections_of(port, lambda: psycopg.connect(url, connect_timeout=5))
        first = connections_of(port, lambda: Store(url, timeout=5))
        again = connections_of(port, lambda: Store(url, timeout=5))
        error = refused(url)
    assert alone >= 1 and first == 2 * alone and again == alone
    assert isinstance(error, StoreUnusable) and f"refused the password of role '{login.role}'" in str(error)


def test_a_libpq_of_another_version_than_psycopgs_is_never_called():
    # a PGconn is libpq's private structure: another version's setter would write into the wrong place
    import psycopg

    system = sorted(Path("/usr/lib").glob("*/libpq.so.5.*")) + sorted(Path("/usr/lib").glob("libpq.so.5.*"))
    if not system:
        pytest.skip("no libpq installed on the system")
    check = (
        "import ctypes, sys; from psycopg import pq; from digest import pgrefusals; "
        "other = ctypes.CDLL(sys.argv[1]).PQlibVersion(); "
        "print(other == pq.version(), pgrefusals._setter_of(sys.argv[1]) is None)"
    )
    run = subprocess.run([sys.executable, "-c", check, str(system[0])], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    same, refused_it = run.stdout.split()
    if same == "True":
        pytest.skip(f"{system[0]} is the version psycopg {psycopg.__version__} uses")
    assert refused_it == "True"


@pytest.mark.parametrize(
    ("variable", "value"), [("PGTZ", "Nowhere/Zone"), ("PGDATESTYLE", "Bogus")], ids=["pgtz", "pgdatestyle"]
)
def test_a_time_zone_or_date_style_the_server_refuses_is_lasting(
    login, monkeypatch, web_workspace, caplog, variable, value
):
    """libpq sends PGTZ and PGDATESTYLE at each connection's start; a value the server refuses
    ('FATAL: invalid value for parameter "TimeZone"') is refused again at every poll and request
    until the daemon or the web is started again with another. Before, the daemon's log said
    "tick failed; retrying at the next poll" and the web's 503 had a Retry-After, as if it might pass."""
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    text = ws.config_path.read_text().replace("database: digest.db", f"database: {login.url()}")
    ws.config_path.write_text(text)
    told = f"{variable} is {value!r}, which "
    with monkeypatch.context() as env:  # undone before the login's teardown connects as the superuser
        env.setenv(variable, value)
        error = refused(login.url())
        assert isinstance(error, StoreUnusable) and told in str(error), error

        caplog.set_level(logging.INFO)
        Daemon(ws.config, lambda: dt.datetime.now(dt.UTC)).tick()
        failed = [r for r in caplog.records if r.getMessage().startswith("tick failed")]
        assert len(failed) == 1 and failed[0].exc_info is None
        assert failed[0].getMessage().startswith("tick failed, and will until this is fixed"), failed
        assert told in failed[0].getMessage()

        caplog.clear()
        client = create_app(ws.config, Signer.from_config(ws.config), lambda: NOW).test_client()
        r = client.get(f"/u/{Signer.from_config(ws.config).token('ada', NOW)}/digest")
        assert r.status_code == 503 and "Retry-After" not in r.headers
        assert LASTING in r.get_data(as_text=True)
        assert told in caplog.text
