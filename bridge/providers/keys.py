"""Provider API keys: entered once, kept in the data dir with mode 0600, never shown again.

Why a file and not the OS keyring: the keyring needs a desktop session (Secret Service,
Keychain, Credential Manager) that a studio's render box or a service account often lacks,
and the token file beside it already lives by the same rule (0600, the user's own data
dir). The file is written to a temporary name created with mode 0600 and renamed into place,
so it is never readable by others, not even for a moment. The API and the CLI only ever say
whether a key is stored (and its last four characters), never the key.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
from pathlib import Path

FILE_NAME = "provider_keys.json"
_lock = threading.Lock()


def keys_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def _read(data_dir: Path) -> dict[str, str]:
    try:
        data = json.loads(keys_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write(data_dir: Path, keys: dict[str, str]) -> None:
    path = keys_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{FILE_NAME}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(keys, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    with contextlib.suppress(OSError):  # Windows keeps its own ACLs; chmod is best effort
        os.chmod(path, 0o600)


def get(data_dir: Path, provider: str) -> str | None:
    return _read(data_dir).get(provider)


def has(data_dir: Path, provider: str) -> bool:
    return bool(get(data_dir, provider))


def hint(data_dir: Path, provider: str) -> str | None:
    """The key's last four characters, so a user can tell which key is stored."""
    key = get(data_dir, provider)
    return f"…{key[-4:]}" if key and len(key) >= 12 else ("set" if key else None)


def store(data_dir: Path, provider: str, key: str) -> None:
    with _lock:
        keys = _read(data_dir)
        keys[provider] = key
        _write(data_dir, keys)


def remove(data_dir: Path, provider: str) -> bool:
    with _lock:
        keys = _read(data_dir)
        if provider not in keys:
            return False
        del keys[provider]
        _write(data_dir, keys)
        return True
