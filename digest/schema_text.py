"""What a database of another schema than this digest's is told with (digest.store, digest.schema_pg)."""

from __future__ import annotations

from digest.errors import StoreUnusable
from digest.schema import SCHEMA_VERSION


def newer_schema(name: object, version: int) -> StoreUnusable:
    """A database a later release upgraded (``version``, past :data:`SCHEMA_VERSION`): no release
    takes a database back, so the operator runs that release (a daemon or `digest serve` started
    before `pip install -U` still runs this one until restarted), or, to go back to this release
    (a downgrade), restores the copy of the database made before the upgrade. `digest --version`
    says which schema the installed release understands."""
    return StoreUnusable(
        f"{name}: the database has schema version {version}, newer than this digest understands "
        f"({SCHEMA_VERSION}): a later release upgraded it, and no release takes a database back. Run "
        "that release or a later one (upgrade digest; a daemon or `digest serve` started before the "
        "upgrade runs this one until restarted: restart it; `digest --version` says which schema the "
        "installed one understands), or, to go back to this release, restore the copy of the database "
        "made before the upgrade"
    )


def older_schema_read_only(name: object, version: int, reader: str = "this command") -> StoreUnusable:
    """An SQLite database a release before left (``version``), opened by a command that only reads it
    (`digest status`, `rank`, a link's look; ``reader``: "this look-up", a read that only adds to an
    error, of any command, on PostgreSQL too): not upgraded by it; the first command that writes
    (or the daemon's first pass, once restarted after `pip install -U`) upgrades it."""
    return StoreUnusable(
        f"{name}: the database has schema version {version}, older than this digest's "
        f"({SCHEMA_VERSION}: digest was upgraded), and {reader} only reads it: run one that "
        "writes (e.g. `digest ingest`), or restart the daemon (its first pass does), once to upgrade it"
    )
