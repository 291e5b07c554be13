"""The matcher's benchmarks say which papers they ran on, and never fall back to generated papers
without being asked: a folder without dumps stops them with a message naming it. Run as the
scripts are run (a process of their own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BENCH_MATCHER = ROOT / "benchmarks" / "bench_matcher.py"
SHARED_OPTION = ("bench_send.py", "bench_compose.py")  # --shared DIR: the folder holding dumps/
SMALL = ["--profiles", "3", "--naive-sample", "1", "--single-sample", "1"]


def bench_matcher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH_MATCHER), *args], capture_output=True, text=True, timeout=120
    )


def two_paper_dump(folder: Path) -> Path:
    """A listing dump as the trending page is saved: five header lines, then title and abstract."""
    folder.mkdir()
    header = "new\n\nGet trending papers\n\nSubscribe\n\nbyAK and the research community\n\nMar 14\n\n"
    papers = [
        ("Quokka transfer networks", "We study quokka transfer networks on invented benchmarks."),
        ("Event-driven pruning of wombats", "An event-driven method prunes wombat models."),
    ]
    (folder / "2024-03-14.txt").write_text(header + "".join(f"{t}\n\n{a}\n\n" for t, a in papers))
    return folder


def test_a_missing_dumps_folder_stops_the_benchmark_naming_it(tmp_path: Path):
    missing = tmp_path / "shared" / "dumps"
    run = bench_matcher("--dumps", str(missing), *SMALL)
    assert run.returncode == 1
    assert f"no listing dumps at {missing} (no folder)" in run.stderr
    assert "--dumps DIR, or --generated to run on generated papers" in run.stderr
    assert "papers:" not in run.stdout  # nothing ranked


def test_a_folder_without_dump_files_stops_it_too(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    run = bench_matcher("--dumps", str(tmp_path / "empty"), *SMALL)
    assert run.returncode == 1
    assert f"no listing dumps at {tmp_path / 'empty'} (no dump files in the folder)" in run.stderr


def test_the_papers_line_says_how_many_came_from_the_dumps_and_how_many_were_generated(tmp_path: Path):
    dumps = two_paper_dump(tmp_path / "dumps")
    run = bench_matcher("--dumps", str(dumps), "--papers", "5", *SMALL)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"papers: 5 (2 from {dumps} + 3 generated)"


def test_generated_papers_only_when_asked(tmp_path: Path):
    run = bench_matcher("--generated", "--dumps", str(tmp_path / "ignored"), "--papers", "5", *SMALL)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "papers: 5 (5 generated (--generated))"


def test_the_other_benchmarks_of_the_shared_dumps_stop_on_a_folder_without_them_naming_their_option(
    tmp_path: Path,
):
    """bench_send.py and bench_compose.py take the shared folder (--shared DIR, its dumps/ in it),
    bench_delivery.py and bench_archive.py the dumps (--dumps DIR): without dumps there, each
    stops before its set-up, naming the folder and the option (a traceback, or a send of no
    papers, before; bench_compose and bench_archive: a traceback, or a run on no papers)."""
    (tmp_path / "shared").mkdir()
    for script, args, option in (
        ("bench_send.py", ["--shared", str(tmp_path / "shared"), "--readers", "1"], "--shared DIR"),
        ("bench_delivery.py", ["--dumps", str(tmp_path / "shared"), "--readers", "1"], "--dumps DIR"),
        ("bench_compose.py", ["--shared", str(tmp_path / "shared"), "--readers", "1"], "--shared DIR"),
        (
            "bench_archive.py",
            ["--dumps", str(tmp_path / "shared"), "--days", "2", "--readers", "1"],
            "--dumps DIR",
        ),
    ):
        run = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / script), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 1, (script, run.stderr)
        folder = tmp_path / "shared" / "dumps" if script in SHARED_OPTION else tmp_path / "shared"
        assert f"no listing dumps at {folder} (" in run.stderr, (script, run.stderr)
        assert f"pass {option}" in run.stderr and "Traceback" not in run.stderr, (script, run.stderr)


def test_the_benchmarks_of_a_grown_installation_take_the_dumps_option_their_stop_names(tmp_path: Path):
    """bench_grown.py and bench_rank_archive.py build their installation with grown.py, whose
    papers are recombined from the shared dumps: without them it stopped saying 'pass --dumps
    DIR', an option neither script had (argparse refused it). Both take --dumps DIR now, and
    stop before building, with nothing made in the work folder."""
    (tmp_path / "none").mkdir()
    for script, args in (
        ("bench_grown.py", ["--a", str(ROOT), "--readers", "1", "--days", "2", "--history", "1"]),
        ("bench_rank_archive.py", ["--papers", "10", "--readers", "1"]),
    ):
        work = tmp_path / script
        run = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / script), "--work", str(work), *args]
            + ["--dumps", str(tmp_path / "none")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 1, (script, run.stderr)
        assert f"no listing dumps at {tmp_path / 'none'} (" in run.stderr, (script, run.stderr)
        assert "pass --dumps DIR" in run.stderr and "Traceback" not in run.stderr, (script, run.stderr)
        assert not work.exists() or not any(work.iterdir()), script


def test_an_archive_smaller_than_two_days_is_built_as_two_and_one_day_is_refused(
    tmp_path: Path, shared_dumps
):
    """bench_rank_archive.py --papers N with N up to a day's 270 built one day, which grown.py
    keeps aside as the day's new listing: nothing ingested, and ZeroDivisionError. It builds two
    days now (540 papers, said); bench_grown.py --days 1 stops saying why."""
    dumps = ["--dumps", str(shared_dumps[0].parent)]
    rank = [str(ROOT / "benchmarks" / "bench_rank_archive.py"), "--work", str(tmp_path / "ranks")]
    run = subprocess.run(
        [sys.executable, *rank, "--papers", "100", "--readers", "4", "--only", "rank", *dumps],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"540 papers ({tmp_path / 'ranks' / 'papers-100'})" in run.stdout
    grown = [str(ROOT / "benchmarks" / "bench_grown.py"), "--work", str(tmp_path / "grown"), "--a", str(ROOT)]
    run = subprocess.run(
        [sys.executable, *grown, "--readers", "1", "--days", "1", "--history", "1", *dumps],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "1 day(s) of listings: at least 2 are needed (the last is the day's new one)" in run.stderr
