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

from bridge.errors import PromptcutError

FILE_NAME = "provider_keys.json"
_lock = threading.Lock()


class KeysUnreadable(PromptcutError):
    """The keys file exists but is not one this module wrote: it is never saved over (that
    would drop every other key in it)."""

    status = 409
    code = "keys_file_unreadable"


def keys_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def _read(data_dir: Path, strict: bool = False) -> dict[str, str]:
    """The stored keys; a missing file holds none. A file that cannot be read is empty to a
    reader but, with `strict` (before a write), KeysUnreadable: the file is kept."""
    path = keys_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        if not strict:
            return {}
        raise KeysUnreadable(
            f"The provider keys file {path} cannot be read ({exc}), so no key was saved "
            "(saving would drop the keys it holds). Fix or move that file, then try "
            "again.", field="key") from None
    return {str(k): str(v) for k, v in data.items()}


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
        keys = _read(data_dir, strict=True)
        keys[provider] = key
        _write(data_dir, keys)


def remove(data_dir: Path, provider: str) -> bool:
    with _lock:
        keys = _read(data_dir, strict=True)
        if provider not in keys:
            return False
        del keys[provider]
        _write(data_dir, keys)
        return True
