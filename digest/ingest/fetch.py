"""Fetching the configured sources: each document is saved in the inbox, then ingested from there.

A fetched document takes the path of a dropped dump: written atomically into the inbox,
read by the same readers, moved to ``processed/`` (or to ``failed/`` with the reason, the
source named), so nothing fetched is lost and nothing half-read is stored. Every attempt is
recorded (``fetches`` table): the validators for the next conditional request, and what
happened, for `digest status`:

* ``listing``      papers stored (some may have been known);
* ``empty``        a valid document with no papers (a weekend or a holiday, or a listing not
                   out yet: the daemon asks again for a while, digest.daemon.fetching), also
                   when the server answers 304 to a document that had none;
* ``not_modified`` the server answered 304: nothing new since the last fetch;
* ``failed``       no document (HTTP error, timeout) or one the readers refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.config import Config, SourceConfig
from digest.errors import DumpError, NotUtf8, ReaderBug
from digest.fetched_names import file_name
from digest.files import counted, write_atomic
from digest.ingest import inbox as inbox_folder
from digest.ingest import pages
from digest.ingest.charset import not_utf8
from digest.ingest.dumps import read_listing
from digest.ingest.fetch_aside import kept_already, put_aside, put_aside_stranded
from digest.ingest.fetch_at_work import at_work, try_failed
from digest.ingest.http import Answer, FetchError, FetchStopped, Http
from digest.ingest.left_out import said as said_left_out
from digest.ingest.missed_days import AT_EACH, EMPTY, FAILED
from digest.ingest.repeats import repeats
from digest.ingest.repeats import said as repeats_said
from digest.ingest.sources import is_html
from digest.models import Listing
from digest.store import Store, iso

log = logging.getLogger(__name__)

LISTING, NOT_MODIFIED = "listing", "not_modified"  # and EMPTY and FAILED, of missed_days
NOT_OUT = "not out yet"  # an empty outcome whose answer held papers, of an earlier day: not "empty"


@dataclass(frozen=True)
class FetchOutcome:
    source: str
    url: str
    outcome: str  # listing | empty | not_modified | failed
    detail: str  # what was stored, or why it failed
    saved: Path | None = None  # where the document ended up (processed/ or failed/)
    new_papers: int = 0
    bug: bool = False  # failed on a reader's bug (ReaderBug), not a bad document
    stopped: bool = False  # given up before its answer (SIGTERM, Ctrl-C): not an attempt, due again
    retry_at: dt.datetime | None = None  # failed: the server asked not to be asked before (Retry-After)
    # a day missed that failed, held back by an older one that failed too: when it is asked again
    # (digest.ingest.missed_days.behind; fetch_all.fetch_with_missed)
    behind: str = ""
    down: bool = False  # failed as the server's (no answer, no connection, 5xx): a catch-up stops

    @property
    def said(self) -> str:
        """The outcome and its detail, as `digest fetch`, `run --once`, `send`, the demo and
        `status` say it: a detail that begins with the outcome's words ("not modified since the
        last fetch") not said twice, and a listing stored as its papers alone ("3 papers of
        2026-03-04: 3 new, 0 known"), not as "listing: ...", a word the user sees nowhere else."""
        head = self.outcome.replace("_", " ")
        plain = self.outcome == LISTING or self.detail.startswith(head)
        not_out = self.outcome == EMPTY and NOT_OUT in self.detail  # its answer held papers: not "empty"
        return self.detail if plain or not_out else f"{head}: {self.detail}"

    @property
    def told(self) -> str:
        """:attr:`said`, and for a failed day held back by an older one (:attr:`behind`) when it is
        asked again, as `digest status` says it: `digest fetch`'s line, and `run --once`'s."""
        return self.said + (f"; {AT_EACH} {self.behind}" if self.behind else "")

    def line(self, bug: str = "") -> str:
        """Its line in `digest run --once`'s account of a pass; ``bug``: what a reader's bug adds."""
        return f"fetched {self.source}: {self.told}" + (f" ({bug})" if bug and self.bug else "")


# a 410: the address is gone for good, by the server's word; asked again at the source's usual
# times (a mistake of the server's mended, or the url fixed), not every 15 minutes (is_due)
GONE = ": the server says this address is gone for good"
AT_ITS_TIMES = "; the daemon asks again at the source's next fetch time, not every 15 minutes"


