"""`digest db migrate`: an SQLite database moved into PostgreSQL without loss."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from helpers.killed_pass import killed_pass_journal

from digest.cli import main
from digest.daemon.claims import farewell, heartbeat
from digest.db import DatabaseUrl, wall_clock
from digest.deliver.delivery import deliver_due
from digest.deliver.journal import Journal
from digest.deliver.outbox import Outbox
from digest.deliver.unrecorded import Accepted
from digest.ingest.dumps import ingest
from digest.ingest.sources import read_dump
from digest.profiles.load import load_profiles
from digest.select.digests import next_digests
from digest.store import Store
from digest.store_papers import merge_paper

from conftest import NOW, Workspace, make_dump, postgres_database, read_only_file


def test_migrate_copies_every_row_and_the_next_digests_are_the_same(mail_workspace, shared_dumps):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks, diffusion]\n")
    ws.profile("kurt", "email: kurt@example.org\ninterests: [large language models]\n")
    config = ws.config
    dumps = sorted(shared_dumps, key=lambda p: read_dump(p).day)  # as they came, day after day
    with Store(config.database) as store:
        ingest(store, dumps[:3], NOW)
        assert ws.cli("send").exit_code == 0  # deliveries, outbox, its bytes, schedule state
        store.rate("ada", store.papers()[0].id, 1, NOW)
        ingest(store, dumps[3:], NOW + dt.timedelta(days=1))
        before = [(d.profile.user, d.paper_ids) for d in next_digests(store, load_profiles(config), NOW)]
        assert before and all(ids for _, ids in before)
    with postgres_database() as url:
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 0, result.output
        assert "every table's rows are there" in result.output and "MISMATCH" not in result.output
        with Store(url) as pg, Store(config.database) as lite:
            for table in (
                "papers",
                "listings",
                "outbox",
                "outbox_mime",
                "deliveries",
                "sent_papers",
                "ratings",
            ):
                assert pg.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, table
            assert pg.counts() == lite.counts()
            for sql in ("SELECT SUM(entries) FROM listings", "SELECT COUNT(*) FROM deliveries"):
                assert pg.db.execute(sql).fetchone()[0] == lite.db.execute(sql).fetchone()[0], sql
            assert [m.mime for m in _outbox(pg)] == [m.mime for m in _outbox(lite)]
            after = [(d.profile.user, d.paper_ids) for d in next_digests(pg, load_profiles(config), NOW)]
            assert after == before
            # new rows continue after the copied ids
            new = pg.db.execute(
                "INSERT INTO listings (sha256, day, source, entries, ingested_at) VALUES ('x', '2026-03-20', "
                "'x', 0, '2026-03-20T00:00:00+00:00')"
            ).lastrowid
            assert new > lite.db.execute("SELECT MAX(id) FROM listings").fetchone()[0]
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1, again.output  # the listing added on PostgreSQL: said so
        assert "rows differ since (listings: 1 row only the database holds)" in " ".join(again.output.split())


def test_migrate_wants_a_postgresql_url(workspace):
    workspace.dump("d.txt", make_dump("Mar 14", [("A paper", "About things.")]))  # no settling to wait for
    assert workspace.cli("ingest").exit_code == 0
    result = workspace.cli("db", "migrate", "--to", "mysql://x/y")
    assert result.exit_code == 1 and "--to must be a postgresql:// URL" in result.output


def test_a_target_not_postgresql_holding_a_password_is_refused_without_quoting_it(workspace):
    """An upper-case scheme (libpq reads no other than postgresql://) with a password: refused, the
    password not printed (the output may go to a log or a terminal shared)."""
    result = workspace.cli("db", "migrate", "--to", "POSTGRESQL://ada:s3cret@db1/digest")
    assert result.exit_code == 1, result.output
    assert "--to must be a postgresql:// URL, got a URL holding a password (not shown)" in result.output
    assert "s3cret" not in result.output


def test_a_url_with_a_password_is_refused_before_the_copy_not_printed_for_the_config(workspace):
    """The user saw the copy made, then 'Now set `database: postgresql://digest:<the password in
    clear>@db1/digest` in config.yaml', a value the config then refuses ('must not hold a password')."""
    workspace.dump("d.txt", make_dump("Mar 14", [("A paper", "About things.")]))
    assert workspace.cli("ingest").exit_code == 0
    with postgres_database() as url:
        password = os.environ.get("PGPASSWORD") or "not-the-password"
        user, host = os.environ.get("PGUSER", "postgres"), os.environ.get("PGHOST", "localhost")
        port = os.environ.get("PGPORT", "5432")
        with_password = f"postgresql://{user}:{password}@{host}:{port}/{url.rsplit('/', 1)[1]}"
        result = workspace.cli("db", "migrate", "--to", with_password)
        assert result.exit_code == 1, result.output
        assert "--to (the URL `database:` will hold) must not hold a password" in result.output
        assert "set PGPASSWORD in the environment" in result.output and password not in result.output
        with Store(url) as pg:  # nothing copied: the same command without the password still can
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0


def test_the_url_said_for_the_config_holds_the_host_that_pghost_gave_the_command(workspace, monkeypatch):
    """As the README has it (`PGHOST=db1... digest db migrate --to postgresql:///digest`), the user
    was told 'Now set `database: postgresql:///digest`': a worker with no PGHOST (systemd's, whose
    env file has PGUSER and PGPASSWORD) written so looks for a server on this machine's socket."""
    workspace.dump("d.txt", make_dump("Mar 14", [("A paper", "About things.")]))
    assert workspace.cli("ingest").exit_code == 0
    host = os.environ.get("PGHOST", "")
    if not host or host.startswith("/"):
        pytest.skip("PGHOST names no host (a socket folder): nothing to write in the URL")
    with postgres_database() as url:
        result = workspace.cli("db", "migrate", "--to", url)
        assert result.exit_code == 0, result.output
        (said,) = [x for x in result.output.splitlines() if x.startswith("Now set `database: ")]
        written = said.split("`")[1].removeprefix("database: ")
        assert urlsplit(written).hostname == host and "(with the host" in said, said
        with monkeypatch.context() as env:  # no PGHOST (the env put back for the drop after)
            env.delenv("PGHOST")
            env.delenv("PGPORT", raising=False)
            with Store(written) as pg:  # the URL alone reaches the copy
                assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 1


def _outbox(store: Store):
    return Outbox(store).messages()


def test_what_a_killed_pass_noted_as_accepted_is_not_sent_again_from_postgresql(mail_workspace, smtp_server):
    """`digest send` on SQLite killed mid-pass leaves a journal beside the file (what the server
    accepted, not recorded yet); the copy records it first, as the next pass would have: the
    workers on PostgreSQL never read that file."""
    config = mail_workspace.config
    with Store(config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            ids = [
                outbox.enqueue(
                    user=f"r{i}", recipient=f"r{i}@example.org", message_id=f"<m{i}@x>", subject="s",
                    mime=b"Subject: s\r\n\r\nbody\r\n", paper_ids=[], now=NOW,
                    holder=("vm:4242", wall_clock() + dt.timedelta(minutes=2)),  # leases: the wall clock
                )
                for i in range(3)
            ]  # fmt: skip
        journal = Journal.open(store)
        for n in range(2):  # the server took two; the process was killed before recording them
            journal.note(Accepted(ids[n], f"r{n}", f"r{n}@example.org", "250 OK", NOW))
        os.close(journal.fd)
    with postgres_database() as url:
        assert mail_workspace.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(DatabaseUrl(url, mail_workspace.root)) as pg:  # its files there, as a config's
            assert [m.status for m in _outbox(pg)] == ["sent", "sent", "queued"]
            deliver_due(config, pg, None, NOW)  # no SQLite process's claim to wait out
            assert [m.status for m in _outbox(pg)] == ["sent", "sent", "sent"]
    assert [m.rcpt_tos for m in smtp_server.messages] == [["r2@example.org"]]


def test_a_read_only_file_with_a_killed_pass_journal_beside_it_is_not_copied_and_says_why(
    mail_workspace, smtp_server
):
    config = mail_workspace.config
    journal = killed_pass_journal(config.database)
    with postgres_database() as url, read_only_file(config.database):
        result = mail_workspace.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1
        assert "delivery is stopped" not in result.output
        assert (
            f"{config.database}: the database file is read-only, and 1 digest the server accepted "
            f"(ada <ada@example.org>) is noted beside it ({journal}) but not recorded in it yet"
        ) in result.output
        assert "Make it writable (and its folder) and run `digest db migrate` again" in result.output
        with Store(url) as pg:
            assert _outbox(pg) == []  # nothing copied
    with postgres_database() as url:  # writable again: recorded, then copied
        assert mail_workspace.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(url) as pg:
            assert [m.status for m in _outbox(pg)] == ["sent"]
    assert smtp_server.messages == []


def test_a_paper_stored_in_postgresql_never_gets_the_id_of_a_paper_merged_in_sqlite(workspace):
    # the identity went on after the highest id in papers: a merged paper's, if it was the newest,
    # which its rating links and messages name (digest.store_papers.merge_paper)
    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a."), ("Paper B", "b.")]))], NOW)
        kept, merged = sorted(p.id for p in store.papers())
        with store.transaction() as db:
            merge_paper(db, into=kept, other=merged, stamp="2026-03-13T06:00:00")
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(url) as pg:
            ingest(pg, [ws.dump("b.txt", make_dump("Mar 13", [("Paper C", "c.")]))], NOW)
            (fresh,) = (p.id for p in pg.papers() if p.title == "Paper C")
            assert fresh > merged and pg.current_paper_id(fresh) == fresh


def _scores(store: Store, config) -> list[tuple[str, list[tuple[str, float]]]]:
    return [
        (d.profile.user, [(m.paper.title, m.score) for m in d.matches])
        for d in next_digests(store, load_profiles(config), NOW)
    ]


def test_the_copy_ranks_every_reader_with_the_same_scores_as_the_source(workspace):
    """The archive's word counts are the source's, merged copies and completed abstracts included:
    a paper merged into another (store_papers.merge_paper) still counts in the words it had, and
    a paper whose abstract a fuller copy completed counts the words it was indexed with, as on
    the SQLite file; rebuilt from the papers as they are now, a score moved a little."""
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks, event cameras]\n")
    ws.profile("kurt", "email: kurt@example.org\ninterests: [neuromorphic, energy efficient]\n")
    papers = [
        ("Spiking Neural Networks on Event Cameras", "Spiking neural networks read event cameras."),
        ("Neuromorphic Chips", "Energy efficient neuromorphic chips for spiking networks."),
        ("Event Cameras in the Dark", "Event cameras and spiking neural networks at night"),
        ("Energy Efficient Training", "Energy efficient training of large models."),
    ]
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)
        assert ws.cli("status").exit_code == 0  # the papers indexed (as any ranking does)
        kept, merged = sorted(p.id for p in store.papers())[:2]
        with store.transaction() as db:
            merge_paper(db, into=kept, other=merged, stamp="2026-03-13T06:00:00")
        fuller = [
            ("Event Cameras in the Dark", "Event cameras and spiking neural networks at night, asleep.")
        ]
        ingest(store, [ws.dump("b.txt", make_dump("Mar 13", fuller))], NOW)
        later = [
            ("Spiking Today", "Spiking neural networks, event cameras."),
            ("Neuromorphic Today", "Energy efficient neuromorphic chips."),
        ]
        ingest(store, [ws.dump("c.txt", make_dump("Mar 14", later))], NOW)
        before = _scores(store, ws.config)
    assert before and all(matches for _, matches in before)
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(url) as pg:
            assert _scores(pg, ws.config) == before


