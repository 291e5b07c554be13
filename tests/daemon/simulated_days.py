"""Ten simulated days of a digest set-up, driven by a seeded random sequence of what happens in
one: daemon passes at varied clocks, `digest send` (everyone, one reader), `digest run --once`, a
config reload, a profile's send_at or time zone edited, a pause and its end, the SMTP server
deferring (451) or refusing (554) for a while, a dump arriving late; then two calm days of passes.
Everything is real but the clock: the store, the profile folder, the daemon's passes (Daemon at a
set clock) and `send`'s library (send_now), a real aiosmtpd on loopback. What the readers got is
then held against what they are promised (:func:`violations`)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from digest.daemon.sendnow import send_now
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import Mailbox
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

START = dt.datetime(2026, 3, 24, 0, 0, tzinfo=dt.UTC)  # London's clocks go forward on Mar 29
DAYS, CALM_DAYS = 10, 2
HOUR, MINUTE = dt.timedelta(hours=1), dt.timedelta(minutes=1)

# each reader's profile: (time zone, send_at, extra lines); "dflt" inherits the config's
READERS = {
    "utc": ("UTC", "07:30", ""),
    "la": ("America/Los_Angeles", "06:00", ""),
    "tokyo": ("Asia/Tokyo", "08:00", ""),
    "london": ("Europe/London", "01:30", ""),  # inside the skipped hour on Mar 29
    "weekly": ("UTC", "09:00", "frequency: weekly\nweekday: friday\n"),
    "dflt": (None, None, ""),
}
ZONES = ["UTC", "America/Los_Angeles", "Asia/Tokyo", "Europe/London", "Australia/Sydney"]


@dataclass
class Reader:
    zone: str | None
    send_at: str | None
    extra: str
    paused: bool = False

    def text(self, user: str) -> str:
        lines = f"email: {user}@example.org\ninterests: [spiking]\nmax_papers: 200\n{self.extra}"
        if self.zone is not None:
            lines += f'timezone: {self.zone}\nsend_at: "{self.send_at}"\n'
        return lines + ("paused: true\n" if self.paused else "")


@dataclass
class Taken:
    """A message the server took: its reader, its Message-ID, its titles, at the simulated clock."""

    user: str
    message_id: str
    titles: tuple[str, ...]
    at: dt.datetime


class Server(Mailbox):
    """Takes every message, or answers ``reply`` (451, 554) to those of ``refusing`` (all if None)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply: str | None = None
        self.refusing: str | None = None
        self.now = START
        self.taken: list[Taken] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        user = message["X-Digest-User"]
        if self.reply and self.refusing in (None, user):
            return self.reply
        text = message.get_body(("plain",)).get_content()
        titles = tuple(m[1] for m in re.finditer(r"(?m)^\d+\. (.+?)\r?$", text))
        self.taken.append(Taken(user, message["Message-ID"], titles, self.now))
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Simulation:
    ws: Workspace
    server: Server
    seed: int
    now: dt.datetime = START
    readers: dict[str, Reader] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    dumped: dict[str, dt.datetime] = field(default_factory=dict)  # title -> when it arrived
    config_zone: str = "UTC"
    config_send_at: str = "07:00"
    daemon: Daemon | None = None
    calm: dt.datetime = START  # the calm days' start
    moves: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (when, who): a time zone changed
    edits: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (when, who): any change of theirs
    # the server not taking all: since, until, whose (None: anybody's)
    failing: list[tuple[dt.datetime, dt.datetime, str | None]] = field(default_factory=list)
    # the daemon's passes: when, and each reader's zone, send_at and pause then
    looked: list[tuple[dt.datetime, dict[str, tuple[str, str, bool]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        with self.ws.config_path.open("a") as f:
            f.write("scheduler:\n  poll_seconds: 60\n  settle_seconds: 1\n")
        self._write_config()
        for user, (zone, send_at, extra) in READERS.items():
            self.readers[user] = Reader(zone, send_at, extra)
            self.ws.profile(user, self.readers[user].text(user))

    # -- what can happen -------------------------------------------------------------------

    def _write_config(self) -> None:
        text = re.sub(r"(?m)^(timezone|send_at): .*\n", "", self.ws.config_path.read_text())
        self.ws.config_path.write_text(
            text + f'timezone: {self.config_zone}\nsend_at: "{self.config_send_at}"\n'
        )

    def _schedule(self, reader: Reader) -> tuple[str, str, bool]:
        return (reader.zone or self.config_zone, reader.send_at or self.config_send_at, reader.paused)

    def _edges(self, rng: random.Random) -> list[dt.datetime]:
        """The next send time or local midnight of a reader (a minute either side, at times)."""
        zone, send_at, _ = self._schedule(self.readers[rng.choice(sorted(self.readers))])
        local = self.now.astimezone(ZoneInfo(zone))
        times = []
        for day in (local.date(), local.date() + dt.timedelta(days=1)):
            for clock in (dt.time.fromisoformat(send_at), dt.time(0)):
                at = dt.datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
                times.append(at + rng.choice([-1, 0, 0, 1, 5]) * MINUTE)
        return sorted(t for t in times if t > self.now)

    def _clock(self) -> dt.datetime:
        return self.now

    def made_at(self, message_id: str, created_at: str) -> dt.datetime:
        """When a digest was made, on the simulated clock (its worker's clock may be off it)."""
        return dt.datetime.fromisoformat(created_at)

    def passes(self) -> None:
        """The daemon's pass (one daemon, kept between passes, as `digest run`)."""
        self.looked.append((self.now, {u: self._schedule(r) for u, r in self.readers.items()}))
        if self.daemon is None:
            self.daemon = Daemon(self.ws.config, self._clock, sender_factory=lambda c: SmtpSender(c.smtp))
        self.daemon.run_once()

    def run_once(self) -> None:
        """`digest run --once`: a new daemon, one pass."""
        daemon = Daemon(self.ws.config, self._clock, sender_factory=lambda c: SmtpSender(c.smtp), once=True)
        daemon.run_once()

    def send(self, user: str | None = None) -> None:
        """`digest send` (``user``: `--user`)."""
        config = self.ws.config
        profiles = [p for p in load_profiles(config) if user in (None, p.user)]
        with Store(config.database) as store, SmtpSender(config.smtp) as sender:
            send_now(config, store, profiles, sender, self._clock(), everyone=user is None)

    def dump(self, day: int, late: bool) -> None:
        titles = [f"Spiking paper {day}-{i}" for i in range(1 + day % 3)]
        at = self.now
        self.ws.dump(
            f"day{day}.txt",
            make_dump(at.strftime("%b %d"), [(t, "About spiking.") for t in titles]),
            mtime=at,
        )
        self.dumped.update((t, at) for t in titles)

    def edit(self, user: str, rng: random.Random) -> str:
        reader = self.readers[user]
        what = rng.choice(["send_at", "zone", "pause"])
        if user in ("dflt", "weekly") or what == "pause":  # the weekly reader's Friday stays in the calm days
            reader.paused = not reader.paused
            what = "paused" if reader.paused else "resumed"
        elif what == "send_at":
            reader.send_at = f"{rng.randrange(24):02d}:{rng.choice(['00', '30'])}"
            what = f"send_at {reader.send_at}"
        else:
            reader.zone = rng.choice(ZONES)
            self.moves.append((self.now, user))
            what = f"timezone {reader.zone}"
        self.ws.profile(user, reader.text(user))
        self.edits.append((self.now, user))
        return what

    def reload(self, rng: random.Random) -> str:
        self.config_zone = rng.choice(ZONES)
        self.moves.append((self.now, "dflt"))
        self.edits.append((self.now, "dflt"))
        self.config_send_at = f"{rng.randrange(24):02d}:{rng.choice(['00', '15', '45'])}"
        self._write_config()
        return f"config timezone {self.config_zone} send_at {self.config_send_at}"

    # -- the sequence ----------------------------------------------------------------------

    def do(self, what: str, call) -> None:
        self.server.now = self.now
        self.log.append(f"{self.now:%a %d %H:%M} {what}")
        call()

    def play(self, rng: random.Random) -> None:
        """DAYS days of random events, then CALM_DAYS of passes every half hour."""
        end = START + DAYS * dt.timedelta(days=1)
        day_dumped: set[int] = set()
        failing_since = failing_until = None  # the server's answer other than 250: since, until
        while self.now < end:
            edges = self._edges(rng) if rng.random() < 0.4 else []
            step = rng.choice([10, 20, 30, 45, 60, 90, 120, 180, 240]) * MINUTE
            self.now = min(edges[0] if edges else self.now + step, end)  # the calm days start at end
            day = (self.now - START).days
            if failing_until is not None and self.now >= failing_until:
                self.failing.append((failing_since, self.now, self.server.refusing))
                self.server.reply, failing_until = None, None
                self.log.append(f"{self.now:%a %d %H:%M} server takes all again")
            due_dump = self.now.hour >= 2 if rng.random() < 0.8 else self.now.hour >= 11  # late, at times
            if day not in day_dumped and due_dump and rng.random() < 0.9:
                day_dumped.add(day)
                self.do(f"dump of day {day}", lambda d=day: self.dump(d, self.now.hour >= 11))
            r = rng.random()
            if r < 0.55:
                self.do("daemon pass", self.passes)
            elif r < 0.62:
                self.do("digest send", self.send)
            elif r < 0.69:
                user = rng.choice(sorted(self.readers))
                self.do(f"digest send --user {user}", lambda u=user: self.send(u))
            elif r < 0.75:
                self.do("digest run --once", self.run_once)
            elif r < 0.80:
                self.do(self.reload(rng), lambda: None)
            elif r < 0.90:
                user = rng.choice(sorted(self.readers))
                what = self.edit(user, rng)
                self.do(f"{user}'s profile: {what}", lambda: None)
            elif r < 0.95 and failing_until is None:
                self.server.reply = rng.choice(["451 4.3.0 try again later", "554 5.6.0 message refused"])
                self.server.refusing = rng.choice([None, *sorted(self.readers)])
                failing_since, failing_until = self.now, self.now + rng.choice([1, 3, 8, 20]) * HOUR
                said = f"server answers {self.server.reply[:3]} to {self.server.refusing or 'all'}"
                self.do(said, lambda: None)
        if failing_until is not None:
            self.failing.append((failing_since, self.now, self.server.refusing))
        self.server.reply = None
        for user, reader in self.readers.items():  # the calm days: nobody paused
            if reader.paused:
                reader.paused = False
                self.ws.profile(user, reader.text(user))
        self.calm = self.now
        for hours in range(2, CALM_DAYS * 24 + 1, 2):  # within the grace of every send time
            self.now = self.calm + hours * HOUR
            day = (self.now - START).days
            if day not in day_dumped and self.now.hour >= 2:
                day_dumped.add(day)
                self.do(f"dump of day {day}", lambda d=day: self.dump(d, False))
            self.do("daemon pass", self.passes)


def violations(sim: Simulation) -> list[str]:
    """What a reader was promised and did not get: one digest a period at the most, no paper twice,
    every paper listed before the calm days once (they let everything through), each digest what
    came since the previous one (:func:`left_out`), one on each day owed (:func:`unserved`)."""
    found: list[str] = []
    with Store(sim.ws.config.database) as store:
        rows = store.db.execute("SELECT message_id, user, period, created_at FROM outbox").fetchall()
        titles = dict(store.db.execute("SELECT id, title FROM papers").fetchall())
        made = store.db.execute("SELECT user, message_id, created_at, paper_ids FROM outbox ORDER BY id")
        made = [(u, sim.made_at(m, at), {titles[i] for i in json.loads(ids)}) for u, m, at, ids in made]
    found += left_out(sim, made)
    made_at = [(u, at) for u, at, _ in made]
    periods = {m: period for m, _, period, _ in rows}
    created = {m: sim.made_at(m, at) for m, _, _, at in rows}
    found += unserved(sim, {m: (user, period, created[m]) for m, user, period, _ in rows})
    by_period: dict[tuple[str, str], list[Taken]] = defaultdict(list)
    seen: dict[str, dict[str, Taken]] = defaultdict(dict)
    ids = [t.message_id for t in sim.server.taken]
    found += [f"{m} taken {ids.count(m)} times" for m in sorted(set(ids)) if ids.count(m) > 1]
    for t in sim.server.taken:
        period = periods.get(t.message_id)
        if period is not None:
            by_period[t.user, period].append(t)
        for title in t.titles:
            if title in seen[t.user]:
                first = seen[t.user][title]
                found.append(f"{t.user}: {title!r} twice (at {first.at:%a %d %H:%M} and {t.at:%a %d %H:%M})")
            seen[t.user].setdefault(title, t)
    for (user, period), taken in sorted(by_period.items()):
        since = created[taken[0].message_id]  # made before a move (and sent after it, deferred)
        moved = any(who == user and since <= at <= taken[-1].at for at, who in sim.moves)
        if len(taken) > 1 and not moved:  # a reader who moves may have two (README: Per-reader schedule)
            at = ", ".join(f"{t.at:%a %d %H:%M}" for t in taken)
            found.append(f"{user}: {len(taken)} digests for {period} (at {at})")
    calm = sim.calm
    for user in sim.readers:
        # a new reader's first digest: the latest listing; every paper after it is owed, whether
        # it was sent or failed (refused, held as they paused: README, Failures)
        first = min((at for who, at in made_at if who == user), default=calm)
        missing = sorted(t for t, at in sim.dumped.items() if t not in seen[user] and first < at < calm)
        if missing:
            found.append(f"{user}: never got {', '.join(missing)}")
    return found


def left_out(sim: Simulation, made: list[tuple[str, dt.datetime, set[str]]]) -> list[str]:
    """The papers listed (a dump settled in the inbox) between a reader's previous digest and the
    one made next that the latter leaves out: what a digest holds is what came since the previous
    one (README: What a digest holds), whoever made it (a pass, `digest send`)."""
    found = []
    for user in sim.readers:
        # from their first digest made, sent or not: one that failed (refused, held as they paused)
        # leaves them no new reader (whose next digest is the latest listing)
        first = min((at for who, at, _ in made if who == user), default=sim.now)
        theirs = [(at, papers) for who, at, papers in made if who == user and at >= first]
        for (before, _), (at, papers) in zip(theirs, theirs[1:], strict=False):
            had = set().union(*(p for when, p in theirs if when < at))
            missing = [
                t for t, when in sim.dumped.items() if before < when <= at - MINUTE and t not in papers | had
            ]
            if missing:
                found.append(
                    f"{user}: the digest made at {at:%a %d %H:%M} left out {', '.join(sorted(missing))}"
                )
    return found


def unserved(sim: Simulation, periods: dict[str, tuple[str, str, dt.datetime]]) -> list[str]:
    """The days a daemon's pass came within four hours (the grace) of a reader's send time with
    papers they had not been sent, and no digest was made for the day (a `digest send` since that
    send time, just after midnight too, makes that day's: README, Sending now): the reader's
    schedule, the config's and the server left alone for a day before, so that nothing else
    explains it."""
    found = []
    made = {(user, period) for user, period, _ in periods.values()}
    daily = {"utc", "la", "tokyo", "london", "dflt"}
    for at, schedules in sim.looked:
        for user, (zone, send_at, paused) in schedules.items():
            day_before = at - dt.timedelta(days=1)
            quiet = not any(who == user and day_before <= when <= at for when, who in sim.edits)
            quiet &= all(b < day_before or who not in (None, user) for _, b, who in sim.failing)
            if paused or not quiet or user not in daily:
                continue
            local = at.astimezone(ZoneInfo(zone))
            for day in (local.date(), local.date() - dt.timedelta(days=1)):
                slot = dt.datetime.combine(day, dt.time.fromisoformat(send_at), tzinfo=ZoneInfo(zone))
                if not slot <= at <= slot + 4 * HOUR or (user, day.isoformat()) in made:
                    continue
                earlier = [t for t in sim.server.taken if t.user == user and t.at <= at]  # the pass's own too
                had = {title for t in earlier for title in t.titles}
                # what came before their first digest is not owed: a new reader gets the latest listing
                since = min((t.at for t in earlier), default=START - HOUR)
                new = [t for t, when in sim.dumped.items() if since < when <= at - MINUTE and t not in had]
                if new:
                    said = f"the pass at {at:%a %d %H:%M}; {', '.join(new)} new"
                    found.append(f"{user}: no digest for {day} ({said})")
    return found


def simulate(ws: Workspace, server: Server, seed: int) -> Simulation:
    sim = Simulation(ws, server, seed)
    sim.play(random.Random(seed))
    return sim
