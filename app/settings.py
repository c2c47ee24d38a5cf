"""Server settings, from environment variables prefixed NNPLAY_ (e.g. NNPLAY_PORT=9000)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNPLAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Origins allowed to open WebSockets besides the page's own (e.g. "http://lab-pc:8000");
    # JSON list or comma-separated in the environment.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_sessions: int = Field(500, ge=1)
    session_idle_seconds: float = Field(3600.0, gt=0)
    max_steps_per_call: int = Field(10_000, ge=1)
    max_fps: float = Field(30.0, gt=0, le=120)
    max_message_bytes: int = Field(2_000_000, ge=1024)
    # Sessions are saved here (SQLite) and survive restarts; None keeps them in memory only.
    # `nnplay serve` uses ./var when this is not set; the container uses /data.
    data_dir: Path | None = None
    save_interval_seconds: float = Field(3.0, gt=0)
    # The teacher board (/teacher) opens with this token; unset, it is off.
    teacher_token: str | None = Field(None, min_length=8)
    # The code students join with; a random six-letter code when unset.
    class_code: str | None = Field(None, pattern=r"^[A-Za-z0-9]{4,12}$")
    mnist_dir: Path | None = None
    # Processes that render the live frames' arrays and decision grids on other cores;
    # unset: one for each CPU beyond the first, at most 4; 0 renders them in the server.
    grid_workers: int | None = Field(None, ge=0, le=32)


    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
