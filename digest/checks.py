"""The checks options are declared with (:mod:`digest.options`): each turns a YAML value into
the program's value or raises :class:`Invalid` with a message that says what is expected."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from digest.address_text import IDN_NOTE, address_slip, idn_ascii
from digest.ca_file import load_ca_file
from digest.db import DatabaseUrl, url_settings
from digest.files import LET_READ_FOLDER
from digest.number_text import number_note, read_number, read_whole
from digest.options import Check, Invalid, Reading, did_you_mean, read_section

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The local part: an RFC 5322 dot-atom in ASCII (what every server takes without SMTPUTF8); no
# quoted strings, no comments ("eve(comment)@..."), no NUL or spaces. The domain: ASCII labels.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
# Characters that must not reach a header: controls (CR, LF, NUL, ...) and bidi overrides.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ADDRESS = re.compile(r"^(?:[^<>]*<)?[^@\s<>]+@[A-Za-z0-9.-]+>?$")


def is_bare_email(value: str) -> bool:
    """Is ``value`` an address as a profile's ``email`` takes it (ASCII dot-atom, no name)?"""
    return _EMAIL.fullmatch(value) is not None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Text(Check):
    """Text; ``header``: it goes into a mail header, so no control characters or bidi overrides."""

    def __init__(self, what: str = "text", blank: bool = True, header: bool = False) -> None:
        self.what, self.blank, self.header = what, blank, header

    def __call__(self, value: Any, reading: Reading) -> str:
        if not isinstance(value, str) or (not self.blank and not value.strip()):
            raise self.fail(value)
        if self.header and UNSAFE.search(value):
            raise Invalid(f"must not contain control characters (line breaks, tabs, ...), got {value!r}")
        return value if self.blank else value.strip()


class FilePath(Check):
    """A path relative to the file it is written in (``~`` expanded)."""

    def __init__(self, what: str = "a path, relative to the config file") -> None:
        self.what = what

    def __call__(self, value: Any, reading: Reading) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(value)
        return reading.base / Path(value).expanduser()


class Folder(FilePath):
    """A folder that must be there (relative to the config file): a path mistyped would
    otherwise be passed over in silence (``fix``: what to put there)."""

    def __init__(self, fix: str) -> None:
        super().__init__("a folder, relative to the config file")
        self.fix = fix

    def __call__(self, value: Any, reading: Reading) -> Path:
        path = super().__call__(value, reading)
        if not path.is_dir():
            raise Invalid(f"{path} is not a folder: make it and {self.fix}, or fix the path")
        if not os.access(path, os.R_OK | os.X_OK):  # its files unseen: taken for an empty folder
            raise Invalid(f"{path} is a folder this account cannot read: {LET_READ_FOLDER}, or fix the path")
        return path


class CaFile(FilePath):
    """A file of certificates (PEM) to trust, read now: a path mistyped or a file of something
    else is said at once, not as a server that cannot be reached at every send."""

    def __init__(self) -> None:
        super().__init__("a certificate file (PEM), relative to the config file")

    def __call__(self, value: Any, reading: Reading) -> Path:
        import ssl  # here: a command that opens no connection loads no ssl (nor socket, OpenSSL)

        path = super().__call__(value, reading)
        if why := load_ca_file(ssl.create_default_context(), path):
            raise Invalid(f"{path} {why}")
        return path


class DatabaseRef(Check):
    """An SQLite file (a path, relative to the config file) or a ``postgresql://`` URL whose
    omitted parts (host, port, user, password, database) come from libpq's PG* variables."""

    what = "a path to an SQLite file, or a postgresql:// URL"

    def __call__(self, value: Any, reading: Reading) -> Path | DatabaseUrl:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(value)
        text = value.strip()
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
        if scheme is None:
            return FilePath()(value, reading)
        if scheme.group(1).lower() not in ("postgresql", "postgres"):
            raise Invalid(
                f"must be a path to an SQLite file or a postgresql:// URL, got a {scheme.group(1)}:// URL "
                f"({text!r})"
            )
        if holds_password(text):
            raise Invalid(  # said first: the messages below quote the URL, which must not show it
                "must not hold a password (the config file is not a secret): leave it out of the URL "
                "and set PGPASSWORD in the environment (or use ~/.pgpass)"
            )
        if scheme.group(1) not in ("postgresql", "postgres"):  # libpq reads any other as a database name
            raise Invalid(
                "must begin with postgresql:// in lower case (libpq reads no other), "
                f"got {scheme.group(1)}:// ({text!r})"
            )
        try:  # as libpq reads it: several hosts too (h1:5432,h2:5432), each port checked
            url_settings(text)
        except ValueError as e:
            raise Invalid(f"is not a valid postgresql:// URL ({e}): {text!r}") from None
        if re.search(r"\s", text):
            raise Invalid(f"must not contain spaces, got {text!r}")
        return DatabaseUrl(text, reading.base)


