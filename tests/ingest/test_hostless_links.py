"""A code or project link with no host (``https:///nohost``, ``http://``) is no link: left out of
the paper, named on the dump's line as the other bad links are (digest.ingest.sources.hf_daily)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

HOSTLESS = ["https:///nohost", "http://", "https://?q=1", "https://#top"]


def test_a_link_without_a_host_is_left_out_and_named(workspace):
    day = dt.datetime.now(dt.UTC).date().isoformat()
    items = [
        {
            "paper": {
                "id": f"2612.{10001 + n}",
                "title": f"Robotics without a host, take {n}",
                "summary": "An invented abstract about robotics.",
                "githubRepo": link,
                "projectPage": "https://example.org/robots",
            },
            "publishedAt": f"{day}T08:00:00.000Z",
        }
        for n, link in enumerate(HOSTLESS)
    ]
    workspace.dump("daily.json", json.dumps(items))
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "ingest"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if "daily.json" in x]
    # before: "...: 4 entries: 4 new papers, 0 already known", the links kept (a link to no server)
    assert line.endswith(
        "4 entries: 4 new papers, 0 already known; 4 items kept without a link: "
        "item 1: paper.githubRepo 'https:///nohost' (has no host); "
        "item 2: paper.githubRepo 'http://' (has no host); "
        "item 3: paper.githubRepo 'https://?q=1' (has no host); and 1 more (the log names each)"
    ), line
