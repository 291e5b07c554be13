"""The inbox's day.txt: the listing of 2026-03-14 with three papers, two about spiking networks and
neuromorphic vision, one unrelated, and ada's profile asking for the first two (seed)."""

from __future__ import annotations

from conftest import NOW, make_dump


def seed(ws):
    ws.dump(
        "day.txt",
        make_dump(
            "Mar 14",
            [
                ("Spiking Neural Networks at Scale", "We scale spiking neural networks."),
                ("Neuromorphic Vision", "Event cameras on neuromorphic chips."),
                ("Unrelated", "Nothing to see."),
            ],
        ),
        mtime=NOW,  # saved in 2026: the listing of 2026-03-14, whatever the year the test runs in
    )
    ws.profile("ada", "email: ada@example.org\ninterests:\n  spiking neural networks: 2\n  neuromorphic: 1\n")
