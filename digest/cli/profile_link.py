"""`digest profile url`: print a reader's signed preferences link, the one in their emails."""

from __future__ import annotations

import click

from digest.cli.common import Context, echo, handle_errors, now_utc, secho


@click.command("url")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_url(obj: Context, user: str) -> None:
    """Print USER's signed preferences link (the one in their emails).

    Needs base_url and web.secret_env in the config. A file made by hand under a removed reader's
    name, with another address: their history is moved aside first (said on stderr), as the next
    pass would; a renamed file's reader is carried over to it first (said on stderr, as `digest
    feedback` does). Such a file that cannot be read gets no link until it is fixed.

    \b
    Example:
      digest profile url ada
    """
    from digest.cli.afresh import carried_before_link, start_afresh_before_links, unreadable
    from digest.cli.renamed_user import renamed_said, typed
    from digest.errors import ProfileError
    from digest.profiles.load import load_profile
    from digest.web.reader_link import reader_url

    with renamed_said(obj.config, user, now_utc(), typed("profile", "url", "{}")):  # renamed: its new name
        reader_url(obj.config, user, now_utc())  # the config's and file's errors first, before any write
    try:  # a file made by hand under a removed reader's name, no pass since: their history aside
        profile = load_profile(obj.config, user)
    except ProfileError as e:  # the file's fault, not the database's: the link printed, unless a
        secho(unreadable(obj.config, user, e), fg="yellow", err=True)  # removed reader's name
    else:
        start_afresh_before_links(obj.config, [profile], now_utc(), f"profile url {user}", f"under {user}")
        carried_before_link(obj.config, profile, now_utc())  # a renamed file's reader: carried over first
    echo(reader_url(obj.config, user, now_utc()))  # signed past a removal's second, if any
