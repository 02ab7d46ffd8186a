"""The one settings object: `PAPERBOY_*` environment variables, `PAPERBOY_*_FILE` for secrets.

Built once at the edge (CLI, app factory) and passed in; no other module reads the environment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from paperboy.errors import ConfigError

PREFIX = "PAPERBOY_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    database_url: str = Field("paperboy.db", min_length=1)
    vectors: bool = True  # false: PostgreSQL without pgvector, lexical search only

    # Remote sources (base URLs, so tests can point them at a local replay server).
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_oai_url: str = "https://oaipmh.arxiv.org/oai"
    arxiv_rss_url: str = "https://rss.arxiv.org"
    daily_papers_url: str = "https://huggingface.co/api/daily_papers"
    request_interval: float = Field(3.0, ge=0, le=600)  # seconds between requests to one host
    http_timeout: float = Field(60.0, gt=0, le=3600)
    max_retries: int = Field(5, ge=0, le=50)
    user_agent: str = "paperboy/0.1 (self-hosted daily papers hub)"

    # Web. Without a secret key, `serve` makes a random one per start (sessions end on restart).
    secret_key: SecretStr | None = Field(None, min_length=32)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    secure_cookies: bool = False  # set when the hub is served over HTTPS
    session_days: int = Field(30, ge=1, le=365)
    submit_window_days: int = Field(14, ge=1, le=3650)  # /submit refuses older papers
    rate_limit_scale: float = Field(1.0, gt=0, le=1000)  # multiplies every rate limit
    page_cache_seconds: float = Field(5.0, ge=0, le=3600)  # anonymous listings, see microcache

    # Mail and the worker (docs/mail.md). The SMTP password may sit in the URL or, better, in
    # PAPERBOY_SMTP_PASSWORD(_FILE), which wins.
    smtp_url: SecretStr | None = None  # smtp://user:pass@host:port, smtp+starttls://, smtps://
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(30.0, gt=0, le=600)
    mail_from: str | None = None  # "Paperboy <papers@example.org>"
    base_url: str = "http://127.0.0.1:8000"  # where links in mail point
    mail_retries: int = Field(3, ge=0, le=20)  # temporary SMTP failures retried in one run
    mail_backoff: float = Field(2.0, ge=0, le=600)  # seconds before the first retry, doubling
    mail_lease: float = Field(600.0, gt=0, le=86400)  # seconds a crashed sender holds a mail
    digest_max_papers: int = Field(25, ge=1, le=500)  # the rest is a link
    digest_send_empty: bool = False  # mail "nothing new" rather than nothing
    digest_recommendations: int = Field(5, ge=1, le=50)
    harvest_sets: str = Field("cs", min_length=1)  # OAI-PMH sets the worker harvests, "cs math"

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            smtp_target(value.get_secret_value())  # raises ValueError with the reason
            return value
        return None

    @field_validator("mail_from")
    @classmethod
    def _mail_from_is_one_address(cls, value: str | None) -> str | None:
        if value and not _one_address(value):
            raise ValueError("expected one address such as 'Paperboy <papers@example.org>'")
        return value or None

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"{value!r} is not an http(s) URL such as https://papers.example.org")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _FileSettingsSource(settings_cls)


class _FileSettingsSource(EnvSettingsSource):
    """`PAPERBOY_X_FILE=/path` sets `x` to the file's contents (trailing newline stripped)."""

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            path = os.environ.get(f"{PREFIX}{name.upper()}_FILE")
            if path:
                try:
                    values[name] = Path(path).read_text().rstrip("\n")
                except OSError as exc:
                    raise ConfigError(f"{PREFIX}{name.upper()}_FILE: cannot read {path}: "
                                      f"{exc.strerror}") from exc
        return values


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (from CLI options) on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc


@dataclass(frozen=True)
class SmtpTarget:
    """Where mail goes, read from PAPERBOY_SMTP_URL."""

    host: str
    port: int
    security: str  # none, starttls, tls
    username: str | None
    password: str | None

    def __repr__(self) -> str:  # never show the password
        return f"SmtpTarget({self.security}://{self.username or ''}@{self.host}:{self.port})"


_SMTP_SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


def smtp_target(url: str, password: str | None = None) -> SmtpTarget:
    """smtp://user:pass@host:port (plain), smtp+starttls://... (587), smtps://... (465).

    Errors never repeat the URL, which may hold a password."""
    parts = urlsplit(url.strip())
    if parts.scheme not in _SMTP_SCHEMES:
        raise ValueError(f"scheme {parts.scheme!r} is not one of smtp, smtp+starttls, smtps")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError("no host (expected smtp://user:password@host:port)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("unexpected path or query after host:port")
    security, default_port = _SMTP_SCHEMES[parts.scheme]
    return SmtpTarget(parts.hostname, port or default_port, security,
                      unquote(parts.username) if parts.username else None,
                      password if password is not None
                      else unquote(parts.password) if parts.password else None)


_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _one_address(value: str) -> bool:
    if "\r" in value or "\n" in value:
        return False
    found = getaddresses([value])
    return len(found) == 1 and bool(_ADDRESS.match(found[0][1]))
