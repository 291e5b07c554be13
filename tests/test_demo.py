"""`digest demo`: no config, no setup; real mail arrives and is saved as .eml and .html."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.demo import SAMPLE_JSON


def test_the_demo_runs_the_whole_pipeline_in_a_fresh_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    mailbox = tmp_path / "digest-demo" / "mailbox"
    emls = sorted(p.name for p in mailbox.glob("*.eml"))
    assert emls == ["ada.eml", "grace.eml", "kurt.eml"]
    for eml in mailbox.glob("*.eml"):
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert msg.get_content_type() == "multipart/alternative"
        assert (mailbox / f"{eml.stem}.html").read_text().startswith("<!DOCTYPE html>")
    assert "reader" in result.output and "delivered" in result.output
    # each sample dump said as `digest ingest` says a dump of the inbox (digest.ingest.told), by
    # its path from here; before: "  ingested 2026-03-02.txt: 2026-03-02, 7 new papers, 0 already known"
    dumps = [line for line in result.output.splitlines() if "inbox/2026-03-0" in line]
    assert dumps == [
        "  digest-demo/inbox/2026-03-02.txt: 2026-03-02, 7 entries: 7 new papers, 0 already known",
        "  digest-demo/inbox/2026-03-03.txt: 2026-03-03, 9 entries: 6 new papers, 3 already known",
    ]
    processed = tmp_path / "digest-demo" / "inbox" / "processed"
    names = sorted(p.name for p in processed.iterdir())
    assert names[:2] == ["2026-03-02.txt", "2026-03-03.txt"]
    assert len(names) == 3 and names[2].endswith(".json")
    assert names[2].startswith("fetch-hf_daily-2026-03-04-")  # the day asked for (was yesterday's)
    # the day asked for is the sample's (it asked for yesterday's date, and said the sample's day)
    fetched = (
        r"  fetched hf_daily from http://127\.0\.0\.1:\d+/api/daily_papers\?date=(\S+): 4 papers of (\S+):"
    )
    assert re.search(fetched + " 3 new, 1 known$", result.output, re.M).groups() == (
        "2026-03-04",
        "2026-03-04",
    )
    # the sample is dated as the real API dates a day's list: by the day its papers were put on
    # the daily page (paper.submittedOnDailyAt), their publishedAt the arXiv day before
    sample = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    assert {item["paper"]["submittedOnDailyAt"] for item in sample} == {"2026-03-04T00:00:00.000Z"}
    assert {item["publishedAt"][:10] for item in sample} == {"2026-03-03"}
    assert "ada.html" in result.output
    ada = (mailbox / "ada.html").read_text()
    assert "Spiking" in ada and "Medical" not in ada  # ada excludes medical papers
    # the paper of the sample dump gained the authors and links the fetched JSON knows
    assert "Mara Lindqvist, Ezra Bello, Chen Wei et al." in ada
    assert (
        'href="https://arxiv.org/pdf/2603.01001"' in ada
        and "https://github.com/example/sparse-event-snn" in ada
    )

    assert "replaced" not in result.output
    again = CliRunner().invoke(main, ["demo"])  # a second run starts afresh, and says so
    assert again.exit_code == 0 and "delivered" in again.output
    assert "the previous demo there was replaced" in again.output


def test_the_demo_names_the_command_that_runs_digest_again(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("digest")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the virtual environment is not on the PATH
    if script.exists():  # installed: the console script, by the path it was run with
        done = subprocess.run([str(script), "demo"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert f"Then try: {script} --config " in done.stdout, done.stdout + done.stderr
    done = subprocess.run([sys.executable, "-m", "digest", "demo", "--dir", "d2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert f"Then try: {sys.executable} -m digest --config " in done.stdout, done.stdout + done.stderr


def test_the_demo_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "mine")])
    assert result.exit_code == 1 and "is not a demo folder" in result.output
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_the_demo_run_again_from_inside_its_folder_starts_over(tmp_path):
    # Before: "internal error: FileNotFoundError: [Errno 2] No such file or directory" (the demo
    # asked for the current folder, to name its dumps from it, after it had replaced that folder)
    import subprocess
    import sys

    demo = tmp_path / "digest-demo"
    line = "inbox/2026-03-02.txt: 2026-03-02, 7 entries: 7 new papers, 0 already known"
    for cwd, folder, named in (
        (tmp_path, "digest-demo", "digest-demo"),
        (demo, ".", demo),
        (demo, str(demo), demo),
    ):
        run = [sys.executable, "-m", "digest", "demo", "--dir", folder]
        done = subprocess.run(run, cwd=cwd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"  {named}/{line}" in done.stdout.splitlines(), (
            done.stdout
        )  # its folder replaced: whole paths
        assert len(list((demo / "mailbox").glob("*.eml"))) == 3


def test_the_commands_the_demo_suggests_run_as_copied_from_a_folder_with_a_space(tmp_path):
    """A demo in "my demo": the two commands it prints, pasted into a shell, are the commands
    meant: the config's path quoted, not split in two at its space."""
    import shlex
    import subprocess
    import sys

    run = [sys.executable, "-m", "digest", "demo", "--dir", "my demo"]
    done = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    (tried,) = [line.removeprefix("Then try: ") for line in lines if line.startswith("Then try: ")]
    config = str(tmp_path / "my demo" / "config.yaml")
    assert shlex.split(tried) == [sys.executable, "-m", "digest", "--config", config, "rank", "ada"]
    (served,) = [line.strip() for line in lines if line.strip().endswith(" serve")]
    assert shlex.split(served) == [sys.executable, "-m", "digest", "--config", config, "serve"]
    ranked = subprocess.run(tried, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert ranked.returncode == 0 and "Spiking" in ranked.stdout, ranked.stdout + ranked.stderr


def test_the_commands_the_demo_suggests_run_as_copied_into_another_folder(tmp_path):
    """`digest demo` run by a relative path (`../v/bin/digest demo`, as a user runs the virtual
    environment's command from beside it): the commands it prints name the program by its whole
    path, so that pasted into a shell in another folder they run, as its config's path does."""
    import os
    import shlex
    import subprocess
    import sys

    script = Path(sys.executable).with_name("digest")
    if not script.exists():
        pytest.skip("digest is not installed as a console script here")
    here = tmp_path / "here"
    here.mkdir()
    relative = os.path.relpath(script, here)  # ../../…/.venv/bin/digest
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the virtual environment is not on the PATH
    done = subprocess.run([relative, "demo"], cwd=here, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    (tried,) = [line.removeprefix("Then try: ") for line in lines if line.startswith("Then try: ")]
    (served,) = [line.strip() for line in lines if line.strip().endswith(" serve")]
    config = str(here / "digest-demo" / "config.yaml")
    # before: "Then try: ../../../../work/h12/.venv/bin/digest --config /tmp/…/config.yaml rank ada"
    assert shlex.split(tried) == [str(script.absolute()), "--config", config, "rank", "ada"], tried
    assert shlex.split(served) == [str(script.absolute()), "--config", config, "serve"], served
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ranked = subprocess.run(tried, shell=True, cwd=elsewhere, env=env, capture_output=True, text=True)
    assert ranked.returncode == 0 and "Spiking" in ranked.stdout, ranked.stdout + ranked.stderr


def test_a_program_path_with_a_dotdot_after_a_link_is_suggested_by_its_real_path(tmp_path):
    """`lnk/../../a/b/digest demo`, lnk a link to deep/er: the kernel reads lnk/.. as deep, so it
    runs; the same path with its `..` taken out by the letter (a/b/digest beside tmp_path) names
    no file. The commands the demo prints name the program by its real path, not by the relative
    one, which copied into another folder names nothing."""
    import os
    import shlex
    import subprocess
    import sys

    script = Path(sys.executable).with_name("digest")
    if not script.exists():
        pytest.skip("digest is not installed as a console script here")
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "digest").symlink_to(script)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "lnk").symlink_to(tmp_path / "deep" / "er")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    demo = tmp_path / "demo"
    done = subprocess.run(
        ["lnk/../../a/b/digest", "demo", "--dir", str(demo)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (tried,) = [
        line.removeprefix("Then try: ") for line in done.stdout.splitlines() if line.startswith("Then try: ")
    ]
    # before: "Then try: lnk/../../a/b/digest --config /tmp/…/demo/config.yaml rank ada"
    assert shlex.split(tried) == [
        str(script.resolve()),
        "--config",
        str(demo / "config.yaml"),
        "rank",
        "ada",
    ], tried
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ranked = subprocess.run(
        tried, shell=True, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300
    )
    assert ranked.returncode == 0 and "Spiking" in ranked.stdout, ranked.stdout + ranked.stderr