def holds_password(url: str) -> bool:
    """Whether a URL's user part (``u:pw@``) or its query (``?password=``) holds a password (libpq
    reads both), read without libpq: a URL libpq refuses for another fault (``?sslmod=``, ``%zz``)
    may hold one too, and libpq's message, then ours, would quote it."""
    authority = re.split(r"[/?]", url.partition("://")[2], maxsplit=1)[0]
    userinfo, at, _ = authority.rpartition("@")
    query = url.partition("?")[2]
    return bool(at and userinfo.partition(":")[2]) or "password" in parse_qs(query, keep_blank_values=True)


class Int(Check):
    widget = "number"
    step = "1"

    def __init__(self, minimum: int = 1, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.what = (
            f"a whole number from {minimum} to {maximum}"
            if maximum is not None
            else f"a whole number of at least {minimum}"
        )

    def __call__(self, value: Any, reading: Reading) -> int:
        if not (is_int(value) and value >= self.minimum and (self.maximum is None or value <= self.maximum)):
            raise self.fail(value)
        return value

    def fail(self, value: Any) -> Invalid:
        return Invalid(f"must be {self.what}, got {value!r}{number_note(value, whole=True)}")

    def from_text(self, text: str) -> Any:
        number = read_whole(text)  # as the form's number field sends it (1e2: 100)
        return text if number is None else number  # refused as text: the message shows what was typed


class Number(Check):
    """A finite number (int or float), at least ``minimum`` (or above it, if ``above``) and at
    most ``maximum``; a float. NaN and infinities are never a setting: NaN compares false with
    everything (a NaN weight silently sends nothing) and an infinite timeout never ends."""

    widget = "number"
    step = "any"

    def __init__(
        self, minimum: float = 0, above: bool = False, what: str | None = None, maximum: float | None = None
    ) -> None:
        self.minimum, self.above, self.maximum = minimum, above, maximum
        if what is None:
            what = "a positive number" if above and minimum == 0 else f"a number of at least {minimum:g}"
            if maximum is not None:
                what = (
                    f"a positive number up to {maximum:g}"
                    if above and minimum == 0
                    else f"a number from {minimum:g} to {maximum:g}"
                )
        elif maximum is not None:
            what = f"{what} up to {maximum:g}"
        self.what = what

    def __call__(self, value: Any, reading: Reading) -> float:
        if (
            not is_number(value)
            or not math.isfinite(value)
            or value < self.minimum
            or (self.above and value == self.minimum)
            or (self.maximum is not None and value > self.maximum)
        ):
            raise self.fail(value)
        return float(value)

    def fail(self, value: Any) -> Invalid:
        return Invalid(f"must be {self.what}, got {value!r}{number_note(value)}")

    def from_text(self, text: str) -> Any:
        number = read_number(text)  # as the form's number field sends it (2.5e-1: 0.25)
        return text if number is None else number

    def to_text(self, value: Any) -> str:
        return f"{value:g}"


class Port(Check):
    what = "a port number from 1 to 65535"
    widget = "number"

    def __call__(self, value: Any, reading: Reading) -> int:
        if not (is_int(value) and 0 < value < 65536):
            raise Invalid(f"{value!r} is not a valid port (1-65535){number_note(value, whole=True)}")
        return value


class Bool(Check):
    what = "true or false"
    widget = "checkbox"

    def __call__(self, value: Any, reading: Reading) -> bool:
        if not isinstance(value, bool):
            raise self.fail(value)
        return value

    def from_text(self, text: str) -> Any:
        word = text.strip().lower()
        if word in ("true", "yes", "on", "false", "no", "off"):
            return word in ("true", "yes", "on")
        return text

    def to_text(self, value: Any) -> str:
        return "true" if value else "false"


class Choice(Check):
    """One of a fixed list (``{value: label}``: the labels are the web form's), in any case."""

    widget = "select"

    def __init__(self, choices: Mapping[str, str]) -> None:
        self.options = dict(choices)
        self.what = "one of " + ", ".join(self.options)

    def __call__(self, value: Any, reading: Reading) -> str:
        word = value.strip().lower() if isinstance(value, str) else None  # "Weekly" is weekly
        if word not in self.options:  # a slip is told the choice it is close to, as a key's is
            raise Invalid(f"{value!r} is not {self.what}" + did_you_mean(word or "", list(self.options)))
        return word

    def from_text(self, text: str) -> Any:
        word = text.strip().lower()
        return word if word in self.options else text  # written as read: "Weekly" as weekly

    def choices(self) -> list[tuple[str, str]]:
        return list(self.options.items())


class Email(Check):
    """A bare address (``named``: a display name is allowed, 'Digest <d@example.org>')."""

    what = "an email address"

    def __init__(self, named: bool = False) -> None:
        self.named = named

    def __call__(self, value: Any, reading: Reading) -> str:
        pattern = _ADDRESS if self.named else _EMAIL
        message = "is not an email address" if self.named else "is not a valid email address"
        local, at, _ = (
            value.strip().rpartition("<")[2].partition("@") if isinstance(value, str) else ("", "", "")
        )
        if self.named and at and not local.isascii():  # said first: a domain's ASCII form would not do
            # smtplib writes MAIL FROM in ASCII: every message would fail, its build refused
            raise Invalid(
                f"{value!r} {message} (the part before @ must be ASCII: not every mail server accepts others)"
            )
        if not isinstance(value, str) or not pattern.match(value.strip()):
            hint = _named_hint(value) if self.named else address_slip(value, is_bare_email)
            raise Invalid(f"{value!r} {message}{hint}")
        return value.strip()


def _named_hint(value: Any) -> str:
    """The note for a refused 'Name <address>': the address with its domain in ASCII, if that is all."""
    if not isinstance(value, str):
        return ""
    name, bracket, address = value.strip().rpartition("<")
    close = ">" if bracket else ""
    fixed = idn_ascii(
        address.removesuffix(close), lambda a: _ADDRESS.match(f"{name}{bracket}{a}{close}") is not None
    )
    return f" ({IDN_NOTE}: {name}{bracket}{fixed}{close})" if fixed else ""


class EnvName(Check):
    what = "an environment variable name"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not (isinstance(value, str) and _ENV_NAME.fullmatch(value)):
            raise Invalid(f"{value!r} is not an environment variable name")
        return value


class PublicUrl(Check):
    """An http(s) URL without a trailing slash; https except on this machine (RFC 8058)."""

    what = "an http(s) URL"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not (isinstance(value, str) and re.match(r"^https?://[^\s/]+", value)):
            raise self.fail(value)
        if not value.startswith("https://") and not _is_loopback_url(value):
            raise Invalid(
                f"{value!r} must use https (mail clients only offer one-click unsubscribe over "
                "https, RFC 8058); plain http is accepted for localhost only"
            )
        if "?" in value or "#" in value:
            raise Invalid(f"{value!r} has a query or fragment: the links add their path to it; remove it")
        if any(unquote(part) in ("", ".", "..") for part in urlsplit(value).path.rstrip("/").split("/")[1:]):
            # //digest: the pages' redirects would go to //digest/u/..., the host "digest"
            raise Invalid(f"{value!r} has an empty, '.' or '..' part in its path: write it as /digest")
        if unquote(urlsplit(value).path).strip("/").split("/")[0] in ("u", "assets", "favicon.ico"):
            raise Invalid(  # behind a proxy that strips /u, /u/<token> would be taken for <token>
                f"{value!r}: its path begins as the pages' own (/u, /assets); choose another (/digest)"
            )
        return value.rstrip("/")


def _is_loopback_url(url: str) -> bool:
    try:
        return urlsplit(url).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


class Section(Check):
    """A nested mapping read into the dataclass ``section`` (absent or empty: its defaults)."""

    def __init__(self, section: type) -> None:
        self.section = section
        self.what = "a mapping"

    def __call__(self, value: Any, reading: Reading) -> Any:
        return self.section() if value is None else read_section(self.section, value, reading)


class Switch(Section):
    """``true`` (the section's defaults), ``false`` (None: off), or the section's mapping."""

    def __call__(self, value: Any, reading: Reading) -> Any:
        if value is True:
            return self.section()
        if value is False or value is None:
            return None
        if not isinstance(value, Mapping):
            raise Invalid("must be true, false, or a mapping with `model`")
        return read_section(self.section, value, reading)


class ModelName(Check):
    """A sentence-transformers model name, or a local folder (relative to the config file)."""

    what = "a model name or a folder"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(value)
        local = reading.base / Path(value).expanduser()  # as FilePath: ~ first, then the config's folder
        looks_local = value.startswith((".", "/", "~")) or local.is_dir()
        if looks_local and not local.is_dir():
            raise Invalid(f"{local} is not a folder holding a sentence-transformers model")
        return os.path.abspath(local) if looks_local else value  # a config found as ./config.yaml
