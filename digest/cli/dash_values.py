"""A keyword or term that begins with '-' (`digest profile add ada -foo`), said where it goes.

click reads such a word as options ("-f", "-o", "-o"), and answered "No such option '-f'." alone,
as if the user had mistyped an option: nothing said that the word is taken as a KEYWORD after
``--``. :class:`DashValues`, the class of the commands taking such a word (`profile add`, `remove`,
`exclude`, `test`), adds the command to type, the word after ``--`` (:func:`typed`), with the
config given. An option mistyped (`--wieght`, click's "Did you mean --weight?") is left as click
says it: that word is no keyword.
"""

from __future__ import annotations

import click


def _unknown_word(command: click.Command, args: list[str], name: str) -> str | None:
    """The word of ``args`` (before any ``--``) that click read as the option ``name`` it does not
    know: ``-foo`` for ``-f``, ``--foo`` for itself; None if none is found."""
    known = {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts}
    for word in args:
        if word == "--":
            return None
        if not word.startswith("-") or word == "-" or word.split("=", 1)[0] in known:
            continue
        if word.split("=", 1)[0] == name or (not word.startswith("--") and name[1:] in word[1:]):
            return word
    return None


def _wanting(command: click.Command, args: list[str], ctx: click.Context) -> bool:
    """Whether ``args`` lack a word for one of the command's arguments (the keyword, taken for an
    option), and none of its options is digest's own (`... ada neuromorphic -v`)."""
    root = ctx.find_root().command
    own = {opt for param in root.params if isinstance(param, click.Option) for opt in param.opts}
    takes = {
        opt
        for param in command.params
        if isinstance(param, click.Option) and not param.is_flag and not param.count
        for opt in param.opts
    }
    words, at = 0, 0
    while at < len(args):
        word = args[at]
        at += 1
        if word.startswith("-") and word != "-":
            if word in own or word.split("=", 1)[0] in own:
                return False
            at += word in takes  # its value, the next word
        else:
            words += 1
    return words < len([p for p in command.params if isinstance(p, click.Argument)])


class DashValues(click.Command):
    """A command whose last argument is a user's word (a keyword, a term), which may begin with '-'."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            word = _unknown_word(self, given, error.option_name)
            if error.possibilities or word is None or not _wanting(self, given, ctx):
                raise  # a mistyped option, or one of digest's own (`-v`: said by DigestGroup)
            from digest.cli.renamed_user import Value, typed
            from digest.cli.suggested import carrying, config_option

            value = [p for p in self.params if isinstance(p, click.Argument)][-1].name or "value"
            names, at_ctx = [], ctx  # "profile add": the commands' names below digest's, however it was run
            while at_ctx.parent is not None:
                names.insert(0, at_ctx.info_name or "")
                at_ctx = at_ctx.parent
            at = given.index(word)
            line = typed(*names, *given[:at], *given[at + 1 :], Value(word))  # the words, this one last
            line = line.replace("{{", "{").replace("}}", "}")  # typed's template, as it reads
            option = config_option(getattr(ctx.find_root().obj, "config_path", None))
            raise click.UsageError(
                f"{error.format_message()} {value.upper()} {word!r} begins with '-': give it after "
                f"`--`, which ends the options: " + carrying(f"`{line}`", option),
                ctx,
            ) from None
