"""`digest suppressed --release A --release B` lifts every suppression named or none: a name
that is not suppressed (a typo, a reader never refused) stops it before anything is lifted, and
the error says each such name and that nothing was released. Before, A was released, then the
error on B: half done, the command given again with B mended said "A is not suppressed". A real
aiosmtpd server on loopback that refuses ada's and bad's addresses for good."""

from __future__ import annotations

import pytest
from helpers.refusing import Refusing

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def test_release_of_several_names_is_all_or_nothing(tmp_path, database):
    with LocalSmtpServer(Refusing({"ada@example.org", "bad@example.org"})) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
        ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
        ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
        assert ws.cli("send").exit_code == 1  # both refused for good: suppressed
        before = ws.cli("suppressed").output
        assert "ada " in before and "bad " in before, before
        result = ws.cli("suppressed", "--release", "ada", "--release", "adx", "--release", "bda")
        assert result.exit_code == 1, result.output
        assert "adx is not suppressed; `digest suppressed` lists who is" in result.output, result.output
        assert "bda is not suppressed" in result.output, result.output
        assert "nothing was released (all or none)" in result.output, result.output
        assert "released;" not in result.output, result.output
        assert ws.cli("suppressed").output == before  # ada still suppressed
        done = ws.cli("suppressed", "--release", "ada", "--release", "bad", "--release", "ada")
        assert done.exit_code == 0, done.output
        assert done.output.count("released; the next digest goes to their address again") == 2, done.output
        assert ws.cli("suppressed").output == "No suppressed readers.\n"
        alone = ws.cli("suppressed", "--release", "ada")  # one name: said as before
        assert alone.output == "error: ada is not suppressed; `digest suppressed` lists who is\n", (
            alone.output
        )