def test_a_table_whose_rows_differ_after_the_copy_is_said_and_exits_1(workspace):
    """The counts compared after the copy are the last guard: a difference (here a trigger on the
    target drops every fetch copied into it) is an error naming the table, not an internal one."""
    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
        store.db.execute(
            "INSERT INTO fetches (url, source, attempted_at, outcome) "
            "VALUES ('http://x', 'hf', 'now', 'empty')"
        )
    with postgres_database() as url:
        with Store(url) as pg:
            pg.db.raw.execute(
                "CREATE FUNCTION drop_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$; "
                "CREATE TRIGGER drop_it BEFORE INSERT ON fetches FOR EACH ROW EXECUTE FUNCTION drop_it()"
            )
        result = ws.cli("db", "migrate", "--to", url)
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "fetches" in result.output and "MISMATCH" in result.output
    assert "the row counts differ" in result.output and "keep using the SQLite database" in result.output


def test_a_database_a_worker_already_ran_on_is_refused_saying_what_to_do_not_a_key_conflict(
    tmp_path, workspace
):
    """The operator's order reversed: the workers started on the new, empty database, then the
    copy. A worker's first pass writes the profiles' names down (no papers yet): the copy of the
    same names then failed mid-way with 'duplicate key value violates unique constraint
    reader_names_pkey', said of the SQLite file. Both cases are refused before copying, saying what
    to do: a worker still using it (its row in workers), and rows it left (stopped since)."""
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    workspace.dump("d.txt", make_dump("Mar 14", [("Spiking neural networks", "About spikes.")]))
    assert workspace.cli("ingest").exit_code == 0
    with postgres_database() as url:
        (tmp_path / "worker").mkdir()
        worker = Workspace(tmp_path / "worker", database=url)
        worker.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
        with Store(url) as pg:  # a daemon's heartbeat: it is running
            heartbeat(pg, "app2:4242:abcd", NOW, NOW, "idle")
        result = workspace.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1
        assert "digest workers have used this database (app2:4242:abcd" in result.output
        assert "stop them" in result.output and "duplicate key" not in result.output
        with Store(url) as pg:  # stopped (its row gone), after a pass that wrote the names down
            farewell(pg, "app2:4242:abcd")
        assert worker.cli("run", "--once").exit_code == 0
        result = workspace.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        assert "already holds reader_names; migrate into an empty database" in result.output
        assert "duplicate key" not in result.output
        with Store(url) as pg:
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0  # nothing copied


