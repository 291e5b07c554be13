"""The note a `digest profile` command says once, having written a keyword or an excluded term
given with a comma in it: one argument is one keyword (or term), written in quotes, which say so
to its reader after; for a user who meant two, the commands that make them two. (Moved from
digest.cli.profile.)"""

from __future__ import annotations

from typing import Any

from digest.cli.common import secho
from digest.cli.renamed_user import Value, typed
from digest.keyword_checks import comma_parts


def one_keyword(source: Any, user: str, keyword: str) -> None:
    """A keyword given with a comma in it, written in quotes (one argument: one keyword): said once, by
    the command that wrote it (the file's quotes say it after), for a user who meant two."""
    keyword = " ".join(keyword.split())
    if len(parts := comma_parts(keyword)) > 1:
        # the parts given first (a profile's last keyword is not removed), then the whole (else kept)
        removal = typed("profile", "remove", user, Value(keyword)).format()
        secho(
            f"note: {source}: interests: {keyword!r} is one keyword with a comma in it (scored as one "
            f"phrase), written in quotes, which say so; for {len(parts)} keywords, give each to its own "
            f"`digest profile add {user} {_after_options(parts)}KEYWORD`, then remove it (`{removal}`)",
            err=True,
        )


def one_term(source: Any, user: str, term: str) -> None:
    """An excluded term given with a comma in it ("O'Brien, J."), written in quotes: said once, by
    the command that wrote it, as :func:`one_keyword` says a keyword."""
    if len(parts := comma_parts(term)) > 1:
        # the parts given first, then the whole removed (else kept beside them), as for a keyword
        removal = typed("profile", "exclude", user, Value(term), "--remove").format()
        secho(
            f"note: {source}: exclude: {term!r} is one excluded term with a comma in it (a "
            f"paper is left out only if it holds all of it), written in quotes, which say so; for "
            f"{len(parts)} excluded terms, give each to its own "
            f"`digest profile exclude {user} {_after_options(parts)}TERM`, "
            f"then remove it (`{removal}`)",
            err=True,
        )


def _after_options(parts: list[str]) -> str:
    """``-- `` before the placeholder where a part starts with '-' ("-foo, bar": `digest profile
    exclude bob -foo` is refused, "No such option '-f'"), as :func:`typed` says such a word."""
    return "-- " if any(part.startswith("-") for part in parts) else ""
