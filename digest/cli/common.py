"""What every command shares: the lazily loaded config, the wall clock, error handling."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from digest.cli.suggested import said
from digest.config import Config, SemanticConfig, find_config_path, load_config
from digest.db import db_errors, shown
from digest.dbfaults import explain, explain_pg
from digest.deliver.unrecorded import DeliveryHalted, still_unrecorded
from digest.errors import DigestError
from digest.files import write_atomic
from digest.ingest import told
from digest.models import Profile
from digest.progress import Progress
from digest.stop import Stop

if TYPE_CHECKING:
    from digest.ingest.dumps import IngestReport
    from digest.ingest.inbox import Waiting


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


BUG = "an error digest did not foresee: a bug, please report it; DIGEST_DEBUG=1 shows its traceback"


def debugging() -> bool:
    """DIGEST_DEBUG is set: tracebacks are shown (else one clear line says what failed)."""
    return bool(os.environ.get("DIGEST_DEBUG"))


class Context:
    def __init__(self, config_path: str | None, semantic: bool | None = None, quiet: bool = False) -> None:
        self.config_path = config_path
        self.quiet = quiet  # -q: only errors, no progress bar
        self.semantic = semantic  # --semantic / --no-semantic override the config
        self._config: Config | None = None
        # a PostgreSQL database the command works on beside the config's SQLite file (`db migrate`'s
        # target): the one its errors name
        self.postgres: str | None = None

    def anchor(self) -> None:
        """A long-running command's (`run`, `serve`): the config named from now on by its folder's
        real path, as the kernel found it from the current folder (``..`` after a link included),
        so that the paths inside it (database, inbox, profiles...) and the config read again when
        it changes stay the same files however the process's current folder fares: with a relative
        name, its folder removed (a checkout, a temporary folder) made every later pass fail "No
        such file or directory". A file not there is left as given: its message says the folder."""
        given = find_config_path(self.config_path)
        if self._config is None and not given.is_absolute() and given.is_file():
            self.config_path = str(given.parent.resolve() / given.name)

    @property
    def config(self) -> Config:
        if self._config is None:
            config = load_config(find_config_path(self.config_path))
            if self.semantic is not None:
                semantic = (config.semantic or SemanticConfig()) if self.semantic else None
                config = dataclasses.replace(config, semantic=semantic)
            self._config = config
        return self._config


