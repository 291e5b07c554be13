"""What `digest preview` says on stderr beside the preview, and whether its links can be signed."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from digest.cli.common import say_profile_notes, secho

log = logging.getLogger(__name__)


def say_notes(
    config: Any,
    store: Any,
    outgoing: Any,
    user: str,
    day: dt.date | None,
    now: dt.datetime,
    unsigned: str | None,
    continues: str,
) -> None:
    """What `digest preview` says on stderr beside the preview: its links not signed, what the
    email may hold that it does not (dumps waiting), why no email may go. ``continues``: the
    name whose history it goes on with (digest.compose.preview.preview's ``continued``)."""
    from zoneinfo import ZoneInfo

    from digest.compose.preview import unlisted_by, waiting_in_inbox
    from digest.signing import UNSIGNED

    say_profile_notes(outgoing.digest.profile)
    for title in store.unstored_titles(outgoing.digest.profile.likes):  # it counts for nothing yet
        secho(
            f"note: {outgoing.digest.profile.source}: like: {title!r} is the title of no stored paper, "
            "so it counts for nothing yet: it counts once a listing with that paper is ingested "
            "(titles are compared ignoring case and punctuation)",
            fg="yellow",
            err=True,
        )
    if unsigned is not None:
        secho(
            f"note: the links in this preview are NOT SIGNED ({unsigned}): they read /u/{UNSIGNED}/... "
            "and open nothing. The rest is what `digest send` sends; send and serve need the secret.",
            fg="yellow",
            err=True,
        )
    today = now.astimezone(ZoneInfo(outgoing.digest.profile.timezone)).date()
    next_one = day is None or day >= today  # --date of today, or of a day to come: the next digest
    if next_one and (waiting := waiting_in_inbox(config)):
        secho(f"note: {waiting}", fg="yellow", err=True)  # the daemon's pass takes them in first
    if next_one and (fetched := _to_be_fetched(config, store, outgoing, now, continues)):
        secho(f"note: {fetched}", fg="yellow", err=True)  # and fetches them before it sends
    if day and outgoing.digest.day is None and (unlisted := unlisted_by(store, config, day)):
        if store.paper_count() == 0:  # what stores them, as the preview without --date says it
            unlisted = f"no papers stored yet: {_to_store_by(config, day, next_one)}; {unlisted}"
        secho(f"note: {unlisted}", fg="yellow", err=True)
    elif say_stopped(store, outgoing.digest.profile, user, continues):
        pass
    elif not outgoing.digest.sent:
        why = _nothing_new(config, store, outgoing.digest.profile, user, now, continues, day)
        secho(  # the "nothing new" message is shown, but only send_empty: true would send it
            f"note: {why}: no email is sent for this (`send_empty: true` would send this note).",
            fg="yellow",
            err=True,
        )
    elif next_one and (went := period_went(config, store, outgoing.digest.profile, now, continues, day)):
        secho(f"note: {went}", fg="yellow", err=True)  # `digest send` sends nothing now


def period_went(
    config: Any,
    store: Any,
    profile: Any,
    now: dt.datetime,
    continues: str,
    day: dt.date | None = None,
    shown: str = "this preview is the next one",
) -> str | None:
    """That the digest of the reader's current period went already (or was made), as `digest send`
    then says it ("already sent today at 07:02 UTC"), so what is ``shown`` is the next one, and when
    that goes; None: this period's digest is still to go (the preview is what `send` sends now), or
    ``day`` (--date) had a digest made, which the preview is (digest_of_day), not the next one."""
    from digest.local_day import day_at, day_bounds

    if day is not None and store.history_before(continues, *day_bounds(day, profile.timezone))[2] is not None:
        return None

    from digest.slots import next_slot, period_done, send_period, served_before_its_time

    state = store.schedule_states([continues]).get(continues)
    if state is None:
        return None
    period = send_period(profile, now, config.scheduler.grace, *state)
    if not (period_done(profile, period, *state) or served_before_its_time(profile, period, now, *state)):
        return None
    # only now, for a reader whose period is done: these load the outbox (digest.deliver.outbox, email)
    from digest.daemon.already import describe_already
    from digest.deliver.outbox import Outbox

    said = describe_already(profile, Outbox(store).latest_entries([continues]).get(continues), state[1], now)
    slot = next_slot(profile, now, *state)
    if slot is None:
        return None
    return (
        f"{profile.user}'s digest of this period was {said}: {shown}, which "
        f"the daemon sends {day_at(profile.timezone, slot.at, now)} (`digest send` too, from then on; to "
        f"send it now: `digest send --user {profile.user} --force`)."
    )


def to_store_papers(config: Any) -> str:
    """What stores the first papers, as `digest rank` and `digest preview` say it: the config's
    sources first, as README's "Using it" runs `digest fetch` before `digest ingest`."""
    fetch = "run `digest fetch` (the config's sources; `digest status` shows their last fetch), or "
    return f"{fetch if config.sources else ''}put listing dumps in {config.inbox} and run `digest ingest`"


def _to_store_by(config: Any, day: dt.date, next_one: bool) -> str:
    """What stores a listing for `digest preview --date DAY` on an empty database: for today or a
    day to come, what stores the first papers (to_store_papers); for a past day, the dumps of that
    day or before (a fetch stores today's listing, which a past day's digest does not draw on)."""
    if next_one:
        return to_store_papers(config)
    return f"put listing dumps of {day} or before in {config.inbox} and run `digest ingest`"


def _nothing_new(
    config: Any,
    store: Any,
    profile: Any,
    user: str,
    now: dt.datetime,
    continues: str,
    day: dt.date | None = None,
) -> str:
    """Why the digest is empty: no papers stored yet (and what stores them), nothing matches yet (a
    reader who never had a digest made), or nothing new since their last one, whose papers are not
    sent again (the window starts after it), with when it was made as the outbox keeps it. ``day``
    (--date) before today: as that day's digest saw them (digest_of_day), not after digests made since."""
    from zoneinfo import ZoneInfo

    from digest.deliver.outbox import Outbox
    from digest.local_day import day_at, day_bounds
    from digest.store import QUEUED

    if day is not None and day < now.astimezone(ZoneInfo(profile.timezone)).date():
        if store.history_before(continues, *day_bounds(day, profile.timezone))[0] is None:
            return f"nothing matches {user}'s interests by {day}"
        return f"nothing new matches {user}'s interests on {day} since their digest before that day"
    if store.previous_digest_through(continues) is None:
        if store.paper_count() == 0:  # as `digest rank ada --next` says it
            return f"no papers stored yet: {to_store_papers(config)}; nothing matches {user}'s interests yet"
        return f"nothing matches {user}'s interests yet"
    said = f"nothing new matches {user}'s interests since their last digest"
    entry = Outbox(store).latest_entries([continues]).get(continues)
    if entry is None:  # a digest older than the outbox
        return said
    when = day_at(profile.timezone, entry.sent_at or entry.created_at, now)
    if entry.status == QUEUED:  # made, not delivered yet (a server deferred it, or it is on its way)
        retry = (
            f" for its retry {day_at(profile.timezone, entry.next_attempt_at, now)}" if entry.attempts else ""
        )
        waits = f"not delivered yet: it waits in the outbox{retry}"
        return f"{said} (made {when}, {waits}; its papers go in no other digest)"
    return f"{said} ({when}; the papers in it are not sent again)"


def say_stopped(store: Any, profile: Any, user: str, continues: str) -> bool:
    """Say on stderr that no digest goes to ``user`` now, paused or suppressed, as `digest send`
    plans them (`digest preview`, `digest rank --next`); whether it said so."""
    from digest.deliver.suppressions import suppressed_note

    if profile.paused:  # what lifts it, as `digest send`'s row says (paused_note)
        from digest.daemon.already import until_unpaused

        secho(
            f"note: {user} is paused: `digest send` sends them nothing {until_unpaused(user)}.",
            fg="yellow",
            err=True,
        )
        return True
    if blocked := suppressed_note(store, profile, continues):
        secho(f"note: {blocked}", fg="yellow", err=True)
    return blocked is not None


def _to_be_fetched(config: Any, store: Any, outgoing: Any, now: dt.datetime, continues: str) -> str | None:
    from digest.compose.preview import to_be_fetched
    from digest.daemon.fetching import due_now, fetched_before_send
    from digest.profiles.load import read_profiles

    profile = outgoing.digest.profile
    readers: list[Any] = []  # the others a pass looks at: a source due for their send is due now
    if any(not s.when for s in config.sources) and not profile.paused:
        listed, skipped = read_profiles(config)
        for unread in (s.problem for s in skipped if s.path is None):  # the folder, not a file in it:
            log.info(  # one this account may not list (its own file read by name): judged for it alone
                "the other readers' send times not known (%s): the sources judged for %s alone",
                unread,
                profile.user,
            )
        readers = [p for p in listed if p.user != profile.user]
    due = fetched_before_send(config, store, profile, now, continues, readers)
    mine = {s.name for s in due_now(config, store, [profile], now)}  # what `digest send USER` fetches
    others = [s.name for s, at in due if at <= now and s.name not in mine]
    return to_be_fetched(profile.user, [(s.name, at) for s, at in due], now, others)


def secret_missing(config: Any, allowed: bool) -> str | None:
    """Why the links' secret cannot be had here (a shell without its variable, a file readable
    by the service's user only), when the reader's links would need it and ``allowed``
    (--unsigned-links); None: it can, or no link is signed. Not allowed, it is `send`'s error
    (a misspelt variable or file name is one), with the option named; a secret that is there
    but unusable (too short) is an error either way."""
    from digest.errors import SecretUnavailable

    if not config.base_url:
        return None
    try:
        config.web.secret()
    except SecretUnavailable as e:
        if not allowed:
            raise SecretUnavailable(
                f"{e}. To preview without it, its links not signed (they open nothing): "
                "`digest preview --unsigned-links`",
                e.why,
            ) from None
        return e.why
    return None
