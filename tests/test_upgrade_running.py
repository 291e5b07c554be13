"""A `digest serve` and a `digest run` started before `pip install` of another release keep
running the release they started with until restarted (README, Upgrading), templates too: the
install replaces the built-in templates under them, and a later release's template asks for
values this release's code does not give. Here the package is laid out as a wheel installs it
(digest/, digest/templates/) in a folder of the test's, its templates then rewritten as an
install of a later release rewrites them."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers.installed import installed

from conftest import SECRET, WebWorkspace

LATER = ' data-release="{{ release_note }}"'  # a value only a later release's code gives


def later_release(templates: Path) -> None:
    """What `pip install` of a later release leaves: its templates, which ask for a value more."""
    for name, anchor in (("web/prefs.html.j2", "{% block body_attrs %}"), ("digest.html.j2", "<body")):
        path = templates / name
        text = path.read_text(encoding="utf-8")
        assert anchor in text, name
        path.write_text(text.replace(anchor, anchor + LATER, 1), encoding="utf-8")


def test_a_running_serve_keeps_its_releases_templates_after_an_install(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    templates = installed(tmp_path / "site")
    (tmp_path / "ws").mkdir()
    ws = WebWorkspace(tmp_path / "ws", 2525)
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    env = {"PYTHONPATH": str(tmp_path / "site"), "DIGEST_TEST_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "serve", "--port", str(ws.port)],
        cwd=ws.root,  # not the checkout: its digest/ is not imported
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        link = next(line.split()[-1] for line in proc.stdout if "/u/" in line)  # it serves
        later_release(templates)  # `pip install` of a later release, before anyone opened a page
        try:
            with urllib.request.urlopen(link, timeout=30) as answer:
                status, page = answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            status, page = e.code, e.read().decode()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert status == 200, err[-2000:]
    assert "ada@example.org" in page and "data-release" not in page


def test_a_running_daemons_digests_keep_its_releases_templates_after_an_install(tmp_path):
    """The daemon makes a Renderer each pass: one made after the install renders this release's."""
    templates = installed(tmp_path / "site")
    script = f"""
import datetime as dt
from pathlib import Path
import digest.daemon.service  # what `digest run` imports as it starts
from digest.compose.render import Renderer
from digest.models import Digest, Interest, Profile
text = Path({str(templates / "digest.html.j2")!r})
text.write_text(text.read_text().replace("<body", "<body" + {LATER!r}, 1))
ada = Profile(user="ada", email="ada@example.org", interests=(Interest("agents"),))
html = Renderer().render(Digest(ada, (), dt.date(2026, 12, 5))).html
assert "data-release" not in html, html
print("rendered")
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "rendered", done.stderr[-2000:]


def test_an_install_under_a_running_serve_does_not_change_what_its_pages_poll(tmp_path, monkeypatch):
    """GET /u/<token>/version's content changes when what the preview is made from does: the
    built-in templates this process read as it started do not, whatever an install writes."""
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    templates = installed(tmp_path / "site")
    (tmp_path / "ws").mkdir()
    ws = WebWorkspace(tmp_path / "ws", 2525)
    ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    env = {"PYTHONPATH": str(tmp_path / "site"), "DIGEST_TEST_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "serve", "--port", str(ws.port)],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        link = next(line.split()[-1] for line in proc.stdout if "/u/" in line)
        with urllib.request.urlopen(link + "/version", timeout=30) as answer:
            before = json.loads(answer.read())
        later_release(templates)
        with urllib.request.urlopen(link + "/version", timeout=30) as answer:
            after = json.loads(answer.read())
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert after == before


def _imports_in_functions(module: str, commands: bool = False) -> set[str]:
    """The digest modules ``module`` imports inside its functions (a name imported from a package
    that is a module of it: that module too); with ``commands`` False, not in the body of a click
    command (it runs only in its own process, whose start it is)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return set()
    found: set[str] = set()

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                command = any("command" in ast.unparse(d) for d in child.decorator_list)
                if commands or not command:
                    visit(child, True)
            elif inside and isinstance(child, ast.ImportFrom) and (child.module or "").startswith("digest"):
                found.add(child.module)
                package = importlib.util.find_spec(child.module)
                if package is not None and package.submodule_search_locations:
                    found.update(
                        f"{child.module}.{a.name}"
                        for a in child.names
                        if importlib.util.find_spec(f"{child.module}.{a.name}") is not None
                    )
            elif inside and isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("digest"))
            else:
                visit(child, inside)

    visit(ast.parse(Path(spec.origin).read_text(encoding="utf-8")), False)
    return found


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_running_daemon_or_serve_has_imported_every_digest_module_it_may_import_later(command):
    """What a started `digest run` (`digest serve`) has imported (the command's own imports, then
    digest.cli.preload's list) names, in its functions, no digest module it has not imported: one
    imported the first time after an install would be the other release's. A new function-level
    import of a module not imported at the start fails here: add it to the command's list."""
    where = {"run": "digest.cli.run_daemon", "serve": "digest.cli.extras"}[command]
    start = sorted(_imports_in_functions(where, commands=True) & _command_imports(where, command))
    script = f"""
import importlib, sys
import digest.cli
for name in {start!r}:
    importlib.import_module(name)
from digest.cli.preload import preload
preload({command!r})
print(" ".join(sorted(m for m in sys.modules if m == "digest" or m.startswith("digest."))))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(done.stdout.split())
    later = {f"{name} (in {module})" for module in loaded for name in _imports_in_functions(module) - loaded}
    assert not later, f"`digest {command}` imports these only when it needs them: {sorted(later)}"


def _command_imports(module: str, command: str) -> set[str]:
    """The digest modules the click command ``command`` of ``module`` imports as it starts."""
    import ast
    import importlib.util

    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8"))
    (function,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == command]
    return {n.module for n in ast.walk(function) if isinstance(n, ast.ImportFrom) and n.module}
