"""`digest run --once` with a profiles folder that holds no reader's file: its pass has nothing to
do, and it says why, as `digest send` does ("No readers: profiles holds no <user>.yaml (one per
reader)."), where it said only "nothing to do: ... no reader's digest due (`digest status` shows
when each reader's next one is)", pointing at readers there are none of. Exit 0 (as `send`): not
a failure. A folder with a reader says nothing of it. A real pass on a temporary config."""

from __future__ import annotations

NONE = "No readers: "


def test_run_once_without_readers_says_so_as_send_does(workspace):
    for command in (("run", "--once"), ("send",)):
        result = workspace.cli(*command)
        assert result.exit_code == 0, result.output
        assert "holds no <user>.yaml (one per reader)." in result.output, (command, result.output)
    workspace.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    result = workspace.cli("run", "--once")
    assert result.exit_code == 0 and NONE not in result.output, result.output
