"""Small fixtures: a real SMTP server on a free loopback port, a temporary config, the shared dumps."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import select
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from digest.cli import main
from digest.config import Config, load_config
from digest.db import DatabaseUrl
from digest.demo.smtp_server import LocalSmtpServer, Mailbox, free_port, release_ports
from digest.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]
# the user nobody, able to read the interpreter's files under /root as any user reads an installed
# python (CAP_DAC_READ_SEARCH: reads and searches only; what it writes is judged as nobody's)
AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
READING = ("--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search")
SHARED = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
# the latest a dump is saved unless a test says when (Workspace.dump): its day line without a year
# ("Mar 14", "Dec 5": any day, Jan 1 to Dec 31) is then of 2026 whatever the year the tests run in
SAVED_AT_LATEST = dt.datetime(2026, 12, 30, 12, 0, tzinfo=dt.UTC)


def a_minute_ago() -> dt.datetime:
    """The clock's time a minute ago: a dump saved then is settled, and recent for a test that
    needs it so (a daemon passing at the real hour, a listing of today's)."""
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)


def write_dump(path: Path, text: str | bytes, mtime: dt.datetime | None = None) -> Path:
    """Write a dump at ``path`` (in the inbox or beside it), dated as Workspace.dump dates it:
    ``mtime``, by default a minute ago and no later than SAVED_AT_LATEST, so that its day line
    without a year is of 2026 whatever the year the tests run in, not of the clock's year."""
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    mtime = mtime or min(a_minute_ago(), SAVED_AT_LATEST)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one for a test module (the web pages' tests);
    the test is skipped where either is missing."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not at /usr/bin/chromium (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def drafts_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft kept by a failed `digest profile edit` goes to the test's folder, not /tmp."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(autouse=True)
def ports_released() -> Iterator[None]:
    """The ports free_port kept for a test's servers are let go at its end (its servers stopped)."""
    yield
    release_ports()


@pytest.fixture(autouse=True)
def config_found_anyway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's config, tmp_path/config.yaml (a Workspace's), is the one `digest` finds without
    --config ($DIGEST_CONFIG), as for a user who keeps one config: the commands the messages
    suggest say no --config (digest.cli.suggested). tests/cli/test_suggested_config.py runs
    configs digest would not find by itself."""
    monkeypatch.setenv("DIGEST_CONFIG", str(tmp_path / "config.yaml"))


@pytest.fixture(autouse=True)
def no_digest_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """$DIGEST_SECRET, exported by the runner (as config.example.yaml's comment and `digest serve
    --help` show it), unset: `digest send`, `serve` and the daemon say a note when it is set and the
    config names no web.secret_env. A test that means it sets it (monkeypatch.setenv, or the env
    of the process it starts)."""
    monkeypatch.delenv("DIGEST_SECRET", raising=False)


@pytest.fixture(autouse=True)
def logger_levels_restored() -> Iterator[None]:
    """A test that runs `digest run` in-process (it sets the `digest` logger to INFO, and
    `apscheduler`'s to ERROR, for the daemon's lines) leaves the next test the levels it found."""
    loggers = [logging.getLogger(name) for name in ("digest", "apscheduler")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., Controller]]:
    """Start aiosmtpd servers (a Mailbox, with aiosmtpd's ``options``: TLS, AUTH, SIZE) on free
    loopback ports; each is stopped after the test."""
    started: list[Controller] = []

    def start(**options: Any) -> Controller:
        controller = Controller(Mailbox(), hostname="127.0.0.1", port=free_port("127.0.0.1"), **options)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def shared_dumps() -> list[Path]:
    folder = SHARED / "dumps"
    if not folder.is_dir():
        pytest.skip(f"the shared dumps are not at {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file())


class Workspace:
    """A temporary digest setup: config.yaml, inbox/, profiles/."""

    def __init__(self, root: Path, smtp_port: int = 2525, database: str = "digest.db") -> None:
        self.root = root
        (root / "inbox").mkdir()
        (root / "profiles").mkdir()
        self.config_path = root / "config.yaml"
        self.config_path.write_text(
            f"database: {database}\ninbox: inbox\nprofiles: profiles\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n"
            "  from: Research digest <digest@example.org>\n  timeout: 5\n"
        )

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def profile(self, user: str, text: str, *, in_place: bool = False) -> Path:
        """Write ``user``'s profile whole, as `digest profile` does (renamed into place: a pass
        takes it at once); ``in_place``: written in place, as an editor or a sync tool does (a pass
        that finds it new waits until it is two seconds old: the tests of a save under way)."""
        path = self.root / "profiles" / f"{user}.yaml"
        if in_place:
            path.write_text(text)
        else:
            write_atomic(path, text, whole=True, sync=False)
        return path

    def dump(
        self, name: str, text: str | bytes, where: str = "inbox", mtime: dt.datetime | None = None
    ) -> Path:
        """Write a dump; ``mtime`` dates it (it anchors the listing's year and the settle time).
        By default a minute ago, and no later than SAVED_AT_LATEST: a dump dropped a while ago,
        that `digest ingest` need not wait for (see the tests of a dump still being written), of a
        listing of 2026 in any year the tests run in; a test that needs it recent says so
        (``mtime=a_minute_ago()``)."""
        path = self.root / where / name
        path.parent.mkdir(exist_ok=True)
        return write_dump(path, text, mtime)

    def cli(self, *args: str) -> object:
        return CliRunner().invoke(main, ["--config", str(self.config_path), *args])


# -- the database: SQLite, or a fresh PostgreSQL database per test -----------------------

BACKENDS = ("sqlite", "postgresql")
PG_ENV = ("PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE")
# libpq's variables of the runner's own that would take the tests, and the digest processes they
# start, to another server or search_path than .ci/pg's cluster: a service's settings come before
# PGHOST's, PGPORT's and PGPASSWORD's (PGSERVICE, from PGSERVICEFILE or ~/.pg_service.conf), and
# PGOPTIONS' search_path makes digest's tables elsewhere or nowhere; a session's settings
# (PGDATESTYLE other than ISO: psycopg "can't parse timestamptz with DateStyle 'SQL, DMY'";
# PGCLIENTENCODING=LATIN1: "'latin-1' codec can't encode character") fail digest's reads and
# writes; and the runner's demands of its own servers (PGSSLMODE=require or PGREQUIRESSL=1,
# PGGSSENCMODE=require, PGCHANNELBINDING=require, PGREQUIREAUTH, PGSSLNEGOTIATION=direct,
# PGTARGETSESSIONATTRS=read-only) refuse .ci/pg's cluster, which has no SSL and is a primary:
# libpq's defaults reach any server those settings would. Unset for the whole run (the tests of them
# set them themselves); a service kept where it alone names the server (no PGHOST or PGPORT), and
# its demands with it. PGTZ, PGAPPNAME, PGCONNECT_TIMEOUT, PGPASSFILE, PGSSLROOTCERT and the like
# break nothing (tests/test_pg_runner_environment.py's docstring): kept.
RUNNER_PG_SESSION_ENV = ("PGOPTIONS", "PGDATESTYLE", "PGCLIENTENCODING")
RUNNER_PG_ENV = (
    "PGSERVICE",
    "PGSERVICEFILE",
    *RUNNER_PG_SESSION_ENV,
    "PGSSLMODE",
    "PGREQUIRESSL",
    "PGGSSENCMODE",
    "PGCHANNELBINDING",
    "PGREQUIREAUTH",
    "PGSSLNEGOTIATION",
    "PGTARGETSESSIONATTRS",
)
for _variable in (
    RUNNER_PG_ENV if os.environ.get("PGHOST") or os.environ.get("PGPORT") else RUNNER_PG_SESSION_ENV
):
    os.environ.pop(_variable, None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``backends`` (a module's ``pytestmark``) run once on each database."""
    marked = metafunc.definition.get_closest_marker
    if "database" in metafunc.fixturenames and marked("backends") and not marked("sqlite_only"):
        metafunc.parametrize("database", BACKENDS, indirect=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty database on the server the PG* variables name (`pg_virtualenv` sets
    them); its URL leaves host, port, user and password to those variables. Dropped after."""
    if not any(os.environ.get(v) for v in PG_ENV):
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    import psycopg

    name = f"digest_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    # the files a worker keeps beside its database (digest.db.DatabaseUrl) in a folder of the test's,
    # not in the folder pytest runs from, for a test that gives the URL to Store as it is
    beside = tempfile.TemporaryDirectory(prefix=f"{name}-")
    try:
        yield DatabaseUrl(f"postgresql:///{name}", Path(beside.name))
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        beside.cleanup()


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) read-only, even for root (a read-only bind mount of it)."""
    if subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here (not root?)")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(path)], check=False)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """What the workspace's ``database:`` says: an SQLite file (relative to the config, in
    tmp_path), or (tests marked ``backends``, their second run) a fresh PostgreSQL database's URL."""
    if getattr(request, "param", "sqlite") == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        yield "digest.db"


@pytest.fixture
def db_at(tmp_path: Path, database: str) -> Path | str:
    """The database to open with ``Store(db_at)``: tmp_path/digest.db, or the PostgreSQL URL as
    the workspace's config names it (the files a pass keeps beside it in tmp_path, not in the
    folder pytest runs from)."""
    return DatabaseUrl(database, tmp_path) if database.startswith("postgresql://") else tmp_path / database


@contextlib.contextmanager
def failing_inserts(store, table: str, error: str) -> Iterator[None]:
    """Every INSERT into ``table`` fails with ``error`` (a real database error, from a trigger)."""
    if store.dialect == "postgresql":
        store.db.raw.execute(
            f"CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{error}'; "
            f"END $$; CREATE TRIGGER boom BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION boom()"
        )
    else:
        store.db.execute(
            f"CREATE TRIGGER boom BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, '{error}'); END"
        )
    yield
    store.db.execute("DROP TRIGGER boom" + (f" ON {table}" if store.dialect == "postgresql" else ""))


@pytest.fixture
def workspace(tmp_path: Path, database: str) -> Workspace:
    return Workspace(tmp_path, database=database)


@pytest.fixture
def mail_workspace(tmp_path: Path, smtp_server: LocalSmtpServer, database: str) -> Workspace:
    return Workspace(tmp_path, smtp_server.port, database=database)


HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def schema_at(db_at: Path | str, version: int):
    """A database (``db_at``: a SQLite file or a PostgreSQL URL) as a release at schema ``version``
    left it, still open: for the tests of an upgrade from it."""
    from digest.db import POSTGRESQL, SQLITE, PgConnection, is_postgres
    from digest.schema import run_migration

    if is_postgres(db_at):
        db = PgConnection(str(db_at))
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for v in range(version):
            run_migration(db, v, POSTGRESQL)
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    else:
        db = sqlite3.connect(db_at, isolation_level=None)
        for v in range(version):
            run_migration(db, v, SQLITE)
        db.execute(f"PRAGMA user_version = {version}")
    return db


def make_dump(day: str, papers: list[tuple[str, str]]) -> str:
    """A dump in the trending-papers format, from papers written in the test."""
    return HEADER + f"{day}\n\n" + "\n\n".join(f"{t}\n\n{a}" for t, a in papers) + "\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def trusted(certificate, monkeypatch) -> ssl.SSLContext:
    """The server's context; the client trusts its certificate (as a CA bundle would)."""
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


SECRET = "test-secret-0123456789abcdef0123"


class WebWorkspace(Workspace):
    """A workspace whose config has base_url (a free loopback port) and web.secret_env."""

    def __init__(self, root: Path, smtp_port: int, database: str = "digest.db") -> None:
        from digest.demo.smtp_server import free_port

        super().__init__(root, smtp_port, database)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        with self.config_path.open("a") as f:
            f.write(f"base_url: {self.base_url}\nweb:\n  secret_env: DIGEST_TEST_SECRET\n")

    def with_ada(self, profile: str) -> WebWorkspace:
        """This workspace with ada's profile file and a listing of one paper, Robotics Today, ingested."""
        self.profile("ada", profile)
        self.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert self.cli("ingest").exit_code == 0
        return self

    def page_url(self, user: str = "ada", at: dt.datetime = NOW) -> str:
        """The address of ``user``'s preferences page, its token signed ``at``, as their emails'
        links carry it."""
        from digest.signing import Signer

        return f"{self.base_url}/u/{Signer.from_config(self.config).token(user, at)}"

    @contextlib.contextmanager
    def serve(self, now: dt.datetime = NOW) -> Iterator[str]:
        """`digest serve`'s app on a thread, as a real HTTP server."""
        from werkzeug.serving import make_server

        from digest.signing import Signer
        from digest.web.app import create_app

        config = self.config
        app = create_app(config, Signer.from_config(config), lambda: now)
        server = make_server("127.0.0.1", self.port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self.base_url
        finally:
            server.shutdown()
            thread.join(5)

    def serve_command(self, port_option: bool = True) -> list[str]:
        """The real `digest serve` command on this workspace's config and port (``port_option``
        False: without --port, the config's web.port or the default)."""
        port = ["--port", str(self.port)] if port_option else []
        return [sys.executable, "-m", "digest", "--config", str(self.config_path), "serve", *port]

    @contextlib.contextmanager
    def served(
        self, hang: float = 300.0, env: dict[str, str] | None = None
    ) -> Iterator[subprocess.Popen[str]]:
        """:meth:`serve_process`, once it said "Serving on ...": its pages can be opened. ``hang``:
        the longest wait for that line, and for the process to end; ``env``: set in its environment
        besides this process's."""
        with self.serve_process(hang, env=env) as proc:
            assert select.select([proc.stdout], [], [], hang)[0], "digest serve printed nothing"
            serving = proc.stdout.readline()
            assert serving.startswith("Serving on "), serving + proc.stderr.read()
            yield proc

    @contextlib.contextmanager
    def serve_process(
        self, hang: float = 300.0, port_option: bool = True, env: dict[str, str] | None = None
    ) -> Iterator[subprocess.Popen[str]]:
        """:meth:`serve_command` run in the background, its output piped to the test; stopped with
        SIGTERM (a SIGINT is ignored when the test run was started in the background by a shell),
        killed if it hangs ``hang`` seconds, and its pipes closed, whatever failed. ``env``: set in
        its environment besides this process's."""
        proc = subprocess.Popen(
            self.serve_command(port_option),
            env={**os.environ, **(env or {}), "DIGEST_TEST_SECRET": SECRET},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=hang)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


@pytest.fixture
def web_workspace(tmp_path: Path, smtp_server: LocalSmtpServer, monkeypatch) -> WebWorkspace:
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    return WebWorkspace(tmp_path, smtp_server.port)
