"""`semantic.model` relative: to the config file's folder, as every path of the config is, never to
the folder digest happens to be started from. The config's check made a folder it found beside the
config absolute, but kept any other value as written (a model's name, `org/name`), and the model was
then loaded from that value as a path: `model: models/mine` with no such folder beside the config
but one in the current folder loaded that one (a daemon started elsewhere: another model, or none).

Now a relative value that is no folder beside the config is said as a model's name, whatever the
current folder holds. The semantic extra is not installed here: its import is a stand-in that
records the folder it is asked to load (no torch needed)."""

from __future__ import annotations

import sys
import types

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.config import load_config
from digest.select import ranking

from conftest import make_dump


@pytest.fixture
def loaded(monkeypatch) -> list[str]:
    """sentence_transformers importable; the folders it was asked to load a model from."""
    folders: list[str] = []

    def load(folder, **_):
        folders.append(folder)
        raise OSError("a stand-in: no model is loaded here")

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=load))
    monkeypatch.setattr(ranking, "_MODELS", {})
    return folders


def ada_ranked_with(workspace, model: str):
    workspace.dump("day.txt", make_dump("Mar 14", [("Networks of spiking neurons", "Spikes for sound.")]))
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert workspace.cli("ingest").exit_code == 0
    plain = workspace.config_path.read_text()
    workspace.config_path.write_text(plain + f"semantic:\n  model: {model}\n")
    return workspace.cli("rank", "ada")


def test_a_relative_model_folder_is_not_looked_for_in_the_current_folder(
    workspace, loaded, tmp_path_factory, monkeypatch
):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "models" / "mine").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    result = ada_ranked_with(workspace, "models/mine")
    assert loaded == [], result.output
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "semantic.model is 'models/mine', a model's name, not a folder" in result.output
    assert "(a relative one is read from the config file's folder)" in result.output


def test_a_relative_model_folder_beside_the_config_is_taken_from_there(
    workspace, tmp_path_factory, monkeypatch
):
    """(Loading it needs the extra's own modules, tqdm among them: the config's value is looked at.)"""
    (workspace.config_path.parent / "models" / "mine").mkdir(parents=True)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    workspace.config_path.write_text(workspace.config_path.read_text() + "semantic:\n  model: models/mine\n")
    assert load_config(workspace.config_path).semantic.model == str(
        workspace.config_path.parent / "models" / "mine"
    )


def test_a_model_folder_beside_a_config_given_relative_is_loaded(workspace, loaded, monkeypatch):
    """The config found as ./config.yaml (the default, or `--config config.yaml`): its folder is
    the current one, and the model folder beside it is loaded, not said to be a model's name (its
    loading needs the extra's own modules: the value the config gives it is looked at)."""
    folder = workspace.config_path.parent
    (folder / "models" / "mine").mkdir(parents=True)
    ada_ranked_with(workspace, "models/mine")  # ingested, the model in the config
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["--config", "config.yaml", "rank", "ada"])
    assert "a model's name, not a folder" not in result.output, result.output
    assert load_config("config.yaml").semantic.model == str(folder / "models" / "mine")


def test_a_model_folder_under_the_home_folder_is_taken_from_there(workspace, tmp_path_factory, monkeypatch):
    """`~/models/mine`: the home folder's, as `~` is in every path of the config (it was looked for
    as the folder `~` beside the config: "…/~/models/mine is not a folder holding a model")."""
    home = tmp_path_factory.mktemp("home")
    (home / "models" / "mine").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    workspace.config_path.write_text(
        workspace.config_path.read_text() + "semantic:\n  model: ~/models/mine\n"
    )
    assert load_config(workspace.config_path).semantic.model == str(home / "models" / "mine")
