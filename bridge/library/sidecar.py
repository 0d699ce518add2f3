"""The take record beside its media (`<stem>.json`): read, upgrade, keep current, rebuild from.

The sidecar is the source of truth the database is rebuilt from (docs/architecture.md,
Files), so what an editor decides about a take (rating, pick or reject, tags, notes, its
shot) is written into it too, under `library`, each time it changes. Records carry a schema
version; `upgrade` brings an older one up to date so a library from any version rebuilds.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from bridge.library.media import filmstrip_grid

SCHEMA = 2
CURATION = ("rating", "status", "tags", "notes", "shot_id", "board_id")


def upgrade(record: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (first wave) -> 2: where it ran, its shot, what the preset contributed."""
    version = record.get("schema_version", 1)
    if version > SCHEMA:
        raise ValueError(f"take record schema {version} is newer than this Promptcut "
                         f"({SCHEMA}); update Promptcut")
    out = dict(record)
    if version < 2:
        out.setdefault("shot_id", None)
        out.setdefault("board_id", None)
        out.setdefault("executor", None)
    out["schema_version"] = SCHEMA
    return out


def read(path: Path) -> dict[str, Any] | None:
    """The record in a sidecar, upgraded; None when the file is not a take record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("take_id"), str) or not (
                isinstance(data.get("request"), dict) and "prompt" in data["request"]):
            return None
        return upgrade(data)
    except (OSError, ValueError):
        return None


def write_curation(path: Path, record: dict[str, Any], values: dict[str, Any]) -> None:
    """Rewrite the sidecar with the editor's decisions; temp name, flush, rename, so the
    record is always whole (the new one is the old one plus `library`)."""
    out = {**record, "library": {k: values.get(k) for k in CURATION}}
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.update")
    try:
        tmp.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # our own temporary copy; the record is untouched
        raise


def take_row(record: dict[str, Any], folder: str, stem: str) -> dict[str, Any]:
    """The database row of a take, from its record alone (for repair and recovery)."""
    req = record["request"]
    lib = record.get("library") or {}
    width, height = int(record["width"]), int(record["height"])
    frames, fps = int(record["num_frames"]), float(record["fps"])
    grid = filmstrip_grid(width, height, frames)
    return {
        "id": record["take_id"], "job_id": record.get("job_id") or "j" + record["take_id"][1:],
        "batch_id": record.get("batch_id") or folder, "created_at": record["created_at"],
        "prompt": req["prompt"], "model": req.get("model", ""), "seed": int(req.get("seed", 0)),
        "width": width, "height": height, "num_frames": frames, "fps": fps,
        "duration_s": frames / fps, "folder": folder, "stem": stem,
        "filmstrip": {"columns": grid.columns, "rows": grid.rows, "frames": grid.frames,
                      "tile_width": grid.tile_width, "tile_height": grid.tile_height},
        "record": {k: v for k, v in record.items() if k != "library"},
        "parent_take_id": record.get("parent_take_id"),
        "test_model": bool((record.get("generation") or {}).get("test_model")),
        "shot_id": lib.get("shot_id", record.get("shot_id")),
        "board_id": lib.get("board_id", record.get("board_id")),
        "rating": int(lib.get("rating") or 0), "status": lib.get("status") or "new",
        "tags": list(lib.get("tags") or []), "notes": lib.get("notes") or "",
    }
