"""What `digest ingest`, `digest send` and `digest run --once` say of the dumps they take in from
the inbox is said in the same words (digest.ingest.told): a dump stored, one already had, one
rejected and kept in inbox/failed/, one still being written. Before, the same bad dump was
"rejected: ..." to ingest, "inbox/bad.txt: not read: ..." to send and "rejected bad.txt: ..." to
run --once, and send said nothing of a dump it already had."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
from pathlib import Path

from helpers.terminal import digest, in_a_terminal

from digest.cli import papers

from conftest import Workspace, make_dump

GOOD = make_dump("Mar 15", [("Neuromorphic One", "Spikes."), ("Unrelated", "Soup.")])
AGAIN = make_dump("Mar 14", [("Neuromorphic Zero", "Older spikes.")])
COMMANDS = {"ingest": ("ingest",), "send": ("send",), "run": ("run", "--once")}


def said_of_dumps(ws: Workspace, command: tuple[str, ...]) -> list[str]:
    """The lines of ``command`` that say what became of each dump of the inbox, in a fixed order."""
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.dump("again.txt", AGAIN, where="elsewhere")
    assert ws.cli("ingest", str(ws.root / "elsewhere" / "again.txt")).exit_code == 0  # had already
    ws.dump("again.txt", AGAIN)
    ws.dump("bad.txt", "not a listing\n")
    ws.dump("good.txt", GOOD)
    ws.dump("slow.txt", GOOD, mtime=dt.datetime.now(dt.UTC))
    done = ws.cli(*command)
    lines = done.output.replace(str(ws.root) + "/", "").splitlines()
    about = {
        name: [line for line in lines if f"inbox/{name}.txt" in line]
        for name in ("again", "bad", "good", "slow")
    }
    return [(told or ["(nothing said)"])[-1] for told in about.values()]  # the last: after any wait


def test_the_three_commands_say_each_dump_of_the_inbox_alike(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setattr(papers, "WAIT_AT_MOST", dt.timedelta(0))  # slow.txt: not waited for
    said = {}
    for name, command in COMMANDS.items():
        (tmp_path / name).mkdir()
        said[name] = said_of_dumps(Workspace(tmp_path / name, smtp_server.port), command)
    for name in ("send", "run"):  # the same words; what then becomes of the dump still written is theirs
        assert said[name][:3] == said["ingest"][:3], (name, said[name])
    again, bad, good, slow = said["ingest"]
    assert re.fullmatch(r"inbox/again\.txt: 2026-03-14 already ingested, nothing new", again), again
    assert bad.startswith("rejected: inbox/bad.txt:1: not a listing dump"), bad
    assert bad.endswith("; kept in inbox/failed/bad.txt"), bad
    assert re.fullmatch(r"inbox/good\.txt: 2026-03-15, 2 entries: 2 new papers, 0 already known", good), good
    left = re.compile(r"inbox/slow\.txt: still being written \(it changed [01] s ago, within the last ")
    for name, (*_, slow) in said.items():  # and when it last changed
        assert left.match(slow) and "settle_seconds, 5 s); left in the inbox: " in slow, (name, slow)


def test_a_dump_the_disk_will_not_let_go_of_is_said_alike_and_escaped(tmp_path, smtp_server):
    # Before: `digest ingest` and `send` said "error: inbox/good" and `run --once` "inbox problem:
    # inbox/good", then "FORGED: cannot move it to ..." on a line of its own: the name not escaped
    said = {}
    for name, command in COMMANDS.items():
        (tmp_path / name).mkdir()
        ws = Workspace(tmp_path / name, smtp_server.port)
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("good\nFORGED.txt", GOOD)
        (ws.root / "inbox" / "processed").symlink_to("/nowhere")  # a disk that is not mounted
        done = subprocess.run(digest(ws, *command), capture_output=True, text=True, cwd=ws.root, timeout=120)
        lines = (done.stdout + done.stderr).splitlines()
        assert not any(line.startswith("FORGED") for line in lines), (name, done.stdout, done.stderr)
        said[name] = [line for line in lines if line.startswith(("error: ", "inbox problem: "))]
    for name, lines in said.items():
        assert lines == [
            f"error: {tmp_path / name}/inbox/good\\nFORGED.txt: cannot move it to {tmp_path / name}/inbox/"
            "processed: File exists (a link to a folder that is not there: mount its disk, or remove the "
            "link); it stays in the inbox and is read again next time (nothing is stored twice)"
        ], (name, lines)


def test_an_inbox_that_cannot_be_used_is_said_once_by_a_command_and_logged_by_the_daemon(
    tmp_path, smtp_server, caplog
):
    # Before: `digest send` and `run --once` said it twice, the log's "ERROR ... inbox not used:
    # <inbox>: the inbox folder is not a folder; ...; the digests of what is stored go on" and then
    # their own "error: <inbox>: the inbox folder is not a folder; ..."
    ws = Workspace(tmp_path, smtp_server.port)
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    inbox = tmp_path / "inbox"
    inbox.rmdir()
    inbox.write_text("a file where the inbox folder should be\n")
    said = f"{inbox}: the inbox folder is not a folder; create it or fix `inbox:` in {ws.config_path}"
    for command in (("send",), ("send", "--user", "ada"), ("run", "--once")):
        done = subprocess.run(digest(ws, *command), capture_output=True, text=True, cwd=ws.root, timeout=120)
        out = done.stdout + done.stderr
        assert out.count(said) == 1 and f"error: {said}" in out, (command, out)
        assert "inbox not used" not in out, (command, out)
    from digest.daemon.tick import run_once
    from digest.profiles.load import load_profiles
    from digest.store import Store

    with Store(ws.config.database) as store:  # the daemon's pass: its log keeps the line
        run_once(ws.config, store, load_profiles(ws.config), None, dt.datetime.now(dt.UTC))
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert f"inbox not used: {said}; the digests of what is stored go on" in errors, errors


def test_the_three_commands_say_a_rejected_dump_on_stderr_in_red_in_a_terminal(tmp_path, smtp_server):
    # Before: `digest run --once` said it on stdout, without colour, where `ingest` and `send` say
    # it on stderr, red in a terminal (a redirected stdout took it, and the terminal showed nothing)
    for name, command in COMMANDS.items():
        (tmp_path / name).mkdir()
        ws = Workspace(tmp_path / name, smtp_server.port)
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("bad.txt", "not a listing\n")
        ws.dump("good.txt", GOOD)
        run = digest(ws, *command)
        with open(tmp_path / name / "stdout", "w") as stdout:
            terminal = in_a_terminal(run, status=1, stdout=stdout)
        out = (tmp_path / name / "stdout").read_text()
        rejected = f"\x1b[31mrejected: {ws.root}/inbox/bad.txt:1: not a listing dump"
        assert terminal.count(rejected) == 1 and "kept in" in terminal, (name, terminal)
        stored = f"{ws.root}/inbox/good.txt: 2026-03-15, 2 entries"
        assert "rejected" not in out and stored in out, (name, out)
    ws.dump("bad2.txt", "not a listing either\n")  # run --once's pass that did nothing else: not idle
    done = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and not done.stdout and "rejected: " in done.stderr, done


def test_run_once_says_a_failed_fetch_on_stderr_in_red_as_send_does(tmp_path, smtp_server):
    # Before: `digest run --once` said "fetched hf_daily: failed: ..." on stdout, without colour,
    # where `digest send` says a failed fetch in red on stderr, as run --once now says a rejected dump
    from digest.demo.http_server import LocalHttpServer, Route

    with LocalHttpServer({"/api/daily_papers": Route(b"down", status=500)}) as server:
        for name, command in (("send", ("send",)), ("run", ("run", "--once"))):
            (tmp_path / name).mkdir()
            ws = Workspace(tmp_path / name, smtp_server.port)
            source = f"  - kind: hf_daily\n    url: {server.url('')}/api/daily_papers\n    retries: 0\n"
            ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + source)
            ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
            run = digest(ws, *command)
            with open(tmp_path / name / "stdout", "w") as stdout:
                terminal = in_a_terminal(run, status=3, stdout=stdout)
            out = (tmp_path / name / "stdout").read_text()
            # one red span, its cause on the line after in `send`'s (what it means, then why)
            red = re.findall(r"\x1b\[31m([^\x1b]*hf_daily: [^\x1b]*500[^\x1b]*)\x1b\[0m", terminal)
            assert len(red) == 1, (name, terminal)
            assert "hf_daily" not in out, (name, out)


def test_run_once_says_each_event_once_and_logs_the_others_with_v(tmp_path, smtp_server):
    # Before: without -v, `digest run --once` said each dump it stored, each source fetched, each
    # digest queued and sent twice: its own line, and the same event as an INFO line of its log on
    # stderr ("INFO digest.ingest.dumps: <dump>: 2026-03-15, 2 entries: ..."); a failed fetch as an
    # INFO line and its own red line. Its other events (a dump moved) are logged with -v, as
    # `ingest` and `send` log them.
    from digest.demo.http_server import LocalHttpServer, Route

    hf = (Path(__file__).parents[1] / "ingest" / "fixtures" / "hf_daily.json").read_bytes()
    with socket.create_server(("127.0.0.1", 0)) as taken:  # nothing listens there now: refused
        down = taken.getsockname()[1]
    with LocalHttpServer({"/api/daily_papers": Route(hf)}) as server:
        for verbose in ((), ("-v",)):
            (tmp_path / (verbose or ("plain",))[0]).mkdir()
            ws = Workspace(tmp_path / (verbose or ("plain",))[0], smtp_server.port)
            sources = "".join(
                f"  - kind: hf_daily\n    name: {name}\n    url: {base}/api/daily_papers\n    retries: 0\n"
                for name, base in (("good", server.url("")), ("down", f"http://127.0.0.1:{down}"))
            )
            ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + sources)
            due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)  # its day: the digest's period
            ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{due:%H:%M}'\n")
            ws.dump("good.txt", GOOD)
            command = digest(ws, *verbose, "run", "--once")
            done = subprocess.run(command, capture_output=True, text=True, cwd=ws.root, timeout=120)
            assert done.returncode == 3, done
            said = done.stdout.splitlines()
            assert [line.split(":")[0] for line in said] == [
                "fetched good",
                f"{ws.root}/inbox/good.txt",
                f"digest for ada ({due:%Y-%m-%d})",  # yesterday's just after midnight UTC
                "sent to ada <ada@example.org>",
            ], said
            logged = [line for line in done.stderr.splitlines() if " INFO " in line]
            moved = [
                line
                for line in logged
                if f"INFO digest.ingest.inbox: moved {ws.root}/inbox/good.txt to " in line
            ]
            # the pass's other events (a dump moved, papers indexed, the database created): with -v,
            # as `ingest` and `send` log them; before, without -v too: "INFO digest.ingest.inbox: moved ..."
            assert len(moved) == (1 if verbose else 0), done.stderr
            assert verbose or logged == [], done.stderr
            refused = [line for line in done.stderr.splitlines() if "Connection refused" in line]
            events = ("ingest.fetch: fetch ", "ingest.dumps: ", "daemon.tick: digest for ada ")
            events += ("deliver.results: digest sent to ada ",)
            in_log = [e for e in events if any(f"INFO digest.{e}" in x for x in logged)]
            if verbose:  # a log asked for: every event, timed, as the daemon logs them
                assert in_log == list(events) and len(refused) == 2, done.stderr
            else:  # the command's own lines only; the failed fetch on stderr, once
                assert in_log == [] and [x.split(":")[0] for x in refused] == ["fetched down"], done.stderr


def test_run_once_with_q_logs_only_errors(tmp_path, smtp_server):
    # Before: `digest -q run --once` (-q: "Only errors") still logged the pass's INFO events on
    # stderr ("INFO digest.ingest.inbox: moved ..."), `run` setting its logger to INFO whatever -q said.
    ws = Workspace(tmp_path, smtp_server.port)
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)).strftime("%H:%M")
    ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    ws.dump("good.txt", GOOD)
    done = subprocess.run(
        digest(ws, "-q", "run", "--once"), capture_output=True, text=True, cwd=ws.root, timeout=120
    )
    assert done.returncode == 0, done
    assert "sent to ada <ada@example.org>" in done.stdout  # what the pass did: still said
    assert done.stderr == "", done.stderr


def test_an_inbox_that_is_not_there_is_named_in_full_with_the_config_file_that_names_it(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("DIGEST_CONFIG")  # found as ./config.yaml, in its folder
    # Before: a user in the config's folder was told "error: inbox: the inbox folder does not exist;
    # create it or fix `inbox:`", neither the folder in full nor the file to fix named
    ws = Workspace(tmp_path)
    ws.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    (tmp_path / "inbox").rmdir()
    said = f"{tmp_path / 'inbox'}: the inbox folder does not exist; create it or fix `inbox:` in config.yaml"
    here = [sys.executable, "-m", "digest"]  # the config found in the folder, as ./config.yaml
    done = subprocess.run([*here, "ingest"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert (done.returncode, done.stderr) == (1, f"error: {said}\n")
    status = subprocess.run([*here, "status"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert f"Inbox problem:\n  {said}\n" in status.stdout
    elsewhere = subprocess.run(digest(ws, "ingest"), capture_output=True, text=True, timeout=120)
    assert elsewhere.stderr == f"error: {said[: -len('config.yaml')]}{ws.config_path}\n"


def test_a_dump_the_disk_will_not_let_go_of_is_said_once(tmp_path, smtp_server):
    # Before: a WARNING log line, then the command's "error: " line, both of the same move
    for name, command in COMMANDS.items():
        (tmp_path / name).mkdir()
        ws = Workspace(tmp_path / name, smtp_server.port)
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("bad.txt", "not a listing\n")
        (ws.root / "inbox" / "failed").write_text("")  # a file where its folder would be
        done = subprocess.run(digest(ws, *command), capture_output=True, text=True, cwd=ws.root, timeout=120)
        said = [line for line in (done.stdout + done.stderr).splitlines() if "cannot move it" in line]
        assert len(said) == 1, (name, said)
        assert said[0].startswith(f"error: {ws.root}/inbox/bad.txt: cannot move it to "), (name, said)
        assert done.returncode == 1, (name, done.stderr)


def test_run_once_on_postgresql_logs_the_database_made_with_v_only(tmp_path, smtp_server):
    # Before: without -v, `digest run --once` on a new PostgreSQL database still logged
    # "INFO digest.schema_pg: database postgresql:///... created at schema version 35", where on
    # SQLite the same line (digest.store's) is left out as the pass's bookkeeping.
    from conftest import postgres_database

    with postgres_database() as url:
        ws = Workspace(tmp_path, smtp_server.port, database=str(url))
        ws.dump("good.txt", GOOD)
        done = subprocess.run(
            digest(ws, "run", "--once"), capture_output=True, text=True, cwd=ws.root, timeout=120
        )
        assert done.returncode == 0, done
        assert [line for line in done.stderr.splitlines() if " INFO " in line] == [], done.stderr
