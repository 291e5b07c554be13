"""`digest run --once` is one pass, as `digest ingest` and `digest send` are: with a config named
relatively (`--config ../site/config.yaml`), what it says of each dump names it as they do, by the
path as typed ("../site/inbox/day.txt: 2026-03-14, 1 entry: ..."). Only the long-running `run`
and `serve`, which read the config again later, find it by its folder's full path (README)."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main

from conftest import make_dump, write_dump

CONFIG = "database: digest.db\ninbox: inbox\nprofiles: profiles\ndelivery:\n  transport: file\n  dir: out\n"


def test_run_once_names_a_dump_as_ingest_does(tmp_path, monkeypatch):
    said = {}
    for command in (("ingest",), ("run", "--once")):
        site = tmp_path / command[0] / "site"
        for folder in ("inbox", "profiles", "out"):
            (site / folder).mkdir(parents=True)
        (site / "config.yaml").write_text(CONFIG)
        (tmp_path / command[0] / "work").mkdir()
        write_dump(site / "inbox" / "day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        monkeypatch.chdir(tmp_path / command[0] / "work")
        done = CliRunner().invoke(main, ["--config", "../site/config.yaml", *command])
        assert done.exit_code == 0, done.output
        said[command[0]] = [line for line in done.output.splitlines() if "day.txt" in line]
    assert (
        said["run"]
        == said["ingest"]
        == ["../site/inbox/day.txt: 2026-03-14, 1 entry: 1 new paper, 0 already known"]
    ), said
