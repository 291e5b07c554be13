"""A user's text template that fails for some readers alone (an undefined value read for bob), and
two machines of one PostgreSQL database whose readers bob and cy it fails for."""

from __future__ import annotations

import datetime as dt
import os

from digest.compose.render import builtin_templates
from helpers.machines import machine

from conftest import Workspace, make_dump

TEXT = (builtin_templates() / "digest.txt.j2").read_text()


def trap(ws, name: str | None) -> None:
    """The user's text template; ``name``: an undefined value it reads for bob (None: it does not)."""
    path = ws.root / "tpl" / "digest.txt.j2"
    stamp = path.stat().st_mtime_ns + 10**9 if path.exists() else None
    path.write_text(
        ("" if name is None else f"{{% if profile.user == 'bob' %}}{{{{ {name} }}}}{{% endif %}}") + TEXT
    )
    if stamp is not None:  # a change the renderer sees, however quick the test
        os.utime(path, ns=(stamp, stamp))


def failures_listed(ws: Workspace) -> list[str]:
    """The readers `digest status` lists as those whose digest could not be made."""
    text = ws.cli("status").output
    if "Readers whose digest could not be made" not in text:
        return []
    lines = text.split("Readers whose digest could not be made", 1)[1].splitlines()[1:] + [""]
    return [line.split(":")[0].strip() for line in lines[: lines.index("")]]


def two_machines(tmp_path, port: int, url: str) -> tuple[Workspace, Workspace]:
    """db1 and app2, one database; ada, bob and cy due, the template failing for bob and cy."""
    (tmp_path / "db1").mkdir()
    a = Workspace(tmp_path / "db1", port, database=url)
    (a.root / "tpl").mkdir()
    trap(a, "no_such_value")
    a.config_path.write_text(a.config_path.read_text() + "templates: tpl\n")
    b = machine(a, tmp_path / "app2")
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%H:%M")
    for user in ("ada", "bob", "cy"):
        a.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    a.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
    (a.root / "tpl" / "digest.txt.j2").write_text(
        (a.root / "tpl" / "digest.txt.j2").read_text().replace("'bob'", "'bob' or profile.user == 'cy'")
    )
    return a, b
