"""`digest preview` says which sources the daemon fetches before the reader's digest goes out
(``before_minutes`` ahead of their send time) and has not fetched for it yet: what they bring
may be in the email and is not in the preview. Real parts: the sources on a loopback HTTP
server, `digest fetch`, a real daemon's pass at the send time, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.fetch_sources import HF, RSS, configure, daily_papers_api, hf_and_feed

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer

pytestmark = pytest.mark.backends

CY = "email: cy@example.org\ninterests: [spiking attention, low-rank adapters]\n"


def fetch_note(n: int, said: str, aside: str = "") -> str:
    verb, them = ("is", "it") if n == 1 else ("are", "them")
    if "at " in said:  # a time to come: a `digest send` now goes without it (test_send_fetches)
        its = "its" if n == 1 else "their"
        who = (
            f"the daemon (`digest run`) fetches {them} before sending the digest, as `digest send` does "
            f"once {its} time has come"
        )
    else:  # due now: a `digest send` now fetches it first
        who = f"the daemon (`digest run`) and `digest send` fetch {them} before sending the digest"
    who += aside  # (not `digest send --user cy`: ...)
    return (
        f"note: {n} source{'s' if n > 1 else ''} to be fetched before cy's digest goes out {verb} not in "
        f"this preview ({said}): {who}; `digest fetch` fetches {them} now.\n"
    )


def fetch_the_sources():
    return HF, RSS, configure, hf_and_feed


def said_at(moment: dt.datetime, now: dt.datetime) -> str:
    moment = moment.replace(second=0, microsecond=0)
    return f"at {moment:%H:%M} UTC" if moment.date() == now.date() else f"at {moment:%Y-%m-%d %H:%M} UTC"


def test_the_preview_names_the_sources_to_be_fetched_before_the_send(mail_workspace, smtp_server):
    # Before: "nothing matches cy's interests yet: no email is sent for this", and the daemon's
    # pass fetched the sources (before_minutes: 60 ahead) and sent cy their papers
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws, now = mail_workspace, dt.datetime.now(dt.UTC)
    later, soon = now + dt.timedelta(hours=3), now + dt.timedelta(minutes=30)
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        ws.profile("cy", CY + f'send_at: "{later:%H:%M}"\n')  # fetched an hour ahead, but never yet:
        shown = ws.cli("preview", "cy", "--text")  # the next pass fetches them at once (fetching.due_now)
        assert fetch_note(2, "hf_daily, due now; arxiv-cs.LG, due now") in shown.stderr, shown.output
        ws.profile("cy", CY + f'send_at: "{soon:%H:%M}"\n')  # within the hour: due now
        shown = ws.cli("preview", "cy", "--text")
        assert fetch_note(2, "hf_daily, due now; arxiv-cs.LG, due now") in shown.stderr, shown.output
        assert "nothing matches cy's interests yet" in shown.stderr
        assert ws.cli("fetch", "--source", "hf_daily").exit_code == 0  # fetched for it: not said
        shown = ws.cli("preview", "cy", "--text")
        assert fetch_note(1, "arxiv-cs.LG, due now") in shown.stderr, shown.output
        send = soon.replace(second=0, microsecond=0)
        daemon = Daemon(ws.config, lambda: send, sender_factory=lambda config: SmtpSender(config.smtp))
        daemon.run_once()  # fetches the feed first, then sends
        again = ws.cli("preview", "cy", "--text")  # the next digest's: fetched an hour before its send
        at = said_at(send + dt.timedelta(days=1) - dt.timedelta(hours=1), now)
        assert fetch_note(2, f"hf_daily, {at}; arxiv-cs.LG, {at}") in again.stderr, again.output
    (sent,) = smtp_server.messages
    text = sent.message.get_body(("plain",)).get_content()
    assert "Quiet Channels" in text and "Spiking Attention Without Softmax" in text
    assert "Spiking Attention Without Softmax" in shown.stdout  # the feed's paper was not previewed
    assert "Quiet Channels" not in shown.stdout


def test_a_source_fetched_at_its_when_times_is_said_for_a_time_before_the_send_only(mail_workspace):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws, now = mail_workspace, dt.datetime.now(dt.UTC)
    before, send, after = (now + dt.timedelta(hours=h) for h in (1, 2, 3))
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF + f"    when: ['{after:%H:%M}']\n", RSS + f"    when: ['{before:%H:%M}']\n")
        ws.profile("cy", CY + f'send_at: "{send:%H:%M}"\n')
        shown = ws.cli("preview", "cy", "--text")  # never fetched: both due now (the next pass)
        assert fetch_note(2, "hf_daily, due now; arxiv-cs.LG, due now") in shown.stderr, shown.output
        assert ws.cli("fetch").exit_code == 0  # fetched now: hf_daily's next time is after the send
        shown = ws.cli("preview", "cy", "--text")
        assert fetch_note(1, f"arxiv-cs.LG, {said_at(before, now)}") in shown.stderr, shown.output


def test_a_source_due_for_another_readers_send_is_said_due_before_a_due_readers_digest(
    mail_workspace, smtp_server
):
    """cy's send time passed ten minutes ago and cy's digest is not made yet (the daemon was down, or
    cy had nothing worth sending: due through the grace period); dee's comes in ten minutes. The
    sources were fetched for cy's time, an hour ago, and are due again for dee's (before_minutes:
    60): the daemon's next pass fetches them first, then makes cy's digest. The preview chose the
    moment from cy's slot alone, found it fetched, and said nothing of them; it asks now what the
    pass asks (fetching.due_now)."""
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws, now = mail_workspace, dt.datetime.now(dt.UTC)
    routes = {**hf_and_feed(), "/api/daily_papers": daily_papers_api()}  # yesterday's, as asked
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF, RSS)
        ws.profile("cy", CY + f'send_at: "{now - dt.timedelta(minutes=10):%H:%M}"\n')
        ws.profile("dee", CY.replace("cy@", "dee@") + f'send_at: "{now + dt.timedelta(minutes=10):%H:%M}"\n')
        hour_ago = now - dt.timedelta(hours=1)
        sender = {"sender_factory": lambda config: SmtpSender(config.smtp)}
        fetched = Daemon(ws.config, lambda: hour_ago, **sender).run_once().fetched  # for cy's time
        assert [f.source for f in fetched] == ["hf_daily", "arxiv-cs.LG"], fetched
        shown = ws.cli("preview", "cy", "--text")
        report = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC), **sender).run_once()
    assert [f.source for f in report.fetched] == ["hf_daily", "arxiv-cs.LG"]  # before cy's digest
    assert "cy" in {s.user for s in report.scheduled}, report.scheduled
    others = " (not `digest send --user cy`: they are due for other readers' send times)"  # dee's
    assert fetch_note(2, "hf_daily, due now; arxiv-cs.LG, due now", others) in shown.stderr, shown.output
