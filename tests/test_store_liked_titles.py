"""Store.liked_papers finds a profile's liked titles among the stored papers, the second paper
of one title (stored under "KEY arxiv ID") too, whatever order the database sorts text in: a
PostgreSQL database made with a collation that ignores spaces and punctuation at first (here
ICU's "alternate shifted": this machine has no locale but C to make one with) sorts
"KEY arxiv 2611.00002" after "KEY arxiv!"."""

from __future__ import annotations

import os
import uuid

import pytest

from digest.db import DatabaseUrl
from digest.store import Store

from conftest import PG_ENV

pytestmark = pytest.mark.backends

TWINS = [  # key, title, abstract, arXiv id: two papers of one title
    ("twin lanterns", "Twin Lanterns", "Lanterns that light documents for a query.", "2611.00001"),
    ("twin lanterns arxiv 2611.00002", "Twin Lanterns", "Lanterns that guide ships at night.", "2611.00002"),
]


def stored_twins(store: Store) -> list[int]:
    with store.transaction() as db:
        for key, title, abstract, arxiv in TWINS:
            db.execute(
                "INSERT INTO papers (key, title, abstract, first_seen, added_at, arxiv_id) "
                "VALUES (?,?,?,?,?,?)",
                (key, title, abstract, "2026-11-10", "2026-11-10T06:00:00+00:00", arxiv),
            )
    return [p.id for p in store.papers()]


def test_a_liked_title_finds_both_papers_of_that_title(db_at):
    with Store(db_at) as store:
        ids = stored_twins(store)
        assert store.liked_papers(("twin LANTERNS!",)) == {"twin lanterns": ids}


@pytest.fixture
def shifted_database(tmp_path):
    """A PostgreSQL database whose text sorts ignoring spaces and punctuation at first."""
    if not any(os.environ.get(v) for v in PG_ENV):
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    import psycopg

    name = f"digest_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING UTF8 LOCALE 'C.UTF-8' "
            "LOCALE_PROVIDER icu ICU_LOCALE 'en-u-ka-shifted'"
        )
    try:
        yield DatabaseUrl(f"postgresql:///{name}", tmp_path)
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_liked_title_finds_both_papers_whatever_order_the_database_sorts_text_in(shifted_database):
    with Store(shifted_database) as store:
        assert store.db.execute("SELECT 'a arxiv 1' > 'a arxiv!'").fetchone() == (True,)  # as said above
        ids = stored_twins(store)
        assert store.liked_papers(("Twin Lanterns",)) == {"twin lanterns": ids}
        assert store.unstored_titles(("Twin Lanterns",)) == []


def test_a_liked_title_is_not_the_start_of_another_title_that_goes_on_with_arxiv(db_at):
    with Store(db_at) as store:
        with store.transaction() as db:
            for key, title in [
                ("twin lanterns", "Twin Lanterns"),
                (
                    "twin lanterns arxiv preprints as lantern fuel",
                    "Twin Lanterns: arXiv preprints as lantern fuel",
                ),
            ]:
                db.execute(
                    "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
                    (key, title, "Lanterns.", "2026-11-10", "2026-11-10T06:00:00+00:00"),
                )
        first = store.papers()[0].id
        assert store.liked_papers(("Twin Lanterns",)) == {"twin lanterns": [first]}


def test_a_liked_title_finds_the_paper_listed_under_it_later_and_no_title_it_only_begins(db_at):
    """A paper stored under its first title, listed again with its arXiv id under a changed one
    (paper_titles): either title finds it, as exactly as the first one does."""
    with Store(db_at) as store:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO papers (key, title, abstract, first_seen, added_at, arxiv_id) "
                "VALUES (?,?,?,?,?,?)",
                (
                    "twin lanterns",
                    "Twin Lanterns",
                    "Lanterns.",
                    "2026-11-10",
                    "2026-11-10T06:00:00+00:00",
                    "2611.1",
                ),
            )
            (pid,) = db.execute("SELECT id FROM papers").fetchone()
            db.execute(
                "INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", ("twin lanterns at sea", pid)
            )
        assert store.liked_papers(("Twin Lanterns at Sea!", "twin lanterns")) == {
            "twin lanterns at sea": [pid],
            "twin lanterns": [pid],
        }
        assert store.liked_papers(("Twin Lanterns at",)) == {"twin lanterns at": []}
        assert store.unstored_titles(("Twin lanterns at sea", "Twin Lanterns at")) == ["Twin Lanterns at"]


INSERT_PAPER = (
    "INSERT INTO papers (key, title, abstract, first_seen, added_at, arxiv_id) VALUES (?,?,?,?,?,?)"
)


def stored_papers(store: Store, titles: list[str], arxiv: bool = True) -> None:
    with store.transaction() as db:
        for n, title in enumerate(titles):
            db.execute(
                INSERT_PAPER,
                (
                    title.casefold(),
                    title,
                    "Lanterns.",
                    "2026-11-10",
                    "2026-11-10T06:00:00+00:00",
                    f"2611.{n:05d}" if arxiv else None,
                ),
            )


def test_many_liked_titles_find_their_papers_in_the_order_they_were_stored(db_at):
    """Eight liked titles: each finds its papers (the second paper of one title, the paper listed
    later under another title) in the order they were stored, whatever the order of the titles."""
    with Store(db_at) as store:
        stored_papers(
            store, [f"lantern {w}" for w in ("zeta", "eta", "theta", "alpha", "beta", "gamma", "delta")]
        )
        ids = {p.title: p.id for p in store.papers()}
        with store.transaction() as db:
            db.execute(
                INSERT_PAPER,
                (
                    "lantern beta arxiv 2611.99999",
                    "Lantern Beta",
                    "Ships.",
                    "2026-11-11",
                    "2026-11-11T06:00:00+00:00",
                    "2611.99999",
                ),
            )
            db.execute(
                "INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)",
                ("lantern zeta at sea", ids["lantern zeta"]),
            )
        twin = max(p.id for p in store.papers())
        liked = ("Lantern Delta", "lantern zeta at sea", "LANTERN BETA", "lantern alpha", "lantern eta")
        liked += ("lantern gamma", "lantern theta", "lantern none")
        assert store.liked_papers(liked) == {
            "lantern alpha": [ids["lantern alpha"]],
            "lantern beta": [ids["lantern beta"], twin],
            "lantern delta": [ids["lantern delta"]],
            "lantern eta": [ids["lantern eta"]],
            "lantern gamma": [ids["lantern gamma"]],
            "lantern none": [],
            "lantern theta": [ids["lantern theta"]],
            "lantern zeta at sea": [ids["lantern zeta"]],
        }


def test_the_lookup_of_many_liked_titles_reads_the_title_index_not_every_stored_paper(tmp_path):
    """Eight liked titles among 20,000 stored papers cost about what eight lookups of one title
    cost (SQLite's virtual machine steps, counted): the papers table is not read through."""
    with Store(tmp_path / "digest.db") as store:
        stored_papers(store, [f"lantern number {n}" for n in range(20_000)], arxiv=False)
        liked = tuple(f"Lantern number {n}" for n in (7, 1_500, 4_000, 9_999, 12_345, 15_000, 18_000, 19_999))
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        def cost(titles: tuple[str, ...]) -> int:
            steps[0] = 0
            store.db.set_progress_handler(step, 10)
            try:
                assert all(store.liked_papers(titles).values())
            finally:
                store.db.set_progress_handler(None, 10)
            return steps[0] * 10

        one_by_one = sum(cost((title,)) for title in liked)
        together = cost(liked)
        assert together <= 2 * one_by_one + 1_000, f"{together} steps, against {one_by_one} one by one"
