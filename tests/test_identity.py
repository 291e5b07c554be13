"""A paper is known by its arXiv id where any source gives one, else by its normalized title;
what the sources know about it is merged. Databases of the previous schema migrate in place."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

from digest.ingest.dumps import ingest
from digest.schema import MIGRATIONS
from digest.store import SCHEMA_VERSION, Store, sql_statements

from conftest import make_dump, write_dump

FIXTURES = Path(__file__).parent / "ingest" / "fixtures"
NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copyfile(FIXTURES / name, tmp_path / name))


def test_the_same_paper_from_the_json_and_the_rss_feed_is_one_paper_with_what_both_know(tmp_path):
    with Store(tmp_path / "d.db") as store:
        report = ingest(store, [copy(tmp_path, "hf_daily.json"), copy(tmp_path, "arxiv_listing.rss")], NOW)
        assert [r.new_papers for r in report.results] == [3, 2]  # the curriculum paper was known
        papers = {p.arxiv_id: p for p in store.papers()}
    assert len(papers) == 5
    curriculum = papers["2611.01002"]
    assert curriculum.upvotes == 7  # from the JSON
    assert curriculum.categories == ("cs.LG", "stat.ML")  # from the feed
    assert curriculum.authors == ("Mira Okafor", "Tomasz Wren")


def test_a_dump_without_ids_meets_the_json_by_title_and_gains_the_id(tmp_path):
    dump = tmp_path / "day.txt"
    write_dump(dump, make_dump("Nov 26", [("Spiking attention without softmax!", "From the trending page.")]))
    with Store(tmp_path / "d.db") as store:
        ingest(store, [dump, copy(tmp_path, "hf_daily.json"), copy(tmp_path, "arxiv_query.atom")], NOW)
        spiking = [p for p in store.papers() if p.arxiv_id == "2611.01003"]
        assert len(spiking) == 1 and store.counts()["papers"] == 4
    paper = spiking[0]
    assert paper.title == "Spiking attention without softmax!"  # the first source's wording stays
    assert paper.abstract == "From the trending page."
    assert paper.first_seen == dt.date(2026, 11, 26)
    assert paper.code_url == "https://github.com/example/spiking-attention"
    assert paper.upvotes == 15
    assert paper.categories == ("cs.NE", "cs.LG")


def test_two_papers_with_one_title_but_different_ids_stay_two(tmp_path):
    def entry(pid: str) -> str:
        return json.dumps([{"paper": {"id": pid, "title": "Attention Again", "summary": f"Paper {pid}."}}])

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(entry("2611.00001"))
    b.write_text(entry("2611.00002"))
    with Store(tmp_path / "d.db") as store:
        ingest(store, [a, b], NOW)
        assert sorted(p.arxiv_id for p in store.papers()) == ["2611.00001", "2611.00002"]


def test_upvotes_keep_the_highest_count_seen(tmp_path):
    day1, day2 = tmp_path / "1.json", tmp_path / "2.json"
    item = {"paper": {"id": "2611.00001", "title": "T", "summary": "S", "upvotes": 3}}
    day1.write_text(json.dumps([item]))
    item["paper"]["upvotes"] = 30
    day2.write_text(json.dumps([item]))
    with Store(tmp_path / "d.db") as store:
        ingest(store, [day1, day2], NOW)
        assert [p.upvotes for p in store.papers()] == [30]


def test_an_empty_listing_stores_nothing(tmp_path):
    with Store(tmp_path / "d.db") as store:
        report = ingest(store, [copy(tmp_path, "arxiv_weekend.rss")], NOW)
        assert report.results[0].entries == 0 and not report.failures
        assert store.counts()["listings"] == 0


def test_a_database_of_the_previous_schema_migrates_without_losing_anything(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:3]:
        for statement in sql_statements(script):
            db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.executescript(
        """
        INSERT INTO papers VALUES (1, 'one title', 'One Title', 'Abstract one.',
                                   '2026-03-02', '2026-03-02T06:00');
        INSERT INTO papers VALUES (2, 'two', 'Two', 'Abstract two.', '2026-03-03', '2026-03-03T06:00');
        INSERT INTO listings VALUES (1, 'abc', '2026-03-02', 'inbox/a.txt', 1, '2026-03-02T06:00:00+00:00');
        INSERT INTO listings VALUES (2, 'def', '2026-03-03', 'inbox/b.txt', 2, '2026-03-03T06:00:00+00:00');
        INSERT INTO listing_papers VALUES (1, 1, 0), (2, 1, 0), (2, 2, 1);
        INSERT INTO deliveries VALUES (1, 'ada', '<m@x>', 'ada@example.org', 1, '2026-03-03T07:30:00+00:00');
        INSERT INTO sent_papers VALUES ('ada', 1, 1);
        INSERT INTO schedule_state VALUES ('ada', '2026-03-03', '2026-03-03T07:30:00+00:00');
        INSERT INTO embeddings VALUES (1, 'm', 2, x'0000803f00000000');
        """
    )
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        papers = store.papers()
        assert [(p.id, p.title, p.abstract, p.first_seen) for p in papers] == [
            (1, "One Title", "Abstract one.", dt.date(2026, 3, 2)),
            (2, "Two", "Abstract two.", dt.date(2026, 3, 3)),
        ]
        assert all(p.arxiv_id is None and p.authors == () for p in papers)
        assert store.counts() == {"papers": 2, "listings": 2}
        assert store.db.execute("SELECT SUM(entries) FROM listings").fetchone()[0] == 3
        assert store.db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 1
        assert store.sent_paper_ids("ada") == {1}
        assert store.schedule_state("ada")[0] == "2026-03-03"
        assert store.embeddings("m", [1]) == {1: bytes.fromhex("0000803f00000000")}
        rows = store.db.execute("SELECT listing_id, paper_id, position FROM listing_papers ORDER BY 1, 2")
        assert rows.fetchall() == [(1, 1, 0), (2, 1, 0), (2, 2, 1)]
        # and an old paper is then found by its title and gains an id
        item = [{"paper": {"id": "2611.00009", "title": "one title", "summary": "x", "upvotes": 1}}]
        (tmp_path / "n.json").write_text(json.dumps(item))
        ingest(store, [tmp_path / "n.json"], NOW)
        assert store.papers([1])[0].arxiv_id == "2611.00009"
