"""digest's own options (``-v``, ``-q``, ``--config``, ``--semantic``) given after the command.

They are options of ``digest`` itself, taken before the command (``digest -v run --once``); after
it (``digest run --once -v``, as the README's "`-v` logs what happens" reads to a new user) click
answered "No such option '-v'." as if digest had no such option. :class:`DigestGroup` says where
it goes instead, with the command to type, naming every one of them after the command as it was
typed (``-vq``, or ``-v`` and ``-q``); the exit status stays click's 2.
"""

from __future__ import annotations

from typing import Any

import click

from digest.cli.common import HelpGroup
from digest.cli.suggested import config_option
from digest.shell_text import shell_word


def _own_option(group: click.Group, name: str) -> click.Option | None:
    """The option of digest itself that ``name`` (as click read it: ``--config`` of
    ``--config=x``) is, or None."""
    for param in group.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _own_flag(group: click.Group, name: str) -> bool:
    option = _own_option(group, name)
    return option is not None and not option.is_eager and (option.is_flag or bool(option.count))


def _takes_value(commands: list[click.Command], name: str) -> bool:
    """Whether ``name`` is an option of one of ``commands`` that takes the next word as its value."""
    return any(
        isinstance(param, click.Option) and not param.is_flag and not param.count and name in param.opts
        for command in commands
        for param in command.params
    )


def _typed(
    group: click.Group, args: list[str], commands: list[click.Command]
) -> list[tuple[str, list[str], str]]:
    """digest's own options among ``args`` (the words from the command's name on), each as
    (as typed, the options it holds, as it goes before the command): ``-vq`` whole, where each of
    its letters is one of digest's; ``--config=x`` as ``--config`` and ``--config=x``, its value
    as typed (``--config PATH`` only where none follows). The
    values of the commands' own options are passed over."""
    found: list[tuple[str, list[str], str]] = []
    at = 0
    while at < len(args):
        word = args[at]
        at += 1
        if word == "--":
            break
        if not word.startswith("-") or word == "-":
            continue
        name = word.split("=", 1)[0] if word.startswith("--") else word
        option = _own_option(group, name)
        if option is not None and not option.is_eager:
            if option.is_flag or option.count:  # --verbose=1: the flag alone, which takes no value
                found.append((word, [name], word) if "=" not in word else (name, [name], name))
            else:  # with its value as typed (`--config x`, `--config=x`), quoted for the shell
                if "=" in word:
                    value: str | None = word.split("=", 1)[1]
                else:
                    value = args[at] if at < len(args) else None
                    at += 1  # its value, the next word
                placed = f"{option.metavar or 'PATH'}" if value is None else shell_word(value)
                found.append((name, [name], f"{name}{'=' if '=' in word else ' '}{placed}"))
        elif not word.startswith("--") and len(word) > 2:  # letters together: -vq, or -nv
            letters = [f"-{letter}" for letter in word[1:]]
            own = [letter for letter in letters if _own_flag(group, letter)]
            if own == letters:
                found.append((word, own, word))
                continue
            for place, letter in enumerate(letters):  # with the command's own: digest's one by one
                if _takes_value(commands, letter):  # the rest is its value (-iv: "v"), or the next word
                    at += place == len(letters) - 1
                    break
                if letter in own:
                    found.append((letter, [letter], letter))
        elif "=" not in word and _takes_value(commands, name):
            at += 1
    return found


class DigestGroup(HelpGroup):
    """The top-level group: its own options after a command are said where they go."""

    def invoke(self, ctx: click.Context) -> Any:
        # the words from the command's name on (click 8.2 renamed protected_args)
        protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args
        args = [*protected, *ctx.args]
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as error:
            option = _own_option(self, error.option_name)
            if option is None or error.ctx is None or error.ctx.parent is None:
                raise
            names, commands, at = [], [], error.ctx  # "profile show": the commands' names below digest's
            while at.parent is not None:
                names.insert(0, at.info_name or "")
                commands.append(at.command)
                at = at.parent
            if option.is_eager:  # --version: digest's version alone, no command runs with it
                raise click.UsageError(
                    f"{error.option_name} is an option of digest itself, which says its version alone: "
                    f"`{at.info_name} {error.option_name}`",
                    error.ctx,
                ) from None
            typed = _typed(self, args, commands)
            if not any(error.option_name in held for _, held, _ in typed):  # not found: as click read it
                given = error.option_name
                if not option.is_flag and not option.count:
                    given += f" {option.metavar or 'PATH'}"
                typed = [(error.option_name, [error.option_name], given)]
            # the --config given before the command, whole, as the commands messages suggest carry it
            # (digest.cli.suggested), unless one typed after it goes there now; as digest's callback
            # read it (ctx.obj): `--config=~/d/config.yaml`'s "~" expanded, not "/cwd/~/d/..."
            given = (
                ""
                if any(placed.startswith("--config") for _, _, placed in typed)
                else getattr(ctx.obj, "config_path", ctx.params.get("config_path"))
            )
            line = " ".join(
                [f"{at.info_name} {config_option(given)}{typed[0][2]}", *(p for _, _, p in typed[1:]), *names]
            )
            said = [word for word, _, _ in typed]
            said_all = said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"
            several = sum(len(held) for _, held, _ in typed) > 1
            raise click.UsageError(
                f"{said_all} {'are options' if several else 'is an option'} of digest itself: "
                f"give {'them' if several else 'it'} before the command, "
                f"`{line} ...`",
                error.ctx,
            ) from None
