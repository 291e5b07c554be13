"""Typed options, each declared once: a dataclass field carries its check, default and help.

``port: int = option(Port(), default=25, help="...")`` is the whole declaration of a setting.
:func:`read` derives the rest from the declarations of a dataclass: the known keys, "did you
mean", required keys, defaults (also from another object, or from another key's value), and
every problem of a file at once, each naming its key and line (after mkdocs' config options).
The checks (:mod:`digest.checks`) also turn command-line text into a value and a value back
into text, and say how the web form asks for it.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPTION = "digest.option"  # the key of an Option in a dataclass field's metadata


class Invalid(Exception):
    """A value fails its check: messages, or (sub-key, message) pairs for parts of the value."""

    def __init__(self, *problems: str | tuple[Any, str]) -> None:
        super().__init__(*problems)
        self.problems = problems


class Check:
    """How a value is checked and converted (subclasses in :mod:`digest.checks`)."""

    what = "a value"  # what is expected, for "must be ..." and "required (...)"
    widget = "text"  # how the web form asks for it: text, number, time, select, checkbox, timezone

    def __call__(self, value: Any, reading: Reading) -> Any:
        return value

    def fail(self, value: Any) -> Invalid:
        return Invalid(f"must be {self.what}, got {value!r}")

    def from_text(self, text: str) -> Any:
        """Command-line text as the YAML value (left as text when it does not fit: the check then
        says what is wrong, in the same words as for a hand edit)."""
        return text.strip()

    def to_text(self, value: Any) -> str:
        """A checked value as the text of a form field."""
        return "" if value is None else str(value)

    def choices(self) -> list[tuple[str, str]]:
        """(value, label) pairs, for checks that accept a fixed list."""
        return []


@dataclass(frozen=True)
class Option:
    """One setting: what :func:`option` declares, the field name filled in by :func:`options`."""

    check: Check
    help: str
    key: str = ""  # the YAML key (default: the field name)
    required: bool = False
    example: str | None = None  # shown in the "required" message
    inherit: str | None = None  # default: this attribute of ``Reading.defaults`` (the config)
    default_by: tuple[str, Mapping[Any, Any]] | None = None  # default: from another key's value
    alias: tuple[str, float] | None = None  # another key that sets this one (value / divisor)
    only_with: tuple[str, Any] | None = None  # allowed only when that key has that value
    set_by: str | None = None  # not for `digest profile set`: how it is changed instead
    label: str | None = None  # asked for on the web form, with this label
    name: str = ""  # the dataclass field
    default: Any = None  # the field's default (a fresh one for default_factory)

    @property
    def settable(self) -> bool:
        return self.set_by is None


def option(
    check: Check, *, help: str, default: Any = dataclasses.MISSING, factory: Any = None, **kw: Any
) -> Any:
    """A dataclass field declared as an option (``factory`` for mutable defaults)."""
    meta = {OPTION: Option(check, help, **kw)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def like(cls: type, name: str, *, help: str | None = None, **kw: Any) -> Any:
    """The option ``name`` of ``cls`` again (same check, default and help unless given): the
    config's defaults for profiles are the profile's own options."""
    base = declared(cls)[name]
    default = kw.pop("default", base.default)
    kw.setdefault("inherit", None)
    kw.setdefault("label", None)
    opt = dataclasses.replace(base, help=help or base.help, name="", default=None, **kw)
    return dataclasses.field(default=default, metadata={OPTION: opt})


def declared(cls: type) -> dict[str, Option]:
    """The options of a dataclass by YAML key, in declaration order."""
    found = _CACHE.get(cls)
    if found is None:
        found = {}
        for f in dataclasses.fields(cls):
            opt = f.metadata.get(OPTION)
            if opt is None:
                continue
            default = f.default if f.default is not dataclasses.MISSING else None
            if f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            opt = dataclasses.replace(opt, key=opt.key or f.name, name=f.name, default=default)
            found[opt.key] = opt
        _CACHE[cls] = found
    return found


_CACHE: dict[type, dict[str, Option]] = {}


def known_keys(cls: type) -> list[str]:
    """Every key a mapping of ``cls`` may hold (aliases included)."""
    keys = []
    for opt in declared(cls).values():
        keys.append(opt.key)
        if opt.alias:
            keys.append(opt.alias[0])
    return keys


def dotted_keys(cls: type, prefix: str = "") -> list[str]:
    """Every key of ``cls`` and of its sections, dotted ('smtp.port'), aliases included."""
    out = []
    for key, opt in declared(cls).items():
        out.append(prefix + key)
        if opt.alias:
            out.append(prefix + opt.alias[0])
        section = getattr(opt.check, "section", None)
        if section is not None:
            out.extend(dotted_keys(section, f"{prefix}{key}."))
    return out


def did_you_mean(key: Any, keys: list[str], prefix: str = "") -> str:
    hint = difflib.get_close_matches(str(key), keys, n=1)
    return f" (did you mean {prefix}{hint[0]}?)" if hint else ""


@dataclass
class Reading:
    """One file being read: where relative paths start, where inherited defaults come from,
    and every problem found so far."""

    base: Path
    defaults: Any = None
    lines: bool = True  # prefix problems with the line of their key
    problems: list[str] = dataclasses.field(default_factory=list)

    def report(self, key: str, message: str, where: Any = None, name: Any = None) -> None:
        line = where.line(name) if self.lines and hasattr(where, "line") and name is not None else None
        self.problems.append(f"line {line}: {key}: {message}" if line else f"{key}: {message}")


def read(cls: type, data: Mapping[Any, Any], reading: Reading, prefix: str = "") -> dict[str, Any]:
    """The field values of ``cls`` from the YAML mapping ``data``; every problem goes to
    ``reading`` (the values are then defaults where a check failed)."""
    return _read(cls, data, reading, prefix)[0]


def _read(
    cls: type, data: Mapping[Any, Any], reading: Reading, prefix: str
) -> tuple[dict[str, Any], set[str]]:
    """:func:`read`, and the keys whose value was refused."""
    opts = declared(cls)
    keys = known_keys(cls)
    refused: Mapping[str, str] = getattr(cls, "REFUSED", {})
    empty = None  # the known key just above with nothing after it (interests:), while unknown keys follow
    for key in data:
        if key in refused:
            reading.report(f"{prefix}{key}", refused[key], data, key)
        elif key not in keys:
            note = did_you_mean(key, keys, prefix) or _not_indented(empty, prefix)
            reading.report(f"{prefix}{key}", "unknown key" + note, data, key)
            continue
        empty = key if key in keys and data[key] is None else None
    values: dict[str, Any] = {}
    wrong = set()  # keys whose value was refused
    for key, opt in opts.items():
        before = len(reading.problems)
        values[opt.name] = _value(opt, data, reading, prefix, values)
        if len(reading.problems) > before:
            wrong.add(key)
    for key, opt in opts.items():
        if opt.only_with and key in data and opt.only_with[0] not in wrong:  # one mistake, one message
            other, wanted = opt.only_with
            if values[opts[other].name] != wanted:
                reading.report(f"{prefix}{key}", f"only used with {other}: {wanted}", data, key)
    return values, wrong


def _not_indented(empty: Any, prefix: str) -> str:
    """What an unknown key right below an empty one (``interests:`` then ``robots: 2``) may be."""
    if empty is None:
        return ""
    return f" (below {prefix}{empty}:, which is empty: if it belongs to {empty}, indent it under it)"


def _value(opt: Option, data: Mapping[Any, Any], reading: Reading, prefix: str, done: dict[str, Any]) -> Any:
    key = opt.key
    fallback = _default(opt, reading, done)
    raw = data.get(key)
    given = key in data and not (raw is None and (opt.required or fallback is None))
    if opt.alias and opt.alias[0] in data and data[opt.alias[0]] is not None:
        other, divisor = opt.alias
        main = _checked(opt, raw, reading, f"{prefix}{key}", data, key, None) if given else None
        value = _checked(opt, data[other], reading, f"{prefix}{other}", data, other, None)
        if main is not None and value is not None:
            reading.report(f"{prefix}{other}", f"set either {key} or {other}, not both", data, other)
        if main is not None or value is None:
            return fallback if main is None else main
        return value / divisor
    if not given:
        if opt.required:
            example = f", e.g. {opt.example}" if opt.example else ""
            if key in data:  # written with nothing after it (its lines below not indented?)
                reading.report(
                    f"{prefix}{key}", f"empty: required ({_what(opt, prefix)}{example})", data, key
                )
            else:
                reading.report(f"{prefix}{key}", f"required ({_what(opt, prefix)}{example})")
        return fallback
    if raw is None and not _takes_none(opt, reading):  # written with nothing after it: not "None is not..."
        whose = "the config's" if opt.inherit and reading.defaults is not None else "the default"
        # no value to show (a source's url: the real service; its categories: none) is not "()"
        shown = "" if fallback in ("", (), []) else opt.check.to_text(fallback)
        default = f"{whose} ({shown})" if shown else whose
        reading.report(
            f"{prefix}{key}",
            f"empty: write {_what(opt, prefix)}, or leave the line out for {default}",
            data,
            key,
        )
        return fallback
    return _checked(opt, raw, reading, f"{prefix}{key}", data, key, fallback)


def _takes_none(opt: Option, reading: Reading) -> bool:
    """Whether ``opt``'s check takes an empty value (a list left empty: none), its problems kept apart."""
    try:
        opt.check(None, Reading(reading.base, reading.defaults, reading.lines))
    except Invalid:
        return False
    return True


