"""`digest send --user ada` in a new day, ada's digest of the day before waiting for its retry (the
server deferred it, 451), on PostgreSQL: another worker's pass retries that digest, and the server
defers it again, between the send's planning and its claim. The send leaves it to its new retry time
(tests/daemon/test_deferred_meanwhile.py), and its rows say where it is, as they say a period's digest
another worker took meanwhile ("earlier digest: queued ...; waiting ..."), and the new day's "nothing
new besides the earlier digest above". Before, the send said only "ada  ada@example.org  0 papers
nothing new": the digest still waiting, which the reader did not get, was not named.

Real parts: two config folders on one PostgreSQL database (a daemon's worker and a user's `digest send`
process, paused before its claim), aiosmtpd on loopback deferring every message, libfaketime for the
first send, the evening before."""

from __future__ import annotations

from helpers.earlier_digest import deferred_again_meanwhile
from helpers.faked import needs_faketime


@needs_faketime
def test_an_earlier_digest_deferred_again_by_another_worker_meanwhile_is_named_in_the_send_s_rows(
    tmp_path, monkeypatch
):
    with deferred_again_meanwhile(tmp_path, monkeypatch) as (_, said):
        rows = [" ".join(line.split()[2:]) for line in said.splitlines() if line.startswith("ada ")]
    assert len(rows) == 2, said  # was: ["0 papers nothing new"]
    assert rows[0].startswith("1 paper earlier digest: queued on "), said
    assert rows[1] == "0 papers nothing new besides the earlier digest above", said
