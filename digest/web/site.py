"""What `digest serve` serves with (the config, its signer, templates and base_url), read again
when config.yaml changes, as `digest run` does, the file of web.secret_file, or an email
template of the `templates:` folder (as `digest run` reads them at each pass).

Each request takes the current :class:`Site` once, before anything else (:class:`LiveSite` as
WSGI middleware), so it is served with one config from start to end, and under base_url's
path (:mod:`digest.web.prefix`). A config that no longer loads is logged, and the one before
is kept; so is the listening address (web.host, web.port), which takes a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jinja2 import TemplateError

from digest.compose.render import Renderer
from digest.config import Config, ConfigError, load_config
from digest.errors import DigestError
from digest.file_stamps import file_stamp
from digest.profiles.load import Versions
from digest.signing import Signer
from digest.web.prefix import WsgiApp, mount, url_path

log = logging.getLogger(__name__)

ENVIRON_KEY = "digest.site"


@dataclass(frozen=True)
class Site:
    config: Config
    signer: Signer
    renderer: Renderer
    base_origin: str | None  # base_url's scheme://host[:port]: forms from there are ours
    prefix: str  # base_url's path ('' for none)
    # the readers' files as the pages' polls last read them (by their identity on disk: parsed again
    # only once it changes, or while it was written within two seconds); made again with the config
    profiles: Versions

    @classmethod
    def of(cls, config: Config, signer: Signer) -> Site:
        origin = None
        if config.base_url:
            parts = urlsplit(config.base_url)
            origin = f"{parts.scheme}://{parts.netloc}"
        renderer, prefix = Renderer.for_config(config), url_path(config.base_url)
        return cls(config, signer, renderer, origin, prefix, Versions(config))


class LiveSite:
    """The current :class:`Site`, made again when the config file's stamp changes, that of the
    secret's file, or an email template's of the ``templates:`` folder (or a file digest.html.j2
    includes)."""

    def __init__(self, config: Config, signer: Signer, reload: Callable[[], Config] | None = None) -> None:
        self.reload = reload or (lambda: load_config(config.path) if config.path else config)
        self._site = Site.of(config, signer)
        self._stamp = _stamp(self._site)
        self._lock = threading.Lock()

    def current(self) -> Site:
        stamp = _stamp(self._site)
        if stamp == self._stamp:
            return self._site
        with self._lock:  # one thread reads it again; the others wait for the result
            if stamp != self._stamp:
                site = self._read_again(self._site, stamp[:2] == self._stamp[:2])
                if site is not self._site:  # the files its digest.html.j2 includes now
                    stamp = _restamp(stamp, site)
                self._site = site
                self._stamp = stamp  # after: a request that sees it gets the site read for it
            return self._site

    def _read_again(self, old: Site, templates_only: bool = False) -> Site:
        """The site made again (``templates_only``: an email template of the ``templates:`` folder
        changed, not the config or the secret's file)."""
        what = "templates" if templates_only else "configuration"
        if templates_only:
            try:
                old.renderer.check_folder()
            except ConfigError:  # the folder gone or unreadable: each page that needs it says so
                return old  # in the log, with its fix (app.page): one line, not two for one cause
        try:
            config = self.reload()
            secret = Signer.from_config(config)  # None: no secret_env, keep this run's random one
            site = Site.of(config, secret or old.signer)  # compiles the templates' digest.html.j2
        except DigestError as e:
            log.error("%s not read again: %s; going on with the one read before", what, e)
            return old
        except TemplateError as e:  # a templates folder being edited: every page would be a 500
            where = getattr(e, "filename", None) or getattr(e, "name", None) or "a template"
            where += f", line {e.lineno}" if getattr(e, "lineno", None) else ""
            log.error("%s not read again: %s: %s; going on with the one read before", what, where, e)
            return old
        signer = site.signer
        if signer != old.signer:
            log.warning("the signing secret changed: the links signed before no longer open")
        if (config.web.host, config.web.port) != (old.config.web.host, old.config.web.port):
            log.warning("web.host or web.port changed in %s: restart `digest serve` to use them", config.path)
        if templates_only:
            log.info("templates in %s read again: the digest's pages use them now", config.templates)
        else:
            log.info("configuration %s read again: its changes take effect now", config.path)
        return site

    def middleware(self, app: WsgiApp) -> WsgiApp:
        """``app`` with the current site in its environ (:func:`site_of`), under its path."""

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            site = self.current()
            environ[ENVIRON_KEY] = site
            mount(environ, site.prefix)
            return app(environ, start_response)

        return serve


# the email templates a `templates:` folder may hold: a Renderer reads each once (and compiles
# digest.html.j2 with its CSS inlined as it is made), as a daemon's pass or a command's does
EMAIL_TEMPLATES = ("digest.html.j2", "digest.txt.j2", "digest.css")


def _stamp(site: Site) -> tuple[object, ...]:
    """What is read again when it changes: config.yaml, and the file of web.secret_file (a new
    secret there signs the links of the emails sent from then on: `digest run` reads it again);
    the email templates of the ``templates:`` folder (:func:`_templates_stamp`)."""
    config = site.config
    return (file_stamp(config.path), file_stamp(config.web.secret_file), _templates_stamp(site))


def _templates_stamp(site: Site) -> tuple[tuple[str, object], ...]:
    """The email templates of the ``templates:`` folder as they are on disk, and the files the
    site's digest.html.j2 includes (read once with it, a footer say: Renderer.spliced): one
    edited, added or removed while `digest serve` runs makes the site again, so the digest page
    and the previews are made with it from the next request, as the daemon's next pass and
    `digest preview` are."""
    folder = site.config.templates
    if folder is None:
        return ()
    files = dict.fromkeys([*(str(folder / name) for name in EMAIL_TEMPLATES), *site.renderer.spliced()])
    return tuple((f, file_stamp(f)) for f in files)


def _restamp(stamp: tuple[object, ...], site: Site) -> tuple[object, ...]:
    """``stamp``, taken before ``site`` was made, with the files ``site`` watches: those it
    had kept as they were then (an edit made while the site was made is seen at the next
    request), one its digest.html.j2 includes since stamped now."""
    before = dict(stamp[2])  # type: ignore[arg-type]
    now = _templates_stamp(site)
    return (*stamp[:2], tuple((f, before.get(f, s)) for f, s in now))


def site_of(environ: dict[str, Any]) -> Site:
    """The site a request is served with (taken once, at its start)."""
    return environ[ENVIRON_KEY]  # type: ignore[no-any-return]