class HomePath(click.Path):
    """A click.Path whose leading ``~`` (or ``~user``) is the home folder, as the shell makes it at
    the start of a word: bash leaves it after "=" (``--to-dir=~/out``) and in quotes, and it would
    name a folder "~" in the current one."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.startswith("~"):
            value = os.path.expanduser(value)
        return super().convert(value, param, ctx)


NO_BREAK = "\u2011"  # a hyphen no line is broken at, while a help text is wrapped


class WholeWordsFormatter(click.HelpFormatter):
    """click's help formatter, which breaks lines between words only: click's breaks a line at a
    hyphen too, and `digest feedback --help` showed the arXiv id hep-th/9901001 as "hep-" at the
    end of one line and "th/9901001" on the next, an id (or an option, --dry-run) that a user
    copying it got in two pieces."""

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", NO_BREAK))

    def write_dl(self, rows: Iterable[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(term, text.replace("-", NO_BREAK)) for term, text in rows], *args, **kwargs)

    def write(self, string: str) -> None:
        super().write(string.replace(NO_BREAK, "-"))


class HelpContext(click.Context):
    formatter_class = WholeWordsFormatter


class HelpGroup(click.Group):
    """A group of commands whose ``--help`` lists each command with the first sentence of its help
    whole, wrapped (click clipped it to the line: "Rate a paper for USER: up (more like this), down
    (less like..."), and whose commands' help texts are wrapped between words only
    (:class:`WholeWordsFormatter`)."""

    context_class = HelpContext

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.context_class = HelpContext
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [
            (name, command.get_short_help_str(limit=10_000))
            for name, command in commands
            if command and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class Number(click.ParamType):
    """A number as the form's number fields take it (1.5, 1e2); a comma for the point is said."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from digest.number_text import number_note, read_number

        number = value if isinstance(value, float | int) else read_number(str(value))
        if number is None:  # a decimal comma said as the form and the profile checks say it (1,5 -> 1.5)
            self.fail(f"{value!r} is not a number{number_note(value)}", param, ctx)
        return float(number)


class PositiveNumber(click.FloatRange):
    """A :class:`Number` above 0 and up to ``most`` (None: no bound), its bounds said in the help as
    click's ranges say theirs ([0<x<=100])."""

    name = "number"

    def __init__(self, most: float | None = None) -> None:
        whole = most is not None and float(most).is_integer()  # said 100, not 100.0
        super().__init__(min=0, min_open=True, max=int(most) if whole else most)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = Number().convert(value, param, ctx)
        if (self.min is not None and number <= self.min) or (self.max is not None and number > self.max):
            # the number as typed: "200", not click's "200.0" of the float it was read as
            typed = value.strip() if isinstance(value, str) else f"{value:g}"
            bounds = "x>0" if self.max is None else f"0<x<={self.max}"  # as click's help shows it
            self.fail(f"{typed} is not in the range {bounds}.", param, ctx)
        return super().convert(number, param, ctx)


def say_no_readers(config: Config) -> None:
    """On stderr: the profiles folder holds no reader's file (`digest send`, `run --once`)."""
    secho(f"No readers: {config.profiles} holds no <user>.yaml (one per reader).", err=True)


def echo(message: Any = None, **kwargs: Any) -> None:
    """click.echo of what a command says, the commands in it as the user can copy them
    (digest.cli.suggested: with the --config they gave)."""
    click.echo(said(message), **kwargs)


def secho(message: Any = None, **kwargs: Any) -> None:
    """click.secho, as :func:`echo`."""
    click.secho(said(message), **kwargs)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """DigestError -> one clear message and exit 1; anything else -> a short note, exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DeliveryHalted:  # said at CRITICAL as delivery stopped (its log line): not again
            secho("error: delivery is stopped (said above, at CRITICAL)", fg="red", err=True)
            sys.exit(1)
        except DigestError as e:
            secho(f"error: {e}{still_unrecorded(e, _database(args))}", fg="red", err=True)
            sys.exit(1)
        except db_errors() as e:  # a read outside a transaction: say what it means for the user
            sqlite = isinstance(e, sqlite3.Error)
            path = _database(args, sqlite)
            clear = explain(e, path) if sqlite else explain_pg(e, shown(path), str(path))
            if clear is None and debugging():
                raise
            said = f"{clear}{still_unrecorded(clear, path)}" if clear else f"{shown(path)}: {e}"
            secho(f"error: {said}", fg="red", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `digest ... | head`: the reader left; nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except KeyboardInterrupt:
            echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # noqa: BLE001 - the last guard before a user sees a traceback
            if debugging():
                raise
            secho(
                f"internal error: {type(e).__name__}: {e}\n"
                "(set DIGEST_DEBUG=1 to see the traceback, and please report it)",
                fg="red",
                err=True,
            )
            sys.exit(2)

    return wrapper


def _database(args: tuple[Any, ...], sqlite: bool = True) -> Path | str:
    """The command's database, as its config (loaded by then, if at all) names it; for an error
    of PostgreSQL's (``sqlite`` False), the PostgreSQL database the command works on beside an
    SQLite config (`db migrate`'s target), if any."""
    postgres = getattr(args[0], "postgres", None) if args else None
    if not sqlite and postgres:
        return postgres
    config = getattr(args[0], "_config", None) if args else None
    return config.database if config is not None else Path("database")


@contextlib.contextmanager
def stop_on_signal(doing: str) -> Iterator[Stop]:
    """The first Ctrl-C (SIGINT) or SIGTERM sets the event, for the work to stop where nothing
    is left half-done (``doing`` says what becomes of the work, until the work says otherwise in
    ``Stop.doing``: deliver_due, while it sends); a second one quits at once.

    The second one exits as a shell says the signal that ended a command (130 after Ctrl-C, 143
    after SIGTERM), as the first one's stop does. Outside the main thread, where no signal can be
    taken, the event is never set."""
    stop = Stop()
    stop.doing = doing
    second: list[int] = []  # the second signal's number

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            second.append(signum)
            raise KeyboardInterrupt
        stop.note(signum)  # not stop.set(): see Stop
        # os.write, not click: the signal may come in the middle of a write to stderr. And
        # nothing raised: an error here (a closed stderr) would be raised in the work itself,
        # where it would cut the wait for the server's answer it is meant to let end.
        with contextlib.suppress(OSError):
            again = "Ctrl-C again" if signum == signal.SIGINT else f"{stop.signum.name} again (or Ctrl-C)"
            os.write(2, f"stopping: {stop.doing}; {again} to quit at once\n".encode())

    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    except KeyboardInterrupt:
        if not second:
            raise
        echo("interrupted", err=True)
        # at once, with nothing outside this block unwound: the workers still writing or sending
        # (daemon threads) would run on into the database the command's unwinding closes ("Cannot
        # operate on a closed database", a digest then said accepted but not recorded, or a
        # segfault as the interpreter finalizes under them). What is done is committed; a worker's
        # transaction not committed is rolled back by the database, as after a kill. The blocks
        # inside it are unwound first: `send` opens its store outside, `run --once` inside (the
        # daemon's pass), so there the store closes before this line (not seen to fail: 18 runs).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + second[0])
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def say_profile_notes(profile: Profile) -> None:
    """A time zone kept for old systems (EST), a keyword or excluded term a slip made of two
    (digest.profiles.term_slips), on stderr."""
    from digest.profiles.term_slips import profile_notes

    for note in profile_notes(profile):
        secho(note, fg="yellow", err=True)


def write_output(path: Path, text: str) -> None:
    """A file named on the command line (``--out``), written atomically. A folder that does not
    exist is an error, not made: a mistyped path should not leave folders behind."""
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DigestError(f"cannot write {path}: the folder {folder} {what}")
    try:
        write_atomic(path, text)
    except OSError as e:
        raise DigestError(f"cannot write {path}: {e.strerror or e}") from None


def progress_for(obj: Context) -> Progress | None:
    """A bar when stderr is a terminal (not with -q); None in a pipe, where logging says it all."""
    if obj.quiet or not sys.stderr.isatty():
        return None
    from digest.cli.bar import BarProgress  # rich loads only when there is a bar to show

    return BarProgress()


def say_inbox_faults(
    ingested: IngestReport, still_written: Iterable[Waiting], then: str, named: bool = False
) -> None:
    """What went wrong with the dumps a command took in (digest.ingest.told), as `digest ingest`,
    `send` and `run --once` all say it, on stderr: each dump rejected and the inbox's problems in
    red, each dump left still being written in yellow (``then``: what takes it in); ``named``: the
    dumps were named on the command line (one rejected stays where it is)."""
    alone = len(ingested.results) + len(ingested.failures) == 1
    for f in ingested.failures:  # a reader's bug: said so, its traceback logged with DIGEST_DEBUG=1 only
        secho(told.rejected(f, BUG, named=named, alone=alone), fg="red", err=True)
    for problem in ingested.problems:
        secho(told.problem(problem), fg="red", err=True)
    for w in still_written:
        secho(told.still_written(w, then), fg="yellow", err=True)
