"""Trying a keyword before keeping it (`digest profile test`)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_dump

pytestmark = pytest.mark.backends

PAPERS = [
    ("Event Cameras for Drones", "Event cameras see fast motion."),
    ("Spiking Networks on Chips", "Neuromorphic hardware runs spiking networks."),
    ("Soup Recipes", "Cooking."),
]


def seed(ws, interests: str = "[neuromorphic]") -> None:
    """PAPERS listed on Mar 14 and ingested; ada's profile has ``interests``."""
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", f"email: ada@example.org\ninterests: {interests}\n")
    ws.cli("ingest")


def tried(ws, *args: str) -> str:
    """What `digest profile test ada ARGS` prints (it succeeded)."""
    result = ws.cli("profile", "test", "ada", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_keyword_shows_what_it_matches_and_how_the_digest_changes(workspace):
    seed(workspace)
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 1 of 3 papers listed since Feb 13:" in said
    assert "Event Cameras for Drones" in said
    assert "+ #1  Event Cameras for Drones" in said  # it outranks the one match now
    assert "1 paper stays; 2 in all (at most 10)" in said
    assert "event cameras" not in (workspace.root / "profiles" / "ada.yaml").read_text()  # not saved


def test_a_keyword_that_matches_nothing_changes_nothing(workspace):
    seed(workspace)
    result = workspace.cli("profile", "test", "ada", "quantum chromodynamics")
    assert "matches 0 of 3 papers" in result.output and "no change" in result.output


def test_papers_a_keyword_reaches_under_the_readers_min_score_are_counted_not_hidden(workspace):
    # "0 papers" read as "the word is in no paper", though adding it can move the digest
    seed(workspace, "[neuromorphic]\nmin_score: 3")
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 0 of 3 papers listed since Feb 13:" in said
    assert "(1 more paper with it, each scoring under ada's min_score 3 with it alone;" in said
    assert "more paper" not in tried(workspace, "quantum chromodynamics")  # in no paper at all


def test_what_a_keyword_matches_alone_is_scored_as_the_digest_scores_it_at_the_weight_tried(workspace):
    # the list was the phrase's own score at weight 1: 'event cameras' "matches 0 ... (1 more paper
    # with it, each scoring under ada's min_score 1.5 with it alone ...)" while the digest below
    # took that paper for the keyword alone (its words count too), and a weight tried changed nothing
    seed(workspace, "[neuromorphic]\nmin_score: 1.5")
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 1 of 3 papers" in said and "more paper" not in said
    assert "+ #1  Event Cameras for Drones" in said
    seed(workspace, "[neuromorphic]\nmin_score: 3")
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 0 of 3 papers" in said
    assert "(1 more paper with it, each scoring under ada's min_score 3 with it alone;" in said
    lighter = tried(workspace, "event cameras", "--weight", "0.5")
    assert (
        "(1 more paper with it, each scoring under ada's min_score 3 with it alone at weight 0.5;" in lighter
    )
    heavier = tried(workspace, "event cameras", "--weight", "3")
    assert "'event cameras' matches 1 of 3 papers" in heavier and "more paper" not in heavier
    assert "+ #1  Event Cameras for Drones" in heavier


def test_a_heavier_weight_can_reorder_the_digest(workspace):
    from digest.profiles.load import load_profile
    from digest.select.explore import try_keyword
    from digest.store import Store

    seed(workspace)
    config = workspace.config
    with Store(config.database) as store:
        trial = try_keyword(store, load_profile(config, "ada"), "drones", weight=5)
    assert [m.paper.title for m in trial.before] == ["Spiking Networks on Chips"]
    assert [m.paper.title for m in trial.after] == ["Event Cameras for Drones", "Spiking Networks on Chips"]
    assert [m.paper.title for m in trial.added] == ["Event Cameras for Drones"] and trial.dropped == []


def test_a_paper_listed_again_lately_counts_as_recent_as_the_next_digest_offers_it(workspace):
    # first listed in March, listed again in May with a new paper: both are in May's listing,
    # which is the next digest's window, so both are among the last 30 days' papers
    june = dt.datetime(2026, 6, 1)  # the files' dates: what year "Mar 14" and "May 22" are in
    workspace.dump("march.txt", make_dump("Mar 14", PAPERS[:1]), mtime=june)
    workspace.dump(
        "may.txt", make_dump("May 22", [*PAPERS[:1], ("Protein Folding", "Proteins fold.")]), mtime=june
    )
    workspace.profile("ada", "email: ada@example.org\ninterests: [proteins]\n")
    workspace.cli("ingest")
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 1 of 2 papers listed since Apr 23:" in said
    assert "+ #1  Event Cameras for Drones" in said
    digest = workspace.cli("rank", "ada", "--next")
    assert "Protein Folding" in digest.output


def test_a_window_that_reaches_into_the_previous_year_says_which(workspace):
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=dt.datetime(2026, 3, 20))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.cli("ingest")
    result = workspace.cli("profile", "test", "ada", "event cameras", "--days", "365")
    assert "papers listed since Mar 15, 2025:" in result.output


