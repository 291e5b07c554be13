"""A digest made ready to send: rendered, with its links and Message-ID; its bytes built when asked for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property

from digest.compose.message import build_message, message_id, unsubscribe_links
from digest.compose.mime import message_bytes
from digest.compose.render import Rendered, Renderer
from digest.config import Config
from digest.models import Digest, Profile
from digest.signing import Signer, UnsignedLinks


@dataclass(frozen=True)
class Outgoing:
    """A rendered digest and what its message needs; the message itself is built when asked for."""

    digest: Digest
    rendered: Rendered
    sender: str
    message_id: str
    now: dt.datetime
    links: dict[str, str]

    @cached_property
    def data(self) -> bytes:
        """The message as SMTP carries it (CRLF): what the outbox stores and senders send."""
        return message_bytes(*self._parts())

    @cached_property
    def message(self) -> EmailMessage:
        """The same message as an EmailMessage (its own boundary), for previews and tests."""
        return build_message(*self._parts())

    def _parts(self) -> tuple[Rendered, Profile, str, str, dt.datetime, dict[str, str]]:
        return self.rendered, self.digest.profile, self.sender, self.message_id, self.now, self.links


def prepare(
    config: Config, digest: Digest, renderer: Renderer, now: dt.datetime, *, unsigned: bool = False
) -> Outgoing:
    """Render a digest and get ready to wrap it into the message that would be sent.
    ``unsigned``: the reader's links carry no signature (a preview without the secret)."""
    profile = digest.profile
    signer = UnsignedLinks() if unsigned else Signer.from_config(config)
    links = unsubscribe_links(profile, config.smtp.sender, config.base_url, signer, issued=now)
    rendered = renderer.render(digest, links=links)
    msg_id = message_id(profile.user, now, config.smtp.sender)
    return Outgoing(digest, rendered, config.smtp.sender, msg_id, now, links)
