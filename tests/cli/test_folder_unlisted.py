"""The commands about every reader (`digest status`, `digest send`, `digest run --once`, `digest
serve`'s list of pages), run by an account that may read each reader's profile file by its name
but not list the profiles folder (mode 0711), say which folder it may not list and what to do;
they failed with "internal error: PermissionError: [Errno 13] Permission denied: '.../profiles'"
(`serve` before serving a page). The commands about one named reader (`send --user`, `rank`,
`profile test`, the reader's pages) work as before."""

from __future__ import annotations

import contextlib
import os
import site
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpers.accounts import system_python

from conftest import AS_NOBODY, ROOT, SECRET, WebWorkspace

CY = 'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "07:00"\n'
UNLISTED = "{}: this account may not list the profiles folder (Permission denied)"


def page(url: str, serving: subprocess.Popen[str]) -> str:
    """``url``'s page once the server answers (or what it said when it ended)."""
    for _ in range(300):
        if serving.poll() is not None:
            return f"ended: {serving.communicate()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            time.sleep(0.1)
    return "no answer"


@contextlib.contextmanager
def folder_of_root(smtp_server, mode: int, readers: tuple[str, ...] = ("cy",)) -> Iterator[Nobody]:
    """A workspace of nobody's whose profiles folder (``readers``' files) is root's, of ``mode``,
    and `digest` run on it as nobody (setpriv); removed after."""
    python = system_python()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        root.chmod(0o755)
        ws = WebWorkspace(root, smtp_server.port)
        for user in readers:
            ws.profile(user, CY.replace("cy@", f"{user}@"))
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(root / "profiles", 0, 0)
        (root / "profiles").chmod(mode)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        env.update(HOME=str(root), DIGEST_TEST_SECRET=SECRET)
        env.pop("DIGEST_DEBUG", None)
        yield Nobody(
            ws, root / "profiles", [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path)], env
        )


@dataclass
class Nobody:
    ws: WebWorkspace
    folder: Path
    command: list[str]
    env: dict[str, str]

    def digest(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *args], capture_output=True, text=True, env=self.env, timeout=120
        )


def test_commands_about_every_reader_say_the_folder_they_may_not_list(smtp_server):
    # each file opened by its name; the folder not listed
    with folder_of_root(smtp_server, 0o711, ("cy", "dee")) as nobody:
        ws, command, env, digest = nobody.ws, nobody.command, nobody.env, nobody.digest
        said = {args: digest(*args.split()) for args in ("status", "send", "run --once")}
        named = ("send --user cy", "rank cy", "profile test cy attention", "profile url cy")
        one = {args: digest(*args.split()) for args in named}
        serve = [*command, "serve", "--port", str(ws.port)]
        with subprocess.Popen(serve, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as s:
            try:
                shown = page(one["profile url cy"].stdout.strip(), s)
            finally:
                s.terminate()
            served = "".join(s.communicate(timeout=30))
    folder = nobody.folder
    for args, done in said.items():
        out = done.stdout + done.stderr
        assert "internal error" not in out, (args, out)
        assert UNLISTED.format(folder) in out, (args, out)
        assert f"chmod a+r {folder}" in out, (args, out)
    assert said["status"].returncode == 0
    assert said["send"].returncode == 1
    assert said["run --once"].returncode == 1
    for args, done in one.items():
        assert done.returncode == 0, (args, done.stdout + done.stderr)
    assert "internal error" not in served and UNLISTED.format(folder) in served, served
    assert "<title>Your digest preferences" in shown, shown


def test_a_folder_closed_to_this_account_is_said_with_the_mode_that_opens_it(smtp_server):
    # A profiles folder 0700 of another account: every reader's commands said "chmod a+r", which
    # left it 0704, listed but no file opened, and `digest status` then failed with "internal
    # error: PermissionError: [Errno 13] Permission denied: '.../profiles/cy.yaml'"
    with folder_of_root(smtp_server, 0o700) as nobody:  # nobody may not list it, nor open a file in it
        said = {args: nobody.digest(args) for args in ("status", "send")}
        named = nobody.digest("rank", "cy")
        subprocess.run(["chmod", "a+rx", str(nobody.folder)], check=True)  # as the message says
        after = nobody.digest("status")
    folder = nobody.folder
    for args, done in said.items():
        out = done.stdout + done.stderr
        assert "internal error" not in out, (args, out)
        assert f"{folder}: this account may neither list the profiles folder nor open a file in it" in out
        assert f"chmod a+rx {folder}" in out and "need only USER's file" not in out, (args, out)
    assert f"chmod a+x {folder}" in named.stderr and named.returncode == 1  # a named reader's: search alone
    assert after.returncode == 0 and "internal error" not in after.stderr, after.stderr
    assert "cy" in after.stdout and "may not" not in after.stdout + after.stderr, after.stdout


def test_a_folder_listed_but_not_searched_is_said_not_an_internal_error(smtp_server):
    # A profiles folder 0704 of another account (read without search: what "chmod a+r" made of a
    # 0700 one): the files are listed, none can be opened; `digest status` failed with "internal
    # error: PermissionError: [Errno 13] Permission denied: '.../profiles/cy.yaml'"
    # (and every command said the cure as for a folder 0700: "chmod a+x ...: each reader's file
    # then opened by its name, the folder not listed", when a+x makes it 0705, listed and searched)
    with folder_of_root(smtp_server, 0o704) as nobody:
        said = {args: nobody.digest(*args.split()) for args in ("status", "send", "rank cy")}
        subprocess.run(["chmod", "a+x", str(nobody.folder)], check=True)  # as the message says
        after = nobody.digest("status")
    for args, done in said.items():
        out = done.stdout + done.stderr
        assert "internal error" not in out, (args, out)
        assert f"this account may not search the profiles folder {nobody.folder}" in out, (args, out)
        assert f"chmod a+x {nobody.folder}: it may list the folder already, and then opens" in out, (
            args,
            out,
        )
        assert "the folder not listed" not in out, (args, out)
    assert said["status"].returncode == 0 and said["send"].returncode == 1 and said["rank cy"].returncode == 1
    assert after.returncode == 0 and "cy" in after.stdout and "may not" not in after.stdout + after.stderr
