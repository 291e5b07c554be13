"""The command line: every command has help with an example; errors are one clean message."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers.three_papers import seed

from digest.cli import main
from digest.config_missing import example_config
from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import NOW, SHARED, make_dump

COMMANDS = sorted(main.commands)


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and every subcommand of every group, as the words that invoke it."""
    out = []
    for name, command in sorted(group.commands.items()):
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_all_commands(command, (*prefix, name)))
    return out


@pytest.mark.parametrize("words", _all_commands(main), ids=" ".join)
def test_every_command_has_help_with_an_example(words):
    result = CliRunner().invoke(main, [*words, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"digest {' '.join(words)}" in result.output


def test_the_help_names_the_example_config_where_it_is_installed():
    """`digest --help` names config.example.yaml by the path a missing config's message gives."""
    said = CliRunner().invoke(main, ["--help"]).output
    assert f"example config to config.yaml and edit it:\n    {example_config()}\n" in said
    assert example_config().is_file()


def test_the_help_examples_name_the_config_where_readme_puts_it():
    """A `--config PATH` in an example of the help is one README's service steps use too."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    named = {
        path
        for words in _all_commands(main)
        for path in re.findall(r"--config (/\S+)", CliRunner().invoke(main, [*words, "--help"]).output)
    }
    assert named and all(f"--config {path} " in readme for path in named)


@pytest.mark.parametrize("words", [("rank",), ("send",)])
def test_the_next_digests_window_is_said_with_a_failed_digests_papers_it_carries(words):
    """`rank --next` and `send --force` are not only what is new since the previous digest."""
    said = " ".join(CliRunner().invoke(main, [*words, "--help"]).output.split())
    assert "new since the previous one" in said and "a failed digest's papers it carries" in said


def test_the_contract_commands_exist():
    assert {"ingest", "rank", "preview", "send", "demo", "serve", "profile"} <= set(COMMANDS)
    assert {"new", "show", "add", "remove", "exclude", "set", "edit"} <= set(
        main.commands["profile"].commands
    )


def test_rank_json_lists_title_score_and_matches_best_first(workspace):
    seed(workspace)
    workspace.cli("ingest")
    result = workspace.cli("rank", "ada", "--json", "--limit", "5")
    rows = json.loads(result.output)
    assert [r["title"] for r in rows] == ["Spiking Neural Networks at Scale", "Neuromorphic Vision"]
    assert rows[0]["score"] > rows[1]["score"] > 0
    assert rows[0]["matches"] == ["spiking neural networks"]
    assert {"keyword", "field", "start", "end"} <= set(rows[0]["hits"][0])


def test_rank_prints_a_readable_list(workspace):
    seed(workspace)
    workspace.cli("ingest")
    result = workspace.cli("rank", "ada")
    assert "1." in result.output and "Matched: spiking neural networks" in result.output


def test_rank_next_for_a_new_reader_with_nothing_matching_says_it_is_the_first_digest(workspace):
    seed(workspace)
    workspace.profile("eve", "email: eve@example.org\ninterests: [volcanology]\n")
    workspace.cli("ingest")
    result = workspace.cli("rank", "eve", "--next")
    assert result.output == "Nothing for eve's first digest yet: no paper of the latest listing matches.\n"


def test_rank_before_anything_was_ingested_says_what_to_do(workspace):
    workspace.profile("eve", "email: eve@example.org\ninterests: [volcanology]\n")
    for args in (("rank", "eve"), ("rank", "eve", "--next")):
        result = workspace.cli(*args)
        assert result.exit_code == 0
        inbox = workspace.root / "inbox"
        assert (
            result.output == f"No papers stored yet: put listing dumps in {inbox} and run `digest ingest`.\n"
        )


def test_rank_before_anything_was_fetched_names_the_configs_sources_first(workspace):
    # README's "Using it" runs `digest fetch` then `digest ingest`; with the fetch failed (offline),
    # `rank ada --next` said only "put listing dumps in .../inbox and run `digest ingest`"
    workspace.config_path.write_text(workspace.config_path.read_text() + "sources:\n  - kind: hf_daily\n")
    workspace.profile("eve", "email: eve@example.org\ninterests: [volcanology]\n")
    result = workspace.cli("rank", "eve", "--next")
    assert result.exit_code == 0
    assert result.output == (
        "No papers stored yet: run `digest fetch` (the config's sources; `digest status` shows their last "
        f"fetch), or put listing dumps in {workspace.root / 'inbox'} and run `digest ingest`.\n"
    )


def test_rank_next_with_nothing_new_since_the_last_digest_says_so(mail_workspace, smtp_server):
    seed(mail_workspace)
    mail_workspace.cli("ingest")
    assert mail_workspace.cli("send").exit_code == 0
    result = mail_workspace.cli("rank", "ada", "--next")
    assert result.output == "Nothing for ada's next digest yet: no paper since the last one matches.\n"
    assert "Spiking Neural Networks at Scale" in mail_workspace.cli("rank", "ada").output  # the archive


def test_rank_tells_a_keyword_found_only_in_part_as_the_email_does(workspace):
    papers = [
        ("Masked Image Modeling at Scale", "We pretrain vision models."),
        ("A Language Model for Images", "Masked tokens help; the image encoder is frozen while modeling."),
    ]
    workspace.dump("day.txt", make_dump("Mar 14", papers))
    workspace.profile("ada", "email: ada@example.org\ninterests: [masked image modeling]\n")
    workspace.cli("ingest")
    text = workspace.cli("rank", "ada").output
    assert "Masked Image Modeling at Scale\n              Matched: masked image modeling\n" in text
    assert "A Language Model for Images\n              Partly: masked image modeling\n" in text
    rows = {r["title"]: r for r in json.loads(workspace.cli("rank", "ada", "--json").output)}
    full, part = rows[papers[0][0]], rows[papers[1][0]]
    assert (full["matched"], full["partly"]) == (["masked image modeling"], [])
    assert (part["matched"], part["partly"]) == ([], ["masked image modeling"])
    assert part["close_to"] == [] and part["liked"] is False
    assert full["matches"] == part["matches"] == ["masked image modeling"]  # every keyword, as before


def test_preview_writes_the_html_without_marking_anything_sent(workspace, tmp_path):
    seed(workspace)
    workspace.cli("ingest")
    out = tmp_path / "ada.html"
    result = workspace.cli("preview", "ada", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Spiking Neural Networks" in out.read_text()
    dry = workspace.cli("send", "--dry-run")
    assert "ada" in dry.output and "2 papers" in dry.output and "nothing was sent" in dry.output


def test_preview_of_a_digest_with_nothing_says_no_email_goes_unless_the_reader_asked_for_the_note(workspace):
    seed(workspace)
    workspace.cli("ingest")
    workspace.profile("bo", "email: bo@example.org\ninterests: [zebrafish cardiology]\n")
    nothing = workspace.cli("preview", "bo", "--text")
    assert nothing.exit_code == 0, nothing.output
    assert "nothing new today" in nothing.output  # the message `send_empty: true` would send...
    assert "no email is sent for this" in nothing.output  # ...and that without it none goes
    dry = workspace.cli("send", "--dry-run")
    assert "bo@example.org" in dry.output and "nothing was sent" in dry.output
    workspace.profile("bo", "email: bo@example.org\ninterests: [zebrafish cardiology]\nsend_empty: true\n")
    assert "no email is sent" not in workspace.cli("preview", "bo", "--text").output
    assert "no email is sent" not in workspace.cli("preview", "ada", "--text").output  # ada has papers


def test_preview_to_a_path_it_cannot_write_says_why_and_makes_no_folder(workspace, tmp_path):
    seed(workspace)
    workspace.cli("ingest")
    (tmp_path / "a-file").write_text("mine\n")
    cases = {
        tmp_path / "a-file" / "ada.html": "the folder {} is not a folder",
        tmp_path / "typo" / "ada.html": "the folder {} does not exist",
    }
    for out, reason in cases.items():
        result = workspace.cli("preview", "ada", "--out", str(out))
        assert result.exit_code == 1 and "internal error" not in result.output
        assert f"error: cannot write {out}: {reason.format(out.parent)}" in result.output
    assert not (tmp_path / "typo").exists() and (tmp_path / "a-file").read_text() == "mine\n"


def test_errors_are_one_clean_message_and_a_non_zero_exit(workspace, tmp_path):
    missing = CliRunner().invoke(main, ["--config", str(tmp_path / "none.yaml"), "ingest"])
    assert missing.exit_code == 1
    assert missing.output.startswith("error: ") and "Traceback" not in missing.output
    seed(workspace)
    unknown = workspace.cli("rank", "adda")
    assert unknown.exit_code == 1 and "Did you mean 'ada'" in unknown.output


def test_the_config_path_comes_from_DIGEST_CONFIG(workspace):
    seed(workspace)
    result = CliRunner().invoke(main, ["ingest"], env={"DIGEST_CONFIG": str(workspace.config_path)})
    assert result.exit_code == 0 and "3 new papers" in result.output


def test_send_reports_an_unreachable_server_without_a_traceback(workspace):
    seed(workspace)
    workspace.cli("ingest")
    result = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "send"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "error: cannot connect to the SMTP server 127.0.0.1:2525" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_shared_evaluation_runs_against_the_cli():
    evaluate = SHARED / "eval" / "evaluate.py"
    if not evaluate.exists():
        pytest.skip(f"the shared evaluation is not at {evaluate}")
    result = subprocess.run(
        [sys.executable, str(evaluate), "--digest", f"{sys.executable} -m digest"],
        capture_output=True,
        text=True,
        check=True,
    )
    mean = float(result.stdout.strip().splitlines()[-1].split("=")[1])
    assert mean >= 0.80  # plain BM25 over the keywords scores 0.805


def test_preview_text_prints_the_plain_part_and_date_limits_the_listings(workspace):
    seed(workspace)
    workspace.dump(
        "later.txt",
        make_dump("Mar 16", [("Neuromorphic Audio", "A neuromorphic cochlea for audio.")]),
        mtime=NOW,
    )
    workspace.cli("ingest")
    now = workspace.cli("preview", "ada", "--text")
    assert now.exit_code == 0, now.output
    assert "Your research digest for Mar 16" in now.output and "Neuromorphic Audio" in now.output
    # a reader who never had a digest starts with the latest listing, not the archive
    assert "Matched: spiking neural networks" not in now.output
    past = workspace.cli("preview", "ada", "--text", "--date", "2026-03-15")
    assert "Your research digest for Mar 14" in past.output and "Neuromorphic Audio" not in past.output
    assert "Matched: spiking neural networks" in past.output
    assert not list(workspace.root.glob("preview-*.html"))  # --text alone writes no file
    bad = workspace.cli("preview", "ada", "--date", "14 March")
    assert bad.exit_code == 2 and "'14 March'" in bad.output


def test_send_to_dir_writes_eml_files_and_a_dry_run_records_nothing(workspace, tmp_path):
    seed(workspace)
    workspace.cli("ingest")
    dry = workspace.cli("send", "--dry-run", "--to-dir", str(tmp_path / "dry"))
    assert dry.exit_code == 0, dry.output
    assert len(list((tmp_path / "dry").glob("*.eml"))) >= 1 and "nothing was sent" in dry.output
    real = workspace.cli("send", "--to-dir", str(tmp_path / "mail"))
    assert real.exit_code == 0, real.output
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert files and f"written to {files[0]}" in real.output
    assert b"Content-Type: multipart/alternative" in files[0].read_bytes()
    again = workspace.cli("send", "--to-dir", str(tmp_path / "mail"))
    assert "already sent today at" in again.output  # writing the file counted as delivery
    assert sorted((tmp_path / "mail").glob("*.eml")) == files


def test_the_program_leaves_its_objects_to_the_system_at_exit_and_keeps_its_exit_status(tmp_path):
    """`digest` (digest.cli.run) freezes the collector once the command is done, so the
    interpreter does not walk the run's objects again on the way out; the command's status
    and output are kept."""
    script = (
        "import atexit, gc, sys\n"
        "from digest.cli import run\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "run()\n"
    )
    ok = subprocess.run([sys.executable, "-c", script, "--version"], capture_output=True, text=True)
    assert ok.returncode == 0 and "digest" in ok.stdout and "frozen True" in ok.stderr
    missing = tmp_path / "no-such-config.yaml"
    failed = subprocess.run(
        [sys.executable, "-c", script, "--config", str(missing), "status"], capture_output=True, text=True
    )
    assert failed.returncode != 0 and "frozen True" in failed.stderr


def test_a_signing_secret_that_cannot_be_had_stops_the_daemon_at_its_start(web_workspace, smtp_server):
    """Every digest's links are signed: a secret file that is gone is a config error when
    `digest run` starts, not a "tick failed" at every poll of a daemon that seems to run."""
    seed(web_workspace)
    config = web_workspace.config_path
    config.write_text(config.read_text().replace("secret_env: DIGEST_TEST_SECRET", "secret_file: web-secret"))
    daemon = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert daemon.returncode == 1 and "Traceback" not in daemon.stderr
    assert "web.secret_file: cannot read" in daemon.stderr and "web-secret" in daemon.stderr
    assert smtp_server.messages == []


def test_a_signing_secret_that_cannot_be_had_stops_send_to_dir_before_queueing(web_workspace, tmp_path):
    """The .eml files carry the signed links too: `send --to-dir` refuses a secret file that is
    gone at once, as `send` and `run` do, not with a failed message per reader."""
    seed(web_workspace)
    config = web_workspace.config_path
    config.write_text(config.read_text().replace("secret_env: DIGEST_TEST_SECRET", "secret_file: web-secret"))
    assert web_workspace.cli("ingest").exit_code == 0
    result = web_workspace.cli("send", "--to-dir", str(tmp_path / "mail"))
    assert result.exit_code == 1 and "web.secret_file: cannot read" in result.output, result.output
    assert "FAILED" not in result.output and not (tmp_path / "mail").exists()
    with Store(web_workspace.config.database) as store:
        assert store.db.execute("SELECT COUNT(*) FROM outbox").fetchone() == (0,)


@pytest.mark.parametrize("smtp", ["", "smtp:\n  host: 127.0.0.1\n  port: 2525\n"], ids=["none", "no from"])
def test_without_smtp_from_everything_but_sending_by_smtp_works(workspace, tmp_path, smtp):
    seed(workspace)
    text = workspace.config_path.read_text()
    workspace.config_path.write_text(text[: text.index("smtp:")] + smtp)  # the smtp section is the last one
    assert workspace.cli("ingest").exit_code == 0
    assert "Spiking Neural Networks at Scale" in workspace.cli("rank", "ada").output
    assert "Spiking Neural Networks at Scale" in workspace.cli("preview", "ada", "--text").output
    refused = workspace.cli("send")
    assert refused.exit_code == 1
    assert "smtp.from: required to send by SMTP (the From of every digest" in refused.output
    assert "delivery.transport: file" in refused.output
    with Store(workspace.config.database, readonly=True) as store:
        assert Outbox(store).messages() == [] and store.schedule_state("ada") is None  # nothing queued
    written = workspace.cli("send", "--to-dir", str(tmp_path / "mail"))
    assert written.exit_code == 0, written.output
    (eml,) = (tmp_path / "mail").glob("*.eml")
    assert b"From: Research digest <digest@localhost>" in eml.read_bytes()
