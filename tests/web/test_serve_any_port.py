"""`digest serve --port 0` listens on any free port, and says which (as `python -m http.server 0`
does); it is not taken for no --port (web.port) nor refused."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import urllib.request

HANG = 120  # seconds: only ends a server that hangs; no step is timed


def test_port_0_serves_on_a_free_port_and_says_it(web_workspace):
    ws = web_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "serve", "--port", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = select.select([proc.stdout], [], [], HANG)[0]
        # before: nothing on stdout; "Error: Invalid value for '--port': 0 is not in the range
        # 1<=x<=65535." on stderr, exit 2
        assert ready, "digest serve printed nothing"
        serving = proc.stdout.readline()
        exited = proc.stderr.read() if proc.poll() is not None else ""
        assert serving.startswith("Serving on "), serving + exited
        port = int(re.match(r"Serving on http://127\.0\.0\.1:(\d+)", serving).group(1))
        assert port not in (0, ws.port)  # a port of its own, not web.port's
        link = proc.stdout.readline().split()[-1]
        assert link.startswith(f"http://127.0.0.1:{port}/u/"), link
        with urllib.request.urlopen(link, timeout=HANG) as page:
            assert page.status == 200
    finally:
        proc.terminate()
        proc.wait(HANG)
        proc.stdout.close()
        proc.stderr.close()


def test_serve_help_says_what_port_0_does():
    said = subprocess.run(
        [sys.executable, "-m", "digest", "serve", "--help"], capture_output=True, text=True, timeout=HANG
    ).stdout
    assert "0: any free port" in said
