"""A profiles folder the account running digest may not even search (mode 0700, another's): no
reader's file can be opened, and that is said as the operator's to fix: `digest rank cy` names the
folder and the chmod, `digest serve`'s pages answer 503 "not available until the digest is
repaired". Before, `rank` failed with "internal error: PermissionError" and the pages with a 500;
and a process whose real account is root (effective: nobody) told every reader "This address no
longer receives digests" (410), as if removed: web.identity.removed asked os.access (real ids)."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpers.accounts import system_python

from conftest import AS_NOBODY, ROOT, SECRET, WebWorkspace

CY = 'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "07:00"\n'
REPAIRED = "This page is not available until the digest is repaired"


def answer(url: str, serving: subprocess.Popen[str]) -> tuple[int, str]:
    """``url``'s status and page once the server answers."""
    for _ in range(300):
        if serving.poll() is not None:
            return 0, f"ended: {serving.communicate()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as page:
                return page.status, page.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            time.sleep(0.1)
    return 0, "no answer"


def closed_folder(root: Path, port: int) -> tuple[WebWorkspace, str, dict[str, str]]:
    """A workspace nobody's but its profiles folder (root's, 0700); cy's link; the env to run in."""
    ws = WebWorkspace(root, port)
    ws.profile("cy", CY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
    env.update(HOME=str(root), DIGEST_TEST_SECRET=SECRET)
    env.pop("DIGEST_DEBUG", None)
    link = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "profile", "url", "cy"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.strip()  # fmt: skip
    for path in [root, *root.rglob("*")]:
        os.chown(path, 65534, 65534)
    os.chown(root / "profiles", 0, 0)
    (root / "profiles").chmod(0o700)
    return ws, link, env


def served(ws: WebWorkspace, link: str, env: dict[str, str], runner: tuple[str, ...]) -> tuple[int, str, str]:
    command = [*runner, system_python(), "-m", "digest", "--config", str(ws.config_path)]
    serve = [*command, "serve", "--port", str(ws.port)]
    with subprocess.Popen(serve, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as s:
        try:
            status, page = answer(link, s)
        finally:
            s.terminate()
        return status, page, "".join(s.communicate(timeout=30))


def test_a_profiles_folder_the_account_may_not_search_is_said_as_the_operators(smtp_server):
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws, link, env = closed_folder(root, smtp_server.port)
        command = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path)]
        ranked = subprocess.run(
            [*command, "rank", "cy"], capture_output=True, text=True, env=env, timeout=120
        )
        status, page, log = served(ws, link, env, AS_NOBODY)
    folder = root / "profiles"
    said = f"{folder}/cy.yaml: cannot be read: this account may not search the profiles folder {folder}"
    assert ranked.returncode == 1 and "internal error" not in ranked.stderr, ranked.stderr
    assert f"error: {said} (Permission denied)" in ranked.stderr and f"chmod a+x {folder}" in ranked.stderr
    assert status == 503 and REPAIRED in page, (status, page)
    assert "Traceback" not in log and said in log, log


def test_a_server_whose_effective_account_may_not_search_the_folder_does_not_say_readers_removed(smtp_server):
    # Before: web.identity.removed asked os.access, by the real ids (root may search anything),
    # found no file by its effective ones, and told cy "This address no longer receives digests"
    system_python()  # skipped where there is none, or not as root
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws, link, env = closed_folder(root, smtp_server.port)
        status, page, log = served(ws, link, env, ("setpriv", "--euid=65534"))  # real uid root
    assert status == 503 and REPAIRED in page, (status, page)
    assert "no longer receives digests" not in page
    assert "this account may not search the profiles folder" in log, log
