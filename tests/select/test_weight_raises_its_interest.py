"""What a weight does, and what adding an interest does, to the papers of a reader's other
interests, as README's "Using it" steps do them (`profile new ada -i "spiking neural networks"`,
then `profile add ada "event cameras" --weight 2`) on the shared dumps, a real store: a weight
raises its own interest's papers and leaves the others' scores as they were; the new interest, at
any weight, lowers them (the profile's words are one query divided by the sum of their idfs).
docs/scoring.md says so with these figures, README with the demo's (which its reader can run), and
`profile add --help` in words."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.select.semantic import available

from conftest import ROOT, SHARED, Workspace

ALONE = "Learning Delays in Spiking Neural Networks using Dilated Convolutions with Learnable Spacings"
WORDS_ONLY = "How do neurons operate on sparse distributed representations?"


def scores(ws: Workspace, user: str = "ada") -> dict[str, tuple[float, list[str], list[str]]]:
    done = ws.cli("rank", user, "--json", "--limit", "1000")
    assert done.exit_code == 0, done.output
    return {p["title"]: (p["score"], p["matched"], p["partly"]) for p in json.loads(done.output)}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Workspace:
    dumps = sorted((SHARED / "dumps").glob("*")) if (SHARED / "dumps").is_dir() else []
    if not dumps:
        pytest.skip(f"the shared dumps are not at {SHARED / 'dumps'}")
    ws = Workspace(tmp_path_factory.mktemp("weights"))
    done = ws.cli("ingest", *map(str, dumps))
    assert done.exit_code == 0, done.output
    return ws


@pytest.fixture(scope="module")
def rankings(store) -> dict[str, dict[str, tuple[float, list[str], list[str]]]]:
    ws = store
    done = ws.cli("profile", "new", "ada", "--email", "ada@example.org", "-i", "spiking neural networks")
    assert done.exit_code == 0, done.output
    found = {"alone": scores(ws)}
    for weight in ("1", "2", "3"):
        done = ws.cli("profile", "add", "ada", "event cameras", "--weight", weight)
        assert done.exit_code == 0, done.output
        found[weight] = scores(ws)
    return found


def test_a_weight_raises_its_interest_and_leaves_the_others_papers_as_they_were(rankings):
    with_it = {t for t, (_, matched, partly) in rankings["1"].items() if "event cameras" in matched + partly}
    others = [t for t in rankings["1"] if t not in with_it]
    assert ALONE in others and len(others) > 50
    for title in others:
        assert rankings["1"][title][0] == rankings["2"][title][0] == rankings["3"][title][0], title
    raised = sorted(with_it)
    assert raised
    for title in raised:
        assert rankings["1"][title][0] < rankings["2"][title][0] < rankings["3"][title][0], title


def test_adding_an_interest_lowers_the_others_papers_at_any_weight(rankings):
    for title in (ALONE, next(t for t in rankings["alone"] if t.startswith(WORDS_ONLY))):
        before, after = rankings["alone"][title][0], rankings["2"][title][0]
        assert after < 0.5 * before, (title, before, after)


def said(text: str) -> tuple[float, float, float, float]:
    quote = re.search(
        r"from (\d+\.\d+) to (\d+\.\d+) once .event cameras. (?:is|was) added"
        r".*?.partly.\) from (\d+\.\d+) to (\d+\.\d+)",
        " ".join(text.split()),
    )
    assert quote, "no figures of a paper of spiking neural networks before and after 'event cameras' is added"
    return tuple(float(x) for x in quote.groups())  # type: ignore[return-value]


def test_the_readme_and_docs_say_it_with_these_figures(rankings):
    words_only = next(t for t in rankings["alone"] if t.startswith(WORDS_ONLY))
    real = tuple(
        round(rankings[profile][title][0], 3) for title in (ALONE, words_only) for profile in ("alone", "2")
    )
    # before: README and docs/scoring.md said "A weight multiplies its interest's share" and a
    # fixed scale, not that the interest added lowers the papers of the others
    over = len(rankings["alone"])  # `rank` lists the papers over min_score (the config's 0.1)
    fell = sum(title not in rankings["2"] for title in rankings["alone"])
    # README quotes the demo's figures, which its reader can run (test below)
    for doc in ("docs/scoring.md",):
        text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
        assert said(text) == real, doc
        counts = re.search(
            r"of the (\d+) papers over the default `min_score` 0\.1 in \S+ ranking, (\d+) fell", text
        )
        assert counts and (int(counts.group(1)), int(counts.group(2))) == (over, fell), doc


def test_profile_add_help_says_what_a_weight_and_a_new_keyword_do(workspace_help):
    text = " ".join(workspace_help.split())
    # before: "How much it counts (default 1); changes the weight if present."
    assert (
        "a new weight leaves the other keywords' papers with their keyword scores (semantic matching, if on,"
        " moves a little)" in text
    ), text
    assert (
        "A keyword added with words the profile does not have yet, at any weight, lowers the scores of"
        " papers that match only the others" in text
    ), text


@pytest.fixture
def workspace_help(tmp_path) -> str:
    done = Workspace(tmp_path).cli("profile", "add", "--help")
    assert done.exit_code == 0, done.output
    return done.output


GROK = "Deep Networks Always Grok and Here is Why"


def test_the_scale_said_is_a_lone_one_word_interest_s_a_phrase_gives_about_twice(store, rankings):
    """README and config.example.yaml said "1.0 is one specific interest clearly in the title and
    the abstract" and docs/scoring.md that the scale was "a profile of one interest's", next to
    the 2.101 of "spiking neural networks" alone, its paper clearly about it: 1.0 holds for a
    one-word interest alone; a phrase's words count again (the bag), about twice; each interest
    added takes a share of the words' part."""
    found = {}
    for user, interests in {"g": ["grokking"], "gm": ["grokking", "memorization"]}.items():
        done = store.cli(
            "profile", "new", user, "--email", f"{user}@example.org", *sum((["-i", i] for i in interests), [])
        )
        assert done.exit_code == 0, done.output
        found[user] = scores(store, user)
    alone, with_two = round(found["g"][GROK][0], 3), round(found["gm"][GROK][0], 3)
    phrase = rankings["alone"][ALONE][0]
    assert found["g"][GROK][1] == ["grokking"] and 0.9 < alone < 1.15, alone
    assert 1.8 < phrase / alone < 2.2 and with_two < alone, (phrase, alone, with_two)
    docs = " ".join((ROOT / "docs/scoring.md").read_text(encoding="utf-8").split())
    assert f'"{GROK}", in its title and abstract, at {alone:.3f}' in docs
    assert f"the grokking paper {with_two:.3f} once `memorization` is added" in docs
    assert "a profile of one phrase gets about twice as much" in docs
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    # before: "**1.0 is one specific interest clearly in the title and the abstract**, ..., 2 to 3
    # several interests at once"
    assert (
        "**1.0 is one specific one-word interest clearly in the title and the abstract, in a profile of"
        " that interest alone**" in readme
    )
    assert "so a profile of one phrase gives about twice that" in readme
    example = " ".join((ROOT / "config.example.yaml").read_text(encoding="utf-8").split())
    assert "(1.0 = one specific word, the # profile's only interest, clearly in title and abstract" in example


