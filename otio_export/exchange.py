"""The two calls most callers need: a cut to files, and a file to a cut."""

from __future__ import annotations

import os
import re
from pathlib import Path

from otio_export.build import build_timeline
from otio_export.cutlist import Cut
from otio_export.errors import TimelineError
from otio_export.formats import FORMATS, check_formats, write_file
from otio_export.importer import Lookup, cut_from_timeline
from otio_export.read import read_timeline
from otio_export.urls import is_windows_path


def export_cut(cut: Cut, formats: list[str], folder: Path, stem: str | None = None
               ) -> dict[str, Path]:
    """Build the cut's timeline once and write each format into `folder`.

    Files are written under a temporary name and renamed into place, so a reader never sees
    half a file (DESIGN.md, Contracts).
    """
    names = check_formats(formats)
    timeline = build_timeline(cut)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_stem(stem or cut.name)
    out: dict[str, Path] = {}
    for fmt in names:
        final = folder / f"{stem}{FORMATS[fmt]}"
        partial = folder / f".{stem}.partial{FORMATS[fmt]}"
        try:
            write_file(timeline, fmt, partial)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        out[fmt] = final
    return out


def read_cut(data: bytes, filename: str = "", lookup: Lookup | None = None,
             edl_rate: float = 24.0) -> Cut:
    """An editor file (FCP7 XML, .otio, FCPXML, EDL) as a cut list, takes matched back."""
    timeline, warnings = read_timeline(data, filename, edl_rate=edl_rate)
    return cut_from_timeline(timeline, lookup, warnings)


def check_media_roots(cut: Cut, roots: list[Path]) -> None:
    """Refuse media outside `roots`: a cut sent over HTTP must not bundle or probe any file
    on the machine (an .otioz of /etc/passwd is a download away)."""
    resolved = [Path(r).resolve() for r in roots]
    for i, entry in enumerate(cut.entries):
        if entry.kind != "clip" or not entry.media_path:
            continue
        where = f"entries[{i}].media_path"
        if is_windows_path(entry.media_path) and os.name != "nt":
            raise TimelineError("The media path is a Windows path on this machine.", field=where)
        path = Path(entry.media_path)
        if not path.is_absolute():
            raise TimelineError("Media paths must be absolute.", field=where)
        real = path.resolve()
        if not any(real.is_relative_to(root) for root in resolved):
            raise TimelineError(f"{entry.media_path} is outside the media library.",
                                field=where)


_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}


def safe_stem(name: str) -> str:
    """A file name stem for a sequence name that every OS accepts (the bridge runs on
    Windows too): no separators or reserved characters, no dots or spaces at the ends, not
    a reserved device name, no unpaired surrogates, not too long."""
    stem = re.sub(r"[\x00-\x1f/\\:*?\"<>|\ud800-\udfff]+", "_", name).strip(" .")[:80]
    stem = stem.strip(" .")
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem or "timeline"
