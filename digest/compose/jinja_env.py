"""Jinja's Environment as the templates expect it, and the loader of the ``templates:`` folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from digest.compose.widewrap import wordwrap
from digest.errors import ConfigError
from digest.files import LET_READ_FOLDER


def builtin_templates() -> Path:
    """Inside an installed wheel: digest/templates; in a source checkout: ./templates."""
    package = Path(__file__).resolve().parent.parent  # digest/
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


def restore(folder: Path, them: str = "them") -> str:
    """How to get the built-in files of ``folder`` back: from git, in the clone digest runs from
    (an editable install: its ./templates, no reinstall brings them back), else by reinstalling
    from where it came, the command said whole (digest.install_source: pip's record of it)."""
    clone = folder.parent
    if not (clone / "__init__.py").exists() and (clone / ".git").exists():  # not inside the package
        return (
            f"restore {them} from git (`git -C {clone} checkout -- templates`): digest runs from that clone"
        )
    # pip's record (importlib.metadata, 37 ms of CPU): read only for a damaged install; `digest run`
    # and `serve` load it at their start (digest.cli.preload), other commands not at all
    from digest.install_source import reinstall

    package = Path(__file__).resolve().parent.parent  # digest/
    how = reinstall(package)
    if how is None:
        return f"reinstall digest from where this copy ({package}) came: no installed package records it"
    if how.unknown is not None:
        return (
            "reinstall it from the package index it came from (pip keeps no record of which; "
            f'"digest" on PyPI is another project): `{how.unknown}`, URL being that index\'s (from a '
            "folder of wheels: `--no-index --find-links FOLDER` in place of `--index-url URL`)"
        )
    if how.command is None:
        return f"restore {them} in {how.folder}: digest runs from that folder (an editable install)"
    if how.gone is not None:  # the wheel, sdist or folder it was installed from, since removed
        return f"reinstall it: `{how.command}` ({how.gone} is no longer there: put it back first)"
    return f"reinstall it: `{how.command}`"


TEMPLATE_FILES = (".j2", ".css", ".js")  # what the templates include and the pages load
# The built-in templates this release ships (tests/compose/test_builtin_missing.py: the folder's):
# one missing from an installed package is said as a damaged install, with its path.
SHIPPED = frozenset(
    {"digest.css", "digest.html.j2", "digest.txt.j2"}
    | {
        f"web/{name}"
        for name in (
            "base.html.j2",
            "broken.html.j2",
            "broken.js",
            "follow.html.j2",
            "gone.html.j2",
            "live.js",
            "paper_gone.html.j2",
            "paused.html.j2",
            "stopped.html.j2",
        )
    }
    | {f"web/{name}" for name in ("prefs.html.j2", "prefs.js", "rate.html.j2", "unavailable.html.j2")}
    | {"web/unsent.html.j2"}
    | {"web/unsubscribe.html.j2", "web/web.css"}
)


class MissingTemplate(ConfigError):
    """A built-in template missing from the installed package: its path and the fix, not an
    internal error. Not a TemplateNotFound, which Jinja's ChoiceLoader would say as one more
    ("TemplateNotFound: digest.html.j2"); the built-in loader is the last of every Environment."""


class BuiltinTemplates(BaseLoader):
    """The built-in templates (and the pages' scripts), read once, as :data:`BUILTIN` when this
    module is imported: at the start of every command, `digest run` and `digest serve` before
    their first pass or request. A `pip install` of another release replaces the files under a
    running daemon or `digest serve`; it keeps the templates of the release it started with (a
    later one's ask for values this one's code does not give), as it keeps its code, until
    restarted (README, Upgrading)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sources: dict[str, str] = {}
        self.unreadable: dict[str, str] = {}  # what a template of them asked for says (its path)
        for path in sorted(folder.rglob("*")):
            if not path.name.endswith(TEMPLATE_FILES) or not path.is_file():
                continue  # not one (an editor's swap file beside them, in a source checkout)
            name = path.relative_to(folder).as_posix()
            try:
                self.sources[name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeError) as e:  # fails what needs it, not every command
                why = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
                self.unreadable[name] = (
                    f"{path}: a built-in template cannot be read ({why}): the installed digest is "
                    f"damaged; {restore(folder, 'it')}"
                )

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template in self.unreadable:
            raise ConfigError(self.unreadable[template])
        source = self.sources.get(template)
        if source is None and template in SHIPPED:
            raise MissingTemplate(
                f"{self.folder / template}: a built-in template is missing: the installed digest is "
                f"damaged; {restore(self.folder, 'it')}",
            )
        if source is None:
            raise TemplateNotFound(template)
        return source, str(self.folder / template), lambda: True  # never read again

    def list_templates(self) -> list[str]:
        return sorted(self.sources)


BUILTIN = BuiltinTemplates(builtin_templates())


def damaged_install(refused: str = "") -> str | None:
    """What is missing or unreadable of the built-in files this release ships (:data:`SHIPPED`), as
    one message naming each with the fix that fits how digest is installed (:func:`restore`); None
    when all are there (`digest serve` checks at start). ``refused``: what does not go on without
    them ("`digest serve` does not start"), said last, of "it" or "them" as many are named."""
    missing = sorted(SHIPPED - BUILTIN.sources.keys() - BUILTIN.unreadable.keys())
    said = [f"{BUILTIN.folder / name} is missing" for name in missing]
    said += [f"{BUILTIN.folder / name} cannot be read" for name in sorted(BUILTIN.unreadable)]
    if not said:
        return None
    them = "them" if len(said) > 1 else "it"
    end = f"; {refused} without {them}" if refused else ""
    return f"the installed digest is damaged: {'; '.join(said)}: {restore(BUILTIN.folder, them)}{end}"


class UsersLoader(FileSystemLoader):
    """The ``templates:`` folder's loader: a file of it this account cannot read (its mode, its
    group) is said as a ConfigError naming it, not an internal error, nor passed over."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except TemplateNotFound:  # (an OSError too): the built-in one is used, as it should be,
            if "/" not in template:  # (the folder itself unreadable: Renderer.check_folder says it)
                raise
            try:  # unless a folder within (web/) may not be searched: not the built-in in silence
                os.stat(os.path.join(self.searchpath[0], *template.split("/")))
            except PermissionError as e:
                raise ConfigError(
                    f"templates: {e.filename} cannot be looked for by this account ({e.strerror}): "
                    f"{LET_READ_FOLDER}"
                ) from None
            except OSError:
                pass
            raise
        except OSError as e:
            raise ConfigError(
                f"templates: {e.filename} cannot be read by this account ({e.strerror}): let it read "
                "the file (its mode or group), or remove it to use the built-in one"
            ) from None


def environment(*loaders: BaseLoader) -> Environment:
    """Jinja as the templates expect it: the first loader that has a template gives it; its
    ``wordwrap`` counts columns, wide characters two (digest.compose.widewrap)."""
    env = Environment(
        loader=ChoiceLoader(list(loaders)),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wordwrap"] = wordwrap
    return env
