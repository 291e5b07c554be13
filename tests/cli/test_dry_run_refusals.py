"""`digest send --dry-run`, the check before a send, refuses what the send would refuse before
queueing anything (an unset password or signing secret), after listing the digests."""

from __future__ import annotations

from helpers.login_config import login_config


def test_a_dry_run_says_the_unset_variable_that_would_stop_the_send(workspace, monkeypatch, tmp_path):
    """It listed ada's digest and said "Dry run: nothing was sent.", exit 0, where `digest send`
    then refused: "smtp.password_env names $DIGEST_TEST_SMTP_PW, but that environment variable
    is not set" (and so for web.secret_env)."""
    monkeypatch.delenv("DIGEST_TEST_SMTP_PW", raising=False)
    monkeypatch.delenv("DIGEST_TEST_SECRET", raising=False)
    login_config(workspace, 2525)
    result = workspace.cli("send", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "ada@example.org" in result.output and "Dry run: nothing was sent." in result.output
    assert "error: `digest send` would refuse, before queueing anything: " in result.output
    assert "$DIGEST_TEST_SMTP_PW, but that environment variable is not set" in result.output
    monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "pw")
    assert workspace.cli("send", "--dry-run").exit_code == 0  # nothing the send would refuse
    with workspace.config_path.open("a") as config:
        config.write("base_url: http://127.0.0.1:8025\nweb:\n  secret_env: DIGEST_TEST_SECRET\n")
    for args in (("send", "--dry-run"), ("send", "--dry-run", "--to-dir", str(tmp_path / "eml"))):
        result = workspace.cli(*args)
        assert result.exit_code == 1, result.output
        assert "$DIGEST_TEST_SECRET, but that environment variable is not set" in result.output


def test_the_help_says_when_a_dry_run_exits_1(workspace):
    """`digest send --help` named the exit codes of the send alone: a cron job's dry run that
    exited 1 for an unset password variable was not said anywhere but in the README."""
    result = workspace.cli("send", "--help")
    assert result.exit_code == 0
    said = " ".join(result.output.split())
    assert "--dry-run exits 1 where the send would refuse before queueing anything (an unset " in said
    assert "smtp.password_env or web.secret_env variable, no smtp.from) or skip a profile." in said


def test_a_dry_run_to_files_without_the_secret_lists_the_digests_then_says_the_refusal(
    workspace, monkeypatch, tmp_path
):
    """With base_url and web.secret_env unset, `send --dry-run --to-dir` for a reader with a new
    digest said only 'error: web.secret_env names $DIGEST_TEST_SECRET, but that environment
    variable is not set: ...': no list, no file, not the dry run's "would refuse"."""
    monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "pw")
    monkeypatch.delenv("DIGEST_TEST_SECRET", raising=False)
    login_config(workspace, 2525)
    with workspace.config_path.open("a") as config:
        config.write("base_url: http://127.0.0.1:8025\nweb:\n  secret_env: DIGEST_TEST_SECRET\n")
    result = workspace.cli("send", "--dry-run", "--to-dir", str(tmp_path / "eml"))
    assert result.exit_code == 1, result.output
    (ada,) = [line for line in result.output.splitlines() if line.startswith("ada ")]
    assert "1 paper  written to " in ada, result.output
    assert "Dry run: nothing was sent." in result.output
    refusal = "error: `digest send` would refuse, before queueing anything: web.secret_env names "
    assert refusal in result.output
    assert len(list((tmp_path / "eml").glob("*.eml"))) == 1
