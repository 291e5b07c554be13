"""Another machine of a deployment on one PostgreSQL database: a config folder of its own."""

from __future__ import annotations

from pathlib import Path

from conftest import Workspace


def machine(ws: Workspace, folder) -> Workspace:
    """Another machine's config folder: the same database, profiles, inbox and templates."""
    folder.mkdir()
    other = Workspace.__new__(Workspace)
    other.root, other.config_path = ws.root, folder / "config.yaml"
    other.config_path.write_text(
        ws.config_path.read_text()
        .replace("inbox: inbox", f"inbox: {ws.root / 'inbox'}")
        .replace("profiles: profiles", f"profiles: {ws.root / 'profiles'}")
        .replace("templates: tpl", f"templates: {ws.root / 'tpl'}")
    )
    return other


def workspace(root: Path, port: int, url: str, extra: str = "") -> Workspace:
    """A worker's config folder at ``root`` on the database ``url``, polling every 0.5 s (``extra``:
    more of its YAML)."""
    root.mkdir()
    ws = Workspace(root, port, database=url)
    with ws.config_path.open("a") as f:
        f.write(f"scheduler:\n  poll_seconds: 0.5\n  settle_seconds: 1\n{extra}")
    return ws
