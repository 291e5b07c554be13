"""`digest run --once` says a fetch's failed try that another follows as `digest fetch` and `digest
send` say it, once: "hf_daily: HTTP 500 ...; trying again in 2 s (try 2 of 2)", then the source's
failed line. It said it as a log record instead (the INFO line the daemon logs, timed, with the URL
for the source: "2026-12-06 08:27:33,289 +0000 INFO digest.ingest.http: http://...: HTTP 500 ...;
retrying in 2 s"), which the README's `run --once` ("each event ... in a line of its own, each once;
the pass's bookkeeping only with -v") does not have. With -v the log keeps its timed line, as the
daemon's log does."""

from __future__ import annotations

import subprocess
import sys

from digest.demo.http_server import LocalHttpServer, Route


def run_once_with_a_source_down(ws, *options: str) -> subprocess.CompletedProcess[str]:
    """`digest [OPTIONS] run --once` with one source, whose server answers 500, tried twice."""
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=500)}) as server:
        every_day = f"  - kind: hf_daily\n    url: {server.url('')}/api/daily_papers\n    when: ['00:00']\n"
        ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + every_day + "    retries: 1\n")
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *options, "run", "--once"]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_run_once_says_a_failed_try_as_digest_fetch_does_not_as_a_log_record(workspace):
    done = run_once_with_a_source_down(workspace)
    assert done.returncode == 3, done.stderr
    assert "hf_daily: HTTP 500 Internal Server Error; trying again in 2 s (try 2 of 2)\n" in done.stderr
    assert "retrying in" not in done.stderr and " INFO " not in done.stderr, done.stderr
    (failed,) = [line for line in done.stderr.splitlines() if line.startswith("fetched hf_daily: failed: ")]
    assert "HTTP 500" in failed and "(after 2 attempts)" in failed


def test_with_v_the_log_keeps_the_timed_line_of_the_failed_try(workspace):
    done = run_once_with_a_source_down(workspace, "-v")
    assert " INFO digest.ingest.http: " in done.stderr and "; retrying in 2 s" in done.stderr, done.stderr
