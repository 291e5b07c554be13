"""What the passes write down about profile file names (digest.daemon.names): a name whose file
went, so that the links signed before open no later reader given that name."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.daemon import names as names_module
from digest.daemon import renamed
from digest.daemon.names import look
from digest.daemon.renamed import carry_over
from digest.daemon.service import Daemon
from digest.deliver.outbox import Outbox
from digest.deliver.transports import SmtpSender
from digest.signing import Signed
from digest.store import SCHEMA_VERSION, Store
from digest.web.identity import link_reader

from conftest import schema_at

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
ADA = "email: ada@example.org\ninterests: [robotics]\n"


def names(store: Store) -> dict[str, tuple[int, str | None]]:
    rows = store.db.execute("SELECT user, live, gone_at FROM reader_names").fetchall()
    return {user: (live, gone_at) for user, live, gone_at in rows}


def test_a_file_found_gone_is_written_down_once_and_its_return_too(workspace):
    workspace.profile("ada", ADA)
    workspace.profile("eve", ADA.replace("ada@", "eve@"))
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        assert names(store) == {"ada": (1, None), "eve": (1, None)}
        (workspace.root / "profiles" / "eve.yaml").unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        look(config, store, MON + dt.timedelta(hours=2))  # still gone: when it went is kept
        assert names(store)["eve"] == (0, "2026-03-16T08:00:00+00:00")
        workspace.profile("eve", ADA.replace("ada@", "eve@"))
        look(config, store, MON + dt.timedelta(hours=3))
        assert names(store)["eve"] == (1, "2026-03-16T08:00:00+00:00")


def test_an_empty_profiles_folder_is_no_reader_removed(workspace):
    """A disk not mounted leaves its empty mount point: no link must die of it."""
    workspace.profile("ada", ADA)
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        (workspace.root / "profiles" / "ada.yaml").unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        assert names(store) == {"ada": (1, None)}


def test_a_profile_that_is_a_dangling_symbolic_link_is_still_its_readers_file(workspace, tmp_path):
    """A link to a share not mounted: the reader was not removed (digest.profiles.load.has_profile_file)."""
    workspace.profile("ada", ADA)
    shared = tmp_path / "share" / "eve.yaml"
    shared.parent.mkdir()
    shared.write_text(ADA.replace("ada@", "eve@"))
    (workspace.root / "profiles" / "eve.yaml").symlink_to(shared)
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
        shared.unlink()
        look(config, store, MON + dt.timedelta(hours=1))
        assert names(store)["eve"] == (1, None)


def version_19(db_at):
    """A database as the release before every removal was kept left it (schema 19), still open."""
    return schema_at(db_at, 19)


def test_the_upgrade_keeps_the_last_removal_of_each_name_whose_reader_is_not_known(workspace, db_at):
    """Schema 19 kept only when a name's file was last found gone, not whose it was: a name that
    never had a message (no address known) back with any address after the upgrade is a new
    reader for the links signed before."""
    db = version_19(db_at)
    db.execute("INSERT INTO reader_names VALUES ('ada', 1, NULL), ('eve', 0, '2026-03-16T08:00:00+00:00')")
    db.close()
    workspace.profile("ada", ADA)
    config = workspace.config
    with Store(config.database) as store:
        assert store.schema_version == SCHEMA_VERSION == 39
        rows = store.db.execute("SELECT user, gone_at, address FROM reader_name_removals").fetchall()
        assert rows == [("eve", "2026-03-16T08:00:00+00:00", None)]
        workspace.profile("eve", ADA.replace("ada@", "eve@"))
        look(config, store, MON + dt.timedelta(hours=3))
        assert names(store)["eve"] == (1, "2026-03-16T08:00:00+00:00")
    assert link_reader(config, Signed("eve", MON), MON + dt.timedelta(hours=3)) is None


def test_the_upgrade_keeps_with_a_removal_the_address_of_the_names_last_message(workspace, db_at):
    """bob's file went under schema 19, his digests went to bob@: back after the upgrade with his
    address, he is bob again, and his emails' links open his page (they said 410, with nothing in
    the log, as for a new reader). carl's file came back under 19, a new reader by the rules then:
    his removal stays settled (no address)."""
    db = version_19(db_at)
    db.execute(
        "INSERT INTO reader_names VALUES ('ada', 1, NULL), ('bob', 0, '2026-03-16T08:00:00+00:00'), "
        "('carl', 1, '2026-03-16T08:00:00+00:00')"
    )
    for n, (user, address) in enumerate((("bob", "bob@example.org"), ("carl", "carl@example.org"))):
        db.execute(
            "INSERT INTO outbox (message_id, user, recipient, subject, mime, paper_ids, status, "
            "next_attempt_at, created_at) VALUES (?, ?, ?, 's', ?, '[]', 'sent', ?, ?)",
            (f"<{n}@x>", user, address, b"m", "2026-03-16T07:00:00+00:00", "2026-03-16T07:00:00+00:00"),
        )
    db.close()
    workspace.profile("ada", ADA)
    workspace.profile("carl", "email: carl@example.org\ninterests: [x]\n")
    config = workspace.config
    with Store(config.database) as store:
        rows = store.db.execute("SELECT user, address FROM reader_name_removals ORDER BY user").fetchall()
        assert rows == [("bob", "bob@example.org"), ("carl", None)]
        workspace.profile("bob", "email: Bob@example.org\ninterests: [x]\n")
        look(config, store, MON + dt.timedelta(hours=3))
        assert names(store)["bob"] == (1, None)
    later = MON + dt.timedelta(hours=3)
    assert link_reader(config, Signed("bob", MON), later) == ("bob", workspace.root / "profiles" / "bob.yaml")
    assert link_reader(config, Signed("carl", MON), later) is None


def test_a_file_back_with_its_readers_address_undoes_only_its_own_removal(workspace):
    """eve (the first, eve.one@) removed; eve.two@ given the name, removed, back: the first
    removal stays (reader_names.gone_at is the last one kept), never to be undone (its reader's
    address dropped when another reader came)."""
    workspace.profile("ada", ADA)  # the folder is never empty (an empty one is not looked at)
    config = workspace.config
    with Store(config.database) as store:
        for n, address in enumerate(("eve.one@example.org", "eve.two@example.org")):
            workspace.profile("eve", f"email: {address}\ninterests: [x]\n")
            look(config, store, MON + dt.timedelta(hours=3 * n))
            with store.transaction():  # eve's digest of the day
                Outbox(store).enqueue(
                    user="eve", recipient=address, message_id=f"<{n}@x>", subject="s", mime=b"m",
                    paper_ids=[], now=MON + dt.timedelta(hours=3 * n + 1),
                )  # fmt: skip
            (workspace.root / "profiles" / "eve.yaml").unlink()
            look(config, store, MON + dt.timedelta(hours=3 * n + 2))
        rows = store.db.execute(
            "SELECT gone_at, address FROM reader_name_removals ORDER BY gone_at"
        ).fetchall()
        assert rows == [
            ("2026-03-16T09:00:00+00:00", None),  # settled: eve.two had the name since
            ("2026-03-16T12:00:00+00:00", "eve.two@example.org"),
        ]
        workspace.profile("eve", "email: Eve.Two@example.org\ninterests: [x]\n")
        look(config, store, MON + dt.timedelta(hours=7))
        assert names(store)["eve"] == (1, "2026-03-16T09:00:00+00:00")


def test_a_daemon_looks_at_the_names_again_only_once_the_profiles_folder_changed(
    mail_workspace, smtp_server, monkeypatch
):
    """A quiet pass reads no name (the folder's, the database's): with many readers that was
    most of its time. A file removed changes the folder: the next pass writes it down."""
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.profile("eve", ADA.replace("ada@", "eve@"))
    looks: list[dt.datetime] = []
    carries: list[dt.datetime] = []

    def looking(config, store, now, moved=None, taken=None, waiting=()):
        looks.append(now)
        return look(config, store, now, moved, taken, waiting)

    def carrying(config, store, profiles, now):
        carries.append(now)
        return carry_over(config, store, profiles, now)

    monkeypatch.setattr(names_module, "look", looking)  # as the pass makes them (names.carry_and_look)
    monkeypatch.setattr(renamed, "carry_over", carrying)
    clock = [MON - dt.timedelta(hours=3)]  # before the send times: quiet passes
    d = Daemon(ws.config, lambda: clock[0], sender_factory=lambda config: SmtpSender(config.smtp))
    for minutes in (0, 1):  # the folder read, and read once more right after (watch.py)
        clock[0] += dt.timedelta(minutes=minutes)
        d.run_once()
    read = (len(looks), len(carries))
    for _ in range(3):
        clock[0] += dt.timedelta(minutes=1)
        d.run_once()
    assert (len(looks), len(carries)) == read

    (ws.root / "profiles" / "eve.yaml").unlink()
    clock[0] += dt.timedelta(minutes=1)
    d.run_once()
    assert looks[-1] == clock[0] and carries[-1] == clock[0]
    with Store(ws.config.database) as store:
        assert names(store) == {"ada": (1, None), "eve": (0, clock[0].isoformat())}


def test_a_file_removed_without_the_folder_time_changing_is_still_found_gone_by_the_next_pass(
    mail_workspace, smtp_server
):
    """The folder's time is a hint, not a proof: a filesystem with a coarse clock (FAT's two
    seconds, some network shares) or a share caching the folder's attributes may leave it as it
    was when a file goes. The next pass still finds the file gone (it lists the names), so the
    links signed before open nothing once someone else is given the name."""
    import os

    from digest.signing import Signed
    from digest.web.identity import link_reader

    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.profile("eve", ADA.replace("ada@", "eve@"))
    folder = ws.root / "profiles"
    clock = [MON - dt.timedelta(hours=3)]  # before the send times: quiet passes
    d = Daemon(ws.config, lambda: clock[0], sender_factory=lambda config: SmtpSender(config.smtp))
    for _ in range(3):  # the folder read, read once more right after (watch.py), then quiet
        clock[0] += dt.timedelta(minutes=1)
        d.run_once()
    signed = Signed("eve", clock[0])  # a link in an email of eve's
    before = folder.stat()
    (folder / "eve.yaml").unlink()
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))  # the folder's time as it was
    clock[0] += dt.timedelta(minutes=1)
    d.run_once()
    with Store(ws.config.database) as store:
        assert names(store)["eve"] == (0, clock[0].isoformat())
    ws.profile("eve", ADA.replace("ada@", "eve.new@"))  # the name given to someone else
    clock[0] += dt.timedelta(minutes=1)
    d.run_once()
    assert link_reader(ws.config, signed, clock[0]) is None
