"""A compressed body that unpacks to far more than the limit (a gzip bomb): refused at the
limit, `digest fetch` holding no more than the limit's worth of it (a real fetch's peak memory)."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib

import pytest
from helpers.fetch_sources import configure

from digest.demo.http_server import LocalHttpServer, Route

UNPACKED_MB = 256  # about 250 KB on the wire


def packed(megabytes: int, coding: str) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
    packer, block = zlib.compressobj(9, zlib.DEFLATED, wbits), b" " * 2**20
    return b"".join([packer.compress(b"[")] + [packer.compress(block) for _ in range(megabytes)]) + (
        packer.compress(b"]") + packer.flush()
    )


def peak_of_fetch(workspace) -> tuple[int, str]:
    """`digest fetch` in a process of its own: its peak resident memory (MB) and its output."""
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped here
    return usage.ru_maxrss // 1024, output


def peaks_beside_a_plain_fetch(workspace, routes: dict[str, Route], path: str) -> tuple[int, int, str]:
    """`digest fetch` of a source at /plain, then of one at /``path`` (``routes`` served on loopback):
    the peak of each (MB) and what the second said."""
    source = "  - kind: url\n    name: s\n    url: {base}/%s\n"
    original = workspace.config_path.read_text()
    with LocalHttpServer(routes) as server:
        configure(workspace, server, source % "plain")
        plain, _ = peak_of_fetch(workspace)
        workspace.config_path.write_text(original)
        configure(workspace, server, source % path)
        peak, said = peak_of_fetch(workspace)
    return plain, peak, said


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compression_bomb_is_refused_holding_no_more_than_the_limit(workspace, coding):
    """A 256 MB body of spaces sent as 250 KB of gzip peaked at 186 MB in `digest fetch`, 128 MB
    over a fetch of a plain listing (59 MB): httpx unpacks each 64 KB read whole before the
    size is checked. It is unpacked at most up to the limit (10 MB) now."""
    routes = {
        "/plain": Route(b"[]"),
        "/bomb": Route(packed(UNPACKED_MB, coding), headers={"Content-Encoding": coding}),
    }
    plain, bomb, said = peaks_beside_a_plain_fetch(workspace, routes, "bomb")
    assert "s: failed: " in said and "larger than 10,485,760 bytes; refused" in said, said
    assert bomb - plain < 40, f"{bomb} MB at the bomb's fetch, {plain} MB at a plain one's"


def test_a_redirect_whose_body_is_a_compression_bomb_is_followed_without_unpacking_it(workspace):
    """httpx reads a redirect's body whole before following it, unpacked with no limit: a 302
    whose body was 256 MB of spaces as gzip peaked near 300 MB. Nothing reads a redirect's
    body: it is left unread now, and the redirect followed."""
    routes = {
        "/plain": Route(b"[]"),
        "/old": Route(
            packed(UNPACKED_MB, "gzip"),
            status=302,
            headers={"Content-Encoding": "gzip", "Location": "/plain"},
        ),
    }
    plain, moved, said = peaks_beside_a_plain_fetch(workspace, routes, "old")
    assert "s: empty: no papers" in said, said
    assert moved - plain < 40, f"{moved} MB at the redirect's fetch, {plain} MB at a plain one's"
