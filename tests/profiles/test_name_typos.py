"""A name without a profile file is answered with the readers it was likely a typo of: a slip of
the keys (a letter wrong, left out, added, two swapped: one for a name of up to four letters, two
for a longer one), never a reader whose name is only much alike (difflib's 0.6 ratio said
`john.doe` a typo of `jane.doe`, `mia` of `max`, and `adx`, as close by its ratio to `ada`, `bad`
and `max`, of `max`, the last of them in the alphabet). Equally close names are all said; none
close: the names known, as before. A reader is also called by the first part of their name
(`jane` for `jane.doe`, as difflib said too): that is said, before any slip but the case's
(`alice`, with readers alice_smith and alicia, is not alicia's typo). A name typed short, the start
of a reader's of three letters or more (`bob` of `bobby`, `max` of `maxine`), is as close as one
slip whatever was left off: counted letter by letter it was too far, and `bob` was said `bab`, one
letter wrong, never `bobby`, whom a user typing a name's start means."""

from __future__ import annotations

import pytest

from digest.profiles.name_typos import likely_meant

from conftest import Workspace

READERS = ("ada", "bad", "jane.doe", "max")


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    for user in READERS:
        ws.profile(user, f"email: {user}@example.org\ninterests: [spiking]\n")
    return ws


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("adx", "Did you mean 'ada'?"),  # one letter wrong: the obvious one, not the alphabet's last
        ("ad", "Did you mean 'ada' or 'bad'?"),  # one left out of either
        ("daa", "Did you mean 'ada'?"),  # two swapped
        ("Ada", "Did you mean 'ada'?"),  # the case
        ("jnae.doe", "Did you mean 'jane.doe'?"),
        ("jane.do", "Did you mean 'jane.doe'?"),
        ("john.doe", "Known: ada, bad, jane.doe, max."),  # another person's name
        ("jane", "Did you mean 'jane.doe'?"),  # as she is called
        ("jan", "Did you mean 'jane.doe'?"),  # typed short
        ("Jane", "Did you mean 'jane.doe'?"),
        ("doe", "Known: ada, bad, jane.doe, max."),  # another part: another doe as likely
        ("mia", "Known: ada, bad, jane.doe, max."),
    ],
)
def test_a_name_without_a_file_is_said_the_readers_it_is_a_typo_of(ws, typed, said):
    result = ws.cli("rank", typed)
    assert result.exit_code == 1, result.output
    assert result.output.rstrip().endswith(f"no profile for user {typed!r}. {said}"), result.output


def test_the_slips_counted():
    assert likely_meant("carl", ["carol", "karl"]) == ["carol", "karl"]
    assert likely_meant("caorl", ["carol"]) == ["carol"]  # a swap is one slip
    assert likely_meant("alice-smith", ["bob-smith"]) == []
    assert likely_meant("a", ["ada"]) == []
    assert likely_meant("adx", []) == []
    assert likely_meant("alice", ["alice_smith", "alicia"]) == ["alice_smith"]  # not two slips away
    assert likely_meant("ann", ["ann-marie", "ann.lee", "anna"]) == ["ann-marie", "ann.lee"]
    assert likely_meant("ann", ["ann.lee", "annemarie"]) == ["ann.lee"]  # a first part is a whole part


def test_a_name_typed_short_is_one_slip():
    assert likely_meant("bob", ["bobby"]) == ["bobby"]  # two letters left off: still the one meant
    assert likely_meant("bob", ["bab", "bobby", "rob"]) == ["bab", "bobby", "rob"]  # as close as one
    assert likely_meant("Max", ["maxine", "mia"]) == ["maxine"]
    assert likely_meant("ann", ["anna", "annemarie"]) == ["anna", "annemarie"]
    assert likely_meant("jane.d", ["jane.doe", "jane.dunn"]) == ["jane.doe", "jane.dunn"]
    assert likely_meant("bo", ["bobby"]) == []  # two letters begin too many names
    assert likely_meant("obb", ["bobby"]) == []  # not its start: slips counted
