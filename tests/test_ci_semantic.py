"""CI's run with the semantic extra installed (.ci/run's last line) takes every test module whose
tests skip without the extra: the first run has no torch, so a module left out of the second has
its semantic tests skipped in both, and never run. A test skips without the extra by its mark, or
inside, by a skip of its own (pytest.importorskip, or pytest.skip when the extra is not there)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from conftest import ROOT

NEEDS_THE_EXTRA = re.compile(  # the mark those tests carry, or the skip inside them
    r"@pytest\.mark\.skipif\(not available\(\)"
    r"|pytest\.importorskip\(\s*[\"'](sentence_transformers|torch)[\"']"
    r"|if not available\(\):\s*pytest\.skip\("
)


def semantic_command() -> list[str]:
    """The words of .ci/run's pytest run with the semantic extra (its HF_HUB_OFFLINE line)."""
    script = (ROOT / ".ci" / "run").read_text().replace("\\\n", " ")  # a command over two lines: one
    lines = [line for line in script.splitlines() if not line.startswith("#")]
    runs = [shlex.split(line) for line in lines if "HF_HUB_OFFLINE=1" in line and "pytest" in line]
    assert len(runs) == 1, f".ci/run has {len(runs)} pytest runs with the semantic extra, not one"
    return runs[0]


def semantic_tests() -> list[str]:
    """The tests .ci/run's pytest run with the semantic extra names: files, or tests of a file
    (``file::test``, ``file::test[params]``)."""
    return [word for word in semantic_command() if word.startswith("tests/")]


def semantic_run() -> set[str]:
    """The test files .ci/run's pytest run with the semantic extra names (whole, or some of their
    tests)."""
    return {word.split("::")[0] for word in semantic_tests()}


def test_every_module_of_tests_that_need_the_semantic_extra_runs_where_ci_installs_it():
    needing = {
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if NEEDS_THE_EXTRA.search(path.read_text(encoding="utf-8")) and path.name != Path(__file__).name
    }
    assert "tests/select/test_semantic.py" in needing  # the check finds what it looks for: the mark,
    assert "tests/deliver/test_preview_is_sent.py" in needing  # importorskip inside a test,
    assert "tests/select/test_quality.py" in needing  # a skip when the extra is not there
    assert sorted(needing - semantic_run()) == []


def test_the_run_with_the_semantic_extra_has_a_postgresql_server_for_its_backends_tests():
    """Its modules' tests marked `backends` (tests/deliver/test_preview_is_sent.py's semantic cases)
    run on PostgreSQL too, as the first run's do: under .ci/pg. Before, run without it, their
    PostgreSQL cases skipped ("no PostgreSQL server") there, and without the extra in the first run:
    never run."""
    marked = sorted(
        name for name in semantic_run() if "pytest.mark.backends" in (ROOT / name).read_text(encoding="utf-8")
    )
    assert "tests/deliver/test_preview_is_sent.py" in marked  # the check finds what it looks for
    words = semantic_command()
    assert ".ci/pg" in words and words.index(".ci/pg") < words.index(".venv/bin/pytest"), words


def test_a_backends_module_runs_again_only_its_tests_that_need_the_extra():
    """A module whose tests are all marked `backends` (pytestmark) ran on SQLite and on PostgreSQL
    in the first run: the run with the extra takes only its tests that need it (those that skipped
    there), each named, not the file. Before, tests/deliver/test_preview_is_sent.py was named
    whole, and its 42 other tests (each a life of `digest` processes) ran a second time on both
    databases."""
    import ast
    import subprocess
    import sys

    words = semantic_tests()
    marked = sorted(
        name
        for name in semantic_run()
        if re.search(
            r"^pytestmark = pytest\.mark\.backends$", (ROOT / name).read_text(encoding="utf-8"), re.M
        )
    )
    assert "tests/deliver/test_preview_is_sent.py" in marked  # the check finds what it looks for
    for name in marked:
        assert name not in words, f"{name} is named whole in .ci/run's run with the semantic extra"
        source = (ROOT / name).read_text(encoding="utf-8")
        needing = {
            node.name
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef)
            and node.name.startswith("test_")
            and NEEDS_THE_EXTRA.search(ast.get_source_segment(source, node) or "")
        }
        assert needing, name  # the check finds what it looks for
        collected = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
            + [word for word in words if word.startswith(f"{name}::")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert collected.returncode == 0, collected.stdout + collected.stderr  # each named test is there
        ids = [line for line in collected.stdout.splitlines() if line.startswith(f"{name}::")]
        assert {test.split("::")[1].split("[")[0] for test in ids} == needing, ids
        # on both databases, and of a test with a case without the extra (keywords), that case not
        assert {"sqlite", "postgresql"} <= {part for test in ids for part in re.split(r"[\[\]-]", test)}, ids
        assert all("semantic" in test for test in ids), ids
