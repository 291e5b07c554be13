"""`digest` run with the profiles folder on a full disk (a 256 KiB tmpfs mounted over it, in a mount
namespace of its own: on_a_full_disk) or on a read-only one (READ_ONLY), and a form posted to a real
`digest serve` so (posted_on_a_full_disk): what it said and the folder as it was left."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import SECRET

DIGEST = Path(sys.executable).parent / "digest"
SEEN = "----- the profiles folder, as the command left it -----"
# the folder's files kept aside, a 256 KiB tmpfs mounted over it, the files put back, the rest filled
FULL = (
    'set -e; kept=$(mktemp -d); cp -a "$1/." "$kept/"; mount -t tmpfs -o size=256k tmpfs "$1"; '
    'cp -a "$kept/." "$1/"; dd if=/dev/zero of="$1/.filler" bs=4k 2>/dev/null || true; shift; set +e; '
    '"$@" 2>&1; echo "exit $?"; rm "$0/.filler"; echo "' + SEEN + '"; ls -A "$0"; cat "$0/ada.yaml"'
)
# the folder a read-only bind mount of itself (even root may not write it)
READ_ONLY = (
    'set -e; mount --bind "$1" "$1"; mount -o remount,ro,bind "$1"; shift; set +e; '
    '"$@" 2>&1; echo "exit $?"; echo "' + SEEN + '"; ls -A "$0"; cat "$0/ada.yaml"'
)
ADA = "email: ada@example.org\ninterests:\n  neural networks: 1\n"


def on_a_full_disk(ws, *args: str, env: dict[str, str] | None = None, script: str = FULL) -> tuple[str, str]:
    """`digest ARGS` with the profiles folder on a full disk (``script``: or made so otherwise):
    what it said, and the folder after."""
    folder = str(ws.root / "profiles")
    command = [DIGEST, "--config", str(ws.config_path), *args]
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, folder, folder, *map(str, command)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if done.returncode and ("unshare: " in done.stderr or "mount: " in done.stderr):  # not root
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    said, _, folder_after = (done.stdout + done.stderr).partition(SEEN)
    return " ".join(said.split()), folder_after


def posted_on_a_full_disk(
    ws, path: str, fields: dict, script: str = FULL, user: str = "ada"
) -> tuple[int, str, str]:
    """``fields`` posted to ``user``'s page (``path`` after it) of a real `digest serve` whose
    profiles folder is on a full disk: the answer's status and page, and what the server said (its
    log, then the folder as it left it). ada's profile is written first; another ``user``'s file
    is there already."""
    from digest.signing import Signer

    if user == "ada":
        ws.profile("ada", ADA)
    folder = str(ws.root / "profiles")
    until_told = '"$@" & read -r done; kill $!; wait $!; echo "exit $?"'  # serves until the test is done
    serving = script.replace('"$@" 2>&1; echo "exit $?"', until_told).replace("/ada.yaml", f"/{user}.yaml")
    signer = Signer.from_config(ws.config)
    token = signer.token(user, dt.datetime.now(dt.UTC))
    with subprocess.Popen(
        ["unshare", "-m", "sh", "-c", serving, folder, folder, *ws.serve_command()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DIGEST_TEST_SECRET": SECRET},
    ) as served:
        try:
            url, fields = f"{ws.base_url}/u/{token}{path}", {"csrf": signer.form_token(token), **fields}
            status, page = post_when_up(url, fields, origin=ws.base_url, served=served)
        finally:
            out, _ = served.communicate("done\n", timeout=60)
    return status, page, out


def post_when_up(url: str, fields: dict, *, origin: str, served: subprocess.Popen) -> tuple[int, str]:
    """POST ``fields`` to ``url`` once the server listens: its status and page."""
    data = urllib.parse.urlencode(fields, doseq=True).encode()
    for _ in range(200):
        if served.poll() is not None:
            pytest.skip(f"cannot mount a tmpfs here: {served.stdout.read().strip()}")  # type: ignore[union-attr]
        request = urllib.request.Request(url, data=data, headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except urllib.error.URLError:
            time.sleep(0.1)
    raise AssertionError("digest serve did not answer")
