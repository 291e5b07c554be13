"""`digest feedback`: a reader's rating of a paper (up, down, or cleared), from the command line."""

from __future__ import annotations

from typing import Any

import click

from digest.cli.common import Context, echo, handle_errors, now_utc
from digest.cli.papers import say_put_off, say_shared


class PaperId(click.ParamType):
    """PAPER_ID: a stored paper's id (a number), or an arXiv id: 2403.01234, 2403.01234v2,
    arXiv:2403.01234, an arxiv.org/abs/ URL, hep-th/9901001 (then ``(arxiv_id, None)``)."""

    name = "paper_id"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str | None, int | None]:
        from digest.ingest.sources.fields import arxiv_id

        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        if text.isdigit():
            return None, int(text)
        if found := arxiv_id(text):
            return found, None
        self.fail(
            f"{value!r} is neither a paper id (the number `digest rank USER --json` prints) "
            "nor an arXiv id (2403.01234, 2403.01234v2, hep-th/9901001)",
            param,
            ctx,
        )


@click.command()
@click.argument("user")
@click.argument("paper_id", type=PaperId())
@click.argument("rating", type=click.Choice(["up", "down", "clear"]))
@click.pass_obj
@handle_errors
def feedback(obj: Context, user: str, paper_id: tuple[str | None, int | None], rating: str) -> None:
    """Rate a paper for USER: up (more like this), down (less like this) or clear.

    PAPER_ID is the "id" that `digest rank USER --json` prints, or the paper's arXiv id
    (2403.01234, with or without a version such as v2; old-style hep-th/9901001). The next
    rank and preview learn from it at once, and the next digest (of a paused or suppressed
    reader, once their digests go again: it says so).

    \b
    Example:
      digest feedback ada 42 up
      digest feedback ada 17 clear
      digest feedback ada 2403.01234v2 down
    """
    from digest.cli.renamed_user import load_named, typed
    from digest.daemon.renamed_first import carried_first
    from digest.store import Store
    from digest.store_ratings import RATING_NAMES, RATING_VALUES

    arxiv, number = paper_id
    # the reader must exist; a renamed file's old name: the new one said (as `digest send --user`)
    profile = load_named(obj.config, user, now_utc(), typed("feedback", "{}", str(arxiv or number), rating))
    with Store(obj.config.database) as store:
        pid = number if arxiv is None else _with_arxiv_id(store, arxiv, user)
        store.check_paper(store.current_paper_id(pid), user)  # a mistyped id: nothing done, nor carried
        # a renamed file's reader (no pass since): carried over first, or the rating would make
        # USER a reader of their own and leave the old name's history behind for good
        shared: list[Any] = []
        what = f"`digest feedback {user}`"
        carried = carried_first(obj.config, store, profile, now := now_utc(), what, shared=shared)
        for item in carried.done:
            echo(item.describe())
        say_put_off(carried, "nothing was rated")
        say_shared(shared, "nothing was rated")
        previous = store.rate(user, pid, RATING_VALUES[rating], now)
        stopped = None if carried.by_other is not None else _stopped_note(store, profile, rating)
    which = "" if arxiv is None else f" (arXiv {arxiv})"
    echo(f"{user}: paper {pid}{which} {_rated(rating, RATING_NAMES[previous])}.")
    if (other := carried.by_other) is not None:  # the paused one: the other is served, with the history
        echo(_by_other_note(user, other, pid, rating, RATING_NAMES[previous]))
    elif stopped is not None:
        echo(stopped)


def _stopped_note(store: Any, profile: Any, rating: str) -> str | None:
    """What `digest feedback` says after the rating of a reader to whom no digest goes now
    (paused; a hard bounce of their address or an unsubscribe kept in the database, as `digest
    preview` says them): the rating is kept, and steers their digests once they go again."""
    from digest.daemon.already import until_unpaused
    from digest.deliver.suppressions import suppressed_note

    user = profile.user
    if profile.paused:
        why = f"{user} is paused: nothing is sent to them {until_unpaused(user)}"
    elif blocked := suppressed_note(store, profile):
        why = blocked.removesuffix(".")
    else:
        return None
    if rating == "clear":
        return f"note: {why}; their digests go without this rating once they go again."
    return f"note: {why}; the rating is kept, and their digests learn from it once they go again."


def _with_arxiv_id(store: Any, arxiv: str, user: str) -> int:
    """The id of the stored paper with arXiv id ``arxiv``, or StoreError saying there is none."""
    from digest.errors import StoreError

    if (found := store.paper_with_arxiv_id(arxiv)) is None:
        raise StoreError(
            f"no paper with arXiv id {arxiv} in the database (its listing may not be ingested yet; "
            f"see the ids of `digest rank {user} --json`)"
        )
    return found


def _by_other_note(user: str, other: Any, paper_id: int, rating: str, before: str) -> str:
    """What `digest feedback` of paused ``user`` says after it while ``other.new`` continues the
    gone reader ``other.old``: the rating (or its clearing) was ``user``'s own, and where the gone
    reader's ratings, and the next digests, go."""
    if rating != "clear":
        did = f"this rating is {user}'s own, and steers no digest while {user} is paused"
    elif before == "clear":
        did = f"{user} had no rating of it to clear, and none of {other.old}'s was cleared"
    else:
        did = f"this cleared {user}'s own rating, not {other.old}'s"
    from digest.cli.renamed_user import typed

    verb = "clear it" if rating == "clear" else "rate them"
    again = typed("feedback", other.new, str(paper_id), rating).format()
    return (
        f"note: {user} is paused, and {other.new} (not paused, the same address <{other.email}>) "
        f"continues {other.old}, whose profile file is gone, from the next `digest send` or daemon "
        f"pass: {did}; {other.new} gets the next digests, with {other.old}'s ratings ({verb} "
        f"under {other.new}: `{again}`)"
    )


def _rated(rating: str, before: str) -> str:
    """What a rating did, given the one it replaced ("clear": none): "rated up (was down)",
    "cleared (was up)", "had no rating to clear", "already rated up"."""
    if before == rating:
        return "had no rating to clear" if rating == "clear" else f"already rated {rating}"
    if rating == "clear":
        return f"cleared (was {before})"
    return f"rated {rating}" + ("" if before == "clear" else f" (was {before})")
