"""The simulated workers (simulated_workers) are machines whose clocks are off by minutes: each
reading of the wall clock a worker's leases are judged by is its own, ``CLOCKED``'s modules given
its clock. digest.daemon.clocks reads it for server_time (agree's and sendnow's times on the
server's clock): a worker 5 min ahead has its times taken 5 min back there too, not its clock
left as if it were the server's."""

from __future__ import annotations

import ast
import datetime as dt

import pytest
from simulated_days import Server
from simulated_workers import CLOCKED, KILLED_PASS, Worker, Workers

import digest.db
from digest.daemon.clocks import server_time
from digest.store import Store

from conftest import ROOT, Workspace

pytestmark = pytest.mark.backends


def test_a_simulated_worker_ahead_is_ahead_for_server_time_too(tmp_path, database):
    if not str(database).startswith("postgresql"):
        pytest.skip("one clock on SQLite: no skew to take off")
    sim = Workers(Workspace(tmp_path, 2525, database), Server(), 19)
    ahead = dt.timedelta(minutes=5)
    sim.workers = [Worker("w0", ahead, "clocks")]
    with sim.as_worker(), Store(sim.ws.config.database) as store:
        now = digest.db.wall_clock()  # the worker's clock
        off = now - server_time(store, now)
    assert abs(off - ahead) < dt.timedelta(seconds=5), off


def reads_the_wall_clock(tree: ast.Module) -> bool:
    """Whether a module calls digest.db's wall_clock as it runs: takes it from digest.db and names
    it anywhere but as a default argument (bound as the module is imported, out of a worker's reach:
    its callers pass ``wall`` on)."""
    taken = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "digest.db"
        and "wall_clock" in {a.name for a in node.names}
        for node in ast.walk(tree)
    )
    functions = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    ]
    defaults = {id(d) for f in functions for d in (*f.args.defaults, *f.args.kw_defaults) if d is not None}
    named = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == "wall_clock" and id(n) not in defaults
    ]
    return taken and bool(named)


def test_every_module_that_reads_the_wall_clock_as_it_runs_is_given_the_workers():
    package = ROOT / "digest"
    reading = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in package.rglob("*.py")
        if reads_the_wall_clock(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert reading, "no module found reading digest.db.wall_clock: has it another name now?"
    assert reading | {"digest.db"} == {m.__name__ for m in CLOCKED}


def test_a_killed_pass_takes_its_clock_before_any_module_can():
    lines = KILLED_PASS.strip().splitlines()
    imports = [i for i, line in enumerate(lines) if line.startswith(("import digest", "from digest"))]
    patched = next(i for i, line in enumerate(lines) if "digest.db.wall_clock = " in line)
    assert lines[imports[0]] == "import digest.db"
    assert imports[0] < patched < imports[1], "\n".join(lines)
