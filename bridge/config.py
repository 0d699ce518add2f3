"""Where Promptcut keeps its data and how the service is set up.

One frozen dataclass, passed down explicitly, instead of a global settings object.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DEFAULT_PORT = 8642
MAX_BODY_BYTES = 64 * 1024 * 1024  # uploads of init images and timeline files


def default_data_dir() -> Path:
    if env := os.environ.get("PROMPTCUT_DATA_DIR"):
        return Path(env)
    return Path(platformdirs.user_data_dir("Promptcut", appauthor=False))


def _env_num(name: str, default: float):
    raw = os.environ.get(name)
    return type(default)(raw) if raw else default


def default_port() -> int:
    return int(os.environ.get("PROMPTCUT_PORT", DEFAULT_PORT))


def _env_number(name: str, default: float | None, kind: type = int):
    """A retention limit from the environment: a number, or "none" for no limit."""
    def read():
        raw = os.environ.get(name)
        if raw is None:
            return default
        return None if raw.strip().lower() in ("", "none", "off") else kind(raw)
    return read


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _env_on(name: str, default: bool = True) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    port: int = field(default_factory=default_port)
    host: str = "127.0.0.1"
    extra_origins: tuple[str, ...] = ()  # panel origins beyond the bridge's own
    device: str = "auto"  # auto | cuda | mps | cpu: the default for `devices`
    # executors: "" (one per detected device), "0,2", "cuda:1@24", "cpu,cpu"
    devices: str = field(default_factory=lambda: os.environ.get("PROMPTCUT_DEVICES", ""))
    # queued jobs at most; past it POST /jobs answers 429
    max_queued: int = field(default_factory=lambda: _env_num("PROMPTCUT_MAX_QUEUED", 1000))
    # a take estimated to run longer is refused unless the caller says `force`
    max_estimate_s: float = field(
        default_factory=lambda: _env_num("PROMPTCUT_MAX_ESTIMATE_S", 2 * 3600))
    # how long SQLite waits for another writer before an operation fails (and is retried)
    db_busy_timeout_s: float = field(
        default_factory=lambda: _env_num("PROMPTCUT_DB_BUSY_TIMEOUT", 30.0))
    # a clean stop (Ctrl+C, SIGTERM) ends within about this long of the signal; a step
    # still running then is abandoned like a cancelled one and its job queued again
    stop_timeout_s: float = field(
        default_factory=lambda: _env_num("PROMPTCUT_STOP_TIMEOUT_S", 8.0))
    max_body_bytes: int = MAX_BODY_BYTES
    encode_workers: int = 2
    signed_url_ttl_s: int = 6 * 3600
    hf_cache: Path | None = None  # None: the standard Hugging Face cache
    # Stored timelines (exports are cheap to make again): keep the newest N and those younger
    # than D days; None switches a limit off. A timeline goes when either limit says so.
    timelines_keep: int | None = field(
        default_factory=_env_number("PROMPTCUT_TIMELINES_KEEP", 500))
    timelines_max_age_days: float | None = field(
        default_factory=_env_number("PROMPTCUT_TIMELINES_MAX_AGE_DAYS", None, float))
    drop_frame: bool = True  # 29.97 and 59.94 timecode is drop-frame unless a cut says not
    # Content Credentials (bridge/library/credentials): on by default with a local identity.
    sign_takes: bool = field(default_factory=lambda: _env_on("PROMPTCUT_SIGN"))
    signing_cert: Path | None = field(default_factory=lambda: _env_path("PROMPTCUT_SIGNING_CERT"))
    signing_key: Path | None = field(default_factory=lambda: _env_path("PROMPTCUT_SIGNING_KEY"))
    tsa_url: str | None = field(default_factory=lambda: os.environ.get("PROMPTCUT_TSA_URL") or None)
    # PEM roots the bridge trusts when it reads credentials back (in-house trust list).
    trust_anchors: Path | None = field(
        default_factory=lambda: _env_path("PROMPTCUT_TRUST_ANCHORS"))
    executor: str = "local"  # local (this machine's devices) | ray (a Ray cluster's GPUs)
    ray_address: str | None = None  # the cluster to join; None: the one this machine is in

    @property
    def db_path(self) -> Path:
        return self.data_dir / "promptcut.sqlite3"

    @property
    def token_path(self) -> Path:
        return self.data_dir / "token"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def trash_dir(self) -> Path:
        return self.data_dir / "trash"

    @property
    def images_dir(self) -> Path:
        """Init images by content hash (part of the media root so they can be served)."""
        return self.media_dir / "images"

    @property
    def timelines_dir(self) -> Path:
        return self.data_dir / "timelines"

    @property
    def credentials_dir(self) -> Path:
        return self.data_dir / "credentials"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure_dirs(self) -> None:
        """Make the library's folders, private to the user: the data dir is 0700, so other
        local users can read neither the database nor a take, however old the files in it
        are (on Windows the user's profile folder's ACLs do this; chmod is best effort)."""
        for d in (self.data_dir, self.media_dir, self.models_dir, self.trash_dir,
                  self.images_dir, self.timelines_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name != "nt":
            with contextlib.suppress(OSError):
                os.chmod(self.data_dir, 0o700)
