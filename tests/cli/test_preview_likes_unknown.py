"""A title under ``like:`` that no stored paper has counts for nothing (the reader's model learns
from the papers liked), so `digest preview` says so on stderr beside the preview, naming the
title, until a listing with that paper is ingested; a liked title that is stored (in another
case, or with other punctuation, as titles are compared) is not named."""

from __future__ import annotations

import pytest
from helpers.preview import preview

from conftest import make_dump

PAPERS = [
    ("Spiking Networks on Chips", "Neuromorphic hardware runs spiking networks."),
    ("Robot Hands that Feel", "Tactile sensors let a robot hand grasp soft things."),
]
LATER = [("Event Cameras for Drones", "Event cameras let small drones fly fast in the dark.")]


@pytest.mark.backends
def test_a_liked_title_no_stored_paper_has_is_named_until_it_is_ingested(workspace):
    ws = workspace
    ws.profile(
        "ada",
        "email: ada@example.org\ninterests: [neuromorphic]\nlike:\n"
        '  - "spiking networks on chips!"\n  - "Event Cameras for Drones"\n',
    )
    ws.dump("day1.txt", make_dump("Mar 14", PAPERS))
    assert ws.cli("ingest").exit_code == 0
    said = preview(ws).stderr
    assert (
        f"note: {ws.root / 'profiles' / 'ada.yaml'}: like: 'Event Cameras for Drones' is the title of "
        "no stored paper, so it counts for nothing yet: it counts once a listing with that paper is "
        "ingested (titles are compared ignoring case and punctuation)\n"
    ) in said
    assert "spiking networks on chips" not in said.lower()
    ws.dump("day2.txt", make_dump("Mar 15", LATER))
    assert ws.cli("ingest").exit_code == 0
    assert "like:" not in preview(ws).stderr
