"""Signed links: a token grants access to one reader's pages; forms carry a token derived from it.

A token is ``<user, base64url>.<HMAC-SHA256(secret, "reader:" + user), base64url>``. It does not
expire (an old email's links keep working); changing the secret revokes every link at once.
The form token (against cross-site request forgery) is another HMAC of the reader token, so
it can only be read from a page that the token itself opens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from digest.config import Config


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a forgery: simply not equal)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("ascii"))


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

    def token(self, user: str) -> str:
        return f"{_b64(user.encode())}.{self._mac('reader', user)}"

    def user(self, token: str) -> str | None:
        """The reader a token was made for, or None if it is forged, altered or malformed."""
        head, dot, mac = token.partition(".")
        if not dot:
            return None
        try:
            user = _unb64(head).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        if _b64(user.encode()) != head:  # "YW!Rh", "YWRh==": base64 decoding skips what it does not read
            return None
        if not _same(mac, self._mac("reader", user)):
            return None
        return user

    def form_token(self, token: str) -> str:
        return self._mac("form", token)

    def check_form_token(self, token: str, value: str | None) -> bool:
        return bool(value) and _same(str(value), self.form_token(token))
