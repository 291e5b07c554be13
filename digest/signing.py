"""Signed links: a token grants access to one reader's pages; forms carry a token derived from it.

A token is ``<user, base64url>.<when it was signed, Unix seconds>.<HMAC-SHA256(secret, "link:" +
user + "\n" + seconds), base64url>``: the time tells the reader it was made for from a later
reader given the same profile file name (digest.web.identity). Tokens signed before links
carried their time (schema 19) are ``<user>.<HMAC(secret, "reader:" + user)>`` and still open
(:attr:`Signed.issued` None). A token does not expire (an old email's links keep working);
changing the secret revokes every link at once. The form token (against cross-site request
forgery) is another HMAC of the reader token, so it can only be read from a page that the
token itself opens.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from digest.config import Config, WebConfig


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a forgery: simply not equal)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("ascii"))


SECONDS_DIGITS = 11  # up to the year 5138: a longer number is no time we signed (and int() of
# more than 4,300 digits is a ValueError, not a forgery refused)


def _name(head: str) -> str | None:
    try:
        user = _unb64(head).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if _b64(user.encode()) != head:  # "YW!Rh", "YWRh==": base64 decoding skips what it does not read
        return None
    return user


def _dated(user: str, seconds: str) -> str:
    return f"{user}\n{seconds}"


UNSIGNED = "not-signed-preview-only"  # the token of a preview's links made without the secret


@dataclass(frozen=True)
class Signed:
    """What a valid token says: the reader's name when it was signed, and when (None: a token
    of the earlier form, signed before links carried their time)."""

    user: str
    issued: dt.datetime | None


@dataclass(frozen=True)
class Signer:
    secret: bytes

    @classmethod
    def from_config(cls, config: Config) -> Signer | None:
        """The signer for ``web.secret_env``, or None when the config names no secret."""
        secret = config.web.secret()
        return cls(secret) if secret else None

    @classmethod
    def ephemeral(cls) -> Signer:
        """A random secret for this process only (local previews; links die with the server)."""
        return cls(secrets.token_bytes(32))

    def _mac(self, purpose: str, value: str) -> str:
        return _b64(hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest())

    def token(self, user: str, issued: dt.datetime) -> str:
        """The token of ``user``'s links in a message (or page) made at ``issued``."""
        seconds = int(issued.timestamp())
        return f"{_b64(user.encode())}.{seconds}.{self._mac('link', _dated(user, str(seconds)))}"

    def legacy_token(self, user: str) -> str:
        """A token of the form signed before links carried their time (tests: links already sent)."""
        return f"{_b64(user.encode())}.{self._mac('reader', user)}"

    def signed(self, token: str) -> Signed | None:
        """What a token says, or None if it is forged, altered or malformed."""
        parts = token.split(".")
        if len(parts) not in (2, 3):
            return None
        user = _name(parts[0])
        if user is None:
            return None
        if len(parts) == 2:
            return Signed(user, None) if _same(parts[1], self._mac("reader", user)) else None
        seconds = parts[1]
        if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= SECONDS_DIGITS):
            return None
        if str(int(seconds)) != seconds:  # "+1", "01", " 1", "١": int() takes them; we never sign them
            return None
        if not _same(parts[2], self._mac("link", _dated(user, seconds))):
            return None
        return Signed(user, dt.datetime.fromtimestamp(int(seconds), dt.UTC))

    def user(self, token: str) -> str | None:
        """The name a token was signed for, or None if it is forged, altered or malformed."""
        signed = self.signed(token)
        return None if signed is None else signed.user

    def form_token(self, token: str) -> str:
        return self._mac("form", token)

    def check_form_token(self, token: str, value: str | None) -> bool:
        return bool(value) and _same(str(value), self.form_token(token))


@dataclass(frozen=True)
class UnsignedLinks(Signer):
    """The links of a preview made where the secret cannot be had (`digest preview` in a shell
    without its variable): every token is :data:`UNSIGNED`, which says so and opens nothing (a
    malformed token: the bare 403)."""

    secret: bytes = b""

    def token(self, user: str, issued: dt.datetime) -> str:
        return UNSIGNED

    def signed(self, token: str) -> Signed | None:  # makes links only: with no secret, opens none
        return None

    def form_token(self, token: str) -> str:
        raise TypeError("UnsignedLinks makes a preview's links only: it signs no form")


def secret_unnamed(config: Config) -> str | None:
    """The note (without its "note: ") when $DIGEST_SECRET (the variable config.example.yaml and `digest
    serve --help` export) is set and the config names no web.secret_env or secret_file: the emails go
    with a mailto: unsubscribe alone, no signed links to the reader's pages
    (compose.message.unsubscribe_links). Said by `digest send` once a send, the daemon once (and again
    once the config changes so), as `digest serve` says its own."""
    if not os.environ.get("DIGEST_SECRET") or config.web.secret_env or config.web.secret_file:
        return None
    address, example = (
        "the address `digest serve` is reached at",
        "e.g. `base_url: https://digest.example.org`",
    )
    written = config.base_url_null  # `base_url: ~` (or *a, or nothing): a second base_url is refused
    also = "" if config.base_url or written is not None else f"base_url ({address}, {example})"
    add = add_secret_env(config, also)
    if written:
        aliases = _aliases_said(written, config.base_url_null_aliases)
        add += f", and replace the config's `base_url: {written}` with {address} ({example}){aliases}"
    elif written is not None:
        add += f", and write {address} after the config's `base_url:` ({example})"
    return (
        "no web.secret_env or secret_file: the emails' unsubscribe is a mailto: alone, with no links to the "
        f"reader's pages ($DIGEST_SECRET is set, but the config names no web.secret_env: {add} to sign the "
        "links with it)."
    )


def _aliases_said(null: str | None, lines: tuple[int, ...]) -> str:
    """The aliases of an anchored null (`web: &a ~`, `templates: *a`), each to be written as the
    null it stood for: the anchor goes with the line replaced, and an alias of no anchor is refused
    ("found undefined alias")."""
    if not lines or not null:
        return ""
    anchor = next(word for word in null.split() if word.startswith("&"))
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {', '.join(map(str, lines))}"
    return f" and `*{anchor[1:]}` ({where}) with `~`"


def add_secret_env(config: Config, also: str = "") -> str:
    """The line that names $DIGEST_SECRET in the config (and ``also``, another key to add): `web:
    {secret_env: ...}` where it has no web: section, or under the one it has (host, port...), where a
    second `web:` would be refused ("'web' is given twice"), even one that sets only the defaults
    (`web: {}`, `port: 8025`)."""
    if not config.web_given and config.web == WebConfig():
        return f"add `web: {{secret_env: DIGEST_SECRET}}`{f' and {also}' if also else ''} to the config"
    if config.web_null:  # nor one under `web: ~`: the line replaced
        added = f", and add {also} to the config" if also else ""
        return (
            f"replace the config's `web: {config.web_null}` with `web: {{secret_env: DIGEST_SECRET}}`"
            f"{_aliases_said(config.web_null, config.web_null_aliases)}{added}"
        )
    also = f", and {also} to the config" if also else ""
    if config.web_braced:  # a line under `web: {port: 8081}` is not valid YAML
        return f"add `secret_env: DIGEST_SECRET` inside the braces of the config's `web: {{...}}`{also}"
    return f"add `secret_env: DIGEST_SECRET` under the config's `web:`{also}"
