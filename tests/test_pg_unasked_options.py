"""Where the server cannot be asked why it refused a command (it went away meanwhile), the schema
the grant said names is the one the connection's search_path option names, read as libpq reads
the options: the URL's, even empty (`options=`: libpq then leaves PGOPTIONS unread), else its
service's (`service=` or PGSERVICE, from the connection service file), else PGOPTIONS'. Before,
an empty `options=` was passed over for PGOPTIONS, and a service's options were not read: the
grant said named another schema than the one the connection used. Real parts: libpq's own
behaviour shown through a real connection, a role's real refusal, the question asked through a
loopback proxy whose server is down."""

from __future__ import annotations

import os

import psycopg
import pytest
from helpers.slow_proxy import slow_proxy
from test_pg_refusal_asked_within import refused_role, urls

from digest.pggrants import NOT_ASKED, unasked_schema, write_refused

from conftest import postgres_database


def test_libpq_leaves_pgoptions_unread_for_an_empty_options_and_a_services_options_first(
    tmp_path, monkeypatch
):
    (tmp_path / "services.conf").write_text("[svc]\noptions=-c search_path=from_service\n")
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "services.conf"))
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        monkeypatch.setenv("PGOPTIONS", "-c search_path=from_env")
        for given, path in (
            (f"postgresql:///{name}", "from_env"),
            (f"postgresql:///{name}?options=", '"$user", public'),
            (f"dbname={name} service=svc", "from_service"),
            (f"dbname={name} service=svc options=", '"$user", public'),
        ):
            with psycopg.connect(given) as db:
                assert db.execute("SHOW search_path").fetchone() == (path,), given
            assert unasked_schema(given) == (path if path.startswith("from") else NOT_ASKED), given


def test_an_empty_options_in_the_url_is_not_taken_for_pgoptions(monkeypatch):
    with refused_role() as (refusal, role, name), slow_proxy(delay=None, hang_up=True) as proxy:
        monkeypatch.setenv("PGOPTIONS", "-c search_path=team_a")  # not read by libpq: options= given
        said_url, url = urls(role, proxy.port, name)
        said = str(write_refused(refusal, said_url, url + "?options="))
    # before: "... (GRANT SELECT ON ALL TABLES IN SCHEMA team_a TO ..."
    assert "team_a" not in said, said
    assert f"GRANT SELECT ON ALL TABLES IN SCHEMA {NOT_ASKED} TO {role}" in said, said


def test_the_options_of_the_service_the_url_names_are_read(tmp_path, monkeypatch):
    services = tmp_path / "services.conf"
    services.write_text(
        "# digest's\n[other]\noptions=-c search_path=x\n\n[digest]\noptions=-c search_path=digest_app\n"
    )
    with refused_role() as (refusal, role, name), slow_proxy(delay=None, hang_up=True) as proxy:
        monkeypatch.setenv("PGSERVICEFILE", str(services))
        monkeypatch.setenv("PGOPTIONS", "-c search_path=team_a")  # the service's options come first
        said_url, _ = urls(role, proxy.port, name)
        url = f"service=digest host=127.0.0.1 port={proxy.port} dbname={name} user={role} password=pw"
        said = str(write_refused(refusal, said_url, url))
    # before: "... IN SCHEMA team_a TO ..." (PGOPTIONS')
    assert f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}" in said, said
    monkeypatch.setenv("PGSERVICE", "digest")  # named by PGSERVICE as well
    assert unasked_schema("host=127.0.0.1 dbname=digest") == "digest_app"


def test_a_service_defined_in_no_file_read_here_is_said_not_known(tmp_path, monkeypatch):
    # libpq finds it in its build's folder (pg_config --sysconfdir): its options cannot be read
    (tmp_path / "services.conf").write_text("[other]\noptions=-c search_path=x\n")
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "services.conf"))
    monkeypatch.delenv("PGSYSCONFDIR", raising=False)
    monkeypatch.setenv("PGOPTIONS", "-c search_path=team_a")
    assert unasked_schema("service=digest") == NOT_ASKED


def test_a_service_file_is_read_as_libpq_reads_it(tmp_path, monkeypatch):
    # a key given twice (a line added below to change it): libpq takes the first; its group's line
    # with words after "]"; the same service's group again further down: libpq reads only the first.
    # Before: "second", NOT_ASKED, "two" and "two": the grant said named another schema than the one
    # the connection used
    monkeypatch.delenv("PGOPTIONS", raising=False)
    monkeypatch.delenv("PGSYSCONFDIR", raising=False)
    files = {
        "first": "[svc]\noptions=-c search_path=first\noptions=-c search_path=second\n",
        "header": "  # the team's\n[svc] digest's\noptions=-c search_path=header\n",
        "one": "[svc]\noptions=-c search_path=one\n[other]\n[svc]\noptions=-c search_path=two\n",
        NOT_ASKED: "[svc]\nport=5432\n\n[svc]\noptions=-c search_path=two\n",
    }
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        for schema, text in files.items():
            (tmp_path / "services.conf").write_text(text.replace("5432", os.environ.get("PGPORT", "5432")))
            monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "services.conf"))
            with psycopg.connect(f"service=svc dbname={name}") as db:  # libpq's reading of it
                path = db.execute("SHOW search_path").fetchone()[0]
            assert path == (schema if schema != NOT_ASKED else '"$user", public'), text
            assert unasked_schema(f"service=svc dbname={name}") == schema, text


def test_an_empty_service_in_the_url_is_not_taken_for_pgservice(tmp_path, monkeypatch):
    # libpq reads PGSERVICE only where the URL names no service: `service=` (empty) names the
    # service "", the group "[]" of the file (none there: "definition of service "" not found").
    # Before: PGSERVICE's "from_env", a schema the connection did not use
    monkeypatch.delenv("PGOPTIONS", raising=False)
    monkeypatch.delenv("PGSYSCONFDIR", raising=False)
    (tmp_path / "services.conf").write_text(
        "[svc]\noptions=-c search_path=from_env\n\n[]\noptions=-c search_path=from_empty\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "services.conf"))
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        monkeypatch.setenv("PGSERVICE", "svc")
        for given in (f"postgresql:///{name}?service=", f"dbname={name} service=''"):
            with psycopg.connect(given) as db:  # libpq's reading of it
                assert db.execute("SHOW search_path").fetchone() == ("from_empty",), given
            assert unasked_schema(given) == "from_empty", given
    (tmp_path / "services.conf").write_text("[svc]\noptions=-c search_path=from_env\n")
    with pytest.raises(psycopg.OperationalError, match='definition of service "" not found'):
        psycopg.connect("dbname=postgres service=''")
    assert unasked_schema("dbname=postgres service=''") == NOT_ASKED  # not known: libpq refuses it
