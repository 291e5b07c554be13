"""Migrating a PostgreSQL database: the migrations of :mod:`digest.schema`, all in one
transaction, under an advisory lock, so that workers starting together migrate it once."""

from __future__ import annotations

import logging
from typing import Any

from digest.db import POSTGRESQL
from digest.schema import SCHEMA_VERSION, run_migration
from digest.schema_text import newer_schema

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6469676573740001  # pg_advisory_xact_lock key: one worker migrates at a time


def pg_version(db: Any) -> int:
    if db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return 0
    return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)


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
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        version = pg_version(db)
        if version > SCHEMA_VERSION:
            raise newer_schema(name, version)
        for v in range(version, SCHEMA_VERSION):
            run_migration(db, v, POSTGRESQL)
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    if version == SCHEMA_VERSION:
        return None
    what = "created at schema version" if version == 0 else f"migrated from schema version {version} to"
    log.info("database %s %s %d", name, what, SCHEMA_VERSION)  # as digest.store says it of SQLite
    return version