def test_a_keyword_is_tried_on_an_index_of_the_recent_papers_alone_scored_as_a_digest_would(
    workspace, monkeypatch
):
    """An index of the whole archive grew with it (a year of papers: 15 GB, minutes); the
    papers listed before the last 30 days are no part of the trial. The scores are a digest's:
    the window's papers with the archive's counts."""
    import digest.select.explore as explore
    from digest.select.collection import CollectionStats
    from digest.select.ranking import build_index
    from digest.store import Store

    june = dt.datetime(2026, 6, 1)
    workspace.dump("march.txt", make_dump("Mar 14", PAPERS), mtime=june)
    workspace.dump(
        "may.txt", make_dump("May 22", [("Event Cameras in Space", "Event cameras orbit.")]), mtime=june
    )
    workspace.profile("ada", "email: ada@example.org\ninterests: [event cameras]\n")
    workspace.cli("ingest")
    indexed: list[list[str]] = []

    def spying(store, papers, *args, **kwargs):
        indexed.append([p.title for p in papers])
        return build_index(store, papers, *args, **kwargs)

    monkeypatch.setattr(explore, "build_index", spying)
    with Store(workspace.config.database) as store:
        profile = explore.with_keyword(load_ada(workspace), "event cameras", 1.0)
        trial = explore.try_keyword(store, profile, "event cameras")
        assert indexed == [["Event Cameras in Space"]]
        window = [p for p in store.papers() if p.title == "Event Cameras in Space"]
        digest = build_index(store, window, counts=CollectionStats(store)).rank(profile)
    assert [(m.paper.title, m.score) for m in trial.before] == [(m.paper.title, m.score) for m in digest]


def test_a_keyword_is_tried_on_the_recent_papers_read_alone_not_the_archives_years(workspace, monkeypatch):
    """`profile test` read every paper of the archive (their texts too) to find the last 30 days'
    (five years of 20 papers a day: 4 s, 158 MB): it reads those alone, and tries the same."""
    from digest.select.explore import try_keyword
    from digest.store import Store

    june = dt.datetime(2026, 6, 1)
    workspace.dump("march.txt", make_dump("Mar 14", PAPERS), mtime=june)
    workspace.dump("april.txt", make_dump("Apr 10", [("Event Cameras at Night", "Dark.")]), mtime=june)
    may = [PAPERS[1], ("Event Cameras in Space", "Event cameras orbit.")]  # one listed again in May
    workspace.dump("may.txt", make_dump("May 22", may), mtime=june)
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.cli("ingest")
    with Store(workspace.config.database) as store:
        read: list[list[str]] = []
        papers = store.papers

        def reading(*args, **kwargs):
            read.append([p.title for p in papers(*args, **kwargs)])
            return papers(*args, **kwargs)

        monkeypatch.setattr(store, "papers", reading)
        trial = try_keyword(store, load_ada(workspace), "event cameras")
    assert read == [["Spiking Networks on Chips", "Event Cameras in Space"]]
    assert (trial.since, trial.candidates) == (dt.date(2026, 4, 23), 2)
    assert [m.paper.title for m in trial.matches] == ["Event Cameras in Space"]
    with Store(workspace.config.database) as store, store.transaction():  # a paper no listing has: by
        store.db.execute(  # the day it was first seen, as before
            "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
            ("unlisted", "Unlisted", "", "2026-05-30", "2026-05-30T06:00:00+00:00"),
        )
        assert store.latest_paper_day() == dt.date(2026, 5, 30)
        titles = [p.title for p in store.papers(since=dt.date(2026, 5, 1))]
        assert titles == ["Spiking Networks on Chips", "Event Cameras in Space", "Unlisted"]


