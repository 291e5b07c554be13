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


def wall_clock_names(tree: ast.Module) -> set[str]:
    """The names under which a module calls digest.db's wall_clock as it runs: each name it takes
    wall_clock under (``as`` another name too), from digest.db or from a module that took it (``from
    digest.daemon.clocks import wall_clock``), named anywhere but as a default argument (bound as the
    module is imported, out of a worker's reach: its callers pass ``wall`` on)."""
    taken = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("digest"))
        for a in node.names
        if a.name == "wall_clock"
    }
    functions = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    ]
    defaults = {id(d) for f in functions for d in (*f.args.defaults, *f.args.kw_defaults) if d is not None}
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in taken and id(n) not in defaults
    }


def test_the_scan_finds_the_clock_under_another_name_or_taken_from_another_module():
    assert wall_clock_names(ast.parse("from digest.db import wall_clock as now\nnow()")) == {"now"}
    taken_on = "from digest.daemon.clocks import wall_clock\ndef f():\n    return wall_clock()"
    assert wall_clock_names(ast.parse(taken_on)) == {"wall_clock"}
    assert wall_clock_names(ast.parse("from ..db import wall_clock\nwall_clock()")) == {"wall_clock"}
    assert wall_clock_names(ast.parse("from digest.db import wall_clock\ndef f(w=wall_clock): w()")) == set()


def test_every_module_that_reads_the_wall_clock_as_it_runs_is_given_the_workers():
    package = ROOT / "digest"
    names = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): wall_clock_names(
            ast.parse(path.read_text(encoding="utf-8"))
        )
        for path in package.rglob("*.py")
    }
    reading = {module for module, taken in names.items() if taken}
    assert reading, "no module found reading digest.db.wall_clock: has it another name now?"
    # the simulated workers set each module's wall_clock: a clock read under another name is out of reach
    renamed = {module: taken for module, taken in names.items() if taken - {"wall_clock"}}
    assert not renamed, f"read under another name than wall_clock, which the workers set: {renamed}"
    assert reading | {"digest.db"} == {m.__name__ for m in CLOCKED}


def test_a_killed_pass_takes_its_clock_before_any_module_can():
    lines = KILLED_PASS.strip().splitlines()
    imports = [i for i, line in enumerate(lines) if line.startswith(("import digest", "from digest"))]
    patched = next(i for i, line in enumerate(lines) if "digest.db.wall_clock = " in line)
    assert lines[imports[0]] == "import digest.db"
    assert imports[0] < patched < imports[1], "\n".join(lines)


def test_every_call_in_digest_of_a_function_taking_the_wall_clock_passes_it():
    """queue_due's send_due, tick's run_once, delivery's deliver_due, claims' lease_holder and the Daemon
    take ``wall`` with digest.db's wall_clock as its default, bound as they are imported, which
    the simulated workers' setting of digest.db.wall_clock never reaches: a call in digest/ that
    leaves it out reads a clock no worker sets (`digest run` made its Daemon so, and send_digests
    its deliver_due). Tests may leave it out: they run on one clock."""
    import inspect

    from digest.daemon import queue_due, service, tick
    from digest.deliver import claims, delivery

    taking = {
        name: [p.name for p in inspect.signature(f).parameters.values()].index("wall")
        for name, f in {
            "send_due": queue_due.send_due,
            "run_once": tick.run_once,
            "deliver_due": delivery.deliver_due,
            "lease_holder": claims.lease_holder,
            "Daemon": service.Daemon.__init__,
        }.items()
    }
    taking["Daemon"] -= 1  # self
    leaving = []
    for path in sorted((ROOT / "digest").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {  # the name each is called under, imported from its own module
            a.asname or a.name: a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module in (tick.__name__, queue_due.__name__, delivery.__name__)
            or isinstance(node, ast.ImportFrom)
            and node.module in (claims.__name__, service.__name__)
            for a in node.names
            if a.name in taking
        }
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            name = imported.get(call.func.id)
            if name is None:
                continue
            given = any(k.arg in ("wall", None) for k in call.keywords) or len(call.args) > taking[name]
            if not given:
                leaving.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}")
    assert not leaving, f"called without wall, which then reads a clock no worker sets: {leaving}"
