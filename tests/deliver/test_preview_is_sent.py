"""`digest preview USER` (and `--date DAY`) is what the daemon then sends: the same papers, in
the same order, with the same explanation lines and counts, whatever happened before: a
deferred digest and one failed for good, a weekly reader, a day on the other side of UTC
midnight, ratings and `like:`, `min_score` and `max_papers`, a paper both dumped and fetched, a
source removed, renamed or widened, a reader paused or unsubscribed and back, a renamed
profile file, exclusions, semantic matching. Each preview is taken at the instant of a real
daemon's pass (Daemon.run_once at a set clock, SmtpSender to a real aiosmtpd on loopback), and
its plain text compared with the plain part of the message the server took."""

from __future__ import annotations

import datetime as dt
import email.message
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from helpers.bobs_week import Deferring
from helpers.fetch_sources import HF, RSS, configure, hf_and_feed

from digest.compose.preview import preview
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Received
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profile
from digest.store import Store

from conftest import Workspace, a_minute_ago, make_dump

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)  # a Monday, at the readers' send time
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'


def plain(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # as on the wire


def summary(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A digest's plain text read as a reader reads it: its count line, and each paper's title
    with the line saying why it was picked, in order."""
    lines = text.splitlines()
    count = next(
        (line for line in lines if " for " in line and "picked" in line or "Nothing new" in line), ""
    )
    papers = []
    for i, line in enumerate(lines):
        if m := re.fullmatch(r"(\d+)\. (.+)", line):
            after = [x.strip() for x in lines[i + 1 : i + 4] if x.startswith("   ")]
            why = next((x for x in after if not x.startswith("[") and "," not in x[:1]), "")
            papers.append((m[2], why))
    return count, papers


class Life:
    """Listings ingested at set times, and a real daemon's passes at a set clock."""

    def __init__(self, ws: Workspace, server: LocalSmtpServer) -> None:
        self.ws, self.server, self.now = ws, server, MON
        self.daemon: Daemon | None = None

    def listing(self, name: str, papers: list[tuple[str, str]], at: dt.datetime) -> None:
        path = self.ws.dump(name, make_dump(at.strftime("%b %d"), papers), where="dumps", mtime=at)
        with Store(self.ws.config.database) as store:
            ingest(store, [path], at)

    def run(self, at: dt.datetime) -> list[Received]:
        """A daemon's pass at ``at``: the messages the server took in it."""
        self.now = at
        if self.daemon is None:
            self.daemon = Daemon(
                self.ws.config, lambda: self.now, sender_factory=lambda config: SmtpSender(config.smtp)
            )
        before = len(self.server.handler.messages)
        self.daemon.run_once()
        return self.server.handler.messages[before:]

    def shown_then_sent(self, user: str, at: dt.datetime, to: str = "ada@example.org") -> tuple[str, str]:
        """The preview of ``user``'s next digest at ``at``, and the digest the daemon's pass at
        ``at`` sent to ``to`` (its plain part)."""
        shown = plain(preview(self.ws.config, user, at).message)
        sent = [plain(m.message) for m in self.run(at) if m.rcpt_tos == [to]]
        assert len(sent) == 1, f"{len(sent)} messages to {to}"
        return shown, sent[0]

    def agree(self, user: str, at: dt.datetime, to: str = "ada@example.org") -> list[str]:
        """The preview is the email sent, to the byte; the titles sent."""
        shown, sent = self.shown_then_sent(user, at, to)
        assert summary(shown) == summary(sent)
        assert shown == sent
        zone = ZoneInfo(load_profile(self.ws.config, user).timezone)
        day = at.astimezone(zone).date()  # and the preview of its day (the reader's), once made, is it too
        assert plain(preview(self.ws.config, user, at + HOUR, up_to=day).message) == sent
        return [title for title, _ in summary(sent)[1]]


@pytest.fixture
def life(tmp_path, database) -> Iterator[Life]:
    with LocalSmtpServer(Deferring()) as server:
        yield Life(Workspace(tmp_path, server.port, database), server)


def test_a_new_reader_then_the_next_days(life):
    life.ws.profile("ada", ADA)
    life.listing("d1.txt", [("Neuromorphic Chips", "Spikes."), ("Soup", "Soup.")], MON - 6 * HOUR)
    assert life.agree("ada", MON) == ["Neuromorphic Chips"]
    life.listing("d2.txt", [("Spiking Vision", "Events."), ("Neuromorphic Chips", "Again.")], MON + 20 * HOUR)
    assert life.agree("ada", MON + DAY) == ["Spiking Vision"]


BOB = 'email: bob@example.org\ninterests:\n  robotics: 2\nsend_at: "07:30"\n'


def test_a_deferred_digest_then_one_failed_for_good(life):
    # Monday's digest deferred (451) past Tuesday's; then refused for good (550): Wednesday's
    # carries its paper. A limit set, as a user may: the 451 ("mailbox busy") halves the pace, to
    # 0.5 a second with none set, so Tuesday's pass sent its digest 2 s after the retry's 451
    with life.ws.config_path.open("a") as config:
        config.write("delivery:\n  max_per_second: 1000\n")
    life.ws.profile("bob", BOB)
    for day, word in enumerate(("Thursday", "Friday", "Saturday")):  # Deferring's words
        life.listing(f"{word}.txt", [(f"Robotics {word}", "Robots.")], MON + day * DAY - 6 * HOUR)
        if day == 0:
            assert life.run(MON) == []  # 451
        elif day == 1:
            assert life.agree("bob", MON + DAY, to="bob@example.org") == ["Robotics Friday"]
            life.server.handler.reply = "550 5.2.2 mailbox full"
            life.run(MON + DAY + 2 * HOUR)
    assert sorted(life.agree("bob", MON + 2 * DAY, to="bob@example.org")) == [
        "Robotics Saturday",
        "Robotics Thursday",
    ]


def test_a_deferred_digest_sent_at_its_retry(life):
    life.ws.profile("bob", BOB)
    life.listing("Thursday.txt", [("Robotics Thursday", "Robots."), ("Robotics Again", "x")], MON - 6 * HOUR)
    assert life.run(MON) == []  # 451
    life.server.handler.refused = ["no more"]  # accepted at its retry
    assert len(life.run(MON + 2 * HOUR)) == 1  # the retry goes
    life.listing("Friday.txt", [("Robotics Friday", "Robots."), ("Robotics Again", "x")], MON + 18 * HOUR)
    assert life.agree("bob", MON + DAY, to="bob@example.org") == ["Robotics Friday"]


WEEK = [("Neuromorphic Monday", "x"), ("Spiking Tuesday", "y"), ("Neuromorphic Wednesday", "z")]


def test_a_weekly_reader(life):
    life.ws.profile("ada", ADA + "frequency: weekly\nweekday: monday\n")
    life.listing("w0.txt", [("Neuromorphic Before", "old")], MON - 6 * HOUR)
    assert life.agree("ada", MON) == ["Neuromorphic Before"]
    for i, paper in enumerate(WEEK):
        life.listing(f"w{i + 1}.txt", [paper, ("Soup", "Soup.")], MON + i * DAY + 20 * HOUR)
    for i in range(1, 7):
        assert life.run(MON + i * DAY) == []
    assert sorted(life.agree("ada", MON + 7 * DAY)) == sorted(t for t, _ in WEEK)


@pytest.mark.parametrize("zone, send_at", [("Asia/Tokyo", "07:30"), ("America/Los_Angeles", "20:00")])
def test_a_day_on_the_other_side_of_utc_midnight(life, zone, send_at):
    life.ws.profile("ada", ADA.replace('"07:30"', f'"{send_at}"') + f"timezone: {zone}\n")
    first = (
        dt.datetime(2026, 3, 15, 22, 30, tzinfo=dt.UTC)
        if zone == "Asia/Tokyo"
        else dt.datetime(2026, 3, 17, 3, 0, tzinfo=dt.UTC)
    )
    life.listing("a.txt", [("Neuromorphic Late", "x"), ("Spiking Late", "y")], first - 2 * HOUR)
    today = first.astimezone(ZoneInfo(zone)).date()  # and `preview --date` of it an hour before
    before = plain(preview(life.ws.config, "ada", first - HOUR, up_to=today).message)
    assert sorted(life.agree("ada", first)) == ["Neuromorphic Late", "Spiking Late"]
    assert before == plain(life.server.handler.messages[-1].message)
    life.listing("c.txt", [("Neuromorphic Next", "x")], first + 23 * HOUR)
    assert life.agree("ada", first + DAY) == ["Neuromorphic Next"]


def test_ratings_and_likes(life):
    life.ws.profile("ada", ADA + "like: [Event Cameras for Spiking Vision]\n")
    life.listing(
        "a.txt", [(f"Neuromorphic Paper {i}", f"spiking chips {i}") for i in range(6)], MON - 6 * HOUR
    )
    life.agree("ada", MON)
    with Store(life.ws.config.database) as store:
        for paper in store.papers()[:3]:
            store.rate("ada", paper.id, 1 if paper.id % 2 else -1, MON + HOUR)
    day2 = [
        (f"Spiking Chips {i}", "neuromorphic chips" if i % 2 else "event cameras vision") for i in range(8)
    ]
    life.listing("b.txt", day2, MON + 20 * HOUR)
    assert len(life.agree("ada", MON + DAY)) == 4


def test_min_score_and_max_papers(life):
    life.ws.profile("ada", ADA + "max_papers: 3\nmin_score: 0.1\n")
    life.listing(
        "a.txt",
        [(f"Neuromorphic {i}", "About spiking. " * i or "Chips.") for i in range(6)] + [("Soup", "s")],
        MON - 6 * HOUR,
    )
    assert len(life.agree("ada", MON)) == 3


def test_exclusions(life):
    life.ws.profile("ada", ADA + "exclude: [robots]\n")
    life.listing("a.txt", [("Neuromorphic Robots", "x"), ("Spiking Vision", "y")], MON - 6 * HOUR)
    assert life.agree("ada", MON) == ["Spiking Vision"]


def test_paused_and_back(life):
    life.ws.profile("ada", ADA)
    life.listing("a.txt", [("Neuromorphic A", "x")], MON - 6 * HOUR)
    life.agree("ada", MON)
    life.ws.profile("ada", ADA + "paused: true\n")
    life.listing("b.txt", [("Neuromorphic B", "x")], MON + 20 * HOUR)
    assert life.run(MON + DAY) == []
    life.ws.profile("ada", ADA)
    life.listing("c.txt", [("Neuromorphic C", "x")], MON + 44 * HOUR)
    assert sorted(life.agree("ada", MON + 2 * DAY)) == ["Neuromorphic B", "Neuromorphic C"]


def test_unsubscribed_and_back(life):
    from digest.deliver.suppressions import Suppressions

    life.ws.profile("ada", ADA)
    life.listing("a.txt", [("Neuromorphic A", "x")], MON - 6 * HOUR)
    life.agree("ada", MON)
    with Store(life.ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", MON + HOUR)
    life.listing("b.txt", [("Neuromorphic B", "x")], MON + 20 * HOUR)
    assert life.run(MON + DAY) == []
    assert life.ws.cli("suppressed", "--release", "ada").exit_code == 0
    life.listing("c.txt", [("Neuromorphic C", "x")], MON + 44 * HOUR)
    assert sorted(life.agree("ada", MON + 2 * DAY)) == ["Neuromorphic B", "Neuromorphic C"]


def test_a_renamed_profile_file(life):
    life.ws.profile("ada", ADA + "max_papers: 1\n")
    life.listing("a.txt", [("Neuromorphic A", "x"), ("Neuromorphic A2", "x")], MON - 6 * HOUR)
    life.agree("ada", MON)
    monday = plain(life.server.handler.messages[-1].message)
    (life.ws.root / "profiles" / "ada.yaml").rename(life.ws.root / "profiles" / "ada-lee.yaml")
    life.listing("b.txt", [("Neuromorphic B", "x")], MON + 20 * HOUR)
    for at in (MON + DAY - HOUR, MON + 2 * DAY):  # Monday's preview, before and after the carry-over
        shown = plain(preview(life.ws.config, "ada-lee", at, up_to=MON.date()).message)
        assert shown.replace("ada-lee", "ada") == monday  # but for the name it is for now
        if at < MON + DAY:
            assert life.agree("ada-lee", MON + DAY) == ["Neuromorphic B"]


FETCHED = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)  # the day the fixtures' sources list
CY = 'email: cy@example.org\ninterests: [spiking attention, curriculum design]\nsend_at: "07:00"\n'
EDITS = {
    "kept": lambda text: text,
    "removed": lambda text: text.replace(
        text[text.index("  - kind: hf_daily") : text.index("  - kind: arxiv")], ""
    ),
    "renamed": lambda text: text.replace("hf_daily\n", "hf_daily\n    name: hf\n"),
    "widened": lambda text: text.replace("[cs.LG]", "[cs.LG, cs.CL]"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_paper_dumped_and_fetched_and_a_source_edited_after_the_fetch(life, edit):
    from digest.demo.http_server import LocalHttpServer

    life.ws.profile("cy", CY)
    life.listing("a.txt", [("Spiking Attention Dropped", "On spiking attention.")], FETCHED - DAY - 2 * HOUR)
    assert life.agree("cy", FETCHED - DAY + HOUR, to="cy@example.org") == ["Spiking Attention Dropped"]
    with LocalHttpServer(hf_and_feed()) as server:
        configure(life.ws, server, HF, RSS)
        # the daily papers' Spiking Attention, dropped in the inbox too
        both = [("Spiking Attention Without Softmax", "Dumped: attention without softmax, spiking.")]
        life.listing("b.txt", both, FETCHED - HOUR)
        life.run(FETCHED)  # the sources fetched by the daemon's pass
        life.ws.config_path.write_text(EDITS[edit](life.ws.config_path.read_text()))
        titles = life.agree("cy", FETCHED + HOUR, to="cy@example.org")
    assert "Gradient Noise as a Compass for Curriculum Design" in titles
    assert ("Tidal Memory Layers for Long-Context Language Models" in titles) == (edit != "removed")
    # a source taken out after the day's digest: the day's preview is still its email
    sent = plain(life.server.handler.messages[-1].message)
    if edit != "removed":
        life.ws.config_path.write_text(EDITS["removed"](life.ws.config_path.read_text()))
    assert plain(preview(life.ws.config, "cy", FETCHED + 2 * HOUR, up_to=FETCHED.date()).message) == sent


def test_semantic_matching(life):
    pytest.importorskip("sentence_transformers")
    with life.ws.config_path.open("a") as config:
        config.write("semantic: true\n")
    life.ws.profile("ada", ADA + "max_papers: 3\n")
    papers = [("Neuromorphic Chips", "Spikes."), ("Brain-Inspired Hardware", "Event-driven silicon neurons.")]
    life.listing("a.txt", [*papers, ("Soup", "Soup."), ("Spiking Vision", "Events.")], MON - 6 * HOUR)
    assert life.agree("ada", MON) == ["Neuromorphic Chips", "Spiking Vision", "Brain-Inspired Hardware"]


def test_the_command_lines_preview_is_the_command_lines_send(mail_workspace, smtp_server):
    # `digest preview ada --text` and `digest send`, as a user runs them (now, by the clock)
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump(
        "today.txt",
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Chips", "x"), ("Soup", "s")]),
        mtime=a_minute_ago(),
    )
    assert ws.cli("ingest").exit_code == 0
    shown = ws.cli("preview", "ada", "--text")
    assert shown.exit_code == 0 and "note:" not in shown.output, shown.output
    assert ws.cli("send").exit_code == 0
    (sent,) = smtp_server.messages
    assert shown.stdout == plain(sent.message)


def test_the_preview_of_an_unsubscribed_reader_says_they_get_nothing(mail_workspace, smtp_server):
    # Before: it showed their digest and said nothing, while `digest send` sent them nothing
    from digest.deliver.suppressions import Suppressions

    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump(
        "today.txt",
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Chips", "x")]),
        mtime=a_minute_ago(),
    )
    assert ws.cli("ingest").exit_code == 0
    with Store(ws.config.database) as store:
        Suppressions(store).unsubscribe("ada", MON, "one-click, from their digest")
    shown = ws.cli("preview", "ada", "--text")
    assert shown.exit_code == 0, shown.output
    assert (
        "note: ada is suppressed (unsubscribed on 2026-03-16 07:30 UTC: one-click, from their digest): "
        "`digest send` sends them nothing until `digest suppressed --release ada`." in shown.stderr
    ), shown.output
    sent = ws.cli("send")
    assert "suppressed: unsubscribed" in sent.output and smtp_server.messages == [], sent.output


@pytest.mark.parametrize("semantic", [False, True], ids=["keywords", "semantic"])
def test_a_reader_ranked_beside_one_who_likes_titles(life, semantic):
    # the daemon ranks readers sharing a window with one index, built to learn where any of
    # them lists titles they like; the preview ranks one reader alone
    if semantic:
        pytest.importorskip("sentence_transformers")
        with life.ws.config_path.open("a") as config:
            config.write("semantic: true\n")
    life.ws.profile("ada", ADA + "max_papers: 3\n")
    life.ws.profile("bob", BOB.replace("robotics: 2", "neuromorphic: 1") + "like: [Spiking Robots]\n")
    papers = [
        (f"Neuromorphic {w}", f"Spiking {w} chips and robots.") for w in ("Arms", "Eyes", "Legs", "Ears")
    ]
    life.listing("a.txt", [*papers, ("Robot Soup", "Soup for robots.")], MON - 6 * HOUR)
    shown = {user: plain(preview(life.ws.config, user, MON).message) for user in ("ada", "bob")}
    sent = {m.rcpt_tos[0].split("@")[0]: plain(m.message) for m in life.run(MON)}  # one pass, both
    assert sent == shown


def test_the_preview_says_a_dump_waiting_in_the_inbox_is_not_in_it(life):
    # Before: "nothing matches ada's interests yet", and the daemon's pass then took the dump
    # in and sent its paper
    life.ws.profile("ada", ADA)
    life.ws.dump("today.txt", make_dump("Mar 16", [("Neuromorphic Chips", "Spikes.")]), mtime=MON - 6 * HOUR)
    shown = life.ws.cli("preview", "ada", "--text")
    assert shown.exit_code == 0, shown.output
    inbox = life.ws.root / "inbox" / "today.txt"
    assert (
        f"note: 1 dump waiting in the inbox is not in this preview ({inbox}): the daemon (`digest run`) "
        "and `digest send` take it in before sending any digest; `digest ingest` takes it in now.\n"
        in shown.stderr
    ), shown.output
    today = f"{dt.datetime.now(dt.UTC):%Y-%m-%d}"  # `--date` of today before its digest is the next: said too
    assert "note: 1 dump waiting" in life.ws.cli("preview", "ada", "--text", "--date", today).stderr
    assert (
        "waiting in the inbox" not in life.ws.cli("preview", "ada", "--text", "--date", "2026-03-15").stderr
    )
    (sent,) = life.run(MON)
    assert [title for title, _ in summary(plain(sent.message))[1]] == ["Neuromorphic Chips"]
    assert life.ws.cli("preview", "ada", "--text").stderr.count("waiting in the inbox") == 0


def test_the_note_of_two_dumps_waiting_says_them(life):
    # Before: "... the daemon (`digest run`) takes them in before the digests it sends", and of
    # one dump "takes it in before the digests it sends": "it" the dump, then the daemon
    life.ws.profile("ada", ADA)
    for name in ("a.txt", "b.txt"):
        life.ws.dump(name, make_dump("Mar 16", [(f"Neuromorphic {name}", "Spikes.")]), mtime=MON - 6 * HOUR)
    shown = life.ws.cli("preview", "ada", "--text")
    inbox = life.ws.root / "inbox"
    assert (
        f"note: 2 dumps waiting in the inbox are not in this preview ({inbox / 'a.txt'}, {inbox / 'b.txt'}): "
        "the daemon (`digest run`) and `digest send` take them in before sending any digest; "
        "`digest ingest` takes them in now.\n" in shown.stderr
    ), shown.output
