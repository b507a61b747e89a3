"""The configuration: YAML file (CONTRACT.md) under ARCLERK_* environment overrides.

One immutable object, built once and passed explicitly. Relative paths resolve against
the config file's directory. Passwords are SecretStr and never printed.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ledger.errors import ConfigError


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ImapConfig(_Frozen):
    host: str
    port: int = 993
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    username: str
    password: SecretStr = SecretStr("")
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    review_folder: str = "Review"
    bounce_folder: str = "Bounces"
    timeout: float = Field(default=60.0, gt=0, le=600)  # every network operation
    idle: bool = True  # use IDLE when the server offers it (else poll, at most every 60 s)
    idle_renew_seconds: float = Field(
        default=540.0, gt=0, le=600
    )  # RFC 2177: < 29 min; we renew < 10
    batch_size: int = Field(default=100, ge=1, le=1000)  # fetched and committed together
    ca_file: str | None = None

    @model_validator(mode="after")
    def _tls(self) -> ImapConfig:
        if self.tls == "none" and not _loopback(self.host):
            raise ValueError("tls: none is only allowed for loopback hosts")
        return self


class SmtpConfig(_Frozen):
    host: str
    port: int = 587
    tls: Literal["implicit", "starttls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr = SecretStr("")
    timeout: float = Field(default=60.0, gt=0, le=600)
    ca_file: str | None = None
    rate_per_minute: int = Field(default=120, ge=0)  # 0 = no limit

    @model_validator(mode="after")
    def _tls(self) -> SmtpConfig:
        if self.tls == "none" and not _loopback(self.host):
            raise ValueError("tls: none is only allowed for loopback hosts")
        return self


class InboxConfig(_Frozen):
    maildir: Path | None = None
    imap: ImapConfig | None = None

    @model_validator(mode="after")
    def _one(self) -> InboxConfig:
        if (self.maildir is None) == (self.imap is None):
            raise ValueError("set exactly one of mail.inbox.maildir or mail.inbox.imap")
        return self


class OutboxConfig(_Frozen):
    maildir: Path | None = None
    smtp: SmtpConfig | None = None

    @model_validator(mode="after")
    def _one(self) -> OutboxConfig:
        if (self.maildir is None) == (self.smtp is None):
            raise ValueError("set exactly one of mail.outbox.maildir or mail.outbox.smtp")
        return self


class MailConfig(_Frozen):
    address: str = "billing@example.com"
    admin: str | None = None  # where review notices go; absent = mail.address
    authserv_id: str | None = None
    #: verify DKIM signatures ourselves (DNS lookups), for a border server that does not
    #: stamp Authentication-Results; a verified signature of the From domain authenticates
    dkim_verify: bool = False
    #: signs hand-off webhooks (HMAC-SHA256); better from ARCLERK_MAIL__WEBHOOK_SECRET
    webhook_secret: SecretStr = SecretStr("")
    inbox: InboxConfig = InboxConfig(maildir=Path("mail/inbox"))
    outbox: OutboxConfig = OutboxConfig(maildir=Path("mail/sent"))


class DatabaseConfig(_Frozen):
    url: str = "sqlite:///arclerk.db"


class SellerConfig(_Frozen):
    name: str = "Example Services Ltd"
    address: str = "1 Example Street\nExampletown EX1 2MP\nUnited Kingdom"
    iban: str = "GB33BUKB20201555555555"
    bic: str = "BUKBGB22"
    bank_name: str = "Example Bank"
    vat_id: str = ""
    colour: str = Field(default="#1f4e79", pattern=r"^#[0-9a-fA-F]{6}$")
    logo: Path | None = None


class ParsingConfig(_Frozen):
    """How attachments are read: PDFs in a child process under these limits."""

    pdf_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    pdf_memory_mb: int = Field(default=1024, ge=128, le=65536)
    pdf_sandbox: bool = True  # false: in the daemon's own process (debugging only)


class DaemonConfig(_Frozen):
    poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    drain_seconds: float = Field(default=30.0, gt=0)
    outbox_lease_seconds: float = Field(
        default=300.0, gt=0
    )  # a dead worker's rows return after this


class Config(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ARCLERK_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database: DatabaseConfig = DatabaseConfig()
    mail: MailConfig = MailConfig()
    rules: Path | None = None
    seller: SellerConfig = SellerConfig()
    templates: Path | None = None  # a folder whose files override the built-in templates
    daemon: DaemonConfig = DaemonConfig()
    parsing: ParsingConfig = ParsingConfig()
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file (which arrives as init kwargs).
        return (env_settings, init_settings)


def config_path(explicit: str | None) -> tuple[Path, bool]:
    """(path, must_exist): --config, else $ARCLERK_CONFIG, else ./config.yaml (optional)."""
    if explicit:
        return Path(explicit), True
    env = os.environ.get("ARCLERK_CONFIG")
    if env:
        return Path(env), True
    return Path("config.yaml"), False


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping")
    return data


def _resolve(cfg: Config, base: Path) -> Config:
    def rel(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else (base / p))

    url = cfg.database.url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        tail = url.removeprefix("sqlite:///")
        if tail and tail != ":memory:":
            url = f"sqlite:///{(base / tail).resolve()}"
    inbox, outbox = cfg.mail.inbox, cfg.mail.outbox
    mail = cfg.mail.model_copy(update={
        "inbox": inbox.model_copy(update={"maildir": rel(inbox.maildir)}),
        "outbox": outbox.model_copy(update={"maildir": rel(outbox.maildir)}),
    })  # fmt: skip
    return cfg.model_copy(update={
        "database": DatabaseConfig(url=url), "mail": mail, "rules": rel(cfg.rules),
        "templates": rel(cfg.templates),
        "seller": cfg.seller.model_copy(update={"logo": rel(cfg.seller.logo)}),
    })  # fmt: skip


def load(explicit: str | None = None) -> Config:
    path, must_exist = config_path(explicit)
    if path.exists():
        data, base = _read_yaml(path), path.resolve().parent
    elif must_exist:
        raise ConfigError(f"config file {path} does not exist")
    else:
        data, base = {}, Path.cwd()
    try:
        cfg = Config(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ConfigError(
            f"{path}: {key}: {err['msg'].removeprefix('Value error, ')}{more}"
        ) from exc
    return _resolve(cfg, base)
