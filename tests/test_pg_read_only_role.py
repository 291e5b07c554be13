"""PostgreSQL through a role that may only read (granted SELECT): a command that writes says
so, with what to do, where it said the server's bare "permission denied for table ..."; the
embeddings semantic matching makes are used, not kept, as a read-only SQLite look does."""

from __future__ import annotations

import datetime as dt

import numpy as np
from helpers.pg_roles import (
    ADA,
    ada_and_a_dump,
    ada_ingested,
    digest,
    granted_nothing,
    owned_database,
    reader_of,
)
from helpers.pg_schema import PASSWORD

from digest.ingest.sources import read_dump
from digest.schema import SCHEMA_VERSION
from digest.select.ranking import StoredTexts, build_index
from digest.select.semantic import Embedder
from digest.store import Store

from conftest import NOW, Workspace, a_minute_ago, make_dump, postgres_database


class BagOfWordsModel:
    """A deterministic stand-in for a sentence-transformers model (as tests/select/test_semantic's)."""

    def encode(self, sentences, **kwargs):
        out = np.zeros((len(sentences), 8), dtype=np.float32)
        for i, text in enumerate(sentences):
            out[i, 0 if "spiking" in text.lower() else 1] += 3.0
            out[i, 7] += 0.1
        return out


def test_a_command_that_writes_through_a_role_that_may_only_read_says_so(tmp_path):
    with postgres_database() as url, reader_of(url) as (role, reader):
        ws = ada_ingested(tmp_path, url)
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        ws.dump(
            "b.txt",
            make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Vision", "Spikes.")]),
            mtime=a_minute_ago(),
        )
        # Before: "error: postgresql://digest_reader_...: permission denied for table ratings" (the
        # feedback), "... permission denied for table listings" (the ingest), nothing of why
        for args, table in ((("feedback", "ada", "1", "up"), "ratings"), (("ingest",), "listings")):
            done = digest(ws, *args)
            said = " ".join(done.stderr.split())
            assert done.returncode == 1 and said.startswith("error: "), done.stderr
            assert f"role '{role}' may not write this database, and this command writes to it;" in said
            assert (
                "run it through a role that may write (the database's owner, or one granted writes)" in said
            ), said
            grant = f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
            assert f"or grant this role writes ({grant})" in said, said
            assert f"(permission denied for table {table})" in said and PASSWORD not in said, said
        with Store(url) as store:  # the grant it names is the cure
            store.db.raw.execute(grant)
        assert digest(ws, "feedback", "ada", "1", "up").returncode == 0
        done = digest(ws, "ingest")
        assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr


def test_embeddings_made_through_a_role_that_may_only_read_are_used_not_kept(tmp_path):
    (tmp_path / "a.txt").write_text(
        make_dump("Mar 14", [("Spiking networks for audio", "Spikes."), ("Tabular trees", "Trees.")])
    )
    with postgres_database() as url, reader_of(url) as (role, reader):
        with Store(url) as store:
            store.add_listing(read_dump(tmp_path / "a.txt"), NOW)
            papers = store.papers()
        with Store(reader.replace(f"{role}@", f"{role}:{PASSWORD}@")) as store:
            # Before: "permission denied for table papers" (kept reading them FOR SHARE), then
            # "... for table embeddings", "... for table text_embeddings"
            index = build_index(store, papers, embedder=Embedder(BagOfWordsModel()))
            assert index.vectors.shape[0] == len(papers)  # type: ignore[union-attr]
            StoredTexts(store, "injected").save({"spiking": np.ones(4, dtype="<f4")})
            assert store.embeddings("injected", [p.id for p in papers]) == {}
            assert store.text_embeddings("injected", ["spiking"]) == {}
        with Store(url) as store:  # the owner keeps them as before
            build_index(store, papers, embedder=Embedder(BagOfWordsModel()))
            assert len(store.embeddings("injected", [p.id for p in papers])) == len(papers)
            StoredTexts(store, "injected").save({"spiking": np.ones(4, dtype="<f4")})
            assert list(store.text_embeddings("injected", ["spiking"])) == ["spiking"]


