"""The configuration file: every option declared once below (type, default, check, help).

Paths in the file are relative to the file itself. Secrets never live in YAML: the SMTP
password is read from the environment variable that ``smtp.password_env`` names
(:mod:`digest.config_secrets`). Loading, the known keys and "did you mean" come from the
declarations (:mod:`digest.options`).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from digest import yamlio
from digest.checks import (
    CaFile,
    Choice,
    DatabaseRef,
    EnvName,
    FilePath,
    Folder,
    Int,
    ModelName,
    Number,
    Port,
    PublicUrl,
    Section,
    Switch,
    Text,
)
from digest.checks import Email as Address
from digest.config_missing import missing_config
from digest.config_secrets import signing_secret, smtp_password
from digest.db import DatabaseUrl
from digest.errors import ConfigError, collect
from digest.models import Profile
from digest.options import Reading, Report, like, option, read
from digest.sources_config import SourceConfig, Sources
from digest.time_checks import valid_timezone

__all__ = [
    "Config",
    "ConfigError",
    "SourceConfig",
    "load_config",
    "parse_config",
    "find_config_path",
    "valid_timezone",
]

DEFAULT_CONFIG = Path("config.yaml")


@dataclass(frozen=True)
class SmtpConfig:
    REFUSED: ClassVar[dict[str, str]] = {
        "password": "passwords are never read from YAML; put it in an environment variable and "
        "name that variable in smtp.password_env"
    }

    host: str = option(Text("a host name", blank=False), default="localhost", help="the SMTP server")
    security: str = option(
        Choice({"none": "plain", "starttls": "STARTTLS", "ssl": "TLS from the start"}),
        default="none",
        help="none | starttls | ssl",
    )
    port: int = option(
        Port(),
        default=25,
        default_by=("security", {"ssl": 465, "starttls": 587}),
        help="default: 25, 587 with starttls, 465 with ssl",
    )
    username: str | None = option(Text(), default=None, help="for servers that want a login")
    password_env: str | None = option(
        EnvName(), default=None, help="the environment variable holding the password"
    )
    sender: str = option(
        Address(named=True),
        key="from",
        default="Research digest <digest@localhost>",
        help="the From of every digest: required to send by SMTP (deliver.check_transport)",
    )
    timeout: float = option(
        Number(0, above=True, what="a positive number of seconds", maximum=3600),
        default=30.0,
        help="seconds to wait",
    )
    ca_file: Path | None = option(
        CaFile(),
        default=None,
        help="a certificate (PEM) to trust for this server besides the system's: a self-signed one's",
    )

    @staticmethod
    def cross_check(values: dict[str, Any], report: Report, reading: Reading) -> None:
        if values["username"] and not values["password_env"]:
            report("password_env", "required when smtp.username is set", "username")

    def password(self) -> str | None:
        """The password from the environment, or None when no login is configured."""
        return smtp_password(self.username, self.password_env)


@dataclass(frozen=True)
class SchedulerConfig:
    poll_seconds: float = option(
        Number(0.1, maximum=86400),
        default=60.0,
        help="how often the inbox is checked and due digests are sent",
    )
    grace_minutes: float = option(
        Number(0, maximum=10080),
        default=240.0,
        help="how late a missed digest may still go out (a week at most)",
    )
    settle_seconds: float = option(
        Number(0, maximum=3600), default=5.0, help="a dump must be unchanged this long before it is read"
    )
    profiles_rescan_seconds: float = option(
        Number(1, maximum=86400),
        default=300.0,
        help="the profiles folder is read at least this often (a file added or removed on a coarse clock)",
    )

    @property
    def grace(self) -> dt.timedelta:
        """grace_minutes, and at least one poll: a send time between two passes is late by up to
        a poll without the daemon being down (with 0 and passes at hh:mm:37, none would go)."""
        return max(dt.timedelta(minutes=self.grace_minutes), dt.timedelta(seconds=self.poll_seconds))

    @property
    def settle(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settle_seconds)

    @property
    def profiles_rescan(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.profiles_rescan_seconds)


@dataclass(frozen=True)
class WebConfig:
    """`digest serve` and the signed links in emails. The signing secret lives in the environment."""

    REFUSED: ClassVar[dict[str, str]] = {
        "secret": "secrets are never read from YAML; put it in an environment variable and name "
        "that variable in web.secret_env (e.g. secret_env: DIGEST_SECRET)"
    }

    secret_env: str | None = option(
        EnvName(), default=None, help="the environment variable that holds the HMAC secret"
    )
    secret_file: Path | None = option(
        FilePath(), default=None, help="or a file that holds it (readable by the service's user only)"
    )
    host: str = option(
        Text("a host name or address", blank=False),
        default="127.0.0.1",
        help="where `digest serve` listens (loopback unless told otherwise)",
    )
    port: int = option(Port(), default=8025, help="the port of `digest serve`")

    def secret(self) -> bytes | None:
        """The signing secret, or None when neither ``web.secret_env`` nor ``web.secret_file``
        is configured."""
        return signing_secret(self.secret_env, self.secret_file)


@dataclass(frozen=True)
class DeliveryConfig:
    """How messages leave the outbox: by SMTP or as .eml files, how fast, how long to retry."""

    transport: str = option(
        Choice({"smtp": "SMTP", "file": ".eml files"}),
        default="smtp",
        help="smtp | file (write .eml files into `dir` instead of sending)",
    )
    dir: Path | None = option(
        FilePath("a folder path"), default=None, help="the folder of .eml files (default: outbox-files)"
    )
    connections: int = option(
        Int(1, 100),
        default=1,
        help="concurrent SMTP connections; a crash can repeat at most one message per connection",
    )
    max_per_second: float | None = option(
        Number(0, above=True, maximum=10000),
        default=None,
        alias=("max_per_minute", 60),
        help="your provider's limit (or max_per_minute); default: none",
    )
    lease_seconds: float = option(
        Number(1, maximum=86400),
        default=120.0,
        help="how long a worker holds the readers and messages it claimed (a killed worker's: then free)",
    )
    retry_first_seconds: float = option(
        Number(0, above=True, maximum=86400),
        default=60.0,
        help="the first wait after a passing failure; later ones double",
    )
    retry_max_seconds: float = option(
        Number(0, above=True, maximum=7 * 86400), default=3600.0, help="the longest wait"
    )
    retry_for_hours: float = option(
        Number(0, above=True, maximum=720),
        default=24.0,
        help="after this long since it was queued, a message fails",
    )
    keep_days: float = option(
        Number(0, maximum=3650),
        default=7.0,
        help="a sent or failed message's bytes are dropped after this many days (what was sent stays)",
    )

    @staticmethod
    def cross_check(values: dict[str, Any], report: Report, reading: Reading) -> None:
        if values["dir"] is None and values["transport"] == "file":
            values["dir"] = reading.base / "outbox-files"
        first, longest = values["retry_first_seconds"], values["retry_max_seconds"]
        if longest < first:
            said = f"{longest:g} is shorter than retry_first_seconds ({first:g})"
            report("retry_max_seconds", said, "retry_first_seconds")


# The README's install line (Semantic matching): digest is installed from its clone, not PyPI, and
# torch goes first, at the version the tests run with (PyPI's own would be its CUDA build).
SEMANTIC_INSTALL = ".venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[semantic]'"


@dataclass(frozen=True)
class SemanticConfig:
    """Optional semantic matching, which needs the semantic extra, installed in digest's clone by
    the README's line (:data:`SEMANTIC_INSTALL`)."""

    model: str | None = option(
        ModelName(),
        default=None,
        help="a local folder holding a sentence-transformers model (relative: to the config file's folder); "
        "none: the packaged model",
    )

    @property
    def key(self) -> str:
        """What stored paper embeddings are filed under: another model, other vectors."""
        return self.model or "packaged:all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Config:
    database: Path | DatabaseUrl = option(
        DatabaseRef(),
        required=True,
        help="an SQLite file, or a postgresql:// URL (PG* variables fill the rest)",
    )
    inbox: Path = option(FilePath(), required=True, help="where new listing dumps are dropped")
    profiles: Path = option(FilePath(), required=True, help="one <user>.yaml per reader")
    smtp: SmtpConfig = option(
        Section(SmtpConfig), factory=SmtpConfig, help="the mail server: needed to send by SMTP, not to rank"
    )
    # Defaults for the profiles that do not set their own: the profile's options (digest.models).
    timezone: str = like(Profile, "timezone", help="for profiles that name none")
    send_at: dt.time = like(Profile, "send_at", help="for profiles that name none")
    max_papers: int = like(Profile, "max_papers", help="for profiles that name none")
    min_score: float = like(Profile, "min_score", default=0.1, help="for profiles that name none")
    templates: Path | None = option(
        Folder(
            "put your versions of the built-in templates there (digest.html.j2, digest.txt.j2, digest.css)"
        ),
        default=None,
        help="a folder whose templates override the built-in ones",
    )
    base_url: str | None = option(
        PublicUrl(), default=None, help="where `digest serve` is reachable, for the links in emails"
    )
    scheduler: SchedulerConfig = option(Section(SchedulerConfig), factory=SchedulerConfig, help="the daemon")
    semantic: SemanticConfig | None = option(
        Switch(SemanticConfig), default=None, help="true, or a model: blend semantic matching in"
    )
    web: WebConfig = option(Section(WebConfig), factory=WebConfig, help="`digest serve` and signed links")
    delivery: DeliveryConfig = option(
        Section(DeliveryConfig), factory=DeliveryConfig, help="how digests leave the outbox"
    )
    sources: tuple[SourceConfig, ...] = option(
        Sources(), default=(), help="what `digest fetch` and the daemon fetch (digest.sources_config)"
    )
    path: Path | None = None  # the file it was read from
    smtp_given: bool = True  # False: no smtp.from (digest.deliver.senders.check_transport)
    web_given: bool = False  # a `web:` key in the file, whatever it sets (signing.add_secret_env)
    web_braced: bool = False  # written `web: {...}` (flow style): a line under it is not read
    web_null: str | None = None  # written `web: ~` (or null): a line under it is not read either
    # (and `web: &a` an alias names: a line under it changes what the alias stands for)
    web_null_aliases: tuple[int, ...] = ()  # lines of the aliases of its anchor (`web: &a ~`, `*a`)
    base_url_null: str | None = None  # written `base_url: ~` (or *a, or nothing): a second is refused
    base_url_null_aliases: tuple[int, ...] = ()  # lines of the aliases of its anchor (`&a ~`, `*a`)


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
        raise ConfigError(missing_config(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration file: {yamlio.read_problem(e)}") from None
    return parse_config(yamlio.load(text, path, ConfigError), path)


def parse_config(data: Any, path: Path) -> Config:
    """Validate the raw mapping; every problem is reported together."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    reading = Reading(base=path.parent)
    values = read(Config, data, reading)
    collect(reading.problems, f"{path}: invalid configuration", ConfigError)
    smtp = data.get("smtp")
    smtp_given = isinstance(smtp, dict) and smtp.get("from") is not None
    braced = isinstance(web := data.get("web"), yamlio.Mapping) and web.braced
    null = data.null_written("web") if isinstance(data, yamlio.Mapping) else None
    aliases = data.null_aliases("web") if isinstance(data, yamlio.Mapping) else ()
    if aliases and not null:  # `web: &a`, named by `*a`: replaced as a null is, its aliases `~`
        null = data.null_text("web")
    written = data.null_text("base_url") if isinstance(data, yamlio.Mapping) else None
    return Config(
        path=path,
        smtp_given=smtp_given,
        web_given="web" in data,
        web_braced=braced,
        web_null=null,
        web_null_aliases=aliases,
        base_url_null=written,
        base_url_null_aliases=data.null_aliases("base_url") if written is not None else (),
        **values,
    )
