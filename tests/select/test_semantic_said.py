"""What digest says when semantic matching cannot run: the extra not installed (its install line,
the README's, and the way to turn it off) and a model folder whose files are damaged or missing."""

from __future__ import annotations

import importlib.util

import pytest

from digest.errors import ConfigError
from digest.select.semantic import available, load_model


def test_module_imports_and_explains_itself_without_the_extra():
    if importlib.util.find_spec("sentence_transformers") is not None:
        pytest.skip("the semantic extra is installed")
    assert not available()
    with pytest.raises(ConfigError, match=r"-m pip install -e '.+\[semantic\]'"):
        load_model()


def test_without_the_extra_every_command_says_the_readmes_install_line_and_how_to_turn_it_off(
    workspace, monkeypatch
):
    """Shown with a venv of `pip install -e '.[test]'` and `semantic: true`: `digest rank ada`
    said "install the extra: pip install 'digest[semantic]'", which asks PyPI for a
    project named digest (this one is installed from its clone) and torch with it, its CUDA build."""
    import sys

    from digest.select import ranking

    from conftest import ROOT, make_dump

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # its import fails: not installed
    monkeypatch.setattr(ranking, "_MODELS", {})
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    for command in (["--semantic", "rank", "ada"], ["--semantic", "preview", "ada", "--text"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1
        said = result.output
        assert "digest[semantic]" not in said, said
        assert (
            f"pip install torch==2.13.0 && {sys.executable} -m pip install -e '{ROOT}[semantic]'" in said
        ), said
        assert "`semantic:`" in said and "--no-semantic" in said, said
    assert workspace.cli("--no-semantic", "rank", "ada").exit_code == 0


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_a_damaged_or_empty_model_folder_is_named_not_reported_as_a_bug(workspace):
    """Shown with `semantic: {model: ./models/trunc}`, a copy of the packaged model whose
    model.safetensors was cut short: `digest rank ada` said "internal error: SafetensorError:
    Error while deserializing header: ... (please report it)"; an empty folder "internal error:
    ValueError: Unrecognized model in ...". The user's files, not digest, are at fault."""
    import shutil

    from digest.select.semantic import packaged_model_path

    from conftest import make_dump

    damaged = workspace.root / "models" / "damaged"
    shutil.copytree(packaged_model_path(), damaged)
    with (damaged / "model.safetensors").open("r+b") as weights:
        weights.truncate(1_000_000)
    (workspace.root / "models" / "empty").mkdir()
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    plain = workspace.config_path.read_text()
    for folder in ("damaged", "empty"):
        workspace.config_path.write_text(plain + f"semantic:\n  model: ./models/{folder}\n")
        result = workspace.cli("rank", "ada")
        said = result.output
        assert result.exit_code == 1 and "internal error" not in said, said
        assert f"the embedding model in {damaged.parent / folder} cannot be loaded" in said, said
        assert "semantic.model" in said, said


def test_the_install_line_said_without_the_extra_is_the_readmes_byte_for_byte(workspace, monkeypatch):
    """The message quoted the README's install line (Semantic matching) without its `-e`: `pip
    install '.[semantic]'` copies the clone into the venv, where the README's editable install
    (and `pip install -e '.[test]'`, the one the venv was made with) runs the clone itself."""
    import sys

    from digest.select import ranking

    from conftest import ROOT, make_dump

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Semantic matching** (optional)") :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    line = block[: block.index("\n")]
    assert line.startswith(".venv/bin/pip install torch"), line
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # its import fails: not installed
    monkeypatch.setattr(ranking, "_MODELS", {})
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    result = workspace.cli("--semantic", "rank", "ada")
    assert result.exit_code == 1
    # the README's line for any folder: the Python digest runs on, the clone's folder
    line = line.replace(".venv/bin/pip ", f"{sys.executable} -m pip ").replace("'.[", f"'{ROOT}[")
    assert f": {line};" in result.output, result.output


def test_the_way_off_said_without_the_extra_puts_no_semantic_before_the_command(workspace, monkeypatch):
    """The message said "or --no-semantic", an option of `digest` itself: put after the command
    as said (`digest rank ada --no-semantic`), click answers "No such option"."""
    import sys

    from digest.select import ranking

    from conftest import make_dump

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # its import fails: not installed
    monkeypatch.setattr(ranking, "_MODELS", {})
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    said = workspace.cli("--semantic", "rank", "ada").output
    assert "`digest --no-semantic <command>`" in said, said
    assert workspace.cli("rank", "ada", "--no-semantic").exit_code == 2  # not an option of rank
