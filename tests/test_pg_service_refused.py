"""A PostgreSQL server not reached where the connection's settings came from a connection service
(PGSERVICE, or the URL's `service=`): libpq takes the service's host, port, user and password
before PGHOST's, PGPORT's, PGUSER's and PGPASSWORD's, so the advice to check the URL and those
variables sent the user to the wrong place. Before: "...; check the URL and the PGHOST, PGPORT,
PGUSER, PGPASSWORD and PGDATABASE variables it leaves to the environment", the service unnamed.
Real parts: a real `digest status` process, libpq reading a real service file, a port on loopback
nothing listens on (no server needed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize(
    ("url", "pgservice", "named"),
    [
        ("postgresql:///digest", "svc", "the service 'svc' PGSERVICE names"),
        ("postgresql:///digest?service=svc", None, "the service 'svc' the URL names"),
    ],
    ids=["pgservice", "the-urls-service"],
)
def test_a_server_not_reached_through_a_service_names_the_service(tmp_path, url, pgservice, named):
    with socket.socket() as held:  # a port nothing listens on: the connection refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        (tmp_path / "services.conf").write_text(f"[svc]\nhost=127.0.0.1\nport={port}\n")
        config = (
            (ROOT / "config.example.yaml").read_text().replace("database: digest.db", f"database: {url}", 1)
        )
        (tmp_path / "config.yaml").write_text(config)
        env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
        env["PGSERVICEFILE"] = str(tmp_path / "services.conf")
        if pgservice is not None:
            env["PGSERVICE"] = pgservice
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(tmp_path / "config.yaml"), "status"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    said = done.stdout + done.stderr
    assert done.returncode != 0 and f'to server at "127.0.0.1", port {port} failed' in said, said
    # before: "check the URL and the PGHOST, PGPORT, ..." (the service, whose settings were used, unnamed)
    assert (
        f"; check the URL, {named} (its settings, in PGSERVICEFILE or ~/.pg_service.conf, come before the "
        "variables') and the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables it leaves to the "
        "environment"
    ) in said, said
