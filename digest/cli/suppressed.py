"""`digest suppressed`: the readers whose address bounced for good, or who unsubscribed while their
profile could not be read or written; --release lifts it."""

from __future__ import annotations

from collections.abc import Sequence

import click

from digest.cli.common import Context, echo, handle_errors, now_utc


@click.command()
@click.option("--release", "release", multiple=True, metavar="USER", help="Lift USER's suppression.")
@click.pass_obj
@handle_errors
def suppressed(obj: Context, release: tuple[str, ...]) -> None:
    """List the readers whose address was refused for good (5xx), or who unsubscribed while
    their profile file could not be read or written (a full disk): they get no digests.

    A bounce's suppression lasts until the address in the profile changes, an unsubscribe's
    until the reader undoes it from their page; either until it is released here or with
    `digest profile set USER paused false`. A name whose profile file was renamed, nothing
    suppressed under it (carried over to the new name), says the new name and releases nothing.
    Several --release lift all of them, or none if one of them is not suppressed.

    \b
    Example:
      digest suppressed
      digest suppressed --release ada
    """
    from digest.cli.renamed_user import renamed_error, typed
    from digest.daemon.archive import is_archived
    from digest.deliver.suppressions import Suppressions
    from digest.errors import DigestError
    from digest.store import Store

    again = typed("suppressed", "--release", "{}")
    with Store(obj.config.database) as store:
        suppressions = Suppressions(store)
        if missing := suppressions.release_all(release):  # all or none: nothing half done
            names = [s.user for s in suppressions.all()]  # a typo's: the suppressed names it is one of
            said = [  # a renamed file's old name: its new name said
                renamed_error(obj.config, u, now_utc(), again) or not_suppressed(u, names) for u in missing
            ]
            none = [] if len(set(release)) == 1 else ["nothing was released (all or none)"]
            raise DigestError("\n".join([*map(str, said), *none]))
        for user in dict.fromkeys(release):
            if is_archived(user):  # no profile is theirs: nothing goes to them
                echo(f"{user}: released (a removed reader's, kept apart: no digest goes to them)")
            else:
                echo(f"{user}: released; the next digest goes to their address again")
        if release:
            return
        found = suppressions.all()
    if not found:
        echo("No suppressed readers.")
    for s in found:
        kept = (
            " (a removed reader's, kept apart: their name went to someone else)"
            if is_archived(s.user)
            else ""
        )
        echo(f"{s.user:<16} {s.describe()}{kept}")


def not_suppressed(user: str, suppressed: Sequence[str] = ()) -> str:
    """``user`` not suppressed, and the ``suppressed`` names it is a typo of, if any (as a name
    without a profile file is said those it is a typo of: digest.profiles.name_typos)."""
    from digest.profiles.name_typos import likely_meant, said

    hint = said(likely_meant(user, suppressed))
    return f"{user} is not suppressed; `digest suppressed` lists who is" + (f".{hint}" if hint else "")
