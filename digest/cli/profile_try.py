"""`digest profile test`: try a keyword on a reader's profile before keeping it, nothing saved."""

from __future__ import annotations

import click

from digest.cli.common import Context, PositiveNumber, echo, handle_errors, now_utc, say_profile_notes
from digest.cli.dash_values import DashValues
from digest.keyword_checks import MAX_WEIGHT

DAYS, SHOW = 30, 10  # --days, --show by default: left out of the command said again for a renamed file


@click.command("test", cls=DashValues)  # a KEYWORD of -foo: said to go after --
@click.argument("user")
@click.argument("keyword")
@click.option(
    "--weight",
    # 1.5, 1e2; "1,5" told to write 1.5, as `profile add` tells it; no weight it refuses (over 100)
    type=PositiveNumber(MAX_WEIGHT),
    metavar="NUMBER",  # as `profile add --weight NUMBER`
    help="The weight to try  [default: the profile's, if it has the keyword, else 1]",
)
@click.option(
    "--days", type=click.IntRange(min=1), metavar="N", default=DAYS, show_default=True, help="How far back."
)
@click.option(
    "--show", type=click.IntRange(min=0), metavar="N", default=SHOW, show_default=True, help="Papers to list."
)
@click.pass_obj
@handle_errors
def profile_test(obj: Context, user: str, keyword: str, weight: float | None, days: int, show: int) -> None:
    """Try KEYWORD before keeping it: which recent papers it matches, and how USER's digest changes.

    Nothing is saved; `digest profile add` keeps it.

    \b
    Example:
      digest profile test ada "event cameras"
      digest profile test ada SNN --weight 2 --days 7
    """
    from digest.cli.renamed_user import Value, given, load_named, typed
    from digest.files import counted
    from digest.select.explore import try_keyword
    from digest.store import Store

    config = obj.config
    asked = given(
        ("--weight", weight),
        ("--days", days if days != DAYS else None),
        ("--show", show if show != SHOW else None),
    )
    profile = load_named(config, user, now_utc(), typed("profile", "test", "{}", Value(keyword), *asked))
    say_profile_notes(profile)
    with Store(config.database) as store:
        trial = try_keyword(store, profile, keyword, weight, days, config)
    if trial.since is None:
        when = "(no papers stored yet)"
    else:
        year = f", {trial.since.year}" if trial.latest and trial.since.year != trial.latest.year else ""
        when = f"listed since {trial.since:%b} {trial.since.day}{year}"
    echo(f"{keyword!r} matches {len(trial.matches)} of {trial.candidates} papers {when}:")
    for i, m in enumerate(trial.matches[:show], 1):
        echo(f"  {i:>2}. {m.score:5.2f}  {m.paper.title}")
    if len(trial.matches) > show:
        echo(f"      ... and {len(trial.matches) - show} more")
    if trial.below:  # a common word reaches many papers, each scoring little by itself
        at = "" if trial.weight == 1 else f" at weight {trial.weight:g}"
        echo(
            f"  ({counted(trial.below, 'more paper')} with it, each scoring under {user}'s min_score "
            f"{profile.min_score:g} with it alone{at}; with the other interests it can still count)"
        )
    if trial.current is None:
        tried = f"(weight {trial.weight:g})"
    elif trial.current == trial.weight:
        tried = f"(weight {trial.weight:g}, as in the profile now)"
    else:
        tried = f"at weight {trial.weight:g} (the profile has {trial.current:g})"
    echo(f"\n{user}'s digest from these papers with {keyword!r} {tried}:")
    position = {m.paper.id: i for i, m in enumerate(trial.after, 1)}
    for m in trial.added:
        echo(f"  + #{position[m.paper.id]:<2} {m.paper.title}")
    for m in trial.dropped:
        echo(f"  -     {m.paper.title}  (drops out)")
    if not trial.added and not trial.dropped:
        echo("  no change: the same papers as now")
    else:
        kept = len(trial.after) - len(trial.added)
        echo(
            f"  {'1 paper stays' if kept == 1 else f'{kept} papers stay'}; {len(trial.after)} in all "
            f"(at most {profile.max_papers})"
        )