def source_day(source: SourceConfig, now: dt.datetime, timezone: str) -> dt.date:
    """The day a source is fetched for: today (in the config's zone), or yesterday for hf_daily."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return today - dt.timedelta(days=1) if source.kind == "hf_daily" and source.day == "yesterday" else today


def config_file(config: Config) -> Path | None:
    """The config's file named in full, as the notes that name a key in it say it (None: no file):
    those of a fetch, and the saved ones rekeyed (fetch_records.rekeyed, the daemon's failed days)."""
    return config.path.absolute() if config.path else None


class InboxNotWritten(OSError):
    """A fetched document the inbox would not take (a full disk, a read-only inbox): raised on,
    as the OSError it is, so that a pass stops fetching; its callers tell it from another
    OSError of a fetch (a bug), which is not the inbox's to be blamed for. ``source``: the source whose
    document it was, its fetch recorded as failed (a catch-up's record is a second apart before the
    fetch began: ingest.fetch_all.fetch_with_missed; `digest fetch` finds it by the name)."""

    source = ""


def not_written_args(error: OSError) -> tuple:
    """The arguments that make an InboxNotWritten say what ``error`` says: its errno, words and
    both file names (a rename's), or, without an errno, its own words (not "[Errno None] None")."""
    if error.errno is None:
        return error.args
    return (error.errno, error.strerror, error.filename, None, error.filename2)


def fetch_source(
    config: Config,
    store: Store,
    http: Http,
    source: SourceConfig,
    now: dt.datetime,
    *,
    say_bugs: bool = True,
    say_failures: bool = True,
    retrying: Callable[[str, str], object] | None = None,
    day: dt.date | None = None,
    named_at: dt.datetime | None = None,
) -> FetchOutcome:
    """Fetch one source now; save, ingest and record the outcome. Never raises for a bad answer.
    ``say_bugs``: a reader's bug is logged with its traceback once (the daemon); without, the
    caller says it (``FetchOutcome.bug``: `digest fetch`). ``say_failures``: a document that
    cannot be read is logged as a warning (the daemon); without, the caller says it in its
    outcome's line (`digest fetch`). ``retrying``: told (the source's name, what failed) each
    failed try that another follows (Http.get). ``day``: the day fetched for, in place of the
    source's (source_day): `digest demo`'s, whose url asks for its sample's day. ``named_at``: the
    time its document's file is named by, when ``now`` is not the fetch's own (a catch-up's, recorded a
    second apart before it: ingest.fetch_all.fetch_with_missed), as the user ran it, and its record's
    ``run_at`` (what status and a pass say it at: ingest.fetch_records.run_time)."""
    day = day or source_day(source, now, config.timezone)
    url = source.resolved_url(day)
    etag, modified, before, said_before = validators(store, url)
    try:
        paged = source.kind == "hf_daily"  # the daily papers API answers in pages: every page of the day
        came = functools.partial(at_work, store)  # after each page: a day of many is no silence
        get = functools.partial(pages.get_day, http, came=came) if paged else http.get
        said = functools.partial(try_failed, store, source.name, retrying)
        answer = get(
            url,
            etag=etag,
            last_modified=modified,
            timeout=source.timeout_seconds,
            retries=source.retries,
            retrying=said,
        )
    except FetchStopped as e:  # not an attempt: not recorded, so the source is due again at the start
        log.info("fetch %s: %s", source.name, e)
        return FetchOutcome(source.name, url, FAILED, f"{e}; fetched again at the next start", stopped=True)
    except FetchError as e:
        if before == EMPTY:  # the validators stand for a document without papers; once the last
            etag = modified = None  # outcome says "failed", a 304 to them could not tell: ask afresh
        wait = None if e.retry_after is None else now + dt.timedelta(seconds=min(e.retry_after, 86400.0))
        # 404: the key to look at, in the file named in full: status reads it from elsewhere
        why = (
            str(e)
            + (GONE if e.status == 410 else "")
            + source.url_note(config.sources, config_file(config), e.status)
        )
        why += AT_ITS_TIMES if e.status == 410 else ""
        return _record(
            store, source, url, now, FAILED, why, etag, modified, retry_at=wait, down=e.down, run_at=named_at
        )
    moved = source.moved_note(answer.moved, config.sources, config_file(config))
    if answer.status == 304 and before == EMPTY:  # what the server keeps has no papers of the day
        still = (
            f"the daily papers of {day} are still {NOT_OUT}" if NOT_OUT in said_before else "still no papers"
        )
        detail = f"{still}: not modified since the last fetch{moved}"
        return _record(store, source, url, now, EMPTY, detail, etag, modified, run_at=named_at)
    if answer.status == 304:
        detail = "not modified since the last fetch" + moved
        return _record(store, source, url, now, NOT_MODIFIED, detail, etag, modified, run_at=named_at)
    name = _file_name(source, day, named_at or now, answer.content_type, answer.body)
    path = config.inbox / f".{name}"  # hidden while it is read: `digest ingest` leaves it alone
    try:
        put_aside_stranded(config.inbox)
        write_atomic(path, answer.body)
    except OSError as e:  # an attempt all the same: asked again in 15 minutes, not at every poll
        why = f"fetched, but not saved in the inbox: {e.strerror or e}"
        _record(store, source, url, now, FAILED, why, None, None, run_at=named_at)
        refused = InboxNotWritten(*not_written_args(e))
        refused.source = source.name
        raise refused from e
    try:
        return _take(
            config, store, source, url, now, day, path, name, answer, say_bugs, say_failures, moved, named_at
        )
    except BaseException as e:  # interrupted (a database error, Ctrl-C): kept aside, asked again
        why = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        put_aside(
            path, config.inbox, name, f"fetched from {source.name} ({url}), but the fetch stopped ({why})"
        )
        raise


def _take(
    config: Config,
    store: Store,
    source: SourceConfig,
    url: str,
    now: dt.datetime,
    day: dt.date,
    path: Path,
    name: str,
    answer: Answer,
    say_bug: bool = True,
    say_failure: bool = True,
    moved: str = "",
    named_at: dt.datetime | None = None,
) -> FetchOutcome:
    """Read the fetched document at ``path`` (hidden), store it, move it to processed/ (or to
    failed/) as ``name``, and record the outcome; ``moved``: what a permanent redirect adds;
    ``named_at``: the fetch run's time (:func:`fetch_source`'s)."""
    try:
        local = now.astimezone(ZoneInfo(config.timezone)).replace(tzinfo=None)
        # the day asked for stands in for a document that names none (an empty JSON array)
        asked = dt.datetime.combine(day, local.time())
        # a reader failing in a way it did not foresee fails this fetch alone (kept in failed/)
        listing = read_listing(
            path, mtime=asked, replacements=source.replacements, skip_bad_items=True, say_bug=say_bug
        )
    except DumpError as e:
        why = str(e)
        if isinstance(e, NotUtf8):  # the source's fault, not a dump to save again
            key = source.url_key(config.sources, config_file(config))
            why = not_utf8(e, url, answer.content_type, answer.body, key)
        kept = kept_already(config.inbox, source, answer.body)
        if kept is not None:  # the same bad document as last time: kept once, not at every retry
            path.unlink(missing_ok=True)
            saved: Path | None = kept
        else:
            reason = f"fetched from {source.name} ({url}): {why}"
            saved = inbox_folder.move_failed(path, config.inbox, reason, name)
        detail = (why if saved is None else inbox_folder.moved_in(why, path, saved)) + moved
        if say_failure:  # else the caller's line says it (and _record's at INFO)
            log.warning("fetched from %s (%s): %s", source.name, url, detail)
        # the validators are not kept: the next fetch downloads the document again
        out = _record(store, source, url, now, FAILED, detail, None, None, saved, run_at=named_at)
        return dataclasses.replace(out, bug=isinstance(e, ReaderBug))
    result = store.add_listing(dataclasses.replace(listing, source=config.inbox / name), now)
    saved = inbox_folder.move_processed(path, config.inbox, name)
    if not listing.entries:
        detail = f"no papers in the {listing.format} listing of {listing.day} (weekend or holiday?){moved}"
        return _record(
            store, source, url, now, EMPTY, detail, answer.etag, answer.last_modified, saved, run_at=named_at
        )
    if (
        source.kind == "hf_daily"
        and listing.day < day
        and (result.already_ingested or _asked_page(source, listing))
    ):
        # an earlier day's list: the day's is not out yet; asked again as for an empty day (README)
        if result.already_ingested:
            told = f"again ({counted(result.entries, 'paper')}, already ingested)"
        else:  # its page's own day, asked for by date: its papers kept, the day's asked again
            told = (
                f"({counted(result.entries, 'paper')}: {result.new_papers} new, {result.known_papers} known)"
            )
        detail = (
            f"the daily papers of {day} are {NOT_OUT}: the API answered those of {listing.day} {told}{moved}"
        )
        out = _record(
            store, source, url, now, EMPTY, detail, answer.etag, answer.last_modified, saved, run_at=named_at
        )
        return dataclasses.replace(out, new_papers=result.new_papers)
    again = repeats(listing.entries)  # one paper listed twice is one paper, not one "known"
    detail = f"{counted(result.entries - len(again), 'paper')} of {listing.day}: " + (
        "already ingested, nothing new"
        if result.already_ingested
        else f"{result.new_papers} new, {max(0, result.known_papers - len(again))} known"
    )
    if result.other_abstracts:  # a corrected abstract: the first is kept (README, "Sources")
        detail += f"; {result.other_abstracts} known with another abstract: kept the first"
    detail += repeats_said(again) + said_left_out(listing, source, url, saved, say_failure) + moved
    out = _record(
        store, source, url, now, LISTING, detail, answer.etag, answer.last_modified, saved, run_at=named_at
    )
    return FetchOutcome(out.source, out.url, out.outcome, out.detail, saved, result.new_papers)


def _asked_page(source: SourceConfig, listing: Listing) -> bool:
    """Whether ``listing`` is dated by its daily page and was asked for by its date (``{date}``):
    then an earlier day is another day's list, whatever it brings (fixtures dated otherwise, or
    an address asking for no date, may hold papers of the day under an earlier one)."""
    return listing.page_day and "{date}" in source.url


def validators(store: Store, url: str) -> tuple[str | None, str | None, str | None, str]:
    """The ETag and Last-Modified kept for ``url``, and the outcome of its last fetch and its detail."""
    sql = "SELECT etag, last_modified, outcome, detail FROM fetches WHERE url = ?"
    row = store.db.execute(sql, (url,)).fetchone()
    return (row[0], row[1], row[2], row[3] or "") if row else (None, None, None, "")


def _record(
    store: Store,
    source: SourceConfig,
    url: str,
    now: dt.datetime,
    outcome: str,
    detail: str,
    etag: str | None,
    modified: str | None,
    saved: Path | None = None,
    retry_at: dt.datetime | None = None,
    down: bool = False,
    run_at: dt.datetime | None = None,
) -> FetchOutcome:
    ran = iso(run_at or now)  # the fetch run's own time: a catch-up's ``now`` is a second apart before it
    ok, ok_run = (None, None) if outcome == FAILED else (iso(now), ran)
    wait = None if retry_at is None else iso(retry_at)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO fetches (url, source, etag, last_modified, attempted_at, outcome, detail, "
            "succeeded_at, retry_at, run_at, succeeded_run_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(url) DO UPDATE SET "
            "source = excluded.source, etag = excluded.etag, last_modified = excluded.last_modified, "
            "attempted_at = excluded.attempted_at, outcome = excluded.outcome, detail = excluded.detail, "
            "succeeded_at = COALESCE(excluded.succeeded_at, fetches.succeeded_at), "
            "retry_at = excluded.retry_at, run_at = excluded.run_at, "
            "succeeded_run_at = CASE WHEN excluded.succeeded_at IS NULL THEN fetches.succeeded_run_at "
            "ELSE excluded.succeeded_run_at END",
            (url, source.name, etag, modified, iso(now), outcome, detail, ok, wait, ran, ok_run),
        )
        sql = "INSERT INTO fetch_names (url, source) VALUES (?, ?) ON CONFLICT DO NOTHING"
        db.execute(sql, (url, source.name))  # its names before stay (a source renamed)
    log.info("fetch %s (%s): %s: %s", source.name, url, outcome, detail)
    return FetchOutcome(source.name, url, outcome, detail, saved, retry_at=retry_at, down=down)


def _file_name(source: SourceConfig, day: dt.date, now: dt.datetime, content_type: str, body: bytes) -> str:
    """``fetch-...`` with the extension of what came: an HTML page (a server's error or sign-in
    page, refused) is kept in failed/ as ``.html``, not as the ``.xml`` of a listing."""
    head = body.lstrip()[:1]
    ext = ".json" if head in (b"[", b"{") or "json" in content_type else ".xml" if head == b"<" else ".txt"
    if head == b"<" and is_html(body[:1024].decode("utf-8", "replace")):
        ext = ".html"
    return file_name(source.name, day, now, ext)
