"""A daily papers JSON's code and project links as a hostile or broken source writes them: only a
plain http(s) URL becomes a link, in the email's HTML and in its plain text. Real parts: the JSON
served on loopback, `digest fetch` and `digest send` run as commands, the mail received by aiosmtpd."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

from helpers.fetch_sources import HF, configure

from digest.demo.http_server import LocalHttpServer, Route

SAFE = "https://github.com/lab/robots"
HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    'https://github.com/lab/robots"><script>alert(1)</script>',
    'https://example.org/p"onmouseover="alert(1)',
    "https://example.org/<img>",
    "https://example.org/a\\b",
    "https://example.org/a b",
    "https://example.org/a\nb",
]


def papers_json(day: dt.date) -> bytes:
    items = [
        {
            "paper": {
                "id": f"2612.{10001 + n}",
                "title": f"Robotics with links, take {n}",
                "summary": f"An invented abstract about robotics, take {n}.",
                "authors": [{"name": "Ada Lovelace"}],
                "githubRepo": link,
                "projectPage": SAFE if n == 0 else link,
            },
            "publishedAt": f"{day.isoformat()}T08:00:00.000Z",
        }
        for n, link in enumerate(HOSTILE)
    ]
    return json.dumps(items).encode()


def test_only_a_plain_http_url_from_a_source_becomes_a_link_in_the_email(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\nmax_papers: 20\n")
    today = dt.datetime.now(dt.UTC).date()
    env = {**os.environ, "DIGEST_CONFIG": str(ws.config_path)}
    with LocalHttpServer({"/api/daily_papers": Route(papers_json(today))}) as server:
        configure(ws, server, HF)
        for command in ("fetch", "send"):
            done = subprocess.run(
                [sys.executable, "-m", "digest", command], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
    (received,) = smtp_server.messages
    message = received.message
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert len(re.findall(r"<h2 ", html)) == len(HOSTILE)  # every paper sent, its bad links left out
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert [h for h in hrefs if not h.startswith(("https://arxiv.org/", "mailto:"))] == [SAFE]
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
    links = re.findall(r"^ *(?:Code|Project page): (\S*)", text, re.MULTILINE)
    assert links == [SAFE]
    assert "<script>" not in text and "onmouseover" not in html + text
