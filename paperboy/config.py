"""The one settings object: `PAPERBOY_*` environment variables, `PAPERBOY_*_FILE` for secrets.

Built once at the edge (CLI, app factory) and passed in; no other module reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
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

    # Remote sources (base URLs, so tests can point them at a local replay server).
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_oai_url: str = "https://oaipmh.arxiv.org/oai"
    arxiv_rss_url: str = "https://rss.arxiv.org"
    daily_papers_url: str = "https://huggingface.co/api/daily_papers"
    request_interval: float = Field(3.0, ge=0, le=600)  # seconds between requests to one host
    http_timeout: float = Field(60.0, gt=0, le=3600)
    max_retries: int = Field(5, ge=0, le=50)
    user_agent: str = "paperboy/0.1 (self-hosted daily papers hub)"

    # Web.
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

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
