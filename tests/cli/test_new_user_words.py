"""What a new user meets following the README: the commands' words say what is so."""

from __future__ import annotations

from conftest import make_dump

PAPERS = [(f"Spiking Networks Part {n}", "We study spiking neural networks.") for n in range(1, 6)]


def test_rank_next_shows_what_the_next_digest_holds_and_no_more(workspace):
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\nmax_papers: 2\n")
    assert workspace.cli("ingest").exit_code == 0
    shown = workspace.cli("rank", "ada", "--next")
    assert shown.exit_code == 0, shown.output
    assert [line.split()[0] for line in shown.output.splitlines() if "Spiking" in line] == ["1.", "2."]
    more = workspace.cli("rank", "ada", "--next", "--limit", "4").output.splitlines()
    assert "     (ada's next digest holds the 2 above (max_papers: 2); below, the rest of its window)" in more
    assert (
        more.index(
            "     (ada's next digest holds the 2 above (max_papers: 2); below, the rest of its window)"
        )
        == 4
    )
    assert sum("Spiking" in line for line in more) == 4
    assert sum("Spiking" in line for line in workspace.cli("rank", "ada").output.splitlines()) == 5
