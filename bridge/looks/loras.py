"""The LoRA shelf: named adapters an editor applies to boards, shots and jobs.

Records, storage and the service in one module, because they are one small concept: HTTP
(`bridge/api/looks.py`) and the CLI (`promptcut loras`) both call the functions here, and
neither needs the other.

- The shelf is `<data dir>/looks/loras.json`, written whole under a file lock (filelock, so
  the bridge and a CLI command in another process never interleave) to a temporary name,
  flushed and renamed: it is always a complete file.
- A LoRA file is the user's: the shelf names it (path and sha256) and never moves, copies or
  deletes it. Removing a LoRA moves its shelf entry to the trash (restorable); the file stays.
- The sha256 is what a take records, so a take can be made again exactly; a file that
  changed since it was added is refused with a sentence before a job uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.looks import lora_check
from bridge.looks.records import AppliedLora

SCHEMA = 1
MAX_NAME = 80
MAX_WEIGHT = 4.0  # diffusers takes any scale; past this an adapter only makes noise


@dataclass(frozen=True)
class Lora:
    """One LoRA on the shelf."""

    id: str
    name: str
    file: str  # absolute path of the .safetensors file
    sha256: str
    size_bytes: int
    family: str | None  # the model family it was trained for (lora_check.FAMILIES)
    layers: int  # how many layers it adapts
    rank: int
    trigger_words: list[str] = field(default_factory=list)
    preview: str | None = None  # an image path the panel shows beside it
    source: str = "file"  # "file" or "hf_cache:<repo id>"
    added_at: str = ""
    trashed_at: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def shelf_path(data_dir: Path) -> Path:
    return Path(data_dir) / "looks" / "loras.json"


def _lock(data_dir: Path) -> FileLock:
    path = shelf_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path) + ".lock", timeout=30)


def _read(data_dir: Path) -> list[Lora]:
    path = shelf_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        # Never read a damaged shelf as empty: the next save would drop every entry.
        raise Conflict(f"The LoRA shelf file {path.name} cannot be read ({exc}); fix or "
                       "move it aside, nothing was changed.", code="shelf_unreadable") from exc
    if not isinstance(data, dict) or int(data.get("schema_version", 1)) > SCHEMA:
        raise Conflict(f"The LoRA shelf was written by a newer Promptcut; update Promptcut "
                       f"to change it ({path.name} is kept as it is).", code="shelf_newer")
    known = {f.name for f in Lora.__dataclass_fields__.values()}
    return [Lora(**{k: v for k, v in item.items() if k in known})
            for item in data.get("loras", []) if isinstance(item, dict)]


def _write(data_dir: Path, loras: list[Lora]) -> None:
    path = shelf_path(data_dir)
    body = {"schema_version": SCHEMA, "loras": [asdict(lo) for lo in loras]}
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # our own temporary file; the shelf is untouched
        raise


# -- reading -------------------------------------------------------------------------------

def list_loras(data_dir: Path, *, trashed: bool = False) -> list[Lora]:
    """The shelf (or its trash), in the order things were added."""
    return [lo for lo in _read(data_dir) if (lo.trashed_at is not None) == trashed]


def _find(loras: list[Lora], ref: str, field_name: str) -> Lora:
    for lo in loras:
        if lo.id == ref:
            return lo
    named = [lo for lo in loras if lo.name.casefold() == str(ref).casefold()]
    if named:
        return named[0]
    raise NotFound(f"There is no LoRA '{ref}' on the shelf.", field=field_name)


def get(data_dir: Path, ref: str, *, field_name: str = "id") -> Lora:
    """A LoRA by id or name (trashed ones included)."""
    return _find(_read(data_dir), ref, field_name)


# -- changing ------------------------------------------------------------------------------

def _clean_name(name: str, field_name: str = "name") -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise InvalidRequest(f"'{field_name}' must be 1 to {MAX_NAME} printable characters.",
                             field=field_name)
    return name


def _clean_words(words: list[str] | None) -> list[str]:
    out = []
    for w in words or []:
        w = str(w).strip()
        if any(ord(c) < 32 for c in w):
            raise InvalidRequest("'trigger_words' must be printable text.",
                                 field="trigger_words")
        if w and w not in out:
            out.append(w)
    return out


def _check_family(family: str | None) -> str | None:
    if family in (None, ""):
        return None
    if family not in lora_check.FAMILIES:
        raise InvalidRequest(f"'family' must be one of {', '.join(lora_check.FAMILIES)}.",
                             field="family")
    return family


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_in_hf_cache(repo_id: str, filename: str | None, cache_dir: Path | None) -> Path:
    """The .safetensors file of a repo already in the Hugging Face cache; never downloads."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True))
    except (LocalEntryNotFoundError, ValueError, OSError) as exc:
        raise InvalidRequest(f"'{repo_id}' is not in the Hugging Face cache on this machine; "
                             "download it first, or give the file's path.",
                             field="repo_id") from exc
    if filename:
        path = folder / filename
        if not path.is_file():
            raise InvalidRequest(f"'{repo_id}' has no file '{filename}'.", field="filename")
        return path
    files = sorted(folder.rglob("*.safetensors"))
    if len(files) != 1:
        names = ", ".join(p.relative_to(folder).as_posix() for p in files) or "none"
        raise InvalidRequest(f"'{repo_id}' holds {len(files)} .safetensors files ({names}); "
                             "name one with 'filename'.", field="filename")
    return files[0]


