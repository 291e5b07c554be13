"""A command a message suggests runs on the config the user gave: copied and run, it does what
it says. A user who runs ``digest --config /srv/d/where.yaml ...`` from another folder and copies
"`digest suppressed`" from a message would run it on ./config.yaml (or on none at all)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from digest.demo.http_server import LocalHttpServer, Route
from digest.demo.smtp_server import free_port

ADA = "email: ada@example.org\ninterests: [spiking neural networks]\n"


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    """A config in a place of its own (not ./config.yaml, no $DIGEST_CONFIG), with one reader."""
    folder = tmp_path / "srv" / "digest"
    (folder / "profiles").mkdir(parents=True)
    (folder / "inbox").mkdir()
    (folder / "profiles" / "ada.yaml").write_text(ADA)
    config = folder / "where.yaml"
    config.write_text(
        "database: digest.db\ninbox: inbox\nprofiles: profiles\n"
        f"smtp:\n  host: 127.0.0.1\n  port: {free_port()}\n  from: Digest <digest@example.org>\n"
    )
    return config


def digest(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `digest` program, run as a user runs it in a shell at ``cwd``."""
    env = env if env is not None else {k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"}
    command = [sys.executable, "-m", "digest", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def suggested(said: str, start: str) -> list[str]:
    """The command between backquotes in ``said`` that starts with ``start``, as a shell splits it."""
    found = re.search(rf"`({re.escape(start)}[^`]*)`", said)
    assert found, f"no `{start}...` in: {said}"
    return shlex.split(found.group(1))


def visit(page: str) -> bool:
    """Whether the server answered (any answer: a request only makes it read its config again)."""
    try:
        urllib.request.urlopen(page, timeout=5).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir(exist_ok=True)
    return folder


def test_an_error_suggests_the_command_with_the_config_given_and_it_runs(setup, tmp_path):
    home = elsewhere(tmp_path)
    refused = digest("--config", str(setup), "suppressed", "--release", "ada", cwd=home)
    assert refused.returncode == 1
    # before: "error: ada is not suppressed; `digest suppressed` lists who is"
    assert (
        f"error: ada is not suppressed; `digest --config {setup} suppressed` lists who is" in refused.stderr
    )
    copied = suggested(refused.stderr, "digest ")
    ran = digest(*copied[1:], cwd=home)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "No suppressed readers.\n"


def test_a_note_suggests_the_command_with_the_config_given_and_it_runs(setup, tmp_path):
    home = elsewhere(tmp_path)
    weekly = digest("--config", str(setup), "profile", "set", "ada", "frequency", "weekly", cwd=home)
    assert weekly.returncode == 0, weekly.stderr
    # before: "(each Monday; another day: `digest profile set ada weekday DAY`)"
    assert f"another day: `digest --config {setup} profile set ada weekday DAY`" in weekly.stdout
    copied = [word.replace("DAY", "friday") for word in suggested(weekly.stdout, "digest ")]
    ran = digest(*copied[1:], cwd=home)
    assert ran.returncode == 0, ran.stderr
    assert "weekday: friday" in (setup.parent / "profiles" / "ada.yaml").read_text()


def test_a_failed_fetch_suggests_fetch_with_the_config_given(setup, tmp_path):
    home = elsewhere(tmp_path)
    with LocalHttpServer({"/api/daily_papers": Route(b"gone", status=404)}) as server:
        url = f"{server.url('')}/api/daily_papers"
        setup.write_text(setup.read_text() + f"sources:\n  - kind: hf_daily\n    url: {url}\n")
        sent = digest("--config", str(setup), "send", cwd=home)
        assert "hf_daily: not fetched, so these digests go without it" in sent.stderr, sent.stderr
        # before: "... minutes, `digest fetch` now)"
        assert f"`digest --config {setup} fetch` now" in sent.stderr
        copied = suggested(sent.stderr, "digest ")
        assert copied == ["digest", "--config", str(setup), "fetch"]
        ran = digest(*copied[1:], cwd=home)
    assert f"HTTP 404 Not Found; check the source's url: sources[0].url in {setup}" in ran.stdout + ran.stderr


def test_a_log_line_suggests_the_command_with_the_config_given(setup, tmp_path):
    """`digest serve`'s log line on a changed web.port, from the server's own thread."""
    home = elsewhere(tmp_path)
    port = free_port()
    serving = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(setup), "serve", "--port", str(port)],
        cwd=home,
        env={k: v for k, v in os.environ.items() if k != "DIGEST_CONFIG"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = f"http://127.0.0.1:{port}/"
        for _ in range(300):  # until it serves
            if visit(page):
                break
            time.sleep(0.1)
        time.sleep(1.1)  # the edit below gets a modification time of its own
        setup.write_text(setup.read_text() + f"web:\n  port: {port + 1}\n")
        assert visit(page)  # the server reads its config again
    finally:
        serving.terminate()
        _, stderr = serving.communicate(timeout=30)
    # before: "web.host or web.port changed in ...: restart `digest serve` to use them"
    assert f"restart `digest --config {setup} serve` to use them" in stderr, stderr


def test_a_relative_config_is_suggested_as_a_path_that_runs_from_any_folder(setup, tmp_path):
    """A log or a message is copied from another folder than the one the command ran in: the
    config typed as ``../srv/digest/where.yaml`` is suggested whole."""
    home = elsewhere(tmp_path)
    refused = digest("--config", "../srv/digest/where.yaml", "suppressed", "--release", "ada", cwd=home)
    # before: "`digest --config ../srv/digest/where.yaml suppressed` lists who is"
    assert f"`digest --config {setup} suppressed` lists who is" in refused.stderr, refused.stderr
    deeper = home / "a" / "b"
    deeper.mkdir(parents=True)
    ran = digest(*suggested(refused.stderr, "digest ")[1:], cwd=deeper)
    assert ran.returncode == 0 and ran.stdout == "No suppressed readers.\n", ran.stderr


def test_a_config_reached_back_through_a_linked_folder_is_suggested_as_the_file_opened(setup, tmp_path):
    """``link/../where.yaml``, ``link`` a symbolic link to a folder elsewhere, opens the file beside
    the folder linked to (the kernel follows the link, then goes up): the command suggested names
    that file, not one beside the link."""
    home = elsewhere(tmp_path)
    (home / "link").symlink_to(setup.parent / "profiles")
    refused = digest("--config", "link/../where.yaml", "suppressed", "--release", "ada", cwd=home)
    assert refused.returncode == 1 and "ada is not suppressed" in refused.stderr, refused.stderr
    ran = digest(*suggested(refused.stderr, "digest ")[1:], cwd=tmp_path)
    # before: "error: .../home/where.yaml: no such configuration file. ..."
    assert ran.returncode == 0 and ran.stdout == "No suppressed readers.\n", (refused.stderr, ran.stderr)


def test_no_config_is_added_where_digest_finds_it_anyway(setup):
    folder = setup.parent
    (folder / "config.yaml").write_text(setup.read_text())
    by_name = digest("--config", "config.yaml", "suppressed", "--release", "ada", cwd=folder)
    assert "`digest suppressed` lists who is" in by_name.stderr, by_name.stderr
    env = {**os.environ, "DIGEST_CONFIG": str(setup)}
    by_env = digest("suppressed", "--release", "ada", cwd=elsewhere(folder), env=env)
    assert "`digest suppressed` lists who is" in by_env.stderr, by_env.stderr
    other = digest("--config", str(setup), "suppressed", "--release", "ada", cwd=folder)
    assert f"`digest --config {setup} suppressed`" in other.stderr, other.stderr


def test_a_config_not_there_suggests_the_demo_without_it(tmp_path):
    """`digest demo` takes no config (it writes its own): a config file that is not there is not
    put in the demo's command, as if the demo would use it."""
    missing = tmp_path / "srv" / "nope.yaml"
    refused = digest("--config", str(missing), "status", cwd=elsewhere(tmp_path))
    assert refused.returncode == 1
    assert f"error: {missing}: no such configuration file." in refused.stderr
    # before: "(or try `digest --config .../srv/nope.yaml demo`)", a file the demo never reads
    assert refused.stderr.endswith("(or try `digest demo`)\n"), refused.stderr
