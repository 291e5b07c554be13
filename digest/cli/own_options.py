"""digest's own options (``-v``, ``-q``, ``--config``, ``--semantic``) given after the command.

They are options of ``digest`` itself, taken before the command (``digest -v run --once``); after
it (``digest run --once -v``, as the README's "`-v` logs what happens" reads to a new user) click
answered "No such option '-v'." as if digest had no such option. :class:`DigestGroup` says where
it goes instead, with the command to type; the exit status stays click's 2.
"""

from __future__ import annotations

from typing import Any

import click


def _own_option(group: click.Group, name: str) -> click.Option | None:
    """The option of digest itself that ``name`` (as click read it: ``--config`` of
    ``--config=x``) is, or None."""
    for param in group.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


class DigestGroup(click.Group):
    """The top-level group: one of its own options after a command is said where it goes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as error:
            option = _own_option(self, error.option_name)
            if option is None or error.ctx is None or error.ctx.parent is None:
                raise
            names, at = [], error.ctx  # "profile show": the commands' names below digest's
            while at.parent is not None:
                names.insert(0, at.info_name or "")
                at = at.parent
            if option.is_eager:  # --version: digest's version alone, no command runs with it
                raise click.UsageError(
                    f"{error.option_name} is an option of digest itself, which says its version alone: "
                    f"`{at.info_name} {error.option_name}`",
                    error.ctx,
                ) from None
            given = error.option_name
            if not option.is_flag and not option.count:
                given += f" {option.metavar or 'PATH'}"
            raise click.UsageError(
                f"{error.option_name} is an option of digest itself: give it before the command, "
                f"`{at.info_name} {given} {' '.join(names)} ...`",
                error.ctx,
            ) from None
