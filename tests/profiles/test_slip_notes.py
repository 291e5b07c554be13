"""The notes a refusal adds for a new user's slips say the right way to write it, and never one
that would lose a file or turn a valid number into another."""

from __future__ import annotations

from digest.profiles.load import load_profiles_lenient


def test_a_misnamed_copy_beside_the_profile_is_not_to_be_renamed_over_it(workspace):
    # "rename it eve.yaml" beside eve.yaml: following it replaces the profile that is read
    folder = workspace.root / "profiles"
    workspace.profile("eve", "email: eve@example.org\ninterests: [robots]\n")
    (folder / "eve.yaml.txt").write_text("email: eve@example.org\ninterests: [drones]\n")
    (folder / "eve.YAML").write_text("email: eve@example.org\ninterests: [drones]\n")
    (folder / "dave.YML").write_text("email: dave@example.org\ninterests: [drones]\n")
    profiles, problems = load_profiles_lenient(workspace.config)
    assert [p.user for p in profiles] == ["eve"]
    taken = (
        f"not read: {folder / 'eve.yaml'} is already the profile of 'eve' (every command reads that "
        "one); delete this file, or give it another reader's name ending in .yaml"
    )
    assert sorted(problems) == [
        f"{folder / 'dave.YML'}: not read: a profile's file name ends in .yaml (or .yml), in lower "
        "case; rename it dave.yml",
        f"{folder / 'eve.YAML'}: {taken}",
        f"{folder / 'eve.yaml.txt'}: {taken}",
    ]
