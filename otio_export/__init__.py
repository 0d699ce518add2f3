"""Cut lists in, OTIO timelines and editor files out; editor files back in.

A plain library: no Flask, no diffusers, no bridge. The bridge passes takes as dicts and a
`lookup` callable to match media back to takes.
"""

from otio_export.build import WriteOptions, build_timeline, entry_from_take, resolve_duration
from otio_export.catalog import FORMATS, Carries, TimelineFormat, formats_json
from otio_export.cutlist import CUT_SCHEMA_VERSION, Cut, Entry, ImageSequence, Marker
from otio_export.errors import TimelineError
from otio_export.exchange import (
    Export,
    check_media_roots,
    export_cut,
    external_media,
    in_library,
    read_cut,
    safe_stem,
)
from otio_export.formats import check_formats, to_string, write_file
from otio_export.importer import Lookup, cut_from_timeline
from otio_export.losses import losses
from otio_export.read import Source, read_timeline
from otio_export.urls import path_to_url, url_to_path

__all__ = [
    "CUT_SCHEMA_VERSION", "FORMATS", "Carries", "Cut", "Entry", "Export", "ImageSequence",
    "Lookup", "Marker", "Source", "TimelineError", "TimelineFormat", "WriteOptions",
    "build_timeline", "check_formats", "check_media_roots", "cut_from_timeline",
    "entry_from_take", "export_cut", "external_media", "formats_json", "in_library", "losses",
    "path_to_url", "read_cut", "read_timeline", "resolve_duration", "safe_stem", "to_string",
    "url_to_path", "write_file",
]
