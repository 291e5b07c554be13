"""Migrating a PostgreSQL database: the migrations of :mod:`digest.schema`, all in one
transaction, under an advisory lock, so that workers starting together migrate it once."""

from __future__ import annotations

import logging
from typing import Any

from digest.db import POSTGRESQL
from digest.pggrants import TABLES_SCHEMA, upgrade_refused
from digest.schema import SCHEMA_VERSION, run_migration
from digest.schema_text import newer_schema

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6469676573740001  # pg_advisory_xact_lock key: one worker migrates at a time


def pg_version(db: Any) -> int:
    if db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return 0
    return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)


def as_owner(db: Any, name: str) -> None:
    """An upgrade's steps made as the role that owns digest's tables (schema_version's), for the
    tables a step makes to be that role's, as the others are: by the owner, by a superuser or a member
    of it (their role set to it for this transaction), refused to any other. A step that only makes a
    table (35 -> 36's missed_said) would go through a role granted CREATE on the schema (PostgreSQL
    14's default for every role; granted, as the refusal of a new database's first command says),
    and through a superuser or a member of the owner as themselves: the table made would be theirs,
    the owner's own commands then refused "permission denied for table missed_said", and the owner
    could not change it in a later upgrade."""
    row = db.execute(  # the table the statements find (a schema of the role's own may come first),
        # its schema asked as every refusal asks it (pggrants.TABLES_SCHEMA)
        "SELECT current_user, pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'USAGE'), "
        "pg_has_role(current_user, relowner, CASE WHEN current_setting('server_version_num')::int "
        ">= 160000 THEN 'SET' ELSE 'MEMBER' END), " + TABLES_SCHEMA + " FROM pg_class "
        "WHERE oid = to_regclass('schema_version')"
    ).fetchone()
    if row is None or row[0] == row[1]:
        return
    user, owner, usage, may_set, schema = row
    if may_set:  # SET LOCAL ROLE: back to this role as the transaction ends
        db.execute("SELECT set_config('role', ?, true)", (owner,))
    # On 15 (checked under .ci/pg) a member may always SET ROLE: one that inherits (USAGE) upgrades
    # as the owner; a NOINHERIT member is refused reading schema_version before this (told "may not
    # read this database; grant it ..."). PostgreSQL 16 grants membership WITH INHERIT and SET apart
    # (not tested here: no 16 to run): a member granted INHERIT TRUE, SET FALSE passes below with
    # USAGE, its steps run as itself: ALTER TABLE passes (inherited ownership), but a table a step
    # makes is the member's (or refused, without CREATE on the schema), the case this function is for.
    elif not usage:
        raise upgrade_refused(name, user, "must be owner of table schema_version", owner, schema)


def migrate_postgres(db: Any, name: str) -> int | None:
    """Bring a PostgreSQL database to :data:`SCHEMA_VERSION`, in one transaction, under an
    advisory lock, so that workers starting together migrate it once. Returns the version this
    call migrated from; None if it found the database migrated already (by another process,
    while it waited for the lock). A Store opened to read only migrates it too, all or nothing
    (an SQLite one is refused instead: schema_text.older_schema_read_only, the disk read-only)."""
    if pg_version(db) == SCHEMA_VERSION:
        return None
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        version = pg_version(db)
        if not version:  # (a role that may not make tables is refused here: an upgrade by as_owner)
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        if version > SCHEMA_VERSION:
            raise newer_schema(name, version)
        if version:
            as_owner(db, name)
        for v in range(version, SCHEMA_VERSION):
            run_migration(db, v, POSTGRESQL)
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    if version == SCHEMA_VERSION:
        return None
    what = "created at schema version" if version == 0 else f"migrated from schema version {version} to"
    log.info("database %s %s %d", name, what, SCHEMA_VERSION)  # as digest.store says it of SQLite
    return version
