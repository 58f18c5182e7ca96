"""Configuration from environment variables (PRODUCT.md section 8)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The configuration contract; every field maps to the upper-case variable of its name."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///samson.db", description="sqlite:///… or postgresql://…")
    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    samson_http_host: str = "127.0.0.1"
    samson_http_port: int = 8080
    samson_log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    samson_log_format: str = Field(default="text", description="text (key=value) or json")
    samson_claim_lease_seconds: float = Field(
        default=120.0, gt=0, description="after this, a message a stopped worker was sending is sent by another")
    samson_recovery_grace_seconds: float = Field(
        default=30.0, ge=0, description="after this, an update a stopped worker stored but never applied is applied")

    @property
    def has_platform(self) -> bool:
        """True when a Slack or Telegram token is configured."""
        return bool(self.telegram_bot_token or self.slack_bot_token)
