"""Cut lists in, OTIO timelines and editor files out; editor files back in.

A plain library: no Flask, no diffusers, no bridge. The bridge passes takes as dicts and a
`lookup` callable to match media back to takes.
"""

from otio_export.build import build_timeline, entry_from_take, resolve_duration
from otio_export.cutlist import CUT_SCHEMA_VERSION, Cut, Entry, Marker
from otio_export.errors import TimelineError
from otio_export.exchange import check_media_roots, export_cut, read_cut, safe_stem
from otio_export.formats import FORMATS, check_formats, to_string, write_file
from otio_export.importer import Lookup, cut_from_timeline
from otio_export.read import read_timeline
from otio_export.urls import path_to_url, url_to_path

__all__ = [
    "CUT_SCHEMA_VERSION", "FORMATS", "Cut", "Entry", "Lookup", "Marker", "TimelineError",
    "build_timeline", "check_formats", "check_media_roots", "cut_from_timeline",
    "entry_from_take", "export_cut", "path_to_url", "read_cut", "read_timeline",
    "resolve_duration", "safe_stem", "to_string", "url_to_path", "write_file",
]
