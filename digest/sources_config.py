"""``sources:``: what `digest fetch` and the daemon fetch, each option declared once.

A list of mappings, each with ``kind`` (``hf_daily``, ``arxiv_listing`` or ``url``) and what
that kind needs. ``url`` may hold ``{date}`` (the day fetched, YYYY-MM-DD) and
``{categories}`` (``cs.CL+cs.LG``); for hf_daily and arxiv_listing it defaults to the real
service. ``when``: times of day (in the config's timezone); empty: ``before_minutes`` before
each reader's send time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.checks import Bool, Choice, Int, Number
from digest.options import (
    Check,
    Invalid,
    Reading,
    Report,
    did_you_mean,
    nested,
    option,
    read_section,
)
from digest.time_checks import Clock

SOURCE_KINDS = ("hf_daily", "arxiv_listing", "url")
DEFAULT_URLS = {
    "hf_daily": "https://huggingface.co/api/daily_papers?date={date}",
    "arxiv_listing": "https://rss.arxiv.org/{feed}/{categories}",
}
_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
_DAY = r"\d{4}-\d\d-\d\d"  # a url's {date}, as resolved_url fills it in
# url_key's words in a saved note (rekeyed), with the file they named then (the config's file now, as
# it is, else up to where the note goes on): where a note goes on after them (its end, url_note's
# "; the daemon asks again...", moved_note's ")" or " (keeping its ...)"), not a url's text
# ("http://host/feeds/sources[0].url: HTTP 404")
_KEY = r"\bsources\[\d+\]\.url(?: in (?:{file}|/.*?))?(?=\Z|; |\)(?:\Z|[; ])| \(keeping its )"


class OneOrMore(Check):
    """One value or a list of them, each checked by ``item``; a tuple. A value refused is said
    as its check says it (`'6am' is not a time of day like "07:30" (did you mean "06:00"?)`)."""

    def __init__(self, item: Check, what: str) -> None:
        self.item, self.what = item, what

    def __call__(self, value: Any, reading: Reading) -> tuple[Any, ...]:
        values = value if isinstance(value, list) else [value]
        out = []
        for v in values:
            try:
                out.append(self.item(v, reading))
            except Invalid as e:
                said = [p for p in e.problems if isinstance(p, str) and not p.startswith("must be ")]
                raise (Invalid(*said) if said else self.fail(value)) from None
        return tuple(out)


class Category(Check):
    what = "arXiv categories like [cs.CL, cs.LG]"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not (isinstance(value, str) and _CATEGORY.match(value)):
            raise self.fail(value)
        return value


class HttpUrl(Check):
    what = "an http(s) URL"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not (isinstance(value, str) and re.fullmatch(r"https?://[^\s/]+\S*", value)):
            raise self.fail(value)
        return value


class Name(Check):
    what = "letters, digits, '.', '_', '+' or '-'"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not (isinstance(value, str) and _NAME.fullmatch(value)):
            raise Invalid(f"{value!r} must be {self.what}")
        return value


@dataclass(frozen=True)
class SourceConfig:
    """One thing `digest fetch` and the daemon fetch: what (kind, url), and when."""

    name: str = option(Name(), default="", help="how status and the inbox name it (default: from kind)")
    kind: str = option(
        Choice({k: k for k in SOURCE_KINDS}), default="url", required=True, help="what is fetched"
    )
    url: str = option(HttpUrl(), default="", help="default: the real service for hf_daily and arxiv_listing")
    categories: tuple[str, ...] = option(
        OneOrMore(Category(), "arXiv categories like [cs.CL, cs.LG]"), default=(), help="arxiv_listing"
    )
    feed: str = option(Choice({"rss": "rss", "atom": "atom"}), default="rss", help="arxiv_listing's form")
    when: tuple[dt.time, ...] = option(
        OneOrMore(Clock(), 'times of day like ["05:30"]'), default=(), help="fixed times to fetch"
    )
    before_minutes: float = option(
        Number(0, maximum=1440), default=60.0, help="without `when`: this long before each send time"
    )
    day: str = option(
        Choice({"yesterday": "yesterday", "today": "today"}),
        default="yesterday",
        help=(
            "hf_daily: whose papers, the config's zone's yesterday or today (a day's list fills until "
            "its UTC day is over: one asked before is asked once more after)"
        ),
    )
    timeout_seconds: float = option(
        Number(0, above=True, what="a positive number of seconds", maximum=600),
        key="timeout",
        default=30.0,
        help="seconds to wait for an answer",
    )
    retries: int = option(Int(0, 10), default=3, help="tries again after 429/5xx, with backoff")
    replacements: bool = option(
        Bool(),
        default=False,
        help="arXiv feeds: keep papers announced again too (a new version: replace, replace-cross; "
        "a changed abstract: absonly)",
    )

    def resolved_url(self, day: dt.date) -> str:
        return self.url.replace("{date}", day.isoformat()).replace("{categories}", "+".join(self.categories))

    def url_note(self, sources: Sequence[SourceConfig], config_file: Path | None, status: int | None) -> str:
        """What a fetch answered 404 or 410 (no such document) adds: the key that holds the
        address in the config file (``sources[0].url in config.yaml``), or, for the address a
        kind has by default, that the key may give another; "" for any other failure."""
        if status not in (404, 410) or self not in sources:
            return ""
        key = self.url_key(sources, config_file)
        if self.url == DEFAULT_URLS.get(self.kind, "").replace("{feed}", self.feed):
            return f"; the {self.kind} service's own address: if it moved, set {key}"
        return f"; check the source's url: {key}"

    def moved_note(self, moved: str | None, sources: Sequence[SourceConfig], config_file: Path | None) -> str:
        """What a fetch redirected permanently adds to its line: the address to put in the url
        (its placeholders the user's to keep), "" when it was not."""
        key = self.url_key(sources, config_file)
        if not moved or not key:
            return ""
        placed = " (keeping its {date} or {categories})" if _PLACEHOLDER.search(self.url) else ""
        return f" (moved permanently to {moved}: update {key}{placed})"

    def holds(self, url: str) -> bool:
        """Whether ``url`` (a fetch's) is this source's address, of some day: its url with a date for
        ``{date}`` and its categories now for ``{categories}`` (one fetched before they changed: not)."""
        parts = re.split(r"(\{date\})", self.url.replace("{categories}", "+".join(self.categories)))
        return re.fullmatch("".join(_DAY if p == "{date}" else re.escape(p) for p in parts), url) is not None

    def rekeyed(self, said: str, sources: Sequence[SourceConfig], config_file: Path | None) -> str:
        """``said`` (a fetch's saved detail, this source's) with the key of its url as ``sources``
        has it now, in ``config_file`` (url_key's): a source added or removed above it since the
        fetch moves it (sources[0] is sources[1] now), the config moved or read from another file
        names another, and `digest status` says the key the user is to edit today."""
        if self not in sources:
            return said
        key, file = self.url_key(sources, config_file), re.escape(str(config_file)) if config_file else "(?!)"
        return re.sub(_KEY.format(file=file), lambda _: key, said)

    def url_key(self, sources: Sequence[SourceConfig], config_file: Path | None) -> str:
        """The key that holds this source's address: ``sources[0].url in /.../config.yaml``
        (without the file when there is none), or "" for a source not in ``sources`` (the demo's)."""
        if self not in sources:
            return ""
        where = f" in {config_file}" if config_file else ""
        return f"sources[{list(sources).index(self)}].url{where}"

    @staticmethod
    def cross_check(values: dict[str, Any], report: Report, reading: Reading) -> None:
        kind = values["kind"]
        if kind == "arxiv_listing" and not values["categories"]:
            report("categories", "an arxiv_listing needs at least one category (e.g. [cs.LG])", "kind")
        unknown = sorted(set(_PLACEHOLDER.findall(values["url"])) - {"{date}", "{categories}"})
        if unknown:
            report(
                "url", f"unknown placeholder {', '.join(unknown)}: a url may hold {{date}} and {{categories}}"
            )
        if not values["url"]:
            if kind == "url":
                report("url", "required for kind url", "kind")
            else:
                values["url"] = DEFAULT_URLS[kind].replace("{feed}", values["feed"])
        if not values["name"]:
            values["name"] = "arxiv-" + "+".join(values["categories"]) if kind == "arxiv_listing" else kind


class Sources(Check):
    """A list of source mappings, each read as a :class:`SourceConfig`; names are distinct."""

    what = "a list of sources (each a mapping with `kind`)"
    section = None  # not a mapping: its keys are listed per item

    def __call__(self, value: Any, reading: Reading) -> tuple[SourceConfig, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(value)
        key = getattr(reading, "key", "sources")
        out: list[SourceConfig] = []
        names: set[str] = set()  # of every source, those with a mistake too where it is sure
        kinds = ", ".join(SOURCE_KINDS)
        for i, item in enumerate(value):
            where = nested(reading, f"{key}[{i}]", item)
            if not isinstance(item, Mapping):
                where.report(where.key, f"must be a mapping with `kind` ({kinds})", value, i)  # at its line
                continue
            if item.get("kind") is not None and item.get("kind") not in SOURCE_KINDS:
                told = (
                    f"{item['kind']!r} is not one of {kinds}{did_you_mean(item['kind'], list(SOURCE_KINDS))}"
                )
                where.report(f"{where.key}.kind", told, item, "kind")
                continue
            before = len(reading.problems)
            source = read_section(SourceConfig, item, where)
            if item.get("kind") == "url" and "name" not in item:
                source = dataclasses.replace(source, name=f"url{i + 1}")
            refused = len(reading.problems) > before
            if not refused or _named_surely(item, source):  # a source with a mistake too
                if source.name in names:
                    where.report(
                        f"{where.key}.name",
                        f"{source.name!r} is used by another source; give each a distinct name",
                        item,
                        "name",
                    )
                names.add(source.name)
            if not refused:
                out.append(source)
        return tuple(out)


def _named_surely(item: Mapping[str, Any], source: SourceConfig) -> bool:
    """Whether ``source``, read from ``item`` with a mistake, has its name as meant: its `name:`
    taken, or its default made of no value refused (its kind; an arxiv_listing's categories)."""
    if "name" in item:
        return source.name == item["name"]
    kind = item.get("kind")
    return kind in ("hf_daily", "url") or (kind == "arxiv_listing" and bool(source.categories))
