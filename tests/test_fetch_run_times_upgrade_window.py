"""The upgrade to schema 38 gives each fetch's record stored before it the time of its fetch run
(digest.schema_steps.fetch_run_times: the source's latest record up to 7 seconds after it), on a
database of years of daily fetches: the window's edges among thousands of records of each source.
Its time is benchmarks/bench_fetch_run_times.py's (8,000 records: 12 s when each record was looked
for among every record of its source, 0.1 s now). The real opening that upgrades a SQLite file left
at schema 37, its rows as that release wrote them."""

from __future__ import annotations

import datetime as dt

from digest.store import Store

from conftest import schema_at

START = dt.datetime(2021, 6, 1, 6, 0, tzinfo=dt.UTC)
DAYS = 2000  # a daily source's records of five and a half years, one an address (a day's URL)


def test_years_of_daily_fetches_each_get_the_latest_record_of_their_source_within_7_seconds(tmp_path):
    db = schema_at(tmp_path / "digest.db", 37)
    rows = []
    for source in ("hf_daily", "arxiv_cs", "arxiv_stat", "trending"):
        for n in range(DAYS):
            at = (START + dt.timedelta(days=n)).isoformat()
            rows.append((f"https://{source}.example.org/{n}", source, at, "listing", at))
    own, caught = START + dt.timedelta(days=DAYS), START + dt.timedelta(days=DAYS, seconds=-7)
    rows += [  # a fetch's own day's record, its catch-ups 7 and 8 seconds before it, another source's
        ("https://hf_daily.example.org/own", "hf_daily", own.isoformat(), "failed", None),
        (
            "https://hf_daily.example.org/caught",
            "hf_daily",
            caught.isoformat(),
            "listing",
            caught.isoformat(),
        ),
        (
            "https://hf_daily.example.org/gap",
            "hf_daily",
            (caught - dt.timedelta(seconds=1)).isoformat(),
            "failed",
            None,
        ),
        (
            "https://trending.example.org/near",
            "trending",
            (own - dt.timedelta(seconds=3)).isoformat(),
            "failed",
            None,
        ),
    ]
    db.execute("BEGIN")  # one commit, not one a row
    db.executemany(
        "INSERT INTO fetches (url, source, attempted_at, outcome, detail, succeeded_at) "
        "VALUES (?,?,?,?,'',?)",
        rows,
    )
    db.execute("COMMIT")
    db.close()
    with Store(tmp_path / "digest.db") as store:
        got = dict(
            store.db.execute(
                "SELECT url, run_at FROM fetches WHERE url LIKE '%own' OR url LIKE '%caught' "
                "OR url LIKE '%gap' OR url LIKE '%near'"
            ).fetchall()
        )
        ok = store.db.execute("SELECT succeeded_run_at FROM fetches WHERE url LIKE '%caught'").fetchone()[0]
    assert got == {
        "https://hf_daily.example.org/own": own.isoformat(),
        "https://hf_daily.example.org/caught": own.isoformat(),  # 7 seconds before its fetch: that fetch's
        "https://hf_daily.example.org/gap": caught.isoformat(),  # 8 seconds: the latest within 7 of it
        "https://trending.example.org/near": (own - dt.timedelta(seconds=3)).isoformat(),  # its source's own
    }
    assert ok == own.isoformat()
