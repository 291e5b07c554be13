"""Parsed profiles are kept between runs, and a profile file is parsed again only when it changed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from digest.errors import ProfileError
from digest.forking import can_fork
from digest.profiles import cache as cache_module
from digest.profiles import load as load_module
from digest.profiles.cache import ProfileCache, cache_path
from digest.profiles.load import load_profiles

ADA = "email: ada@example.org\ninterests: [spiking neural networks]\n"
BOB = "email: bob@example.org\ninterests: [diffusion]\n"


@pytest.fixture(autouse=True)
def a_minute_on(monkeypatch):
    """The files written a minute before they are read, as between real runs (a version read within
    two seconds of its save is not kept: see the last test)."""
    monkeypatch.setattr(
        ProfileCache, "clock", staticmethod(lambda: time.time_ns() + 60_000_000_000), raising=False
    )


def parsed_from_files(monkeypatch, config) -> tuple[list, int]:
    """Load the profiles, counting how many files were parsed rather than taken from the cache."""
    counts = []
    save = ProfileCache.save

    def counting_save(self):
        counts.append(self.misses)
        save(self)

    monkeypatch.setattr(ProfileCache, "save", counting_save)
    profiles = load_profiles(config)
    return profiles, counts[-1]


def test_a_second_run_parses_no_unchanged_file_and_gets_the_same_profiles(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    workspace.profile("bob", BOB)
    first, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 2 and cache_path(workspace.config).exists()
    again, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 0
    assert again == first


def test_an_edited_profile_is_parsed_again(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    path = workspace.profile("bob", BOB)
    parsed_from_files(monkeypatch, workspace.config)
    st = path.stat()
    path.write_text(BOB.replace("diffusion", "robots"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    profiles, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 1
    assert [i.phrase for i in profiles[1].interests] == ["robots"]


def test_a_removed_profile_is_gone_and_a_broken_one_is_still_reported(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    bob = workspace.profile("bob", BOB)
    parsed_from_files(monkeypatch, workspace.config)
    bob.unlink()
    assert [p.user for p in load_profiles(workspace.config)] == ["ada"]
    workspace.profile("cy", "email: not-an-address\ninterests: [x]\n")
    with pytest.raises(ProfileError, match="cy.yaml"):
        load_profiles(workspace.config)
    with pytest.raises(ProfileError, match="cy.yaml"):  # errors are never cached
        load_profiles(workspace.config)


def test_a_damaged_cache_file_is_ignored(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    cache_path(workspace.config).write_bytes(b"not a cache")
    profiles, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 1 and profiles[0].email == "ada@example.org"


def test_other_config_defaults_make_the_cache_stale(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    first, _ = parsed_from_files(monkeypatch, workspace.config)
    with workspace.config_path.open("a") as f:
        f.write("max_papers: 3\n")
    profiles, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 1 and profiles[0].max_papers == 3 != first[0].max_papers


def test_a_change_to_the_parsing_code_makes_the_cache_stale(workspace, monkeypatch):
    workspace.profile("ada", ADA)
    parsed_from_files(monkeypatch, workspace.config)
    real = cache_module.fingerprint
    monkeypatch.setattr(cache_module, "fingerprint", lambda c, f: real(c, f) + "changed")
    _, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 1


def test_profile_files_lists_yaml_then_yml_by_name_and_leaves_links_uncached(tmp_path):
    for name in ("b.yaml", "a.yaml", "c.yml", "notes.txt"):
        (tmp_path / name).write_text(ADA)
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    found = list(cache_module.profile_files(tmp_path))
    assert [p for p, _ in found] == [str(tmp_path / n) for n in ("a.yaml", "b.yaml", "link.yaml", "c.yml")]
    identities = {Path(p).name: identity for p, identity in found}
    assert identities["link.yaml"] is None  # parsed each time: where it points is checked each time
    st = (tmp_path / "a.yaml").stat()
    assert identities["a.yaml"] == (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def test_profiles_read_back_from_the_cache_equal_the_parsed_ones_field_for_field(workspace, monkeypatch):
    workspace.profile("ada", ADA + "name: Ada\nexclude: [survey]\nsend_at: '08:30'\n")
    first, _ = parsed_from_files(monkeypatch, workspace.config)
    again, parsed = parsed_from_files(monkeypatch, workspace.config)
    assert parsed == 0
    assert again == first and again[0].interests == first[0].interests
    assert type(again[0].interests[0]) is type(first[0].interests[0])


def test_many_files_to_parse_are_parsed_side_by_side_with_the_same_profiles_and_problems(
    workspace, monkeypatch
):
    for i in range(40):
        workspace.profile(f"r{i:02d}", ADA.replace("ada@", f"r{i}@"))
    workspace.profile("r07", "email: not-an-address\ninterests: [x]\n")
    workspace.profile("r31", "interests: [x]\n")
    assert can_fork(), f"another thread runs (left by an earlier test?): {threading.enumerate()}"
    monkeypatch.setattr(load_module, "cores", lambda: 3)
    monkeypatch.setattr(load_module, "PARALLEL_FROM", 1_000_000)
    alone, alone_problems = load_module.load_profiles_lenient(workspace.config)
    cache_path(workspace.config).unlink()
    monkeypatch.setattr(load_module, "PARALLEL_FROM", 10)
    pids = []
    parse = load_module.load_profile_file
    monkeypatch.setattr(
        load_module, "load_profile_file", lambda p, c: (pids.append(os.getpid()), parse(p, c))[1]
    )
    spread, spread_problems = load_module.load_profiles_lenient(workspace.config)
    assert pids == [os.getpid()] * 13  # the first part here, the other two in forked processes
    assert spread == alone and len(spread) == 38
    assert spread_problems == alone_problems and len(spread_problems) == 2
    assert "r07.yaml" in spread_problems[0] and "r31.yaml" in spread_problems[1]
    cached = ProfileCache.for_config(workspace.config, load_module.__file__).entries
    assert len(cached) == 38  # what the children parsed is cached too


def test_a_cache_kept_beside_a_symbolic_link_is_read_and_kept_beside_the_file_itself(workspace, monkeypatch):
    """A config naming the database through link.db -> digest.db: the cache is digest.db's (the one
    of a config naming the file), and the one a release before kept beside the link is still read."""
    workspace.profile("ada", ADA)
    parsed_from_files(monkeypatch, workspace.config)  # digest.db.profiles.cache
    root = workspace.root
    (root / "link.db").symlink_to("digest.db")
    (root / "digest.db.profiles.cache").rename(root / "link.db.profiles.cache")  # an earlier release's
    workspace.config_path.write_text(workspace.config_path.read_text().replace("digest.db", "link.db"))
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 0
    workspace.profile("bob", BOB)
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 1
    assert (root / "digest.db.profiles.cache").exists()  # was: link.db's, digest.db's parsing all again


def test_a_profile_edited_in_place_with_its_size_and_modification_time_kept_is_parsed_again(workspace):
    path = workspace.profile("ada", ADA)
    assert load_profiles(workspace.config)[0].interests[0].phrase == "spiking neural networks"
    before = path.stat()
    path.write_text(ADA.replace("spiking neural networks", "spiking neural circuits"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` (or a coarse clock) leaves it
    assert path.stat().st_size == before.st_size
    assert load_profiles(workspace.config)[0].interests[0].phrase == "spiking neural circuits"


def test_a_profile_read_within_two_seconds_of_its_save_is_not_kept_in_the_cache(workspace, monkeypatch):
    # On a filesystem whose times are in whole seconds (ext4 with 128-byte inodes, ext3, FAT),
    # a second save of the same size within that second leaves the same inode, size and times: a
    # command (a daemon pass, `digest send`, a timer's `run --once`) that read the first kept it
    # in the cache, and every command after, every process, read the first for good (shown on
    # such an ext4: interests [robots] read, [drones] saved within the second, [robots] ever after)
    monkeypatch.setattr(
        ProfileCache, "clock", staticmethod(time.time_ns), raising=False
    )  # read as it is saved
    workspace.profile("ada", ADA)
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 1
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 1  # not kept: parsed again
    monkeypatch.setattr(
        ProfileCache, "clock", staticmethod(lambda: time.time_ns() + 2_000_000_000), raising=False
    )
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 1  # two seconds on: kept
    assert parsed_from_files(monkeypatch, workspace.config)[1] == 0
