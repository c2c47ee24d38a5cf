"""Server settings, from environment variables prefixed NNPLAY_ (e.g. NNPLAY_PORT=9000)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNPLAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Origins allowed to open WebSockets besides the page's own (e.g. "http://lab-pc:8000");
    # JSON list or comma-separated in the environment.
    allowed_origins: list[str] = Field(default_factory=list)
    max_sessions: int = Field(500, ge=1)
    session_idle_seconds: float = Field(3600.0, gt=0)
    max_steps_per_call: int = Field(10_000, ge=1)
    max_fps: float = Field(30.0, gt=0, le=120)
    max_message_bytes: int = Field(2_000_000, ge=1024)
    data_dir: Path = Path("var")
    mnist_dir: Path | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