def test_a_role_that_may_not_read_is_not_said_to_be_refused_a_write(tmp_path):
    with postgres_database() as url, granted_nothing(url) as (role, other):
        ws = ada_ingested(tmp_path, url)
        ws.config_path.write_text(ws.config_path.read_text().replace(url, other))
        # Before: "role '...' may not write this database, and this command writes to it; ... grant
        # this role writes (GRANT INSERT, UPDATE, DELETE ...)" of `digest status`, which only reads
        for args in (("status",), ("rank", "ada")):
            done = digest(ws, *args)
            said = " ".join(done.stderr.split())
            assert done.returncode == 1 and "may not write" not in said, said
            grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"
            assert f"role '{role}' may not read this database; grant it ({grant}, and writes" in said, said
            assert "(permission denied for table schema_version)" in said, said
        with Store(url) as store:  # the grant it names is the cure
            store.db.raw.execute(grant)
        done = digest(ws, "status")
        assert done.returncode == 0, done.stderr


def test_a_role_that_may_not_make_the_tables_of_a_new_database_is_told_so(tmp_path):
    import psycopg

    with postgres_database() as url, granted_nothing(url) as (role, other):
        ws = ada_and_a_dump(tmp_path, other)
        # Before: "... may not write this database ...; or grant this role writes (GRANT INSERT,
        # UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ...) (permission denied for schema public)":
        # there were no tables yet to grant writes on
        done = digest(ws, "ingest")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "may not write" not in said, said
        assert f"role '{role}' may not make digest's tables in this database" in said, said
        grant = f"GRANT CREATE ON SCHEMA public TO {role}"
        assert f"({grant}) (permission denied for schema public)" in said, said
        with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
            admin.execute(grant)  # the grant it names is the cure
        done = digest(ws, "ingest")
        assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr


def test_a_role_granted_writes_that_may_not_upgrade_the_tables_is_told_so(tmp_path):
    with postgres_database() as url, reader_of(url) as (role, worker):
        ws = ada_ingested(tmp_path, url)
        with Store(url) as store:  # a worker's role, granted writes; the tables as an older digest left them
            store.db.raw.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
            store.db.raw.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
            # said to be at 34: the step to 35 alters outbox, which only its owner may (the step
            # 35 -> 36 only makes a table: refused alike, the next test)
            store.db.raw.execute("UPDATE schema_version SET version = 34")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, worker))
        ws.dump(
            "b.txt",
            make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Vision", "Spikes.")]),
            mtime=a_minute_ago(),
        )
        # Before: "... may not write this database ...; or grant this role writes (GRANT INSERT,
        # UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ...) (must be owner of table outbox)": granted
        done = digest(ws, "ingest")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "may not write" not in said, said
        assert f"role '{role}' may not change digest's tables, only their owner may," in said, said
        import psycopg  # the owner's upgrade, stood in for: the tables were only said to be older

        with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
            owner = admin.execute("SELECT current_user").fetchone()[0]  # the tables' (ada_ingested's)
            assert (
                f"once through their owner (role '{owner}'), then this role goes on as before, granted"
                in said
            )
            admin.execute(f"UPDATE schema_version SET version = {SCHEMA_VERSION}")
        done = digest(ws, "ingest")
        assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr


def test_a_role_granted_create_may_not_upgrade_the_tables_by_making_one_of_its_own(tmp_path):
    """The step to 36 only makes a table (missed_said), which a role granted CREATE on the schema may
    (PostgreSQL 14's default for every role; or granted, as the refusal of a new database's first
    command says). Before, a worker's role granted writes and CREATE upgraded the tables through any
    command (`digest status` too), and missed_said was that role's: the owner's own commands were then
    refused "role '...' may not read this database; grant it (GRANT SELECT ON ALL TABLES IN SCHEMA
    public TO ...) ... (permission denied for table missed_said)", a grant it could not make. An
    upgrade is the owner's, as any step that alters a table is: said so, and nothing made."""
    with postgres_database() as url, reader_of(url) as (role, worker):
        ws = ada_ingested(tmp_path, url)
        with Store(url) as store:  # the tables as the release at 35 left them
            store.db.raw.execute("DROP TABLE missed_said")
            store.db.raw.execute("DROP TABLE listing_fetches")  # 38 -> 39's
            store.db.raw.execute("ALTER TABLE outbox DROP COLUMN for_files")  # 36 -> 37's
            store.db.raw.execute("ALTER TABLE fetches DROP COLUMN run_at, DROP COLUMN succeeded_run_at")
            store.db.raw.execute("UPDATE schema_version SET version = 35")
            store.db.raw.execute(f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
            store.db.raw.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, worker))
        for command in ("status", "ingest"):
            done = digest(ws, command)
            said = " ".join(done.stderr.split())
            assert (
                done.returncode == 1
                and f"role '{role}' may not change digest's tables, only their owner" in said
            )
            assert "(must be owner of table schema_version)" in said, said
        import psycopg  # (a Store would upgrade them, as their owner)

        with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
            assert admin.execute("SELECT to_regclass('missed_said')").fetchone()[0] is None


