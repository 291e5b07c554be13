"""`digest preview` of a renamed reader (ada.yaml renamed ada-lee.yaml, not carried over yet)
whose mail is stopped under the old name says so, as `digest send` then sends them nothing: the
send carries ada over to ada-lee first (the suppression with the rest), then finds ada-lee
suppressed. A real aiosmtpd on loopback takes what is sent."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import a_minute_ago, make_dump

pytestmark = pytest.mark.backends

ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'
AT = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)


def listed(ws, name: str, title: str) -> None:
    ws.dump(name, make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [(title, "Spikes.")]), mtime=a_minute_ago())
    assert ws.cli("ingest").exit_code == 0


@pytest.mark.parametrize("how", ["unsubscribed", "bounced"])
def test_a_renamed_reader_suppressed_under_the_old_name_is_said_suppressed(mail_workspace, smtp_server, how):
    # Before: no note (the suppression was looked up under ada-lee, which has none yet), and
    # the preview showed a digest `digest send` did not send
    ws = mail_workspace
    ws.profile("ada", ADA)
    listed(ws, "a.txt", "Neuromorphic Chips")
    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1
    with Store(ws.config.database) as store:
        if how == "unsubscribed":
            Suppressions(store).unsubscribe("ada", AT, "one-click, from their digest")
        else:
            with store.transaction():
                Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", AT)
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada-lee.yaml")
    listed(ws, "b.txt", "Neuromorphic Vision")
    shown = ws.cli("preview", "ada-lee", "--text")
    assert shown.exit_code == 0, shown.output
    why = (
        "unsubscribed on 2026-03-16 07:30 UTC: one-click, from their digest"
        if how == "unsubscribed"
        else "<ada@example.org> refused on 2026-03-16 07:30 UTC: 550 5.1.1 no such user"
    )
    assert (
        f"note: ada-lee is suppressed (as ada, whom ada-lee continues: {why}): `digest send` sends them "
        "nothing until `digest suppressed --release ada` (ada-lee once a `digest send` or the daemon's "
        "pass has carried ada over)." in shown.stderr
    ), shown.output
    sent = ws.cli("send")
    assert sent.exit_code == 0, sent.output
    assert "ada-lee continues ada" in sent.output and f"suppressed: {why.split(':')[0]}" in sent.output
    assert len(smtp_server.messages) == 1  # nothing more sent
    carried = ws.cli("preview", "ada-lee", "--text")  # carried over: the note of ada-lee's own
    assert (
        f"note: ada-lee is suppressed ({why}): `digest send` sends them nothing until "
        "`digest suppressed --release ada-lee`." in carried.stderr
    ), carried.output
