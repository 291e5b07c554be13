"""Ada's hand-written profile and her first digest: the day's papers ingested and sent through the real
SMTP server, for the tests that follow its links in a browser."""

from __future__ import annotations

from digest.daemon.sendnow import send_now
from digest.deliver.transports import SmtpSender
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import NOW, make_dump

PROFILE = """\
# Ada's profile: hand-written, comments must survive the web page.
name: Ada Lovelace
email: ada@example.org
interests:
  spiking neural networks: 3   # the main topic
  neuromorphic: 2
exclude: [medical]
"""
PAPERS = [
    ("Spiking Neural Networks at Scale", "We scale spiking neural networks to a billion neurons."),
    ("Neuromorphic Vision", "Event cameras on neuromorphic chips."),
    ("Gardening Robots", "Robots that water plants."),
]


def ingest_and_send(config, store: Store) -> None:
    """Ingest the inbox and send the readers' digests through the real SMTP server: Ada's, of 2 papers."""
    ingest(store, sorted(config.inbox.iterdir()), NOW)
    with SmtpSender(config.smtp) as sender:
        outcomes = send_now(config, store, load_profiles(config), sender, NOW).delivered
    assert [(o.user, o.papers, o.ok) for o in outcomes] == [("ada", 2, True)]


def send_everything(ws, smtp_server):
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", PROFILE)
    config = ws.config
    with Store(config.database) as store:
        ingest_and_send(config, store)
    (received,) = smtp_server.messages
    return received.message
