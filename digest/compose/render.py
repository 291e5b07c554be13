"""The only place Jinja is set up: a digest becomes a subject, an HTML body (CSS inlined) and text.

Templates are looked up in the user's folder first (``templates:`` in the config), then in
the built-in ones, so a user can override a single template (as Pelican does).
Everything that comes from a dump is escaped; highlighting is built from escaped pieces.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote_plus

from jinja2 import (
    Environment,
    Template,
    TemplateError,
)
from markupsafe import Markup

from digest.compose.ascii_html import mail_html
from digest.compose.highlight import Spans, highlight_spans, trim_point
from digest.compose.inline import premailer_inline
from digest.compose.inline_memo import InlineMemo
from digest.compose.jinja_env import BUILTIN, UsersLoader, environment
from digest.compose.jinja_env import builtin_templates as builtin_templates  # where they were
from digest.compose.lxml_escape import Fallback
from digest.compose.preinline import PreInlined, Unsupported
from digest.compose.template_errors import users_template_error
from digest.compose.widewrap import wordwrap as wide_wordwrap
from digest.config import Config
from digest.db import kept_beside
from digest.errors import ConfigError
from digest.files import LET_READ_FOLDER, remove_leftovers
from digest.models import Digest, Hit, HitGroups, Match, Paper
from digest.select.explain import why

log = logging.getLogger(__name__)

ABSTRACT_CHARS = 480  # abstracts longer than this are trimmed at a word, with a link to read on
MAX_AUTHORS = 3  # more authors than this are shortened to the first three and "et al."
MAX_AUTHORS_CHARS = 200  # a longer line is cut at the last name before it and "et al." added:
# an author entry may hold many names (a bracket left unclosed keeps the rest as written)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


class Renderer:
    """Jinja set up once. ``fast=True`` (the default) renders the HTML template with its CSS
    inlined once at load (:class:`PreInlined`: no lxml per message), falling back to premailer
    on the message for a template or a value it cannot vouch for, and memoizes the per-paper
    work (highlighting, word-wrapping); ``fast=False`` is the plain pipeline (premailer on every
    message), kept as the reference the fast one is tested and benchmarked against."""

    def __init__(
        self,
        user_templates: Path | None = None,
        *,
        fast: bool = True,
        cache: Path | None = None,
        cache_read: Path | None = None,
    ) -> None:
        """``cache``: the file that keeps premailer's answers about the templates between runs
        (:mod:`digest.compose.inline_memo`; :meth:`for_config` puts it beside the database);
        ``cache_read``: where to read them, if elsewhere (digest.db.kept_beside)."""
        self.user_templates = user_templates
        loaders = [UsersLoader(str(user_templates))] if user_templates else []
        self.env = environment(*loaders, BUILTIN)
        self.env.filters["day"] = format_day
        self.view: Callable[[Match], PaperView] = paper_view
        self.preinlined: PreInlined | None = None
        self.fallbacks = 0  # messages the pre-inlined template handed back to the plain way
        self._templates: dict[str, Template] = {}
        if fast:
            self.env.filters["wordwrap"] = _cached_wordwrap()
            self.view = cached_paper_view
            try:
                self.preinlined = PreInlined(self.env, "digest.html.j2", InlineMemo(cache, cache_read))
            except Unsupported as e:
                log.info("digest.html.j2 cannot be pre-inlined (%s): premailer inlines each message", e)
            except TemplateError as e:
                raise users_template_error(e, user_templates) or e from None
            except ConfigError:  # the folder's unreadable (UsersLoader): said as each message it holds
                self.preinlined = None  # is rendered the plain way, as the folder gone is (check_folder)

    def spliced(self) -> list[str]:
        """The files of the ``templates:`` folder digest.html.j2 includes, read once with it as it
        was pre-inlined (the other templates' includes are read by Jinja as they are rendered,
        when changed; the built-in ones once a process): `digest serve` watches them with the
        email templates (digest.web.site, digest.web.versions)."""
        folder = self.user_templates
        if self.preinlined is None or folder is None:
            return []
        return [f for f in self.preinlined.includes if Path(f).is_relative_to(folder)]

    @classmethod
    def for_config(cls, config: Config) -> Renderer:
        """The renderer of a run: the config's templates, premailer's answers kept beside the database."""
        if str(config.database) == ":memory:":
            return cls(config.templates)
        where, read = kept_beside(config.database, ".inline.cache")
        remove_leftovers(where)  # a pass killed as it wrote the cache: its temporary file, an hour on
        return cls(config.templates, cache=where, cache_read=read)

    def render(self, digest: Digest, *, links: dict[str, str] | None = None) -> Rendered:
        """The subject, the HTML as mail carries it (CSS inlined, then
        :func:`~digest.compose.ascii_html.mail_html`) and the text of a digest. A template of
        the user's folder that fails is said as a :class:`ConfigError` with its file and line."""
        self.check_folder()
        try:
            return self._render(digest, links)
        except ConfigError:  # a file of the folder unreadable (UsersLoader): said so already
            raise
        except Exception as e:  # Jinja's, or Python's in a template of theirs: {{ 1 // 0 }}, a filter's
            raise users_template_error(e, self.user_templates) or e from None

    def check_folder(self) -> None:
        """The ``templates:`` folder, checked when the config was read, gone since (renamed,
        removed while the daemon runs) or made unreadable to this account: a ConfigError, as a
        template of it that fails, not the built-in templates in its place, which Jinja's loader
        would fall back to in silence."""
        folder = self.user_templates
        if folder is None:
            return
        if not folder.is_dir():
            raise ConfigError(
                f"templates: {folder} is not a folder any more: put it back, or fix "
                "`templates:` in the config (the built-in templates are not used in its place)"
            )
        if not os.access(folder, os.R_OK | os.X_OK):  # made unreadable since: its files unseen
            raise ConfigError(
                f"templates: {folder} is a folder this account cannot read any more: {LET_READ_FOLDER}, "
                "or fix `templates:` in the config (the built-in templates are not used in its place)"
            )

    def _render(self, digest: Digest, links: dict[str, str] | None) -> Rendered:
        context = self.context(digest, links)
        subject = context["subject"]
        text = self._template("digest.txt.j2").render(context)
        if self.preinlined is not None:
            try:
                return Rendered(subject, self.preinlined.render(**context), text)
            except Fallback as e:
                self.fallbacks += 1
                log.debug("digest for %s rendered the plain way: %s", digest.profile.user, e)
        html = self._template("digest.html.j2").render(context)
        return Rendered(subject=subject, html=mail_html(premailer_inline(html)), text=text)

    def context(self, digest: Digest, links: dict[str, str] | None = None) -> dict[str, object]:
        """What the email templates are given (``interests_text``: the reader's interests, joined)."""
        profile = digest.profile
        return {
            "subject": self.subject(digest),
            "profile": profile,
            "name": profile.display_name,
            "interests_text": ", ".join([i.phrase for i in profile.interests]),
            "day": digest.day,
            "days": days_span(digest.since, digest.day),
            "count": len(digest.matches),
            "papers": [self.view(m) for m in digest.matches],
            "links": links or {},
        }

    def _template(self, name: str) -> Template:
        """An email template, looked up (and its file's time checked) once per Renderer, not
        once per message: a run, or a daemon's tick, makes a Renderer of its own."""
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template

    def page(self, name: str, *, said: bool = False, **context: object) -> str:
        """A page of `digest serve` (templates/web/<name>), overridable like the email templates.
        The ``templates:`` folder gone or unreadable (the caller says so, or not: a POST's answer,
        the 503 page): the built-in page, from an Environment of its own, as the shared one would
        keep it, its file unchanged, in place of the reader's own once the folder is back. ``said``:
        a page that says a fault (the 410, the 503) is the built-in one if the folder's fails too."""
        builtin = self._builtin_env.get_template
        try:
            self.check_folder()
        except ConfigError:  # the caller has said it, or answers so
            return builtin(f"web/{name}").render(**context)
        try:
            return self.env.get_template(f"web/{name}").render(**context)
        except (ConfigError, TemplateError) as e:  # a file of the folder unreadable, or failing:
            if said:  # the caller's 503, its file and line in the log
                return builtin(f"web/{name}").render(**context)
            if isinstance(e, ConfigError):
                raise
            raise users_template_error(e, self.user_templates) or e from None

    @functools.cached_property
    def _builtin_env(self) -> Environment:
        env = environment(BUILTIN)
        env.filters["day"] = format_day
        return env

    @staticmethod
    def subject(digest: Digest) -> str:
        n = len(digest.matches)
        when = f" for {format_day(digest.day)}" if digest.day else ""
        if n == 0:
            return f"Your research digest{when}: nothing new today"
        return f"Your research digest{when}: {n} paper{'s' if n != 1 else ''}"


