"""Which transport a send uses (SMTP, or .eml files), checked before anything is queued, and how
the messages are made beside it (digest.deliver.ahead): how many makers, at what priority."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from digest.config import Config
from digest.deliver.file_transport import FileSender, FileSenders
from digest.deliver.transports import Envelope, SendResult, SmtpSender
from digest.errors import ConfigError

MAKER_NICE = 10  # see maker_nice


class Sender(Protocol):
    def send(self, mail: Envelope) -> SendResult: ...


SenderFactory = Callable[[], Sender]


def sender_factory(config: Config, to_dir: Any = None) -> SenderFactory:
    """The configured transport: SMTP, or .eml files in ``to_dir`` / ``delivery.dir``."""
    if to_dir is not None or config.delivery.transport == "file":
        folder = to_dir if to_dir is not None else config.delivery.dir
        return FileSenders(folder)
    return lambda: SmtpSender(config.smtp)


def writes_files(sender: Any) -> bool:
    """Does this sender (or factory of senders) never wait for a server (it writes files)?"""
    return isinstance(sender, FileSender | FileSenders)


def makers_for(config: Config, sender: Sender | SenderFactory | None) -> int:
    """How many processes make the messages side by side (digest.deliver.ahead): two for the
    file transport on a machine with two cores or more (writing a file takes less than making
    its message, so one maker would hold up the writing); one for SMTP, where the server's
    replies set the pace and a second maker would only take a core from the rest."""
    return 2 if _to_files(config, sender) and (os.cpu_count() or 1) >= 2 else 1


def maker_nice(config: Config, sender: Sender | SenderFactory | None) -> int:
    """How much lower the makers' priority is (os.nice): :data:`MAKER_NICE` for SMTP, 0 for the file
    transport. With SMTP the server's replies set the pace, and the maker only has to keep its lead in
    the pipe: when the cores are busy (the server may be a local MTA on them), the sending threads, each
    woken by a reply, should get theirs first. Measured with benchmarks/bench_send.py (4 connections,
    10,000 readers, paired in the same round): 25-40 s against 31-52 s at the same priority. With
    files nothing waits for a reply: the makers set the pace and keep theirs."""
    return 0 if _to_files(config, sender) else MAKER_NICE


def _to_files(config: Config, sender: Sender | SenderFactory | None) -> bool:
    """Does this send (``sender``, else the configured transport) write files, with no server?"""
    return writes_files(sender if sender is not None else sender_factory(config))


def check_transport(config: Config) -> None:
    """Raise now (ConfigError) what sending would find only after queueing: no mail server
    configured, an unset password, an unset or unreadable signing secret (every link needs it)."""
    if config.base_url:
        config.web.secret()
    if config.delivery.transport == "file":
        return
    if not config.smtp_given:
        raise ConfigError(
            f"{config.path}: smtp.from: required to send by SMTP (the From of every digest, in an "
            "smtp: section with the server: e.g. from: 'Research digest <digest@example.org>'; "
            "see config.example.yaml), or write .eml files instead: delivery.transport: file, "
            "or `digest send --to-dir DIR`"
        )
    config.smtp.password()