def test_the_readme_s_example_is_the_demo_s_which_its_reader_can_run(tmp_path, monkeypatch):
    """README quoted figures of the shared dumps ("In `docs/scoring.md`'s example, ada's paper ...
    went from 2.101 to 0.942"), papers a reader of README does not have; now those of the demo's
    own sample data, as README says to get them: `digest demo`, then `rank ada`, `profile add ada
    "event cameras" --weight 2` and `profile add ada "language models"` on its config."""
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["demo"])
    assert done.exit_code == 0, done.output
    config = ["--config", "digest-demo/config.yaml"]
    title = "Grokking as a Phase Transition in Weight Norm"

    def score() -> tuple[float, list[str], list[str]]:
        done = CliRunner().invoke(main, [*config, "rank", "ada", "--json", "--limit", "1000"])
        assert done.exit_code == 0, done.output
        (paper,) = [p for p in json.loads(done.output) if p["title"] == title]
        return round(paper["score"], 3), paper["matched"], paper["partly"]

    found = [score()]
    for added in (["event cameras", "--weight", "2"], ["language models"]):
        done = CliRunner().invoke(main, [*config, "profile", "add", "ada", *added])
        assert done.exit_code == 0, done.output
        found.append(score())
    assert [f[1:] for f in found] == [([], ["spiking neural networks"])] * 3, found
    (before, weighted, added) = (f[0] for f in found)
    assert before == weighted > added, found
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (
        f'`rank ada` gives "{title}" (partly "spiking neural networks") {before:.3f}; as much after'
        f' `profile add ada "event cameras" --weight 2`; {added:.3f} once `profile add ada "language models"`'
    ) in readme