def _checked(opt: Option, raw: Any, reading: Reading, key: str, data: Any, name: Any, fallback: Any) -> Any:
    try:
        return opt.check(raw, _Nested(reading, key))
    except Invalid as e:
        for problem in e.problems:
            if isinstance(problem, tuple):
                sub, message = problem
                reading.report(f"{key}.{sub}", message, raw if hasattr(raw, "line") else data, sub)
            else:
                reading.report(key, problem + _as_written(opt, raw, data, name, reading), data, name)
        return fallback


def _as_written(opt: Option, value: Any, data: Any, name: Any, reading: Reading) -> str:
    """What YAML made of an unquoted number, where it is not what was written (YAML 1.1 reads
    ``0700`` as the octal 448 and ``7.30`` as 7.3): a message that names only 448 names a
    value nobody wrote. Quotes are advised only where the text as written is a valid value (a
    user name, not a number of papers: quoted, that is refused as text)."""
    text = data.written(name) if hasattr(data, "written") else None
    if text is None or isinstance(value, bool) or not isinstance(value, int | float) or text == str(value):
        return ""
    note = f" (YAML reads the unquoted {text} as the number {value}"
    try:
        opt.check(text, Reading(reading.base, reading.defaults, reading.lines))  # problems kept apart
    except Invalid:
        return note + ")"
    return note + ": put the value in quotes)"


