"""A new reader's profile file (`digest profile add`): the keys it needs, and a commented line
for each option it leaves out, with the value the reader gets without it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from digest import yaml_edit, yamlio
from digest.config import Config
from digest.errors import ProfileError
from digest.files import write_atomic
from digest.keyword_checks import comma_parts
from digest.models import Profile
from digest.options import declared
from digest.profiles.changes import typed_keyword
from digest.profiles.edit import profile_lock, what_to_do
from digest.profiles.load import check_user_id, folder_missing, parse_profile, profile_path

NEW_PROFILE = """\
# Reader profile for {user}. Edit with `digest profile edit {user}` or by hand.
{name}email: {email}
{defaults}
interests:                      # keyword or phrase -> weight (default 1)
{interests}
# exclude: [medical]            # papers matching any of these are left out
"""


def commented_defaults(config: Config) -> str:
    """A commented line for each settable option a new profile leaves out: its key, the value a
    reader gets without it (the config's, for the inherited ones) and its help."""
    lines = []
    for key, opt in declared(Profile).items():
        if not opt.settable or opt.required or key == "name":
            continue
        default = getattr(config, opt.inherit) if opt.inherit else opt.default
        value = opt.check.from_text(opt.check.to_text(default))  # as `digest profile set` writes it
        entry = f"# {key}: {yaml_edit.inline(value)}"
        lines.append(f"{entry:<31} # {opt.help}")
    return "\n".join(lines)


def create_profile(
    config: Config,
    user: str,
    email: str,
    interests: Sequence[str],
    name: str | None = None,
    *,
    dry_run: bool = False,
) -> Profile:
    """Make ``user``'s profile file; ``dry_run``: only check that it can be made as given."""
    check_user_id(user)
    path = profile_path(config, user)
    if not config.profiles.is_dir():
        raise ProfileError(folder_missing(config.profiles, "run this again", config.path))
    with profile_lock(path):
        if path.exists() or path.with_suffix(".yml").exists():
            raise ProfileError(
                f"{path}: {user!r} already has a profile; change it with `digest profile set/add` "
                f"or `digest profile edit {user}`"
            )
        # a keyword given with a comma in it is one keyword ("robots, drones"): in quotes, which say so to
        # its reader (unquoted, every command after noted the comma: profiles.term_slips)
        keywords = [typed_keyword(k, "interests") for k in interests]
        lines = [f"  {yaml_edit.inline(k, quote=len(comma_parts(k)) > 1)}: 1" for k in keywords]
        text = NEW_PROFILE.format(
            user=user,
            name=f"name: {yaml_edit.inline(name)}\n" if name else "",
            email=yaml_edit.inline(email),
            defaults=commented_defaults(config),
            interests="\n".join(lines),
        )
        profile = _checked(text, path, config)
        if not dry_run:
            try:
                write_atomic(path, text, whole=True, new=True)
            except FileExistsError:  # made meanwhile by hand (an editor, `cp`): not written over
                raise ProfileError(
                    f"{path}: {user!r} already has a profile, made while this one was being written; "
                    f"nothing was written: look at it with `digest profile show {user}`"
                ) from None
            except OSError as e:  # a full disk, a quota: said, no file left (write_atomic removes its own)
                fix = what_to_do(e, "run this again")
                raise ProfileError(
                    f"cannot make {path}: {e.strerror or e}; {fix}; no profile was made"
                ) from None
    return profile


def _checked(text: str, path: Path, config: Config) -> Profile:
    """The profile ``text`` makes, checked as the file at ``path`` would be; refused as a file not made:
    its problems said by key alone (`email: ...` is `--email`'s), not at a line of a file that is not
    there ("profiles/carl.yaml: invalid profile: - line 2: email: ..." sent the user to look for it)."""
    try:
        return parse_profile(yamlio.load(text, path, ProfileError), path, config, lines=False)
    except ProfileError as e:
        header = f"{path}: invalid profile:"
        if not str(e).startswith(header):
            raise
        raise ProfileError(f"{path} not made (nothing written):{str(e)[len(header) :]}") from None
