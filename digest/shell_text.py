"""A word of a command digest suggests, quoted for the shell the user pastes it into: a path, a
keyword, an address, a database's name (o'brien's home folder, "O'Brien, J.")."""

from __future__ import annotations

import shlex

# what bash expands, or ends the quotes at, inside double quotes (`!`: an interactive shell's history)
_NOT_IN_DOUBLE_QUOTES = frozenset('$`\\!"')


def shell_word(word: str) -> str:
    """``word`` quoted for the shell as a reader reads it best: "O'Brien, J." in double quotes (where
    single quotes would read 'O'"'"'Brien, J.'), if nothing in it is expanded in double quotes; else
    as shlex quotes it (single quotes, where it needs any)."""
    if "'" in word and not _NOT_IN_DOUBLE_QUOTES.intersection(word):
        return f'"{word}"'
    return shlex.quote(word)
