"""A damaged install (a built-in template deleted) is told the command that installs digest again
from where it came, whole, as pip recorded it (PEP 610's direct_url.json): a folder, a wheel file,
a git URL at the commit installed, or the index at the version installed; an editable install is
told to restore the file in its folder. Real parts: a fresh virtual environment, a real `pip
install` of this release, a real `digest preview` that refuses, and the command it says, run."""

from __future__ import annotations

import functools
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import digest
from digest.compose.jinja_env import builtin_templates

PROJECT = Path(digest.__file__).resolve().parent.parent
ADA = "email: ada@example.org\ninterests:\n  robots: 1\n"


@functools.cache
def index_reached() -> bool:
    """Does pypi.org answer? pip builds digest with hatchling, which it fetches from the index for each
    build (build isolation): without it every install here fails, and CI need not be online."""
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


@pytest.fixture(autouse=True)
def _online() -> None:
    if not index_reached():
        pytest.skip("pypi.org not reached: pip cannot fetch hatchling to build digest")


def source_tree(where: Path) -> Path:
    """This release's source as a folder of its own (what `pip install FOLDER` builds)."""
    shutil.copytree(PROJECT / "digest", where / "digest", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(builtin_templates(), where / "templates")
    for name in ("pyproject.toml", "README.md", "config.example.yaml"):
        shutil.copy(PROJECT / name, where / name)
    return where


def venv(where: Path) -> Path:
    """A fresh virtual environment whose Python finds digest's dependencies (and pip) in the one
    running the tests, after its own site-packages: its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip(python: Path, *args: str) -> None:
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", *args], check=True, timeout=600, cwd=python.parent
    )


def workspace(tmp_path: Path) -> Path:
    """A config with one reader, ada: its folder."""
    ws = tmp_path / "ws"
    (ws / "profiles").mkdir(parents=True, exist_ok=True)
    (ws / "inbox").mkdir(exist_ok=True)
    (ws / "profiles" / "ada.yaml").write_text(ADA)
    config = "database: digest.db\ninbox: inbox\nprofiles: profiles\nsmtp:\n  host: 127.0.0.1\n  port: 2525\n"
    (ws / "config.yaml").write_text(config + "  from: Digest <digest@example.org>\n")
    return ws


def preview(python: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    ws = workspace(tmp_path)
    return subprocess.run(
        [
            python.parent / "digest",
            "--config",
            ws / "config.yaml",
            "preview",
            "ada",
            "--out",
            ws / "ada.html",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ws,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )


def installed_template(python: Path) -> Path:
    """The built-in email template of the digest ``python`` imports (run elsewhere than in a clone)."""
    done = subprocess.run(
        [python, "-c", "import digest, pathlib; print(pathlib.Path(digest.__file__).parent)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=python.parent,
    )
    return Path(done.stdout.strip()) / "templates" / "digest.html.j2"


def said_command(stderr: str) -> str:
    said = " ".join(stderr.split())
    assert "reinstall it: `" in said, said
    return said.split("reinstall it: `", 1)[1].split("`", 1)[0]


def wheel(src: Path, tmp_path: Path) -> str:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", src], check=True
    )
    return str(next((tmp_path / "dist").glob("digest-*.whl")))


def git_url(src: Path, tmp_path: Path) -> str:
    git = ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "release"], check=True)
    return f"git+file://{src}"


SOURCES = {"folder": lambda src, tmp: str(src), "wheel": wheel, "git": git_url}


@pytest.mark.parametrize("kind", SOURCES)
def test_the_damaged_install_is_told_a_command_that_reinstalls_it_from_where_it_came(tmp_path, kind):
    src = source_tree(tmp_path / "src")
    python = venv(tmp_path / "venv")
    source = SOURCES[kind](src, tmp_path)
    pip(python, source)
    installed_template(python).unlink()
    refused = preview(python, tmp_path)
    assert refused.returncode == 1 and "a built-in template is missing" in refused.stderr, refused.stderr
    command = said_command(refused.stderr)
    where = {"folder": str(src), "wheel": source}.get(kind)
    head = f"{python} -m pip install --force-reinstall --no-deps "
    if kind == "git":
        commit = subprocess.run(["git", "-C", src, "rev-parse", "HEAD"], capture_output=True, text=True)
        where = f"git+file://{src}@{commit.stdout.strip()}"
    assert command == head + shlex.quote(where), refused.stderr
    subprocess.run(shlex.split(command), check=True, capture_output=True, timeout=600, cwd=tmp_path)  # as run
    assert installed_template(python).is_file()
    again = preview(python, tmp_path)
    assert again.returncode == 0, again.stderr


def test_an_install_by_name_is_told_its_index_is_not_known_and_the_command_to_finish(tmp_path):
    """pip keeps no direct_url.json of a package installed by name (PEP 610), nor the index or
    --find-links folder it took it from: "digest" on PyPI is another project, so the command is
    said with its index to fill in, and runs once it is."""
    python = venv(tmp_path / "venv")
    found = Path(wheel(source_tree(tmp_path / "src"), tmp_path)).parent
    pip(python, "--ignore-installed", "--no-index", "--find-links", str(found), "digest")  # not the tests'
    installed_template(python).unlink()
    said = " ".join(preview(python, tmp_path).stderr.split())
    # before: "reinstall it: `.../python -m pip install --force-reinstall --no-deps digest==0.1.0`"
    assert "from the package index it came from (pip keeps no record of which;" in said, said
    command = said.split("came from", 1)[1].split("`")[1]
    assert command == f"{python} -m pip install --force-reinstall --no-deps --index-url URL digest==0.1.0"
    finished = command.replace("--index-url URL", f"--no-index --find-links {found}")
    subprocess.run(shlex.split(finished), check=True, capture_output=True, timeout=600, cwd=tmp_path)
    assert preview(python, tmp_path).returncode == 0


def user_install(python: Path, tmp_path: Path, *flags: str) -> tuple[str, Path, dict]:
    """digest installed with `pip install --user` by ``python`` into a PYTHONUSERBASE of its own, a
    built-in template deleted: the command its refused preview says, the src folder, run's args."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONUSERBASE": str(tmp_path / "user")}
    user = Path(
        subprocess.run(
            [python, "-c", "import site; print(site.getusersitepackages())"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout.strip()
    )  # fmt: skip
    user.mkdir(parents=True)
    (user / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # digest's dependencies, pip
    src = source_tree(tmp_path / "src")
    run = {"capture_output": True, "text": True, "timeout": 600, "env": env, "cwd": tmp_path}
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--user", *flags, src], check=True, **run
    )
    (user / "digest" / "templates" / "digest.html.j2").unlink()
    ws = workspace(tmp_path)
    refused = subprocess.run([tmp_path / "user" / "bin" / "digest", "--config", ws / "config.yaml",
                              "preview", "ada", "--out", ws / "ada.html"], **run)  # fmt: skip
    return said_command(refused.stderr), src, run


def test_a_user_install_is_told_a_command_that_reinstalls_it_in_the_user_site(tmp_path):
    """`pip install --user` (a Python with a user site: here a virtual environment that sees the
    system's packages, as a plain Python does): the command keeps it there, with its `digest`
    command in the user's bin folder. Without --user pip moved it out of the user site."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", tmp_path / "v"])
    python = tmp_path / "v" / "bin" / "python"
    command, src, run = user_install(python, tmp_path)
    # before: ".../python -m pip install --force-reinstall --no-deps .../src" (no --user)
    assert command == f"{python} -m pip install --force-reinstall --no-deps --user {src}"
    subprocess.run(shlex.split(command), check=True, **run)
    assert list(tmp_path.glob("user/lib/python*/site-packages/digest/templates/digest.html.j2"))
    assert (tmp_path / "user" / "bin" / "digest").is_file()
    assert not list((tmp_path / "v").glob("lib/python*/site-packages/digest"))


SYSTEM = Path("/usr/bin/python3")  # a distribution's Python: pip refuses it but with a flag (PEP 668)


@pytest.mark.skipif(
    not list(SYSTEM.parent.parent.glob("lib/python3*/EXTERNALLY-MANAGED")), reason="no PEP 668 Python here"
)
def test_a_user_install_into_an_externally_managed_python_is_told_the_flag_it_took(tmp_path):
    """Debian's Python refuses `pip install --user` but with --break-system-packages (PEP 668):
    digest installed so is told the command with it, which runs."""
    command, src, run = user_install(SYSTEM, tmp_path, "--break-system-packages")
    # before: "error: externally-managed-environment" from the command said
    assert (
        command == f"{SYSTEM} -m pip install --force-reinstall --no-deps --user --break-system-packages {src}"
    )
    subprocess.run(shlex.split(command), check=True, **run)
    assert list(tmp_path.glob("user/lib/python*/site-packages/digest/templates/digest.html.j2"))


def test_an_editable_install_outside_git_is_told_to_restore_the_file_in_its_folder(tmp_path):
    src = source_tree(tmp_path / "src")
    python = venv(tmp_path / "venv")
    pip(python, "-e", str(src))
    (src / "templates" / "digest.html.j2").unlink()
    said = " ".join(preview(python, tmp_path).stderr.split())
    assert f"restore it in {src}: digest runs from that folder (an editable install)" in said, said
    assert "--force-reinstall" not in said, said


def test_an_install_whose_wheel_is_since_deleted_is_told_it_is_gone(tmp_path):
    """The command names the wheel it was installed from; run as it is, pip cannot find it."""
    python = venv(tmp_path / "venv")
    source = wheel(source_tree(tmp_path / "src"), tmp_path)
    pip(python, source)
    Path(source).unlink()
    installed_template(python).unlink()
    said = " ".join(preview(python, tmp_path).stderr.split())
    command = said_command(said)
    assert command == f"{python} -m pip install --force-reinstall --no-deps {shlex.quote(source)}", said
    assert f"({source} is no longer there: put it back first)" in said, said
