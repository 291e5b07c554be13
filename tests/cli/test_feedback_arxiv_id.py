"""`digest feedback USER PAPER_ID ...` takes the paper's arXiv id too (as a reader has it from
arXiv or a digest's link: with a version, an ``arXiv:`` prefix, or old-style), and says which
paper it rated; an arXiv id no stored paper has, a paper id no stored paper has, or an id of
neither kind, is refused with what PAPER_ID may be, and nothing is rated. The command to run for
the ids names the reader rated (`digest rank ada --json`), to be copied as it is, as the refusal
of an unknown arXiv id names it: not `USER`, which only the help's synopsis says."""

from __future__ import annotations

import json

import pytest

from digest.store import Store


def hf_day(papers: list[tuple[str, str]]) -> bytes:
    """A Hugging Face daily papers JSON of (arXiv id, title) pairs."""
    items = [
        {
            "paper": {"id": pid, "title": title, "summary": f"About {title.lower()}.", "authors": []},
            "publishedAt": "2026-03-14T08:00:00.000Z",
        }
        for pid, title in papers
    ]
    return json.dumps(items).encode()


@pytest.mark.backends
def test_an_arxiv_id_with_a_version_prefix_or_old_style_rates_that_paper(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    papers = [("2403.01234", "Robotics at Home"), ("hep-th/9901001", "Strings in Old Style")]
    workspace.dump("2026-03-14.json", hf_day(papers))
    assert workspace.cli("ingest").exit_code == 0, workspace.cli("ingest").output
    with Store(workspace.config.database) as store:
        ids = {p.title: p.id for p in store.papers()}
    home, strings = ids["Robotics at Home"], ids["Strings in Old Style"]
    said = [
        workspace.cli("feedback", "ada", "2403.01234v2", "up"),
        workspace.cli("feedback", "ada", "arXiv:hep-th/9901001", "down"),
        workspace.cli("feedback", "ada", "https://arxiv.org/abs/2403.01234v3", "clear"),
    ]
    assert [r.output for r in said] == [
        f"ada: paper {home} (arXiv 2403.01234) rated up.\n",
        f"ada: paper {strings} (arXiv hep-th/9901001) rated down.\n",
        f"ada: paper {home} (arXiv 2403.01234) cleared (was up).\n",
    ]
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {strings: -1}


def test_an_unknown_arxiv_id_or_paper_id_or_an_id_of_neither_kind_rates_nothing_and_says_what_is_taken(
    workspace,
):
    workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    workspace.dump("2026-03-14.json", hf_day([("2403.01234", "Robotics at Home")]))
    assert workspace.cli("ingest").exit_code == 0
    unknown = workspace.cli("feedback", "ada", "2403.99999v1", "up")
    assert unknown.exit_code == 1
    assert unknown.output == (
        "error: no paper with arXiv id 2403.99999 in the database (its listing may not be ingested "
        "yet; see the ids of `digest rank ada --json`)\n"
    )
    unknown = workspace.cli("feedback", "ada", "999", "up")
    assert unknown.exit_code == 1
    assert unknown.output == "error: no paper with id 999 (see the ids of `digest rank ada --json`)\n"
    neither = workspace.cli("feedback", "ada", "robotics", "up")
    assert neither.exit_code == 2
    assert (
        "Invalid value for 'PAPER_ID': 'robotics' is neither a paper id (the number `digest rank "
        "USER --json` prints) nor an arXiv id (2403.01234, 2403.01234v2, hep-th/9901001)"
    ) in " ".join(neither.output.split())
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {}
