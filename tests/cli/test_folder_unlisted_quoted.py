"""The chmod digest gives for a profiles folder this account may not list or search
(tests/cli/test_folder_unlisted.py) names the folder quoted for the shell it is pasted into, as its
other suggested commands do (digest.shell_text): /srv/o'brien papers/profiles. Before: `chmod a+rx
/srv/o'brien papers/profiles`, which bash reads as an unfinished quote (a space alone: chmod of
"/srv/o'brien" and "papers/profiles", not there).

Real parts: real `digest status` and `digest rank` processes as the account nobody (setpriv), the
chmod said run by bash as root, who owns the folder."""

from __future__ import annotations

import os
import re
import site
import subprocess
import tempfile
from pathlib import Path

from helpers.accounts import system_python

from conftest import AS_NOBODY, ROOT, Workspace

CY = 'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "07:00"\n'


def test_the_chmod_said_for_the_profiles_folder_names_a_folder_with_a_quote_and_a_space_as_pasted():
    python = system_python()
    with tempfile.TemporaryDirectory() as name:  # not under tmp_path, whose parents only root may search
        Path(name).chmod(0o755)
        root = Path(name) / "o'brien papers"
        root.mkdir()
        ws = Workspace(root)
        ws.profile("cy", CY)
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        folder = root / "profiles"
        os.chown(folder, 0, 0)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}
        env.pop("DIGEST_DEBUG", None)

        def said(mode: int, *args: str) -> str:
            """The chmod `digest ARGS`, run as nobody, says for the folder of ``mode``."""
            folder.chmod(mode)
            command = [*AS_NOBODY, python, "-m", "digest", "--config", str(ws.config_path), *args]
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
            (chmod,) = re.findall(r"\((chmod a\+\w+ .*?)(?:, or a group|: )", done.stdout + done.stderr)
            return chmod

        def followed(chmod: str) -> None:
            ran = subprocess.run(["bash", "-c", chmod], cwd=name, capture_output=True, text=True, timeout=30)
            assert ran.returncode == 0 and not ran.stderr, (chmod, ran.stderr)

        quoted = f'"{folder}"'  # was: /tmp/.../o'brien papers/profiles
        for mode, args, chmod, after in (
            (0o700, ("status",), f"chmod a+rx {quoted}", 0o755),
            (0o711, ("status",), f"chmod a+r {quoted}", 0o755),
            (0o704, ("rank", "cy"), f"chmod a+x {quoted}", 0o715),
        ):
            assert said(mode, *args) == chmod
            followed(chmod)
            assert folder.stat().st_mode & 0o777 == after
