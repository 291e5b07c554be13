"""A mistake in a template of the user's `templates:` folder, said as theirs: the file, the line
and what Jinja found wrong, with the fix (not an "internal error" to report, which a template of
digest's own that fails still is)."""

from __future__ import annotations

import traceback
from pathlib import Path

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

from digest.compose.jinja_env import SHIPPED
from digest.errors import ConfigError


class IncludeNotFound(TemplateNotFound):
    """A file a template includes that is nowhere, found as the template is read whole before its
    first message (digest.compose.preinline), where no frame of the template is in the traceback:
    it carries the file and the line of the include."""

    def __init__(self, name: str, filename: str | None, lineno: int) -> None:
        super().__init__(name)
        self.filename, self.lineno = filename, lineno


def users_template_error(error: Exception, folder: Path | None) -> ConfigError | None:
    """``error`` as a :class:`ConfigError` naming the file of ``folder`` and the line it arose
    at: a syntax error's own, else the last line of that template Jinja's traceback passes
    through (a value the template asks for that is not there, a filter given the wrong thing, an
    error of Python's it raised: a division by zero, a number that is not one);
    a file it includes, imports or extends that is nowhere (no built-in template's name): the file
    that asks, where known, and the one to add. None when no template of ``folder`` is in it (the
    built-in ones)."""
    if folder is None:
        return None
    where: tuple[str, int | None] | None = None
    if isinstance(error, TemplateSyntaxError | IncludeNotFound) and error.filename:
        where = (error.filename, error.lineno)
    else:
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.endswith(".j2"):
                where = (frame.filename, frame.lineno)
            elif where is not None and not isinstance(error, TemplateError) and _ours(frame.filename):
                where = None  # Python's, raised in digest's own code the template calls (a filter,
                # the pre-inlined template's): digest's fault, said as before, not the template's
    if where is not None and not _inside(Path(where[0]), folder):
        where = None
    if isinstance(error, TemplateNotFound) and str(error.name) not in SHIPPED:  # only theirs name it
        asker = f"{where[0]}, line {where[1]}" if where else f"a template of {folder}"
        return ConfigError(
            f"{asker} includes, imports or extends {str(error.name)!r}, which is neither in your "
            f"`templates:` folder nor among the built-in templates: add {folder / str(error.name)}, "
            "or fix the name"
        )
    if where is None:
        return None
    what = getattr(error, "message", None) or str(error) or type(error).__name__
    if not isinstance(error, TemplateError):  # Python's, raised by the template: "ZeroDivisionError: ..."
        what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return ConfigError(
        f"{where[0]}, line {where[1]}: {what} (a template of your `templates:` folder: fix it, or "
        "remove it to use the built-in one)"
    )


_PACKAGE = Path(__file__).resolve().parent.parent


def _ours(filename: str) -> bool:
    """A frame of digest's own Python code (not Jinja's, not a template's)."""
    return filename.endswith(".py") and _inside(Path(filename), _PACKAGE)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
