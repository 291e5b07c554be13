"""A database as the release at schema version 14 left it (version_14), and a paper written into it
as that release wrote one (add_paper)."""

from __future__ import annotations

from conftest import schema_at


def version_14(db_at):
    """A database as the release before this one left it (schema version 14), still open."""
    return schema_at(db_at, 14)


def add_paper(db, key: str, title: str, abstract: str, **more: object) -> int:
    columns = {"key": key, "title": title, "abstract": abstract, "first_seen": "2026-11-20"}
    columns |= {"added_at": "2026-11-20T06:00:00+00:00", **more}
    sql = f"INSERT INTO papers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return db.execute(sql, tuple(columns.values())).lastrowid
