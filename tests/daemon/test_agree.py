"""Workers on one PostgreSQL database with other settings than each other's (digest.daemon.agree).

Seen on a walk of the several-workers set-up: a fourth worker started with another profiles
folder (ten of the eighty readers, and `ada.yaml` with r10's address) and `timezone: Asia/Tokyo`.
Its first pass moved r10's history to ada ('ada continues r10'), noted the seventy others removed
('their links open nothing from now on'); the other workers moved it back and undid the removals
at their passes, and so on at every pass; and r10 got a second digest that day, as ada."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
import zoneinfo
from pathlib import Path

import pytest
from daemon_processes import SlowMailbox, start, stop_all, wait_until
from helpers.machines import workspace

from digest.daemon.agree import differences, disagreement, worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.daemon.status import collect_status, format_status
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database

W = dt.timedelta(seconds=120)  # the default lease: a worker not seen for this long is not followed
PAPERS = [("Spiking neural networks on chips", "An abstract about spiking neural networks.")]


def due_now(zone: str = "UTC") -> str:
    """A send time ten minutes ago in ``zone``, on the same day there (just after midnight: 00:00)."""
    now = dt.datetime.now(zoneinfo.ZoneInfo(zone))
    return max(now - dt.timedelta(minutes=10), now.replace(hour=0, minute=0)).strftime("%H:%M")


def test_a_worker_with_another_profiles_folder_and_time_zone_queues_nothing_and_moves_no_history(
    tmp_path, smtp_server, caplog
):
    with postgres_database() as url:
        main = workspace(tmp_path / "main", smtp_server.port, url)
        for user in ("r10", "r11"):
            main.profile(user, f'email: {user}@example.org\ninterests: [spiking]\nsend_at: "{due_now()}"\n')
        main.dump("day.txt", make_dump("Mar 14", PAPERS))
        assert main.cli("ingest").exit_code == 0
        other = workspace(tmp_path / "other", smtp_server.port, url, "timezone: Asia/Tokyo\n")
        other.profile(
            "ada", f'email: r10@example.org\ninterests: [spiking]\nsend_at: "{due_now("Asia/Tokyo")}"\n'
        )
        procs = [start(main)]
        try:
            wait_until(lambda: len(smtp_server.handler.messages) == 2, 60, "both readers' digests", main)
            with Store(url) as store:  # started in an earlier second than the other (times are to the second)
                (started,) = store.db.execute("SELECT started_at FROM workers").fetchone()
            later = dt.datetime.fromisoformat(started) + dt.timedelta(seconds=1)
            wait_until(lambda: dt.datetime.now(dt.UTC) >= later, 5, "the next second", main)
            with caplog.at_level(logging.ERROR):
                result = other.cli("run", "--once")
            assert result.exit_code == 0, result.output
            said = caplog.text
            assert "this worker's settings differ from those of worker" in said
            assert f"profiles: '{other.root / 'profiles'}' here, '{main.root / 'profiles'}' there" in said
            assert "timezone: 'Asia/Tokyo' here, 'UTC' there" in said
            assert (
                "Not queueing digests" in said and "this one reads its config again at its next pass" in said
            )
            with Store(url) as store:
                assert store.db.execute("SELECT COUNT(*) FROM reader_renames").fetchone()[0] == 0
                assert store.db.execute("SELECT COUNT(*) FROM reader_name_removals").fetchone()[0] == 0
                assert sorted(r[0] for r in store.db.execute("SELECT user FROM outbox")) == ["r10", "r11"]
            assert sorted(m.rcpt_tos[0] for m in smtp_server.handler.messages) == [
                "r10@example.org",
                "r11@example.org",
            ]  # one digest each: none for r10 again as ada
        finally:
            stop_all(procs)


def test_the_settings_most_workers_have_go_on_then_the_longest_running_workers(tmp_path):
    """Of the workers that ended a pass queueing lately, those with the settings most of them have go
    on; of equal numbers, those of the worker started first. The others stand aside. The same
    folder written otherwise in a config is the same setting."""
    with postgres_database() as url:
        (tmp_path / "a").mkdir()
        a = Workspace(tmp_path / "a", database=url)
        b = workspace(tmp_path / "b", 2525, url, "send_at: '08:00'\n")
        same = workspace(tmp_path / "same", 2525, url, "")
        for ws in (b, same):  # a's folder, written otherwise
            ws.config_path.write_text(
                ws.config_path.read_text().replace("profiles: profiles", "profiles: ../a/profiles")
            )
        t0 = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
        with Store(url) as store:
            heartbeat(store, "h:1:a", t0, t0, settings=worker_settings(a.config))
            heartbeat(store, "h:2:b", t0 + dt.timedelta(seconds=1), t0, settings=worker_settings(b.config))
            heartbeat(store, "h:3:s", t0 + dt.timedelta(seconds=2), t0, settings=worker_settings(same.config))
            assert disagreement(store, "h:1:a", worker_settings(a.config), t0, W) is None
            aside = disagreement(store, "h:2:b", worker_settings(b.config), t0, W)
            assert aside is not None and aside.other == "h:1:a"
            assert aside.keys == (("send_at", "08:00", "07:00"),)
            assert aside.short == "not queueing: its send_at differs from h:1:a's"  # was "differ"
            assert disagreement(store, "h:3:s", worker_settings(same.config), t0, W) is None
            # more workers with b's settings than with a's: a is the one that stands aside
            heartbeat(store, "h:3:s", t0 + dt.timedelta(seconds=2), t0, settings=worker_settings(b.config))
            assert disagreement(store, "h:2:b", worker_settings(b.config), t0, W) is None
            aside = disagreement(store, "h:1:a", worker_settings(a.config), t0, W)
            assert aside is not None and aside.other == "h:2:b"
            # the others not seen for a lease (killed): no longer counted
            later = t0 + W + dt.timedelta(seconds=1)
            heartbeat(store, "h:1:a", t0, later, settings=worker_settings(a.config))
            assert disagreement(store, "h:1:a", worker_settings(a.config), later, W) is None


def test_on_sqlite_a_killed_workers_row_with_other_settings_holds_nothing_back(tmp_path):
    ws = Workspace(tmp_path)
    t0 = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    with Store(ws.config.database) as store:
        heartbeat(store, "h:1:old", t0, t0, settings='{"send_at": "06:00"}')
        heartbeat(store, "h:2:new", t0, t0, settings=worker_settings(ws.config))
        assert disagreement(store, "h:2:new", worker_settings(ws.config), t0, W) is None


def test_send_with_another_profiles_folder_than_the_workers_is_refused(tmp_path, smtp_server):
    """`digest send` carries renames over and notes removed profiles too: run with a config
    whose folder is not the workers' (here: a folder where r10's address is ada's), it is refused
    before it changes anything, saying which settings differ."""
    with postgres_database() as url:
        main = workspace(tmp_path / "main", smtp_server.port, url)
        main.profile("r10", "email: r10@example.org\ninterests: [spiking]\n")
        main.dump("day.txt", make_dump("Mar 14", PAPERS))
        assert main.cli("ingest").exit_code == 0
        assert main.cli("send").exit_code == 0  # r10 known: their digest sent
        other = workspace(tmp_path / "other", smtp_server.port, url)
        other.profile("ada", "email: r10@example.org\ninterests: [spiking]\n")
        now = dt.datetime.now(dt.UTC)
        with Store(url) as store:  # a worker running with main's config
            heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(main.config))
        result = other.cli("send")
        assert result.exit_code == 1, result.output
        assert (
            "its settings differ from those of the workers on this database (worker app1:7:abcd)"
            in result.output
        )
        assert (
            f"profiles: '{other.root / 'profiles'}' here, '{main.root / 'profiles'}' there" in result.output
        )
        with Store(url) as store:
            assert store.db.execute("SELECT COUNT(*) FROM reader_renames").fetchone()[0] == 0
            assert [r[0] for r in store.db.execute("SELECT user FROM outbox")] == ["r10"]
        assert len(smtp_server.handler.messages) == 1
        assert main.cli("send").exit_code == 0  # the workers' own config: as before


def settings_with(root: Path, extra: str) -> str:
    """The settings of a worker whose config (in ``root``) adds ``extra``."""
    ws = workspace(root, 2525, "postgresql:///unused", extra)
    ws.profile("r10", "email: r10@example.org\ninterests: [spiking]\n")
    return worker_settings(ws.config)


def test_workers_restarted_with_a_new_setting_are_not_held_back_by_the_killed_ones(tmp_path):
    """Three workers with send_at 07:00 killed (kill -9, a machine's crash: no farewell), two
    started again with send_at 08:00: the killed ones' rows stay (listed for a day), but a
    worker not seen for a lease is no one to stand aside for: else nobody queued anything for
    those ten minutes, and with grace_minutes under that, the day's digests were lost."""
    old, new = settings_with(tmp_path / "old", ""), settings_with(tmp_path / "new", "send_at: '08:00'\n")
    t0 = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    later = t0 + dt.timedelta(minutes=3)
    with postgres_database() as url, Store(url) as store:
        for n in range(3):
            heartbeat(store, f"h:{n}:old", t0 - dt.timedelta(hours=1), t0, settings=old)
        heartbeat(store, "h:7:new", later, later, "in a pass", keep_settings=True)
        heartbeat(store, "h:8:new", later, later, settings=new)
        assert disagreement(store, "h:7:new", new, later, W) is None
        assert disagreement(store, "h:8:new", new, later, W) is None
        assert disagreement(store, "h:9:old", old, later, W) is not None  # one still on 07:00


def test_a_worker_whose_passes_fail_or_that_stands_aside_itself_holds_nobody_back(tmp_path):
    """Of two workers with other settings, the longest running one goes on; the other stands
    aside only while the first ends its passes queueing. Once the first stands aside too (a
    third one came), or its passes fail (settings cleared), the second is not held back."""
    a, b = settings_with(tmp_path / "a", ""), settings_with(tmp_path / "b", "send_at: '08:00'\n")
    t0 = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    with postgres_database() as url, Store(url) as store:
        heartbeat(store, "h:1:a", t0 - dt.timedelta(hours=1), t0, settings=a)
        heartbeat(store, "h:2:b", t0, t0, "in a pass", keep_settings=True)
        aside = disagreement(store, "h:2:b", b, t0, W)
        assert aside is not None and aside.other == "h:1:a"
        heartbeat(store, "h:2:b", t0, t0, aside.short, None)  # b's pass ends standing aside
        assert disagreement(store, "h:1:a", a, t0, W) is None  # a is never held back by b
        heartbeat(store, "h:1:a", t0 - dt.timedelta(hours=1), t0, "its last pass failed")
        assert disagreement(store, "h:2:b", b, t0, W) is None  # a failing: b goes on


def test_a_pass_that_fails_clears_the_workers_settings(tmp_path, smtp_server):
    """A real daemon's pass failing after its heartbeat (here: the outbox table gone) leaves its
    row without settings: the workers that stood aside for it go on."""
    from digest.daemon.service import Daemon
    from digest.db import wall_clock

    with postgres_database() as url:
        ws = workspace(tmp_path / "w", smtp_server.port, url)
        ws.profile("r10", f'email: r10@example.org\ninterests: [spiking]\nsend_at: "{due_now()}"\n')
        daemon = Daemon(ws.config, wall_clock)
        daemon.tick()
        with Store(url) as store:
            assert store.db.execute("SELECT settings FROM workers").fetchone()[0] is not None
            with store.transaction() as db:
                db.execute("ALTER TABLE outbox RENAME TO outbox_gone")
        daemon.tick()
        with Store(url) as store:
            holds, settings = store.db.execute("SELECT holds, settings FROM workers").fetchone()
            assert (holds, settings) == ("its last pass failed", None)


def test_a_time_zone_written_two_ways_is_the_same_setting():
    here = '{"timezone": "UTC", "send_at": "07:00"}'
    for same, other in (("UTC", "Etc/UTC"), ("Europe/London", "GB"), ("Asia/Tokyo", "Japan")):
        a = here.replace('"UTC"', f'"{same}"')
        b = here.replace('"UTC"', f'"{other}"')
        assert differences(json.loads(a), json.loads(b)) == ()
    assert differences(json.loads(here), json.loads(here.replace('"UTC"', '"Europe/London"'))) == (
        ("timezone", "UTC", "Europe/London"),
    )  # an hour apart half the year


def test_a_profiles_folder_mounted_at_another_path_is_the_same_folder(tmp_path):
    """Several machines mount one shared folder (NFS) at paths of their own: the same profile
    names there are the same folder; other names are another one."""
    here, there = tmp_path / "m1" / "profiles", tmp_path / "m2" / "mnt" / "profiles"
    for folder in (here, there):
        folder.mkdir(parents=True)
        for user in ("r10", "r11"):
            (folder / f"{user}.yaml").write_text(f"email: {user}@example.org\ninterests: [spiking]\n")
    a, b = settings_with_folder(tmp_path / "a", here), settings_with_folder(tmp_path / "b", there)
    assert differences(json.loads(a), json.loads(b)) == ()
    (there / "ada.yaml").write_text("email: r10@example.org\ninterests: [spiking]\n")
    b = settings_with_folder(tmp_path / "c", there)
    assert [k for k, _, _ in differences(json.loads(a), json.loads(b))] == ["profiles"]


def settings_with_folder(root: Path, folder: Path) -> str:
    ws = workspace(root, 2525, "postgresql:///unused")
    ws.config_path.write_text(ws.config_path.read_text().replace("profiles: profiles", f"profiles: {folder}"))
    return worker_settings(ws.config)


def worker_row(url: str) -> tuple[str, str, str | None] | None:
    """The one worker's (id, seen_at, settings), or None before its first heartbeat."""
    with Store(url) as store:
        return store.db.execute("SELECT id, seen_at, settings FROM workers").fetchone()


def test_a_worker_in_a_pass_longer_than_a_lease_is_still_one_to_stand_aside_for(tmp_path):
    """A worker sending a big batch heartbeats at its pass's start and end only: past a lease
    into the send it looked gone, and a worker with other settings queued meanwhile (readers at
    two times, histories moved). The message leases it renews while it sends count as its
    being there (and `digest status` shows it running, not 'not seen since')."""
    lease = dt.timedelta(seconds=2)
    mailbox = SlowMailbox(delay=0.4)
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        extra = f"delivery:\n  lease_seconds: {lease.seconds}\n  connections: 1\n"
        main = workspace(tmp_path / "main", server.port, url, extra)
        other = settings_with(tmp_path / "other", "send_at: '08:00'\n")
        proc = start(main)
        try:
            wait_until(lambda: (r := worker_row(url)) is not None and r[2] is not None, 60, "a pass", main)
            for n in range(25):  # then readers due now: a send of about ten seconds
                main.profile(
                    f"r{n}", f'email: r{n}@example.org\ninterests: [spiking]\nsend_at: "{due_now()}"\n'
                )
            main.dump("day.txt", make_dump("Mar 14", PAPERS))

            def sending_past_a_lease() -> bool:
                time.sleep(0.1)
                _, seen, _ = worker_row(url)
                past = wall_clock() - dt.datetime.fromisoformat(seen)  # (times are kept to the second)
                return bool(mailbox.messages) and past > lease + dt.timedelta(seconds=1.5)

            wait_until(sending_past_a_lease, 60, "a send longer than a lease", main)
            now = wall_clock()
            with Store(url) as store:
                aside = disagreement(store, "", other, now, lease)
            text = format_status(collect_status(main.config, now))
            assert len(mailbox.messages) < 25, "the send was over before it was looked at"
            worker = worker_row(url)[0]
        finally:
            stop_all([proc])
    assert aside is not None and aside.other == worker
    assert f"{worker}: last seen" in text and "not seen for" not in text


@pytest.mark.backends
def test_profile_new_with_another_profiles_folder_than_the_workers_is_refused(tmp_path, db_at):
    """`digest profile new` under the name of a reader whose file is gone notes the renames and
    the removed profiles first, as a pass would: with a config whose folder is not the workers',
    it noted their readers removed (their links open nothing). It is refused as `digest send` is,
    before it writes anything, and makes no file (on SQLite too: it takes no run lock, so it may
    run beside the daemon)."""
    url = str(db_at)
    main = workspace(tmp_path / "main", 2525, url)
    main.profile("r10", "email: r10@example.org\ninterests: [spiking]\n")
    other = workspace(tmp_path / "other", 2525, url)
    now = dt.datetime.now(dt.UTC)
    with Store(url) as store:
        store.set_schedule_state("eve", "2026-03-15", now - dt.timedelta(days=1))  # eve had digests
        heartbeat(store, "app1:7:abcd", now, now, settings=worker_settings(main.config))
    assert main.cli("send", "--dry-run").exit_code == 0  # the workers' names written down
    with Store(url) as store:
        before = store.db.execute("SELECT user, live FROM reader_names ORDER BY user").fetchall()
    with RunLock(url).acquire(worker="app1:7:abcd"):  # on SQLite, it holds it while it runs
        result = other.cli("profile", "new", "eve", "--email", "eve@example.org", "-i", "spiking")
    assert result.exit_code == 1, result.output
    assert "its settings differ from those of the workers on this database (worker app1:7:abcd)" in (
        result.output
    )
    assert not (other.root / "profiles" / "eve.yaml").exists()
    with Store(url) as store:
        after = store.db.execute("SELECT user, live FROM reader_names ORDER BY user").fetchall()
        assert store.db.execute("SELECT COUNT(*) FROM reader_name_removals").fetchone()[0] == 0
    assert after == before


def count_listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders listed (os.scandir, os.listdir) from now until the test ends: each listing
    is done by the real function and noted. (An audit hook, which cannot be removed, stayed
    installed for the rest of the session.)"""
    listed: list[str] = []
    for name in ("scandir", "listdir"):
        real = getattr(os, name)

        def noting(path=".", _real=real):
            listed.append(os.fspath(path) if not isinstance(path, int) else str(path))
            return _real(path)

        monkeypatch.setattr(os, name, noting)
    return listed


def test_a_quiet_pass_lists_the_profiles_folder_once(tmp_path, monkeypatch):
    """The worker's settings (the names its profiles folder holds, for a folder mounted at
    another path) were taken from a listing of their own, beside the one the pass makes to
    tell whether a file came or went: the pass lists the folder once, for both."""
    from digest.daemon.service import Daemon

    ws = Workspace(tmp_path)
    ws.profile("r10", "email: r10@example.org\ninterests: [spiking]\n")
    t0 = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    daemon = Daemon(ws.config, clock=lambda: t0)
    for _ in range(2):  # the first passes read the folder (its files: the scan)
        daemon.tick()
    noted = count_listings(monkeypatch)
    daemon.tick()
    monkeypatch.undo()
    folder = str(ws.root / "profiles")
    listed = [p for p in noted if p.rstrip("/") == folder]
    assert len(listed) == 1, listed
    with Store(ws.config.database) as store:
        (settings,) = store.db.execute("SELECT settings FROM workers").fetchone()
    assert settings == worker_settings(ws.config)  # the same as a listing of its own makes