def _default(opt: Option, reading: Reading, done: dict[str, Any]) -> Any:
    if opt.inherit and reading.defaults is not None:
        return getattr(reading.defaults, opt.inherit)
    if opt.default_by:
        other, table = opt.default_by
        return table.get(done.get(other), opt.default)
    return opt.default


def _what(opt: Option, prefix: str) -> str:
    section = getattr(opt.check, "section", None)
    if section is None:
        return opt.check.what
    required = [f"{prefix}{opt.key}.{o.key}" for o in declared(section).values() if o.required]
    return "a mapping" + (f" with at least {' and '.join(required)}" if required else "")


class _Nested(Reading):
    """The reading of one value: nested sections report under its key; with ``item`` (a YAML
    mapping), a problem of a key it does not have (a missing ``url``) is said at its first line."""

    def __init__(self, parent: Reading, key: str, item: Any = None) -> None:
        super().__init__(parent.base, parent.defaults, parent.lines, parent.problems)
        self.key = key
        self.item = item if hasattr(item, "line") and item else None

    def report(self, key: str, message: str, where: Any = None, name: Any = None) -> None:
        if self.item is not None and not (hasattr(where, "line") and where.line(name) is not None):
            where, name = self.item, next(iter(self.item))
        super().report(key, message, where, name)


def nested(reading: Reading, key: str, item: Any = None) -> Reading:
    """The reading of a part of a value (``sources[2]``): its problems are reported under ``key``,
    at the line of their key in ``item`` (the YAML mapping read), else at the item's first line."""
    return _Nested(reading, key, item)


Report = Callable[..., None]  # a cross_check's report(key, message, *the other keys it used)


def read_section(cls: type, value: Any, reading: Reading) -> Any:
    """A nested mapping as an instance of ``cls`` (its problems reported under its key)."""
    key = getattr(reading, "key", "")
    if not isinstance(value, Mapping):
        raise Invalid(f"must be a mapping ({', '.join(known_keys(cls))})")
    values, wrong = _read(cls, value, reading, f"{key}." if key else "")
    hook: Callable[..., None] | None = getattr(cls, "cross_check", None)
    if hook is not None:  # checks that involve several keys (mkdocs' post_validation)

        def report(k: str, message: str, *using: str) -> None:
            # a key whose value was refused is said once: a check of k against the other keys
            # it uses says nothing when any of them was refused (it would judge their default)
            if wrong.isdisjoint((k, *using)):
                # at k's line; k not written, at that of a key it used (an item of a list, such as
                # a source, says a key left out at its own first line: see nested)
                lined = [n for n in (k, *using) if hasattr(value, "line") and value.line(n) is not None]
                at = lined[0] if lined and getattr(reading, "item", None) is None else k
                reading.report(f"{key}.{k}", message, value, at)

        hook(values, report, reading)
    return cls(**values)
