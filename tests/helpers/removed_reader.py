"""ada removed (her file gone after a digest and a rating, bad beside her: removed), and what a command
naming her says (REMOVED)."""

from __future__ import annotations

from conftest import make_dump

REMOVED = (
    "no profile for user 'ada': ada's profile file is gone (the reader was removed); their history (the "
    "papers sent, their ratings) is kept in the database. To put them back, restore the file, or make it "
    "again with their address: `digest profile new ada --email ada@example.org -i KEYWORD`"
)


def removed(ws) -> None:
    """ada and bad sent a digest, ada rated paper 1 up, then ada.yaml removed."""
    ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    assert ws.cli("send").exit_code == 0
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    (ws.root / "profiles" / "ada.yaml").unlink()
