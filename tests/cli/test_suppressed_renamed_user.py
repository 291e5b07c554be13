"""`digest suppressed --release ada` after ada's profile file was renamed ``ada-lee.yaml``, her
address refused for good before: once a send has carried ada over, the suppression is ada-lee's,
and the old name said "ada is not suppressed; `digest suppressed` lists who is", as if the reader
had none. It says the new name as the other commands given the old name do
(tests/cli/test_renamed_user_commands.py), with the command to use, and releases nothing: exit 1.
Before the carry-over the suppression is still ada's, and `--release ada` lifts it, as `digest
preview ada-lee` says to; given again, with nothing left under ada, it names ada-lee, who continues
ada from the next send. A real aiosmtpd server on loopback that refuses ada's address."""

from __future__ import annotations

import pytest
from helpers.refusing import Refusing

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def refused_then_renamed(ws) -> None:
    """ada's address refused for good at the first send (suppressed), then ada.yaml renamed."""
    ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    first = ws.cli("send")
    assert first.exit_code == 1 and "550 5.1.1" in first.output, first.output
    (ws.root / "profiles" / "ada.yaml").rename(ws.root / "profiles" / "ada-lee.yaml")


def test_release_of_a_carried_over_name_names_the_new_name_and_releases_nothing(tmp_path, database):
    with LocalSmtpServer(Refusing({"ada@example.org"})) as server:
        ws = Workspace(tmp_path, server.port, database)
        refused_then_renamed(ws)
        assert ws.cli("send", "--user", "ada-lee").exit_code == 0  # carries ada over, suppression too
        result = ws.cli("suppressed", "--release", "ada")
        assert result.exit_code == 1, result.output
        assert "is not suppressed" not in result.output, result.output
        assert (
            "no profile for user 'ada': ada's profile file was renamed: the reader is ada-lee now "
            "(`digest suppressed --release ada-lee`)"
        ) in result.output, result.output
        listed = ws.cli("suppressed").output
        assert listed.startswith("ada-lee ") and "<ada@example.org> refused on " in listed, listed
        assert ws.cli("suppressed", "--release", "ada-lee").exit_code == 0
        assert ws.cli("suppressed").output == "No suppressed readers.\n"
        other = ws.cli("suppressed", "--release", "bad")  # a reader with a file: said as before
        assert "bad is not suppressed; `digest suppressed` lists who is" in other.output, other.output


def test_release_of_a_name_not_carried_over_yet_lifts_its_suppression_then_names_the_new_name(
    tmp_path, database
):
    with LocalSmtpServer(Refusing({"ada@example.org"})) as server:
        ws = Workspace(tmp_path, server.port, database)
        refused_then_renamed(ws)
        assert "until `digest suppressed --release ada`" in ws.cli("preview", "ada-lee", "--text").output
        released = ws.cli("suppressed", "--release", "ada")
        assert released.exit_code == 0 and "ada: released" in released.output, released.output
        again = ws.cli("suppressed", "--release", "ada")
        assert again.exit_code == 1, again.output
        assert "no profile for user 'ada': ada-lee continues ada (the same address <ada@example.org>;" in (
            again.output
        ), again.output
        assert "from the next send: `digest suppressed --release ada-lee`" in again.output, again.output
