"""`digest preview` by an account that may read its reader's profile file but not list the
profiles folder (mode 0711: each reader's file opened by its name) shows the preview: the other
readers, whose send times may make a source due now (fetching.due_now), are not known to it, and
the sources are judged for its reader alone, as before they were asked. It failed with "internal
error: PermissionError: [Errno 13] Permission denied: 'profiles'" once the preview listed the
folder for them."""

from __future__ import annotations

import datetime as dt
import os
import site
import subprocess
import tempfile
from pathlib import Path

from helpers.accounts import system_python
from helpers.fetch_sources import HF, configure, hf_and_feed

from digest.demo.http_server import LocalHttpServer

from conftest import AS_NOBODY, ROOT, Workspace

CY = 'email: cy@example.org\ninterests: [spiking attention]\nsend_at: "{:%H:%M}"\n'


def test_a_preview_whose_account_may_not_list_the_profiles_folder_is_shown(smtp_server):
    python = system_python()
    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as name, LocalHttpServer(hf_and_feed()) as server:
        root = Path(name)
        root.chmod(0o755)
        ws = Workspace(root, smtp_server.port)
        configure(ws, server, HF)
        ws.profile("cy", CY.format(now + dt.timedelta(hours=3)))
        ws.profile("dee", CY.replace("cy@", "dee@").format(now + dt.timedelta(hours=5)))
        for path in root.rglob("*"):
            os.chown(path, 65534, 65534)
        os.chown(root, 65534, 65534)
        os.chown(root / "profiles", 0, 0)
        (root / "profiles").chmod(0o711)  # each file opened by its name; the folder not listed
        paths = [str(ROOT), *site.getsitepackages()]
        digest = [*AS_NOBODY, python, "-m", "digest", "-v", "--config", str(ws.config_path)]  # -v: INFO too
        shown = subprocess.run(
            [*digest, "preview", "cy", "--text"],
            capture_output=True,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths), "HOME": str(root)},
            timeout=120,
        )
    assert shown.returncode == 0, shown.stderr
    assert "internal error" not in shown.stderr
    assert (
        "note: 1 source to be fetched before cy's digest goes out is not in this preview (hf_daily, due now)"
        in (shown.stderr)
    ), shown.stderr
    assert (  # -v says why: the folder not listed, the other readers not known
        f"the other readers' send times not known ({root / 'profiles'}: this account may not list the "
        "profiles folder (Permission denied)"
    ) in shown.stderr, shown.stderr
    assert "the sources judged for cy alone" in shown.stderr