def _cached_wordwrap() -> Callable[..., str]:
    """The templates' wordwrap (digest.compose.widewrap), remembered per text: an abstract is
    wrapped once, not once per reader."""
    return functools.lru_cache(maxsize=8192)(wide_wordwrap)


def format_day(day: dt.date | None) -> str:
    """ "Mar 17, 2026". A time's own day (as its zone has it): never through the cache by the
    time itself, since the same instant in two zones is equal and hashes alike, and the first
    zone's day would be said for the second."""
    return _format_day(day.date() if isinstance(day, dt.datetime) else day)


@functools.lru_cache(maxsize=4096)
def _format_day(day: dt.date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else ""


def days_span(since: dt.date | None, day: dt.date | None) -> str:
    """A digest's listing days when more than one (a day caught up): "Dec 9 to Dec 10, 2026"."""
    if since is None or day is None or since >= day:
        return ""
    first = f"{since:%b} {since.day}" if since.year == day.year else format_day(since)
    return f"{first} to {format_day(day)}"


def arxiv_search(title: str) -> str:
    return "https://arxiv.org/search/?searchtype=title&query=" + quote_plus(title)


def short_authors(authors: tuple[str, ...], limit: int = MAX_AUTHORS) -> str:
    """ "A, B, C et al." past ``limit`` authors; all of them otherwise. A line longer than
    MAX_AUTHORS_CHARS (one entry holding many names, as written) is cut at the last ", " before
    it (or, with none, at a space) and ends with "et al."."""
    line = ", ".join(authors[:limit]) + (" et al." if len(authors) > limit else "")
    if len(line) <= MAX_AUTHORS_CHARS:
        return line
    cut = line.rfind(", ", 0, MAX_AUTHORS_CHARS)
    if cut <= 0:
        cut = line.rfind(" ", 0, MAX_AUTHORS_CHARS)
    return (line[:cut] if cut > 0 else line[:MAX_AUTHORS_CHARS]).rstrip(" ,") + " et al."


def paper_links(paper: Paper) -> dict[str, str | None]:
    """The abstract page and PDF (from the arXiv id), the code and the project page, where known."""
    abs_url = f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None
    return {
        "url": abs_url or arxiv_search(paper.title),  # the title's link: the abstract, else a search
        "abs_url": abs_url,
        "pdf_url": f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None,
        "code_url": paper.code_url,
        "project_url": paper.project_url,
    }


class PaperView(NamedTuple):
    """What the templates know of a paper in a digest (``paper.title_html``...): its parts (the
    same for every reader with the same hits) and why this reader got it. Attributes, not a
    dict: Jinja looks an attribute up first, and a dict made it fail once per lookup. A named
    tuple (immutable, like a frozen dataclass) because ten are made per message: from the
    parts already made, in one step (a frozen dataclass sets its 21 fields one by one)."""

    id: int
    title: str
    title_html: Markup  # escaped, the hits in <mark>
    abstract_html: Markup  # trimmed at ABSTRACT_CHARS, escaped, the hits in <mark>
    abstract_text: str
    trimmed: bool
    first_seen: dt.date | None
    authors: str  # "A, B, C et al."
    upvotes: int | None
    url: str  # the title's link: the abstract page, else a title search
    abs_url: str | None
    pdf_url: str | None
    code_url: str | None
    project_url: str | None
    keywords: tuple[str, ...]  # found as written
    partly: tuple[str, ...]  # found in part (some words of a phrase, a related form)
    similar: tuple[str, ...]  # found by meaning alone (semantic matching)
    liked: bool  # the reader's ratings gave most of the score
    why_text: str  # the three groups and "liked", in words (the text part)
    score: float


def paper_view(match: Match) -> PaperView:
    return PaperView._make((*_parts(match.paper, match.hits, match.keywords, _paper_parts), match.score))


def cached_paper_view(match: Match) -> PaperView:
    """paper_view, with the work done once per paper, hits and keywords (highlighting, trimming,
    the URLs, the why-text), not once per reader: readers who share interests share it."""
    return PaperView._make(_cached_parts(match.paper, match.hits, match.keywords) + (match.score,))


def _parts(
    paper: Paper,
    groups: HitGroups,
    keywords: tuple[str, ...],
    paper_parts: Callable[..., tuple[object, ...]],
) -> tuple[object, ...]:
    """PaperView's fields but the score, in order (``groups``: :attr:`Match.hits`)."""
    hits = tuple(chain.from_iterable(groups))
    title_hits = tuple((h.start, h.end) for h in hits if h.field == "title")
    abstract_hits = tuple((h.start, h.end) for h in hits if h.field == "abstract")
    return (*paper_parts(paper, title_hits, abstract_hits), *_match_parts(paper, hits, keywords))


@functools.lru_cache(maxsize=16384)
def _cached_parts(paper: Paper, hits: HitGroups, keywords: tuple[str, ...]) -> tuple[object, ...]:
    return _parts(paper, hits, keywords, _cached_paper_parts)


def _paper_parts(paper: Paper, title_hits: Spans, abstract_hits: Spans) -> tuple[object, ...]:
    """PaperView's first fields, in order."""
    cut = trim_point(paper.abstract, ABSTRACT_CHARS)
    links = paper_links(paper)
    return (
        paper.id,
        paper.title,
        highlight_spans(paper.title, title_hits),
        highlight_spans(paper.abstract, abstract_hits, end=cut),
        paper.abstract[:cut].rstrip() + (" …" if cut < len(paper.abstract) else ""),
        cut < len(paper.abstract),
        paper.first_seen,
        short_authors(paper.authors),
        paper.upvotes,
        links["url"],
        links["abs_url"],
        links["pdf_url"],
        links["code_url"],
        links["project_url"],
    )


_cached_paper_parts = functools.lru_cache(maxsize=16384)(_paper_parts)


def _match_parts(paper: Paper, hits: tuple[Hit, ...], keywords: tuple[str, ...]) -> tuple[object, ...]:
    """PaperView's last fields, in order: the keywords behind a match in the groups a reader can
    tell apart, "liked", and the why-text (digest.select.explain)."""
    w = why(paper, hits, keywords)
    return (w.matched, w.partly, w.similar, w.liked, w.text)