def test_an_unsubscribe_kept_in_the_database_is_copied_as_one_not_as_a_bounce(workspace):
    from digest.deliver.suppressions import UNSUBSCRIBE, Suppressions

    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
        Suppressions(store).unsubscribe("ada", NOW)
        with store.transaction():
            Suppressions(store).add("bob", "bob@example.org", "550 5.1.1 no such user", NOW)
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(url) as pg:
            ada, bob = Suppressions(pg).get("ada"), Suppressions(pg).get("bob")
            assert ada.kind == UNSUBSCRIBE and ada.covers("ada@new.example.org")
            assert bob.kind == "bounce" and not bob.covers("bob@new.example.org")


def test_a_journal_beside_a_database_named_through_a_linked_folder_is_counted_once(mail_workspace):
    """A config naming the database through a symbolic link to its folder (via/digest.db, or a
    relative path): the killed pass's journal was found under both names, and the refusal said
    '2 digest(s) the server accepted (ada <ada@example.org>) are noted beside it (J, J)'."""
    root = mail_workspace.root
    (root / "via").symlink_to(root)
    linked = root / "linked.yaml"
    linked.write_text(
        mail_workspace.config_path.read_text().replace("database: digest.db", "database: via/digest.db")
    )
    journal = killed_pass_journal(mail_workspace.config.database)
    with postgres_database() as url, read_only_file(mail_workspace.config.database):
        result = CliRunner().invoke(main, ["--config", str(linked), "db", "migrate", "--to", url])
    assert result.exit_code == 1, result.output
    assert (
        "the database file is read-only, and 1 digest the server accepted (ada <ada@example.org>) "
        f"is noted beside it ({journal}) but not recorded in it yet"
    ) in result.output, result.output