def test_a_keyword_of_words_the_profile_has_already_lowers_nothing(tmp_path, monkeypatch):
    """README, docs/scoring.md and `profile add --help` said "Adding an interest, at any weight,
    lowers" the others' papers; a keyword whose words the profile has already adds nothing to the
    sum of its words' idfs: in the demo, ada's "neural networks" beside "spiking neural networks"
    leaves the papers of the others as they were (one of new words, "spiking neurons", lowers)."""
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["demo"])
    assert done.exit_code == 0, done.output
    config = ["--config", "digest-demo/config.yaml"]

    def ranked() -> dict[str, tuple[float, list[str], list[str]]]:
        done = CliRunner().invoke(main, [*config, "rank", "ada", "--json", "--limit", "1000"])
        assert done.exit_code == 0, done.output
        return {p["title"]: (p["score"], p["matched"], p["partly"]) for p in json.loads(done.output)}

    def added(keyword: str) -> dict[str, tuple[float, list[str], list[str]]]:
        for command in ("add", "remove"):
            done = CliRunner().invoke(main, [*config, "profile", command, "ada", keyword])
            assert done.exit_code == 0, done.output
            if command == "add":
                found = ranked()
        return found

    before, known, new = ranked(), added("neural networks"), added("spiking neurons")
    others = [t for t, (_, matched, partly) in known.items() if "neural networks" not in matched + partly]
    assert len(others) >= 3
    for title in others:
        assert known[title][0] == before[title][0] and new[title][0] < before[title][0], title
    said = {
        "README.md": (
            "Adding an interest with words the profile does not have yet, at any weight, lowers the"
            ' papers of the others (one of words it has, as "neural networks" beside "spiking neural'
            ' networks", does not)'
        ),
        "docs/scoring.md": (
            "An interest whose words the profile has already (`neural networks` beside `spiking neural"
            " networks`) adds nothing to that sum and lowers nothing"
        ),
    }
    for doc, words in said.items():
        assert words in " ".join((ROOT / doc).read_text(encoding="utf-8").split()), doc


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_with_semantic_matching_a_weight_that_reorders_the_interests_moves_the_others_a_little(
    tmp_path, monkeypatch
):
    """README said "A weight raises its own interest's papers ... and nothing else: the others keep
    their scores": with `--semantic` the interests are embedded as one text, heaviest first, so
    ada's "event cameras" at weight 4 (first, where it was last) moves a paper without it."""
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["demo"])
    assert done.exit_code == 0, done.output
    config = ["--config", "digest-demo/config.yaml"]
    title = "Graph Neural Networks for Power Grid Fault Localization"

    def score(*semantic: str) -> tuple[float, list[str], list[str]]:
        done = CliRunner().invoke(main, [*config, *semantic, "rank", "ada", "--json", "--limit", "1000"])
        assert done.exit_code == 0, done.output
        (paper,) = [p for p in json.loads(done.output) if p["title"] == title]
        return round(paper["score"], 3), paper["matched"], paper["partly"]

    before = score("--semantic"), score()
    done = CliRunner().invoke(main, [*config, "profile", "add", "ada", "event cameras", "--weight", "4"])
    assert done.exit_code == 0, done.output
    after = score("--semantic"), score()
    assert before[1] == after[1] and before[0][1:] == after[0][1:] == ([], ["spiking neural networks"])
    assert before[0][0] != after[0][0], (before, after)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (
        f'in the demo with `--semantic`, ada\'s "{title}" goes from {before[0][0]:.3f} to {after[0][0]:.3f}'
        ' once "event cameras" weighs 4'
    ) in readme