def test_a_superuser_or_a_member_of_the_owner_upgrades_the_tables_as_their_owner(tmp_path):
    """A table an upgrade makes is the tables' owner's, whoever may run the upgrade: a superuser
    (the server's admin, `postgres`) or a role that is a member of the owner runs its steps as the
    owner. Before, the step to 36 made missed_said theirs: the owner's own commands were then refused
    "role '...' may not read this database; grant it (GRANT SELECT ON ALL TABLES IN SCHEMA public TO
    ...) ... (permission denied for table missed_said)", a grant the owner could not make."""
    import psycopg

    with owned_database(member=True) as (url, owner, member, as_role):
        name = url.rsplit("/", 1)[1]
        ws = Workspace(tmp_path, database=as_role[owner])
        ws.profile("ada", ADA)
        assert digest(ws, "status").returncode == 0  # the tables made by their owner
        for through in (url, as_role[member]):  # the superuser (the PG* variables' role), the member
            with psycopg.connect(dbname=name, autocommit=True) as admin:  # as the release at 35 left them
                admin.execute("DROP TABLE missed_said")
                admin.execute("DROP TABLE listing_fetches")  # 38 -> 39's
                admin.execute("ALTER TABLE outbox DROP COLUMN for_files")  # 36 -> 37's
                admin.execute("ALTER TABLE fetches DROP COLUMN run_at, DROP COLUMN succeeded_run_at")
                admin.execute("UPDATE schema_version SET version = 35")
            ws.config_path.write_text(ws.config_path.read_text().replace(as_role[owner], through))
            done = digest(ws, "status", as_reader=through != url)
            assert done.returncode == 0, done.stderr
            with psycopg.connect(dbname=name, autocommit=True) as admin:
                made = admin.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'missed_said'")
                assert made.fetchone()[0] == owner, through
            ws.config_path.write_text(ws.config_path.read_text().replace(through, as_role[owner]))
            done = digest(ws, "status")
            assert done.returncode == 0, done.stderr


def test_the_database_owner_not_owning_the_tables_is_told_the_role_that_does(tmp_path):
    """The database's owner granted a worker's role CREATE (as the refusal of a new database's
    first command says), and the worker made the tables: an upgrade through the database's owner is
    refused (the table it makes would be its own), and the words name the role that may. Before,
    they said "run one command that writes (e.g. `digest ingest`) once through the database's owner"
    to the database's owner, which, done, was refused the same."""
    import psycopg

    with owned_database(member=False) as (url, boss, worker, as_role):
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(dbname=name, user=boss, password=PASSWORD, host="127.0.0.1") as db:
            db.execute(f"GRANT CREATE ON SCHEMA public TO {worker}")
        ws = Workspace(tmp_path, database=as_role[worker])
        ws.profile("ada", ADA)
        assert digest(ws, "status").returncode == 0  # the tables made by the worker's role
        with psycopg.connect(dbname=name, autocommit=True) as admin:  # as the release at 35 left them
            admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {boss}")
            admin.execute("DROP TABLE missed_said")
            admin.execute("DROP TABLE listing_fetches")  # 38 -> 39's
            admin.execute("ALTER TABLE outbox DROP COLUMN for_files")  # 36 -> 37's
            admin.execute("ALTER TABLE fetches DROP COLUMN run_at, DROP COLUMN succeeded_run_at")
            admin.execute("UPDATE schema_version SET version = 35")
        ws.config_path.write_text(ws.config_path.read_text().replace(as_role[worker], as_role[boss]))
        done = digest(ws, "status")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and f"role '{boss}' may not change digest's tables" in said, said
        assert f"once through their owner (role '{worker}'), then this role goes on" in said, said
        ws.config_path.write_text(ws.config_path.read_text().replace(as_role[boss], as_role[worker]))
        assert digest(ws, "status").returncode == 0  # what they say, done: upgraded
