"""A name without a profile file is looked up in the database (a renamed or removed reader's?);
where that look-up cannot read it, the error says why, as the commands that read it say it: a
table missing (the database restored in part, or changed by hand), a role that may not read it
(with the grant to make), a lock held too long, not the database's bare words ("no such table:
reader_renames", PostgreSQL's 'relation "reader_renames" does not exist' and its "LINE 1: ..."
statement, "permission denied for table reader_renames") after "could not be read"."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from digest.db import is_postgres
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends

NOT_KNOWN = (
    "no profile for user 'bax'. Did you mean 'bad'? (whether bax was a reader whose file was renamed or "
    "removed is not known: the database could not be read: "
)
PASSWORD = "r3ader-pw"


@pytest.fixture
def ws(tmp_path, database) -> Workspace:
    ws = Workspace(tmp_path, database=database)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    assert ws.cli("ingest").exit_code == 0  # the tables made
    return ws


def test_a_table_missing_is_said_so(ws, db_at):
    with Store(db_at) as store:
        store.db.execute("DROP TABLE reader_renames")
    result = ws.cli("rank", "bax")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert (
        f"{NOT_KNOWN}" in said
        and ": its table reader_renames is missing, though its schema version says it was made (the "
        "database restored in part, or changed by hand) ("
        in said
    ), said
    assert "LINE 1" not in said, said


def test_a_role_not_granted_the_table_is_told_the_grant(ws, db_at, tmp_path):
    if not is_postgres(db_at):
        pytest.skip("roles are PostgreSQL's")
    role = f"digest_none_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    with Store(db_at) as store:  # granted the tables there, but one an upgrade made later
        store.db.raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        store.db.raw.execute(f"REVOKE SELECT ON reader_renames FROM {role}")
    try:
        host = os.environ.get("PGHOST", "127.0.0.1")
        host = "127.0.0.1" if host.startswith("/") else host
        url = f"postgresql://{role}@{host}:{os.environ.get('PGPORT', '5432')}/{str(db_at).rsplit('/', 1)[1]}"
        text = ws.config_path.read_text().replace(f"database: {ws.config.database}", f"database: {url}")
        (tmp_path / "as_role.yaml").write_text(text.replace(text.splitlines()[0], f"database: {url}"))
        result = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(tmp_path / "as_role.yaml"), "rank", "bax"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PGPASSWORD": PASSWORD},
        )
    finally:
        with Store(db_at) as store:
            store.db.raw.execute(f"DROP OWNED BY {role}")
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")
    said = " ".join(result.stderr.split())
    assert result.returncode == 1, said
    assert (
        f"{NOT_KNOWN}{url}: role '{role}' may not use table reader_renames, made by an upgrade of digest "
        "after this role was granted the others (a grant ON ALL TABLES reaches only the tables there when "
        "it was made)"
    ) in said, said
    assert said.endswith(
        f"TO {role}); SELECT alone for a role that only reads (permission denied for table reader_renames))"
    )
