"""fetching.fetch_time, the longest another worker's fetch of a source may take while it retries
(a pass's patience for it, status's for a silent holder), counted (retries + 1) tries and waits
doubling to 2 x 2**(retries - 1): 2046 s of waits for retries 10; but Http gives up at the first
wait longer than its max_wait (120 s), after 7 tries and 126 s of waits. Real parts: Http.get as
fetch_due makes it, against a loopback server answering 503, its waits taken down, not waited."""

from __future__ import annotations

import pytest

from digest.config import SourceConfig
from digest.daemon.fetching import BACKOFF, fetch_time
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import FetchError, Http


@pytest.mark.parametrize("retries", [0, 3, 6, 7, 10])
def test_fetch_time_is_what_http_takes_at_most_as_a_source_is_refused_every_try(retries):
    with LocalHttpServer({"/busy": Route(b"busy", status=503)}) as server:
        source = SourceConfig(kind="url", url=server.url("/busy"), timeout_seconds=1.0, retries=retries)
        waits: list[float] = []
        with Http(backoff=BACKOFF, sleep=waits.append) as http, pytest.raises(FetchError):  # fetch_due's
            http.get(source.url, timeout=source.timeout_seconds, retries=source.retries)
        tries = len(server.requests)
    assert fetch_time(source) == tries * source.timeout_seconds + sum(waits), (tries, waits)