def load_ada(workspace):
    from digest.profiles.load import load_profile

    return load_profile(workspace.config, "ada")


def test_a_keyword_the_profile_has_is_tried_at_the_profiles_weight_unless_another_is_asked(workspace):
    """`profile test ada neuromorphic` with neuromorphic at weight 2 in the file tried it at
    weight 1 and said so: a trial of a change nobody asked for, shown as if it were the profile."""
    seed(workspace, "{neuromorphic: 2, cooking: 1}")
    said = tried(workspace, "Neuromorphic")
    assert "with 'Neuromorphic' (weight 2, as in the profile now):" in said
    assert "no change: the same papers as now" in said
    result = workspace.cli("profile", "test", "ada", "neuromorphic", "--weight", "0.5")
    assert "with 'neuromorphic' at weight 0.5 (the profile has 2):" in result.output
    result = workspace.cli("profile", "test", "ada", "event cameras")
    assert "with 'event cameras' (weight 1):" in result.output  # not in the profile: 1 by default


def test_a_trial_without_a_weight_keeps_the_profiles_ranking_of_its_own_keyword(workspace):
    from digest.profiles.load import load_profile
    from digest.select.explore import try_keyword
    from digest.store import Store

    seed(workspace, "{neuromorphic: 2, cooking: 1}")
    with Store(workspace.config.database) as store:
        trial = try_keyword(store, load_profile(workspace.config, "ada"), "NEUROMORPHIC")
    assert (trial.weight, trial.current) == (2.0, 2.0)
    assert [(m.paper.title, m.score) for m in trial.after] == [(m.paper.title, m.score) for m in trial.before]


def test_a_keyword_lists_the_papers_its_words_reach_apart_as_the_digest_takes_them(workspace):
    """`profile test ada "event cameras"` said "matches 1 of 108 papers" where a reader with that
    keyword alone got 10 papers "Partly: event cameras" (one of its words in them): the list was
    the phrase's own matches, not what the digest scores (its words too)."""
    papers = [*PAPERS, ("Cameras on Bicycles", "Cameras watch the road for cyclists.")]
    workspace.dump("day.txt", make_dump("Mar 14", papers))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.profile("bob", "email: bob@example.org\ninterests: [event cameras]\n")
    workspace.cli("ingest")
    taken = workspace.cli("rank", "bob", "--next").output
    assert "Cameras on Bicycles" in taken and "Partly: event cameras" in taken, taken
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 2 of 4 papers listed since Feb 13:" in said, said
    assert "Cameras on Bicycles" in said and "more paper" not in said
    said = workspace.cli("profile", "test", "bob", "event cameras").output
    assert "'event cameras' matches 2 of 4 papers" in said and "no change: the same papers as now" in said


def test_a_paper_the_reader_rated_up_is_not_listed_as_one_a_keyword_matches(workspace):
    """With a rating, `profile test ada "event cameras"` listed "Soup Recipes", rated up, as a
    paper the keyword matches, and counted another cooking paper "with it" under min_score: the
    reader's model scored them, "close to papers you liked", where none of the keyword's words is."""
    papers = [*PAPERS, ("Cameras on Bicycles", "Cameras watch the road."), ("Soup Stews", "Cooking stews.")]
    workspace.dump("day.txt", make_dump("Mar 14", papers))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.cli("ingest")
    from digest.store import Store

    with Store(workspace.config.database) as store:
        soup = next(p.id for p in store.papers() if p.title == "Soup Recipes")
        store.rate("ada", soup, 1, dt.datetime(2026, 3, 14, 12, tzinfo=dt.UTC))
    said = tried(workspace, "event cameras")
    assert "'event cameras' matches 2 of 5 papers listed since Feb 13:" in said, said
    assert "Cameras on Bicycles" in said
    assert "Soup" not in said and "more paper" not in said, said
