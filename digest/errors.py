"""One exception family. Every message says what is wrong, where, and how to fix it."""

from __future__ import annotations

import re


class DigestError(Exception):
    """Base of every error the library raises on purpose; the CLI prints it without a traceback."""


class ConfigError(DigestError):
    """The configuration file is missing or invalid."""


class SecretUnavailable(ConfigError):
    """The links' signing secret is configured but this process cannot have it (its variable
    not set, its file not readable); ``why`` says which, in a few words."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


class ProfileError(DigestError):
    """A reader profile is missing or invalid."""


class DumpError(DigestError):
    """A listing dump cannot be read. Nothing of it was stored."""


class NotUtf8(DumpError):
    """A dump that is not UTF-8 text: ``line`` of the file at ``path``, and ``where`` (byte
    0xe9 at offset 182), for a fetch to say it as its source's fault (charset.not_utf8)."""

    def __init__(self, message: str, path: str, line: int, where: str) -> None:
        super().__init__(message)
        self.path, self.line, self.where = path, line, where


class ItemError(DumpError):
    """One item (paper) of a JSON, Atom or RSS listing cannot be read: a dump is refused whole
    for it, a fetched feed skips it and says so (``Listing.skipped``)."""


class ReaderBug(DumpError):
    """A reader failed on a dump in a way it did not foresee (a bug in digest): the dump is
    refused alone, the others are read. ``error``: what was raised, for its traceback."""

    def __init__(self, message: str, error: Exception) -> None:
        super().__init__(message)
        self.error = error

    def __reduce__(self) -> tuple[type[ReaderBug], tuple[str, Exception]]:  # pickled: a forked child's
        return type(self), (str(self), self.error)


class StoreError(DigestError):
    """The database cannot be used (wrong version, locked, corrupt)."""

    retry_after = 120  # seconds a page asks again after (its 503's Retry-After), where it may pass


class SaveUnderWay(StoreError):
    """A file being saved in place that the work must read whole first (a new profile file, whose
    save lasts two seconds at the most): it is whole in a few seconds, so asked again after them."""

    retry_after = 5


class StoreUnusable(StoreError):
    """The database cannot be used until someone fixes something; waiting does not help: its
    folder is missing, its schema is newer than this version, the file is corrupt or read-only."""


class DeliveryError(DigestError):
    """Mail could not be handed to the server."""


def collect(problems: list[str], header: str, exc: type[DigestError]) -> None:
    """Raise ``exc`` listing every problem at once, if there are any: those of the whole file
    first (a key missing), then in the order of their lines, as the file is read and fixed."""
    if problems:
        lines = "\n".join(f"  - {p}" for p in sorted(problems, key=_line_of))
        raise exc(f"{header}:\n{lines}")


def _line_of(problem: str) -> int:
    """The line a problem names (``line 7: ...``), 0 for one of the whole file."""
    found = re.match(r"line (\d+): ", problem)
    return int(found.group(1)) if found else 0
