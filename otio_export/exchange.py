"""The two calls most callers need: a cut to files, and a file to a cut."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from otio_export.build import WriteOptions, build_timeline
from otio_export.catalog import FORMATS
from otio_export.cutlist import Cut
from otio_export.errors import TimelineError
from otio_export.formats import check_formats, write_file
from otio_export.importer import Lookup, cut_from_view
from otio_export.losses import losses
from otio_export.read import read_timeline
from otio_export.urls import is_windows_path, path_to_url

log = logging.getLogger("promptcut.otio")


@dataclass
class Export:
    """What `export_cut` wrote, and what the formats could not carry."""

    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def export_cut(cut: Cut, formats: list[str], folder: Path, stem: str | None = None,
               options: WriteOptions | None = None) -> Export:
    """Build the cut's timeline once and write each format into `folder`, all or nothing.

    Every format is written under a temporary name first; only when all of them succeeded
    are they renamed into place, so a failure in one format leaves no file of any (and a
    reader never sees half a file; docs/architecture.md, Files).
    """
    options = options or WriteOptions()
    names = check_formats(formats)
    result = Export()
    timeline = build_timeline(cut, options, result.warnings)
    for fmt in names:
        result.warnings += losses(cut, fmt, include_disabled=options.include_disabled)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = safe_stem(stem or cut.name)
    partials: dict[str, Path] = {}
    try:
        for fmt in names:
            extension = FORMATS[fmt].extension
            partial = partials[fmt] = folder / f".{stem}.partial{extension}"
            _write_one(timeline, fmt, partial)
        for fmt, partial in partials.items():
            final = folder / f"{stem}{FORMATS[fmt].extension}"
            os.replace(partial, final)
            result.files[fmt] = final
    except BaseException:
        for path in [*partials.values(), *result.files.values()]:
            path.unlink(missing_ok=True)  # only files this attempt wrote
        raise
    return result


def _write_one(timeline, fmt: str, path: Path) -> None:
    try:
        write_file(timeline, fmt, path)
    except (TimelineError, OSError):
        raise
    except Exception as err:
        # An adapter failing on a cut it should write is a bug here, but still the caller's
        # cut that cannot be written in this format: say so, with the way around it.
        log.exception("the %s writer failed", fmt)
        raise TimelineError(f"The {FORMATS[fmt].label} writer failed on this cut "
                            f"({type(err).__name__}); write another format, and please "
                            "report it.", field="formats") from None


def read_cut(data: bytes, filename: str = "", lookup: Lookup | None = None,
             edl_rate: float = 24.0) -> Cut:
    """An editor file (.otio, .otioz, FCP7 XML, FCPXML, EDL) as a cut list, takes matched
    back."""
    source = read_timeline(data, filename, edl_rate=edl_rate)
    return cut_from_view(source.layout, lookup, source.warnings,
                         drop_frame=source.drop_frame, size=(source.width, source.height))


def in_library(path: str, roots: list[Path]) -> bool:
    """Whether a media path is a file under one of `roots` (symlinks resolved). Only such
    files are ever opened (probed, bundled); any other path is written as it is."""
    if is_windows_path(path) and os.name != "nt":
        return False
    candidate = Path(path)
    if not candidate.is_absolute():
        return False
    real = candidate.resolve()
    return any(real.is_relative_to(Path(root).resolve()) for root in roots)


def external_media(cut: Cut, roots: list[Path]) -> list[int]:
    """Indexes of the clips whose media lies outside `roots` (an editor's own footage in an
    imported cut). Their paths must still be absolute: an editor elsewhere could not find a
    relative one."""
    out = []
    for i, entry in enumerate(cut.entries):
        if entry.kind != "clip" or not entry.media_path:
            continue
        if not in_library(entry.media_path, roots):
            try:
                path_to_url(entry.media_path)
            except TimelineError as err:
                raise TimelineError(err.message, field=f"entries[{i}].media_path") from None
            out.append(i)
    return out


def check_media_roots(cut: Cut, roots: list[Path]) -> None:
    """Refuse media outside `roots`, for what must open the files (an .otioz bundles them,
    and an .otioz of /etc/passwd must not be a download away)."""
    for i in external_media(cut, roots):
        raise TimelineError(f"{cut.entries[i].media_path} is outside the media library.",
                            field=f"entries[{i}].media_path")


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