def add(data_dir: Path, *, name: str, path: str | None = None, repo_id: str | None = None,
        filename: str | None = None, family: str | None = None,
        trigger_words: list[str] | None = None, preview: str | None = None,
        hf_cache: Path | None = None) -> Lora:
    """Put a LoRA file on the shelf after reading its layers (the file stays where it is)."""
    name = _clean_name(name)
    family = _check_family(family)
    if bool(path) == bool(repo_id):
        raise InvalidRequest("Give either 'path' (a .safetensors file) or 'repo_id' (a repo "
                             "in the Hugging Face cache).", field="path")
    if path:
        file = Path(path).expanduser()
        if not file.is_absolute():
            raise InvalidRequest("'path' must be an absolute path.", field="path")
        if file.suffix.lower() != ".safetensors" or not file.is_file():
            raise InvalidRequest(f"'path' must name an existing .safetensors file "
                                 f"({file.name} is not one).", field="path")
        source = "file"
    else:
        file = find_in_hf_cache(str(repo_id), filename, hf_cache)
        source = f"hf_cache:{repo_id}"
    try:
        layers = lora_check.read_file(file)
    except lora_check.NotALora as exc:
        raise InvalidRequest(str(exc), field="path" if path else "repo_id") from exc
    if family is None:
        family = lora_check.guess_family(list(layers))
    preview_path = None
    if preview:
        pv = Path(preview).expanduser()
        if not pv.is_absolute() or not pv.is_file():
            raise InvalidRequest("'preview' must be the absolute path of an image file.",
                                 field="preview")
        preview_path = str(pv.resolve())
    digest = sha256_of(file)  # outside the lock: a large file takes a while
    entry = Lora(id="lora_" + uuid.uuid4().hex[:10], name=name, file=str(file.resolve()),
                 sha256=digest, size_bytes=file.stat().st_size, family=family,
                 layers=len(layers), rank=max(lay.rank for lay in layers.values()),
                 trigger_words=_clean_words(trigger_words), preview=preview_path,
                 source=source, added_at=_now())
    with _lock(data_dir):
        loras = _read(data_dir)
        live = [lo for lo in loras if lo.trashed_at is None]
        for lo in live:
            if lo.sha256 == digest:
                raise Conflict(f"This file is on the shelf already as '{lo.name}'.",
                               field="path", details={"id": lo.id})
            if lo.name.casefold() == name.casefold():
                raise Conflict(f"A LoRA named '{lo.name}' is on the shelf already; choose "
                               "another name.", field="name", details={"id": lo.id})
        _write(data_dir, [*loras, entry])
    return entry


