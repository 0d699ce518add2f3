"""Finding a take's Content Credentials again from a copy that lost them.

A remux, a re-encode, a trim or a resize writes a new file without the C2PA manifest. The
take's invisible watermark survives (watermark.py); its mark is named in the original's
manifest as a `c2pa.soft-binding`, and in the take's record. `recover` reads the mark and
looks it up in the library: the records beside the media, deleted takes in the trash too. The
library is the manifest repository the C2PA soft-binding design calls for, kept locally.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.library.credentials import watermark
from bridge.library.credentials.verify import verify


@dataclass(frozen=True)
class Recovery:
    mark: str
    alg: str
    confidence: float
    take_id: str | None = None  # None: a Promptcut mark, but not a take of this library
    original: Path | None = None  # the signed file in the library
    original_state: str | None = None
    manifest: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"mark": self.mark, "alg": self.alg, "confidence": self.confidence,
                "take_id": self.take_id,
                "original": str(self.original) if self.original else None,
                "original_state": self.original_state, "manifest": self.manifest}


def find_take(mark: str, roots: list[Path]) -> tuple[str, Path] | None:
    """The take id and signed file whose record names `mark`, newest folder first."""
    for root in roots:
        if not root.is_dir():
            continue
        for sidecar in sorted(root.rglob("*.json"), reverse=True):
            try:
                text = sidecar.read_text(encoding="utf-8")
            except OSError:
                continue
            if mark not in text:  # most records are skipped without parsing
                continue
            try:
                record = json.loads(text)
            except ValueError:
                continue
            wm = ((record.get("credentials") or {}).get("watermark") or {})
            video = sidecar.with_suffix(".mp4")
            if wm.get("mark") == mark and video.is_file():
                return str(record.get("take_id")), video
    return None


def recover(path: Path, roots: list[Path], *, trust_anchors: str | None = None
            ) -> Recovery | None:
    """The take a file's watermark names, and its original's credentials; None: no mark."""
    reading = watermark.read(Path(path))
    if reading is None:
        return None
    found = find_take(reading.mark, roots)
    if found is None:
        return Recovery(reading.mark, reading.alg, reading.confidence)
    take_id, original = found
    checked = verify(original, trust_anchors=trust_anchors)
    return Recovery(reading.mark, reading.alg, reading.confidence, take_id, original,
                    checked.state.value, checked.manifest)
