"""Timeline -> editor files, through OTIO's own adapters plus the few fixes they need.

The format record (name, extension, MIME type, what it carries) is `catalog.FORMATS`; the
per-format fixes live in `write_fcp7`, `write_fcpx` and `write_edl`, each a named step with
its reason. Every writer leaves the caller's timeline as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio
from opentimelineio import url_utils

from otio_export import write_edl, write_fcp7, write_fcpx
from otio_export.catalog import FORMATS
from otio_export.errors import TimelineError
from otio_export.urls import is_windows_path, url_to_path


def check_formats(names: list[str] | tuple[str, ...]) -> list[str]:
    """The formats asked for, deduplicated, or a TimelineError naming the bad one."""
    out: list[str] = []
    for name in names:
        fmt = FORMATS.get(name)
        if fmt is None or not fmt.write:
            raise TimelineError(f"Unknown format {name!r}; use "
                                f"{', '.join(f for f in FORMATS if FORMATS[f].write)}.",
                                field="formats")
        if name not in out:
            out.append(name)
    return out


def to_string(timeline: otio.schema.Timeline, fmt: str) -> str:
    """The file's text for every format but otioz (a zip, see write_file)."""
    if fmt == "otio":
        # Nothing to fix, and the writer does not touch its input: no copy needed.
        return otio.adapters.write_to_string(timeline, adapter_name="otio_json")
    if fmt == "fcp7xml":
        return write_fcp7.to_string(timeline)
    if fmt == "edl":
        return write_edl.to_string(timeline)
    if fmt == "fcpxml":
        return write_fcpx.to_string(timeline)
    if fmt == "otioz":
        raise TimelineError("otioz is a bundle with media; write it to a file.", field="formats")
    raise TimelineError(f"Unknown format {fmt!r}.", field="formats")


def write_file(timeline: otio.schema.Timeline, fmt: str, path: Path) -> Path:
    """Write one format to `path` (its suffix is not changed) and return the path."""
    path = Path(path)
    if fmt != "otioz":
        path.write_text(to_string(timeline, fmt), encoding="utf-8")
        return path
    bundle = timeline.deepcopy()
    names: dict[str, str] = {}
    urls: dict[str, str] = {}  # each file checked once, however often it is cut in
    for clip in bundle.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ImageSequenceReference):
            raise TimelineError(f"otioz cannot bundle the image sequence of {clip.name!r}; "
                                "write otio instead.", field="formats")
        if not isinstance(ref, otio.schema.ExternalReference):
            continue
        known = urls.get(ref.target_url)
        if known is not None:
            ref.target_url = known
            continue
        original = ref.target_url
        local = url_to_path(ref.target_url)
        if local and not (local.startswith("/") or is_windows_path(local)):
            raise TimelineError(f"otioz bundles media files, and {local} is a path relative to "
                                "a file Promptcut does not have; write otio instead.",
                                field="formats")
        if not local or not Path(local).is_file():
            raise TimelineError(f"otioz bundles media, and {local or ref.target_url} is "
                                "not a file here.", field="formats")
        resolved = str(Path(local).resolve())
        other = names.setdefault(Path(resolved).name, resolved)
        if other != resolved:
            raise TimelineError(f"otioz stores media by file name, and {resolved} and {other} "
                                "share one; write otio instead.", field="formats")
        ref.target_url = urls[original] = _url_otio_resolves(resolved)
    path.unlink(missing_ok=True)  # the otioz writer refuses to replace a file
    try:
        otio.adapters.write_to_file(bundle, str(path), adapter_name="otioz")
    except (otio.exceptions.OTIOError, OSError) as err:
        raise TimelineError(f"The otioz bundle could not be written: {err}",
                            field="formats") from None
    return path


def _url_otio_resolves(local: str) -> str:
    """A URL that the otioz writer turns back into `local`. Its `filepath_from_url` decodes
    percent-escapes twice (unquote, then url2pathname), so a path holding "%41" would be
    read as "A": such paths get their "%" encoded once more. Checked, not assumed, so a
    fixed OTIO gets the plain URL."""
    for candidate in (local, local.replace("%", "%25")):
        url = Path(candidate).as_uri()
        if os.path.abspath(url_utils.filepath_from_url(url)) == os.path.abspath(local):
            return url
    raise TimelineError(f"OpenTimelineIO cannot name the file {local} in a bundle; rename "
                        "it or write otio instead.", field="formats")
