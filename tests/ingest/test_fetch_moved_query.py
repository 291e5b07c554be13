"""A day moved permanently (301) is said with the address as the server gave it: its query as
written there (``tag=a%20b`` stays so), only the pages' ``limit`` and ``p`` left out."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote, urlencode

from digest.demo.http_server import LocalHttpServer, Route


def papers_of(query: dict[str, str]) -> Route:
    """The daily API's answer: two papers on its first page, none after."""
    if query.get("p", "0") != "0":
        return Route(b"[]")
    day = [
        {
            "paper": {"id": f"2611.{20000 + n}", "title": f"Invented paper {n}", "summary": "Written here."},
            "publishedAt": "2026-11-29T09:00:00.000Z",
        }
        for n in range(2)
    ]
    return Route(json.dumps(day).encode())


def moved(query: dict[str, str]) -> Route:
    """Every page of /old sent to /new for good, its query written with %20 for a space."""
    return Route(status=301, headers={"Location": "/new?" + urlencode(query, quote_via=quote)})


def test_the_moved_address_keeps_the_query_as_the_server_wrote_it(workspace):
    with LocalHttpServer({"/old": moved, "/new": papers_of}) as server:
        url = server.url("/old") + "?date=2026-11-29&tag=a%20b"
        text = workspace.config_path.read_text() + f"sources:\n  - kind: hf_daily\n    url: {url}\n"
        workspace.config_path.write_text(text)
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
        said = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert said.returncode == 0, said.stderr
    # before: "(moved permanently to http://127.0.0.1:.../new?date=2026-11-29&tag=a+b: update ...)"
    new = server.url("/new") + "?date=2026-11-29&tag=a%20b"
    assert f"(moved permanently to {new}: update sources[0].url in {workspace.config_path})" in said.stdout, (
        said.stdout
    )
