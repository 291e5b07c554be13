"""The demo's emails are real digests, rating links included: with `digest serve` started as the
demo says, a new user clicks "More like this" in the saved email, in a real browser (Chromium)."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner

import digest.demo
from digest.cli import main
from digest.demo.smtp_server import free_port
from digest.store import Store


def test_the_demo_emails_rating_links_work_once_digest_serve_runs(
    tmp_path,
    monkeypatch,
    browser,
):
    port = free_port()
    monkeypatch.setattr(digest.demo, "WEB_PORT", port)  # 8025 may be another test's just now
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "digest-demo"
    assert f"the readers' pages at http://127.0.0.1:{port}: serve them with" in result.output
    assert f"--config {folder / 'config.yaml'} serve" in result.output
    assert oct((folder / "web-secret").stat().st_mode & 0o777) == "0o600"  # the links' secret
    email = folder / "mailbox" / "ada.html"
    # ada's first digest: the latest sample dump's papers and the fetched daily papers', her max_papers (5)
    assert len(re.findall(rf'href="http://127\.0\.0\.1:{port}/u/[^"]+/more/\d+"', email.read_text())) == 5
    command = [sys.executable, "-m", "digest", "--config", str(folder / "config.yaml"), "serve"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().startswith(f"Serving on http://127.0.0.1:{port} ")
        page = browser.new_page()
        page.goto(email.as_uri())  # the saved email, as the demo says to open it
        title = page.locator("h2").first.inner_text()
        page.get_by_role("link", name="More like this").first.click()
        page.get_by_role("button", name="More like this").click()
        page.locator(".notice").filter(has_text="Noted: you will see more papers like this one.").wait_for()
        assert page.locator("h1").inner_text() == title
        page.close()
    finally:
        server.terminate()
        server.communicate(timeout=10)
    with Store(folder / "digest.db") as store:
        (rating,) = store.rated_papers("ada")
    assert (rating.title, rating.rating) == (title, 1)
