"""One settings object: command-line flags, CLOUDLET_* environment variables, defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CLOUDLET_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"CLOUDLET_{name}")
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Settings:
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "4566")))
    blob_port: int = field(default_factory=lambda: int(_env("BLOB_PORT", "10000")))
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", ".cloudlet")))
    in_memory: bool = field(default_factory=lambda: _env_bool("IN_MEMORY", False))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "info"))
    region: str = field(default_factory=lambda: _env("REGION", DEFAULT_REGION))
    default_account: str = field(default_factory=lambda: _env("DEFAULT_ACCOUNT", DEFAULT_ACCOUNT))
    # "full" fsyncs every group commit (survives power loss); "normal" survives kill -9 only.
    sync: str = field(default_factory=lambda: _env("SYNC", "full"))
    max_body_bytes: int = 16 * 1024 * 1024

    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()
