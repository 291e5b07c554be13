"""`digest profile ...`: create, show, change and try out reader profiles."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import click

from digest import yaml_edit
from digest.cli.common import (
    Context,
    HelpGroup,
    PositiveNumber,
    echo,
    handle_errors,
    now_utc,
    say_profile_notes,
    secho,
)
from digest.cli.dash_values import DashValues
from digest.cli.profile_link import profile_url
from digest.cli.profile_try import profile_test
from digest.keyword_checks import MAX_WEIGHT


@click.group(cls=HelpGroup)  # each command's first sentence whole
def profile() -> None:
    """Create, show and change reader profiles (comments and layout of the file are kept).

    Every change is validated like a hand edit and written atomically; an invalid change is
    refused and the file stays as it was.

    \b
    Example:
      digest profile new ada --email ada@example.org \\
          --interest "spiking neural networks"
      digest profile add ada neuromorphic --weight 2
      digest profile show ada
    """


def _saved(edited: Any, what: str) -> None:
    where = edited.profile.source
    echo(f"{what}; saved {where}" if edited.changed else f"No change to {where}.")
    say_profile_notes(edited.profile)  # a keyword given with a comma in it


@profile.command("new")
@click.argument("user")
@click.option("--email", required=True, metavar="ADDR", help="Where the digests go.")
@click.option(
    "--interest",
    "-i",
    "interests",
    multiple=True,
    required=True,
    metavar="KEYWORD",
    help="A keyword or phrase (repeatable; at least one).",
)
@click.option("--name", metavar="NAME", help="The reader's name, for the greeting.")
@click.pass_obj
@handle_errors
def profile_new(obj: Context, user: str, email: str, interests: tuple[str, ...], name: str | None) -> None:
    """Create profiles/USER.yaml, with commented defaults to fill in.

    \b
    Example:
      digest profile new ada --email ada@example.org \\
          -i "spiking neural networks" -i neuromorphic
    """
    from digest.daemon.names import name_taken_over, start_afresh
    from digest.daemon.renamed import copies
    from digest.daemon.renamed_first import said_for_new
    from digest.db import db_errors
    from digest.errors import DigestError
    from digest.profiles.create import create_profile
    from digest.profiles.load import load_profiles_lenient
    from digest.store import Store

    # an invalid address or keyword, a name taken: refused before anything is written below
    create_profile(obj.config, user, email, interests, name, dry_run=True)
    # a removed or renamed reader's name, no pass since: their links (and history) stay theirs;
    # if that cannot be written down, no profile is made (StoreError, said by handle_errors)
    for item in name_taken_over(obj.config, user, now_utc()):
        echo(item.describe())
    created = create_profile(obj.config, user, email, interests, name)
    echo(f"Created {created.source}")
    say_profile_notes(created)
    from digest.cli.comma_notes import one_keyword

    for keyword in dict.fromkeys(interests):  # one -i: one keyword, written in quotes; said here, once
        one_keyword(created.source, user, keyword)
    try:  # the address of a reader whose profile file is gone: a renamed profile, said now
        with Store(obj.config.database, readonly=True) as store:
            for line in said_for_new(obj.config, store, created):  # or none does: another has it too
                echo(line)
            for note in copies(store, load_profiles_lenient(obj.config)[0], of=[created]):  # a copy?
                secho(f"note: {note}", fg="yellow")
        if note := start_afresh(obj.config, created, now_utc()):  # a removed reader's name, another address
            echo(note)
    except (DigestError, *db_errors()) as e:  # the profile is made; the next send or pass looks again
        secho(
            f"note: the database could not be read or written to say whether {user} continues or copies "
            f"another reader, or to move a removed reader's history under that name aside; the next "
            f"`digest send` or daemon pass does ({e})",
            fg="yellow",
        )


@profile.command("show")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_show(obj: Context, user: str) -> None:
    """Show USER's profile as a readable table (defaults from the config filled in).

    \b
    Example:
      digest profile show ada
    """
    from digest.cli.renamed_user import load_named, typed
    from digest.keyword_checks import flow_term
    from digest.time_checks import WEEKDAYS

    p = load_named(obj.config, user, now_utc(), typed("profile", "show", "{}"))  # renamed: its new name
    when = {"daily": "every day", "weekdays": "Monday to Friday"}.get(p.frequency)
    when = when or f"every {WEEKDAYS[p.weekday].capitalize()}"
    rows = [
        ("user", p.user),
        ("name", p.name or "-"),
        ("email", p.email),
        ("schedule", f"{p.send_at:%H:%M} {p.timezone}, {when}"),
        ("max_papers", str(p.max_papers)),
        ("min_score", f"{p.min_score:g}"),
        ("paused", "yes (nothing is sent)" if p.paused else "no"),
        ("send_empty", "yes" if p.send_empty else "no"),
        # each term as it reads back in a YAML list, in YAML's quotes where they are needed
        ("exclude", ", ".join(flow_term(t, single=True) for t in p.exclude) or "-"),
    ]
    echo(f"{p.source}")
    for key, value in rows:
        echo(f"  {key:<11} {value}")
    width = max([len(i.phrase) for i in p.interests] + [8])
    echo(f"  {'interests':<11} {'keyword':<{width}}  weight")
    for i in p.interests:
        echo(f"  {'':<11} {i.phrase:<{width}}  {i.weight:g}")
    say_profile_notes(p)


@profile.command("add", cls=DashValues)  # a KEYWORD of -foo: said to go after --
@click.argument("user")
@click.argument("keyword")
@click.option(
    "--weight",
    # out of range refused as typed, as `profile test --weight` refuses it: the profile's check
    # said the number as read back from the file ("weight 1000" for 1e3)
    type=PositiveNumber(MAX_WEIGHT),
    metavar="NUMBER",
    help=(
        "How much it counts (default 1): 2 doubles this keyword's share; a new weight leaves the "
        "other keywords' papers with their keyword scores (semantic matching, if on, moves a "
        "little). Changes the weight if present."
    ),
)
@click.pass_obj
@handle_errors
def profile_add(obj: Context, user: str, keyword: str, weight: float | None) -> None:
    """Add KEYWORD to USER's interests, or change its weight with --weight.

    A list of keywords stays a list while every weight is 1; a weight other than 1 turns it
    into a mapping keyword -> weight (the other keywords get weight 1).

    A keyword added with words the profile does not have yet, at any weight, lowers the scores
    of papers that match only the others: the words of all the keywords make one query, and its
    new words take their share (see docs/scoring.md); one whose words the profile has already
    ("neural networks" beside "spiking neural networks") lowers nothing. `digest profile test
    USER KEYWORD` lists the papers that would drop out of USER's digest before you keep it.

    \b
    Example:
      digest profile add ada "event cameras" --weight 2
    """
    from digest.cli.renamed_user import Value, found_named, given, typed
    from digest.profiles.changes import add_interest, typed_keyword
    from digest.profiles.edit import RUN_AGAIN, apply_edit

    again = typed("profile", "add", "{}", Value(keyword), *given(("--weight", weight)))
    found_named(obj.config, user, now_utc(), again)
    typed_keyword(keyword, "interests")  # a control character: refused, not dropped once read
    # KEYWORD is one argument, so one keyword whatever commas it holds: written in quotes, which say so
    edited = apply_edit(
        obj.config,
        user,
        lambda data, path: add_interest(data, keyword, weight, path, one=True),
        then=RUN_AGAIN,
    )
    _saved(edited, f"{keyword!r} is in {user}'s interests" + (f" with weight {weight:g}" if weight else ""))
    if edited.changed:  # said by the command that wrote it
        from digest.cli.comma_notes import one_keyword

        one_keyword(edited.profile.source, user, keyword)


@profile.command("remove", cls=DashValues)
@click.argument("user")
@click.argument("keyword")
@click.pass_obj
@handle_errors
def profile_remove(obj: Context, user: str, keyword: str) -> None:
    """Remove KEYWORD from USER's interests (case and spacing do not matter).

    \b
    Example:
      digest profile remove ada neuromorphic
    """
    from digest.cli.renamed_user import Value, found_named, typed
    from digest.profiles.changes import remove_keyword
    from digest.profiles.edit import RUN_AGAIN, apply_edit

    found_named(obj.config, user, now_utc(), typed("profile", "remove", "{}", Value(keyword)))
    edited = apply_edit(
        obj.config, user, lambda data, path: remove_keyword(data, keyword, path, user), then=RUN_AGAIN
    )
    _saved(edited, f"Removed {keyword!r} from {user}'s interests")


@profile.command("exclude", cls=DashValues)
@click.argument("user")
@click.argument("term")
@click.option("--remove", is_flag=True, help="Stop excluding TERM.")
@click.pass_obj
@handle_errors
def profile_exclude(obj: Context, user: str, term: str, remove: bool) -> None:
    """Leave out papers that mention TERM (or, with --remove, stop leaving them out).

    \b
    Example:
      digest profile exclude ada medical
      digest profile exclude ada medical --remove
    """
    from digest.cli.comma_notes import one_term
    from digest.cli.renamed_user import Value, found_named, typed
    from digest.profiles.changes import add_exclude, remove_exclude, typed_keyword
    from digest.profiles.edit import RUN_AGAIN, apply_edit

    again = typed("profile", "exclude", "{}", Value(term), *(["--remove"] if remove else []))
    found_named(obj.config, user, now_utc(), again)
    if not remove:
        typed_keyword(term, "exclude")  # a control character: refused, not dropped once read

    # TERM is one argument, so one term whatever commas it holds ("O'Brien, J."): written in quotes, which
    # say so to its reader (unquoted, every command after noted the comma)
    def change(data, path):
        return remove_exclude(data, term, path) if remove else add_exclude(data, term, path, one=True)

    edited = apply_edit(obj.config, user, change, then=RUN_AGAIN)
    _saved(edited, f"{'No longer excluding' if remove else 'Excluding'} {term!r} for {user}")
    if not remove and edited.changed:  # said here, once
        one_term(edited.profile.source, user, term)


def _settable_keys() -> str:
    """The keys `digest profile set` takes, with their help (from digest.models.Profile)."""
    from digest.models import Profile
    from digest.options import declared

    settable = [opt for opt in declared(Profile).values() if opt.settable]
    width = max(len(opt.key) for opt in settable)
    return "\n    ".join(f"  {opt.key:<{width}}  {opt.help}" for opt in settable)  # docstring indent


@profile.command("set", context_settings={"ignore_unknown_options": True})  # a VALUE of -1 is a value
@click.argument("user")
@click.argument("key")
@click.argument("value")
@click.pass_obj
@handle_errors
def profile_set(obj: Context, user: str, key: str, value: str) -> None:
    """Set KEY to VALUE in USER's profile (checked like a hand edit of the file).

    \b
    KEY is one of:
    {keys}

    Setting paused for a renamed profile file (a gone reader's address, no pass since) carries
    that reader over to USER first; if that is refused, nothing is saved.

    \b
    Example:
      digest profile set ada send_at 07:30
      digest profile set ada timezone Europe/Paris
      digest profile set ada frequency weekly && \\
          digest profile set ada weekday friday
      # also lifts a hard bounce or a kept unsubscribe:
      digest profile set ada paused false
      # back to the default (the config's, or UTC):
      digest profile set ada timezone ''
      # a VALUE of -h or --help (else this help is shown), after --:
      digest profile set ada name -- -h
    """
    from digest.cli.paused import carrying_first
    from digest.cli.renamed_user import Value, found_named, typed
    from digest.models import Profile
    from digest.options import declared
    from digest.profiles.changes import set_key
    from digest.profiles.edit import RUN_AGAIN, apply_edit
    from digest.time_checks import WEEKDAYS

    # a VALUE of -h or --help is help unless after --: said there (any with a leading '-', as typed)
    found_named(obj.config, user, now_utc(), typed("profile", "set", "{}", key, Value(value)))
    notes: list[str] = []
    carried: list[Any] = []  # paused: a renamed file's reader carried over first (refused: nothing saved)
    lifted: list[str] = []  # unpausing also lifts a hard bounce; both, an unsubscribe kept in the database
    with ExitStack() as lifting:  # paused: its suppression lifted first, kept if the file is not written
        first = carrying_first(obj.config, carried, lifting, lifted) if key == "paused" else None
        edited = apply_edit(
            obj.config,
            user,
            lambda data, path: notes.extend(set_key(data, key, value, path)),
            before_write=first,
            then=RUN_AGAIN,
            settle=lifting,  # committed under the lock once written; refused: the file put back
        )
    for note in notes:
        echo(note)
    written = edited.data.get(key, value)  # `yes` is written true
    said = f"{key} is {yaml_edit.inline(written)} for {user}"
    if not value.strip() and key not in edited.data:  # emptied: its line taken out (set_key)
        opt = declared(Profile)[key]
        now = opt.check.to_text(getattr(edited.profile, opt.name)) or "none"
        said = f"{key} is back to the default for {user}: {now}"
    if key == "frequency" and edited.profile.frequency == "weekly":  # the day it comes: Monday unless set
        day = WEEKDAYS[edited.profile.weekday].capitalize()
        said += f" (each {day}; another day: `digest profile set {user} weekday DAY`)"
    _saved(edited, said)
    for line in lifted:  # said after the file's words (committed with its write)
        echo(line)


profile_set.help = (profile_set.help or "").replace("{keys}", _settable_keys())


@profile.command("edit")
@click.argument("user")
@click.pass_obj
@handle_errors
def profile_edit(obj: Context, user: str) -> None:
    """Open USER's profile in $VISUAL or $EDITOR; save only if it is valid (like `crontab -e`).

    You edit a copy. If it is invalid, the problems are shown and you can re-open it; the
    real file is replaced only by a valid version.

    \b
    Example:
      EDITOR=nano digest profile edit ada
    """
    from digest.cli.renamed_user import found_named, typed
    from digest.profiles.editor import edit_in_editor, run_editor

    found_named(obj.config, user, now_utc(), typed("profile", "edit", "{}"))

    def ask(errors: str) -> bool:
        secho(errors, fg="red", err=True)
        try:
            return click.confirm("Re-open the editor?", default=True, err=True)
        except click.Abort:  # no terminal to answer from (stdin closed): keep the file as it was
            echo("", err=True)
            return False

    edited = edit_in_editor(obj.config, user, run_editor, ask)
    echo(f"Saved {edited.source}" if edited else "No change.")


profile.add_command(profile_test)  # `digest profile test`, its own module (digest.cli.profile_try)
profile.add_command(profile_url)  # `digest profile url`, its own module (digest.cli.profile_link)
