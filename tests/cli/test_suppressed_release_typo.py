"""`digest suppressed --release adx` (a typo of a suppressed reader's name) is answered as every
command taking a reader's name answers a typo: with the names it is a typo of, here those
suppressed (digest.profiles.name_typos's rule), so the command is given again mended; a name no
suppressed one is close to is said not suppressed alone, as before. A real aiosmtpd server on
loopback that refuses ada's address for good."""

from __future__ import annotations

import pytest
from helpers.refusing import Refusing

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def test_a_mistyped_name_to_release_is_said_the_suppressed_name_it_is_a_typo_of(tmp_path, database):
    with LocalSmtpServer(Refusing({"ada@example.org"})) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.dump("day.txt", make_dump("Mar 14", [("Spiking Networks", "Spiking networks on events.")]))
        ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
        ws.profile("max", "email: max@example.org\ninterests: [spiking]\n")
        assert ws.cli("send").exit_code == 1  # ada refused for good: suppressed
        typo = ws.cli("suppressed", "--release", "adx")
        assert typo.exit_code == 1, typo.output
        assert typo.output == (
            "error: adx is not suppressed; `digest suppressed` lists who is. Did you mean 'ada'?\n"
        ), typo.output
        other = ws.cli("suppressed", "--release", "max")  # a reader, not suppressed, far from ada
        assert other.output == "error: max is not suppressed; `digest suppressed` lists who is\n", (
            other.output
        )
        assert ws.cli("suppressed", "--release", "ada").exit_code == 0