def update(data_dir: Path, ref: str, *, name: str | None = None,
           trigger_words: list[str] | None = None, family: str | None = None,
           preview: str | None = None) -> Lora:
    """Rename a LoRA or change what it says about itself (the file is not touched)."""
    changes: dict = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if trigger_words is not None:
        changes["trigger_words"] = _clean_words(trigger_words)
    if family is not None:
        changes["family"] = _check_family(family)
    if preview is not None:
        changes["preview"] = preview or None
    with _lock(data_dir):
        loras = _read(data_dir)
        current = _find(loras, ref, "lora_id")
        if "name" in changes:
            for lo in loras:
                if (lo.id != current.id and lo.trashed_at is None
                        and lo.name.casefold() == changes["name"].casefold()):
                    raise Conflict(f"A LoRA named '{lo.name}' is on the shelf already.",
                                   field="name")
        new = replace(current, **changes)
        _write(data_dir, [new if lo.id == current.id else lo for lo in loras])
    return new


def remove(data_dir: Path, ref: str) -> Lora:
    """Move a LoRA's entry to the shelf's trash; its file is the user's and stays."""
    return _set_trashed(data_dir, ref, _now())


def restore(data_dir: Path, ref: str) -> Lora:
    return _set_trashed(data_dir, ref, None)


def _set_trashed(data_dir: Path, ref: str, when: str | None) -> Lora:
    with _lock(data_dir):
        loras = _read(data_dir)
        current = _find(loras, ref, "lora_id")
        if when is None and current.trashed_at is not None:
            for lo in loras:
                if (lo.id != current.id and lo.trashed_at is None
                        and lo.name.casefold() == current.name.casefold()):
                    raise Conflict(f"A LoRA named '{lo.name}' is on the shelf already; "
                                   "rename it before restoring this one.", field="id")
        new = replace(current, trashed_at=when)
        _write(data_dir, [new if lo.id == current.id else lo for lo in loras])
    return new


# -- using ---------------------------------------------------------------------------------

_HASHES: dict[tuple[str, int, int], str] = {}
_HASHES_LOCK = threading.Lock()


def current_sha256(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime) so a warm job pays nothing."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _HASHES_LOCK:
        if key in _HASHES:
            return _HASHES[key]
    digest = sha256_of(path)
    with _HASHES_LOCK:
        _HASHES[key] = digest
    return digest


def resolve(data_dir: Path, uses: list[tuple[str, float]], *,
            field_name: str = "loras") -> list[AppliedLora]:
    """What a request's `loras` (name or id, weight) mean now, checked for use."""
    if not uses:
        return []
    loras = _read(data_dir)
    out: list[AppliedLora] = []
    for i, (ref, weight) in enumerate(uses):
        where = f"{field_name}[{i}]"
        lo = _find(loras, ref, f"{where}.lora")
        if lo.trashed_at is not None:
            raise Conflict(f"LoRA '{lo.name}' is in the trash; restore it first.",
                           field=f"{where}.lora")
        if not -MAX_WEIGHT <= float(weight) <= MAX_WEIGHT:
            raise InvalidRequest(f"'{where}.weight' must be between -{MAX_WEIGHT:g} and "
                                 f"{MAX_WEIGHT:g}.", field=f"{where}.weight")
        if any(a.id == lo.id for a in out):
            raise InvalidRequest(f"LoRA '{lo.name}' is listed twice.", field=f"{where}.lora")
        out.append(AppliedLora(id=lo.id, name=lo.name, sha256=lo.sha256,
                               weight=float(weight), family=lo.family))
    return out


def files_for(data_dir: Path, applied: list[AppliedLora]) -> list[Path]:
    """The file of each LoRA a job uses, checked: found on the shelf (its trash too, so a
    queued job still runs after the entry was removed) by id and hash, present, and
    unchanged since it was added."""
    shelf = _read(data_dir)
    out = []
    for lo in applied:
        entry = next((e for e in shelf if e.id == lo.id and e.sha256 == lo.sha256), None) \
            or next((e for e in shelf if e.sha256 == lo.sha256), None)
        if entry is None:
            raise InvalidRequest(f"LoRA '{lo.name}' is no longer on the shelf; add its file "
                                 "again.", field="loras", code="lora_missing")
        path = Path(entry.file)
        if not path.is_file():
            raise InvalidRequest(f"The file of LoRA '{lo.name}' ({path.name}) is gone; add it "
                                 "to the shelf again.", field="loras", code="lora_missing")
        if current_sha256(path) != lo.sha256:
            raise InvalidRequest(f"The file of LoRA '{lo.name}' changed since it was added "
                                 "(another sha256); add it again to use the new one.",
                                 field="loras", code="lora_changed")
        out.append(path)
    return out
