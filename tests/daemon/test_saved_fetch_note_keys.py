"""A failed fetch's saved note names the key of the source's url (``sources[1].url in
.../config.yaml``) as the config was at the fetch. The config edited since (its sources
reordered, one above removed or added), the note is said with the key as the config is when it
is said: by `digest status`, and by `digest send` and the daemon's pass, which say a source that
failed a moment ago (not fetched again yet) that their digests go without. Before, `digest send`
and `digest run --once` said the key of the fetch's time: "sources[1].url" for a source that is
sources[0] now, sending the user to edit another source's url. A source renamed (its url the
same) keeps its note, said under its name now (tests/daemon/test_renamed_source_fetches.py). Real `digest
fetch`, `status`, `send` and `run --once` under libfaketime, a loopback server, on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.faked import at, digest_at, needs_faketime
from helpers.fetch_sources import hf_and_feed

from digest.demo.http_server import LocalHttpServer

from conftest import make_dump

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def _source(name: str, url: str) -> str:
    return f"  - kind: url\n    name: {name}\n    url: {url}\n    retries: 0\n"


def _failed_as_second(ws, server: LocalHttpServer) -> tuple[str, str, str]:
    """ada's profile (07:00 UTC) and `digest fetch` at 07:00 of ``other`` (sources[0]) then
    ``gone`` (sources[1], answering 404): the config's text before its sources, and the two."""
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n')
    text = ws.config_path.read_text()
    other, gone = _source("other", server.url("/rss/cs.LG")), _source("gone", server.url("/gone"))
    ws.config_path.write_text(text + "sources:\n" + other + gone)
    fetched = digest_at(ws, "fetch", at=at(12, 7, 0), code=1)
    assert f"404 Not Found; check the source's url: sources[1].url in {ws.config_path}" in fetched.stdout
    return text, other, gone


def _gone_key(said: str) -> list[str]:
    return [line.split("check the source's url: ")[1] for line in said.splitlines() if "/gone: " in line]


def test_status_names_the_sources_key_as_the_config_is_now(mail_workspace, smtp_server):
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        text, other, gone = _failed_as_second(ws, server)
        extra = _source("extra", server.url("/api/daily_papers"))
        for sources, key in [([gone, other], 0), ([gone], 0), ([extra, other, gone], 2)]:
            ws.config_path.write_text(text + "sources:\n" + "".join(sources))
            status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
            assert _gone_key(status) == [f"sources[{key}].url in {ws.config_path}"], status
        ws.config_path.write_text(text + "sources:\n" + other + gone.replace("name: gone", "name: lost"))
        status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
    assert _gone_key(status) == [f"sources[1].url in {ws.config_path}"], status
    assert "Source lost: FETCH FAILED at 2026-12-12 07:00 UTC: " in status, status


def test_send_says_a_failed_sources_key_as_the_config_is_now(mail_workspace, smtp_server):
    # Before: "gone: not fetched, so these digests go without it: ...:\n  failed: .../gone: HTTP 404
    # Not Found; check the source's url: sources[1].url in .../config.yaml", sources[1] being `other`
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        text, other, gone = _failed_as_second(ws, server)
        ws.config_path.write_text(text + "sources:\n" + gone + other)  # reordered
        sent = digest_at(ws, "send", at=at(12, 7, 5))
    assert "gone: not fetched, so these digests go without it: its fetch failed at 07:00" in sent.stderr
    assert _gone_key(sent.stderr) == [f"sources[0].url in {ws.config_path}"], sent.stderr


def test_a_daemon_pass_says_a_failed_sources_key_as_the_config_is_now(mail_workspace, smtp_server):
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        text, other, gone = _failed_as_second(ws, server)
        ws.config_path.write_text(text + "sources:\n" + gone)  # the one above it removed
        ws.dump("day.txt", make_dump("Dec 11", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        ran = digest_at(ws, "run", "--once", at=at(12, 7, 5))
    assert "gone: not fetched, so these digests go without it: its fetch failed at 07:00" in ran.stderr
    assert _gone_key(ran.stderr) == [f"sources[0].url in {ws.config_path}"], ran.stderr


def test_status_and_send_name_the_config_file_read_now(mail_workspace, smtp_server):
    # Before: "check the source's url: sources[1].url in .../config.yaml", the file the fetch read,
    # after the config was moved to .../digest.yaml (`--config` naming it): another file to edit
    ws = mail_workspace
    with LocalHttpServer(hf_and_feed()) as server:
        text, other, gone = _failed_as_second(ws, server)
        moved = ws.config_path.with_name("digest.yaml")
        ws.config_path.rename(moved)
        ws.config_path = moved
        status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
        sent = digest_at(ws, "send", at=at(12, 7, 5))
    assert _gone_key(status) == [f"sources[1].url in {moved}"], status
    assert _gone_key(sent.stderr) == [f"sources[1].url in {moved}"], sent.stderr


def test_a_url_that_reads_like_a_key_is_said_as_it_is(mail_workspace, smtp_server):
    # a url of the source holding "sources[0].url" (a path of the server's): the note says it, not
    # the key as the config is now ("http://.../feeds/sources[1].url: HTTP 404" before)
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n')
    text = ws.config_path.read_text()
    with LocalHttpServer(hf_and_feed()) as server:
        odd = server.url("/feeds/sources[0].url")
        ws.config_path.write_text(
            text + "sources:\n" + _source("other", server.url("/rss/cs.LG")) + _source("odd", odd)
        )
        digest_at(ws, "fetch", at=at(12, 7, 0), code=1)
        status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
    assert f"{odd}: HTTP 404 Not Found; check the source's url: sources[1].url in {ws.config_path}" in status


def test_a_config_file_whose_path_holds_a_semicolon_is_said_once(mail_workspace, smtp_server):
    # the config read from "my; digest.yaml", never moved: before, `digest status` and `send` said
    # "sources[1].url in .../my; digest.yaml; digest.yaml" (the note's file read up to its "; ")
    ws = mail_workspace
    odd = ws.config_path.with_name("my; digest.yaml")
    ws.config_path.rename(odd)
    ws.config_path = odd
    with LocalHttpServer(hf_and_feed()) as server:
        _failed_as_second(ws, server)
        status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
        sent = digest_at(ws, "send", at=at(12, 7, 5))
    assert _gone_key(status) == [f"sources[1].url in {odd}"], status
    assert _gone_key(sent.stderr) == [f"sources[1].url in {odd}"], sent.stderr
