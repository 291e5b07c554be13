"""HTTP for fetching listings: timeouts, retries with backoff, conditional requests, politeness.

* Every request names the project in its User-Agent and has a timeout.
* 429 and 5xx answers, timeouts and dropped connections are retried with doubling waits;
  a ``Retry-After`` (seconds or an HTTP date) is honoured, up to ``max_wait`` seconds.
* ``If-None-Match`` / ``If-Modified-Since`` come from the last answer's validators: an
  unchanged document costs a 304 and nothing is downloaded.
* At most one request per ``min_interval`` (3 s) to arXiv's hosts, as arXiv asks of robots.

The clock and sleep come in as arguments, so tests can record the waits instead of taking them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from digest import __version__
from digest.bugs import error_chain
from digest.errors import DigestError
from digest.files import counted
from digest.ingest.charset import as_utf8, charset_named
from digest.ingest.deadline import Deadline, Late, Stopped, Transport
from digest.ingest.sources import MAX_DUMP_BYTES
from digest.ingest.streams import Unreachable
from digest.ingest.unpack import unpacker
from digest.lookups import lookup_failure, unresolved

log = logging.getLogger(__name__)

USER_AGENT = f"digest/{__version__} (research-paper email digest; python-httpx/{httpx.__version__})"
ARXIV_HOSTS = frozenset({"arxiv.org", "export.arxiv.org", "rss.arxiv.org"})
ARXIV_PACE = 3.0  # s between two requests to an arXiv host (Http's min_interval): arXiv asks for it
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BYTES = MAX_DUMP_BYTES  # a listing's limit: a larger one is refused as it comes, not kept
OFFLINE = "not tried again: fetch again once online"  # offline_once's word of a try not made
RESOLVER_PAUSE = 1.0  # offline_once: the pause before the one more try a resolver's "try again" gets
_COMPRESSED = "the server sent a compressed body"  # an Undecodable's words, from the start
DEADLINE = 4  # the whole answer within DEADLINE x the timeout (the timeout is per read)


class FetchError(DigestError):
    """A document could not be fetched (after the retries); ``retry_after``: the seconds the
    server asked us to wait before asking again (``Retry-After``), when longer than we wait;
    ``status``: the server's final answer, if it answered (404: SourceConfig.url_note)."""

    def __init__(
        self, message: str, retry_after: float | None = None, status: int | None = None, down: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status  # the HTTP status of a final answer (404), None for no answer
        self.down = down  # the server's: no answer in time, no connection, 5xx or 429 after the tries


class Undecodable(Exception):
    """An answer's body that does not decompress in the Content-Encoding its server named."""


class FetchStopped(FetchError):
    """The daemon is stopping: the fetch was given up before its answer (nothing of it kept)."""


@dataclass(frozen=True)
class Answer:
    status: int  # 200, or 304 (not modified)
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str
    moved: str | None = None  # where a permanent redirect (301, 308) from the URL asked sent it


def moved_to(answer: httpx.Response) -> str | None:
    """The URL the permanent redirects (301, 308) at the start of ``answer``'s redirects led to:
    the address to ask in the URL's place (a temporary one after them is not followed there)."""
    moved = None
    for at, hop in enumerate(answer.history):
        if hop.status_code not in (301, 308):
            break
        moved = str((answer.history[at + 1] if at + 1 < len(answer.history) else answer).request.url)
    return moved


class Http:
    """One client for a run of fetches (connections reused, the arXiv pace kept across them)."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 2.0,
        max_wait: float = 120.0,
        min_interval: float = ARXIV_PACE,
        max_bytes: int = MAX_BYTES,
        slow_hosts: frozenset[str] = ARXIV_HOSTS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        stop: threading.Event | None = None,
        offline_once: bool = False,
    ) -> None:
        """``stop`` (the daemon's): once set, a fetch under way gives up within a second or so,
        waits between tries end, and no fetch starts (FetchStopped). ``offline_once`` (`digest
        fetch`, where a user waits): a try that finds no network (the name does not exist, the
        network is unreachable) is not followed by more, which would meet the same in seconds; a
        lookup the resolver failed for now (EAI_AGAIN: it answered late or SERVFAIL, or none is
        reachable) gets one more try, ``RESOLVER_PAUSE`` later, and no more if it fails so again.
        The daemon keeps its tries, which outlast a resolver's moment's failure."""
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, retries, backoff, max_wait
        self.offline_once = offline_once
        self.min_interval, self.slow_hosts, self.max_bytes = min_interval, slow_hosts, max_bytes
        self.clock, self.wall, self.stop = clock, wall, stop
        self.sleep = sleep or (stop.wait if stop is not None else time.sleep)
        self._last: dict[str, float] = {}
        self.deadline = Deadline(clock, stop)  # the whole answer's, headers too (a read's timeout is not)
        self.client = httpx.Client(
            # the codings unpacker unpacks (httpx would offer br and zstd too, when installed)
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=True,
            transport=Transport(self.deadline),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        retrying: Callable[[str], object] | None = None,
    ) -> Answer:
        """The document at ``url``, tried again after a failure that may pass (a refused or broken
        connection, no answer, HTTP 429 and 5xx); ``retrying`` is told each such failure that a
        try follows ('cannot connect: ...; trying again in 2 s (try 2 of 4)', then 'the same
        again; ...' while it does not change)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        retries = self.retries if retries is None else retries
        wait, told, pause, paused, undecodable = self.backoff, None, None, False, False
        for attempt in range(retries + 1):
            paced = self._pace(url)
            last = attempt == retries
            try:
                if self.stop is not None and self.stop.is_set():
                    raise Stopped
                r, body = self._fetch(url, headers, timeout or self.timeout)
            except Stopped:
                raise FetchStopped(f"{url}: not fetched: stopping") from None
            except Late:
                late = DEADLINE * (timeout or self.timeout)
                raise FetchError(
                    f"{url}: the answer was still arriving after {late:g} s; refused", down=True
                ) from None
            except httpx.TimeoutException as e:  # what timed out, where it says (a name lookup)
                what = str(e) or "timed out"
                problem, retry_after = f"no answer within {timeout or self.timeout:g} s ({what})", None
            except httpx.UnsupportedProtocol as e:  # redirected to file:// or the like: never fetched
                raise FetchError(f"{url}: {e}") from None
            except httpx.TransportError as e:
                what = (
                    "cannot connect"
                    if isinstance(e, httpx.ConnectError)
                    else "the proxy refused"
                    if isinstance(e, httpx.ProxyError)
                    else "the connection broke"
                )
                problem, retry_after = f"{what}: {unresolved(e) or e}{_redirected(url, e)}", None
                if self.offline_once and _offline(e):
                    if paused or last or not _resolver_later(e):
                        tries = counted(attempt + 1, "attempt")
                        raise FetchError(f"{url}: {problem} (after {tries}; {OFFLINE})", down=True) from None
                    pause, paused = RESOLVER_PAUSE, True  # a slow resolver's answer may come by then
                    self._unpace(url, paced)  # the host was not asked: its pace does not hold the try
            except Undecodable as e:  # a cache's or a proxy's moment may pass: tried once more, no more
                problem, retry_after = str(e), None
                if undecodable or last:  # the server answered: not its failure (a catch-up goes on)
                    raise FetchError(f"{url}: {problem} (after {counted(attempt + 1, 'attempt')})") from None
                undecodable = True
            except httpx.TooManyRedirects:
                raise FetchError(f"{url}: too many redirects (a redirect loop?)") from None
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as e:  # e.g. a broken chunked body
                raise FetchError(f"{url}: {type(e).__name__}: {e}") from None
            else:
                if r.status_code == 304 and not headers:  # "not modified" since nothing: no document
                    raise FetchError(f"{url}: HTTP 304 Not Modified, but nothing was asked to compare with")
                if r.status_code in (200, 304):
                    content_type = r.headers.get("Content-Type", "")
                    text = as_utf8(body, content_type) if r.status_code == 200 else b""
                    if len(text) > self.max_bytes:  # the limit is the document's as read and kept
                        raise FetchError(
                            f"{url}: the document is larger than {self.max_bytes:,} bytes in UTF-8 "
                            f"({len(body):,} bytes as sent, in {charset_named(body, content_type)}); refused"
                        )
                    return Answer(
                        r.status_code,
                        text,
                        r.headers.get("ETag"),
                        r.headers.get("Last-Modified"),
                        content_type,
                        moved_to(r),
                    )
                problem = f"HTTP {r.status_code} {r.reason_phrase}".rstrip() + _redirected(url, r)
                if r.status_code not in RETRY_STATUS:  # a 5xx not tried again (a 520 of a CDN): the server's
                    raise FetchError(f"{url}: {problem}", status=r.status_code, down=r.status_code >= 500)
                retry_after = retry_after_seconds(r.headers.get("Retry-After"), self.wall())
            if last:
                break
            if pause is not None:  # not said on stderr: a second's pause, the try's end said either way
                log.info("%s: %s; retrying in %g s", url, problem, pause)
                self.sleep(pause)
                pause = None
                continue
            delay = wait if retry_after is None else retry_after
            if delay > self.max_wait:  # the server's Retry-After, or our own doubling wait
                tries = counted(attempt + 1, "attempt")
                why = (
                    f"the server asks to wait {said_seconds(delay)} s (Retry-After), longer than we wait"
                    if retry_after is not None
                    else f"not tried again: the next wait ({delay:g} s) would pass the {self.max_wait:g} s "
                    "a fetch waits at most"
                )
                raise FetchError(f"{url}: {problem} (after {tries}); {why}", retry_after, down=True)
            log.info("%s: %s; retrying in %s s", url, problem, said_seconds(delay))
            if retrying is not None:  # a failure said again in full only when it changed
                what = "the same again" if problem == told else problem
                in_s = f"in {said_seconds(delay)} s"
                retrying(  # a body that did not decompress is tried once more, not every try left
                    f"{what}; trying once more {in_s} (the last try if it does not decompress either)"
                    if undecodable and problem.startswith(_COMPRESSED)
                    else f"{what}; trying again {in_s} (try {attempt + 2} of {retries + 1})"
                )
                told = problem
            self.sleep(delay)
            wait *= 2
        long_wait = retry_after if retry_after is not None and retry_after > self.max_wait else None
        raise FetchError(f"{url}: {problem} (after {counted(retries + 1, 'attempt')})", long_wait, down=True)

    def _fetch(self, url: str, headers: dict[str, str], timeout: float) -> tuple[httpx.Response, bytes]:
        """The answer and its body, read up to ``max_bytes`` and within ``DEADLINE`` x ``timeout``
        seconds (a larger or slower one is refused: a server that sends a byte a second never
        times out a read). A body encoded more than once ("gzip, gzip") is refused before it is
        read: each layer multiplies what a few kilobytes unpack to, past any check of the size. A
        compressed body is unpacked here, no further than the limit (digest.ingest.unpack): httpx unpacks
        each read whole, 64 MB of a gzip bomb's 64 KB, before a size can be checked."""
        deadline = self.deadline.at = self.clock() + DEADLINE * timeout
        with self.client.stream("GET", url, headers=headers, timeout=timeout) as r:
            coding = r.headers.get("Content-Encoding", "")
            if "," in coding:
                raise FetchError(f"{url}: the answer is encoded more than once ({coding}); refused")
            unpack = unpacker(coding)
            body, size = bytearray(), 0  # one buffer: a body in tiny parts is not a million objects

            def take(raw: bytes) -> None:  # ``raw`` unpacked and kept, counted as it comes
                nonlocal size
                for chunk in unpack(raw, self.max_bytes - size + 1):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(
                            f"{url}: the document is larger than {self.max_bytes:,} bytes; refused"
                        )
                    body.extend(chunk)

            try:
                for raw in r.iter_raw():
                    take(raw)
                    if self.clock() > deadline:
                        late = DEADLINE * timeout
                        raise FetchError(f"{url}: the answer was still arriving after {late:g} s; refused")
                take(b"")  # what the unpacker still holds at the end
            except zlib.error as e:  # zlib's "Error -3 while decompressing data: incorrect header check"
                why = str(e).rsplit(": ", 1)[-1] if str(e) else "it is damaged"
                compressed = f"{_COMPRESSED} (Content-Encoding: {coding})"
                raise Undecodable(f"{compressed} that does not decompress ({why})") from None
            return r, bytes(body)

    def _pace(self, url: str) -> float | None:
        """Waits for a slow host's pace; the time of its request before (None: none, or not slow)."""
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.slow_hosts:
            return None
        last = self._last.get(host)
        if last is not None:
            gap = self.min_interval - (self.clock() - last)
            if gap > 0:
                self.sleep(gap)
        self._last[host] = self.clock()
        return last

    def _unpace(self, url: str, before: float | None) -> None:
        """A request that never reached its host (its name did not resolve) is not paced after."""
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.slow_hosts:
            return
        if before is None:
            self._last.pop(host, None)
        else:
            self._last[host] = before


def _offline(error: httpx.TransportError) -> bool:
    """Whether ``error`` says there is no network to try again on: the name did not resolve, or
    the network is unreachable."""
    found = lookup_failure(error) is not None
    return found or any(isinstance(cause, Unreachable) for cause in error_chain(error, suppressed=True))


def _resolver_later(error: httpx.TransportError) -> bool:
    """Whether the name lookup in ``error`` failed for now (EAI_AGAIN: the resolver said to try
    again, or answered too late, or none was reachable), not because the name does not exist."""
    found = lookup_failure(error)
    return found is not None and found[0].errno == socket.EAI_AGAIN


def _redirected(url: str, answer: httpx.Response | httpx.TransportError) -> str:
    """' (from URL, redirected there)' when the answer or error came from another URL than ``url``."""
    try:
        at = str(answer.request.url)
    except RuntimeError:  # an error before any request was made
        return ""
    return "" if at == url else f" (from {at}, redirected there)"


def said_seconds(seconds: float) -> str:
    """A wait as said to the user: to a tenth of a second, whole seconds from 10 s (a
    ``Retry-After`` date leaves a wait such as 1.26038 s: the date has whole seconds)."""
    return str(round(seconds)) if seconds >= 10 else f"{round(seconds, 1):g}"  # not 1.23457e+06


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP date (RFC 9110); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())
