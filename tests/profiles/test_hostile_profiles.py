"""A reader's profile that would break their message is refused with the key; one that still
breaks is that reader's failure alone: `send`, `run --once` and send_due serve everybody else."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from digest.daemon.tick import send_due
from digest.errors import ProfileError
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profile, load_profiles
from digest.store import Store

from conftest import NOW, make_dump

PAPERS = [(f"Neuromorphic Result {i}", f"An event-driven neuromorphic chip, take {i}.") for i in range(3)]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('name: "Eve\\r\\nBcc: all@example.org"', "name: must not contain control characters"),
        ('name: "Eve\\u202eevE"', "name: must not contain control characters"),
        ('email: "eve\\0@example.org"', "is not a valid email address"),
        ("email: josé@example.org", "is not a valid email address (the part before @ must be ASCII"),
        ("email: eve(comment)@example.org", "is not a valid email address"),
        ("email: eve..x@example.org", "is not a valid email address"),
    ],
)
def test_a_name_or_address_that_cannot_go_in_a_header_is_refused_with_its_key(workspace, line, why):
    text = "email: eve@example.org\ninterests: [x]\n"
    key = line.partition(":")[0]
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + ":")) + "\n" + line + "\n"
    workspace.profile("eve", text)
    with pytest.raises(ProfileError, match="invalid profile") as info:
        load_profile(workspace.config, "eve")
    assert why in str(info.value)


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ('interests: ["robots\\e]0;pwned\\a"]', ("robots]0;pwned",)),
        ('interests: {"x\\u202ey": 2}', ("xy",)),
        ('exclude: ["medical\\0"]', ("medical",)),
        ('like: ["A title\\e[2J"]', ("A title[2J",)),
        ('interests: ["\u05e8\u05e9\u05ea \\u200f(GNN)"]', ("\u05e8\u05e9\u05ea (GNN)",)),  # Hebrew
    ],
)
def test_a_keyword_term_or_title_loses_its_control_characters_and_bidi_marks_and_still_loads(
    workspace, line, read
):
    # A reader can type one into the preferences page, or paste one with Hebrew or Arabic text
    # (U+200F); it would reach their emails and, through `digest profile show` or `status`, the
    # terminal of whoever runs digest. Dropped as ingest drops them from papers, the profile
    # still loads: refusing it would stop that reader's mail.
    key = line.partition(":")[0]
    text = "email: eve@example.org\n" + ("" if key == "interests" else "interests: [x]\n") + line + "\n"
    workspace.profile("eve", text)
    profile = load_profile(workspace.config, "eve")
    got = {"interests": tuple(i.phrase for i in profile.interests), "exclude": profile.exclude}
    assert got.get(key, profile.likes) == read


def test_ordinary_names_and_addresses_still_pass(workspace):
    workspace.profile("o", "name: Zoë O'Brien-Łukasz\nemail: o'brien+news@mail.example.org\ninterests: [x]\n")
    p = load_profile(workspace.config, "o")
    assert (p.name, p.email) == ("Zoë O'Brien-Łukasz", "o'brien+news@mail.example.org")


def test_profile_set_refuses_a_name_with_a_line_break(workspace):
    path = workspace.profile("eve", "email: eve@example.org\ninterests: [x]\n")
    before = path.read_text()
    result = workspace.cli("profile", "set", "eve", "name", "Eve\r\nBcc: all@example.org")
    assert result.exit_code == 1, result.output
    assert "name: must not contain control characters" in result.output
    assert path.read_text() == before


def readers(ws, n: int = 3, now: dt.datetime | None = None) -> None:
    """n readers due 10 minutes before ``now`` (default: the wall clock, for the CLI)."""
    now = now or dt.datetime.now(dt.UTC)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=now - dt.timedelta(minutes=5))
    send_at = (now - dt.timedelta(minutes=10)).strftime("%H:%M")
    for i in range(n):
        ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")


def test_send_due_serves_every_other_reader_when_one_message_cannot_be_built(mail_workspace):
    readers(mail_workspace, now=NOW)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        profiles = load_profiles(config)
        # what validation can no longer let through: a header that cannot be written
        profiles[1] = dataclasses.replace(profiles[1], name="Eve\r\nBcc: all@example.org")
        done = send_due(config, store, profiles, NOW)
        by_user = {s.user: s for s in done}
        assert by_user["r0"].message_id and by_user["r2"].message_id
        assert by_user["r1"].message_id is None and "cannot build" in by_user["r1"].error
        assert store.schedule_state("r1") is None  # still due: tried again at the next pass


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("email: [unclosed\n", "broken.yaml: not valid YAML"),
        (
            "email: one@example.org\ninterests: [x]\nemail: two@example.org\n",
            "broken.yaml: not valid YAML, line 3, column 1: 'email' is given twice (first on line 1)",
        ),
    ],
    ids=["unclosed", "a key twice"],
)
def test_send_serves_the_others_and_reports_a_broken_profile_file(mail_workspace, smtp_server, text, said):
    readers(mail_workspace)
    mail_workspace.profile("broken", text)
    mail_workspace.cli("ingest", str(mail_workspace.root / "inbox" / "day.txt"))
    result = mail_workspace.cli("send")
    assert result.exit_code == 1, result.output
    assert said in result.output and "skipped" in result.output
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [f"r{i}@example.org" for i in range(3)]


def test_a_dry_run_lists_the_others_and_fails_on_a_broken_profile_file_as_send_would(
    mail_workspace, smtp_server
):
    readers(mail_workspace)
    mail_workspace.profile("broken", "email: [unclosed\n")
    mail_workspace.cli("ingest", str(mail_workspace.root / "inbox" / "day.txt"))
    result = mail_workspace.cli("send", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "broken.yaml" in result.output and "1 profile skipped: see above" in result.output
    assert all(f"r{i}@example.org" in result.output for i in range(3))
    assert "Dry run: nothing was sent." in result.output and smtp_server.messages == []


def test_run_once_serves_the_others_and_reports_a_broken_profile_file(mail_workspace, smtp_server):
    readers(mail_workspace)
    mail_workspace.profile("broken", "email: eve@example.org\ninterests: [x\n")
    result = mail_workspace.cli("run", "--once")
    assert "broken.yaml" in result.output, result.output
    assert result.exit_code == 1
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [f"r{i}@example.org" for i in range(3)]


def test_send_queues_everybody_else_and_reports_the_reader_whose_message_fails(mail_workspace):
    from digest.daemon.sendnow import send_now

    readers(mail_workspace, now=NOW)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        profiles = load_profiles(config)
        profiles[0] = dataclasses.replace(profiles[0], email="eve\0@example.org")
        outcomes = send_now(config, store, profiles, None, NOW).delivered
    by_user = {o.user: o for o in outcomes}
    assert not by_user["r0"].ok and "cannot build the message" in by_user["r0"].reply
    assert by_user["r1"].ok and by_user["r2"].ok


def test_status_names_the_reader_whose_message_the_daemon_could_not_build(mail_workspace):
    from digest.daemon.notes import write_reader_failures

    readers(mail_workspace)
    write_reader_failures(mail_workspace.config.database, {"r1": "cannot build the message: X"}, NOW)
    result = mail_workspace.cli("status")
    assert "Readers whose digest could not be made" in result.output
    assert "r1: cannot build the message: X" in result.output


def test_a_profile_that_is_a_symlink_to_a_file_outside_the_folder_is_refused_unread(workspace, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$hash-of-the-root-password:19000:0:99999:7:::\n")
    (workspace.root / "profiles" / "eve.yaml").symlink_to(secret)
    workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    with pytest.raises(ProfileError, match="symbolic link to a file outside the profiles folder") as info:
        load_profile(workspace.config, "eve")
    assert "hash-of-the-root" not in str(info.value)
    result = workspace.cli("status")
    assert "eve.yaml" in result.output and "hash-of-the-root" not in result.output
    assert workspace.cli("profile", "show", "eve").output.count("hash-of-the-root") == 0


def test_a_symlink_inside_the_profiles_folder_is_fine(workspace):
    target = workspace.profile("ada", "email: ada@example.org\ninterests: [x]\n")
    (workspace.root / "profiles" / "lovelace.yaml").symlink_to(target)
    assert load_profile(workspace.config, "lovelace").email == "ada@example.org"
