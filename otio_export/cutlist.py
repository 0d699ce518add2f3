"""The cut list: what an editor means by "these takes, in this order, this long".

Small dataclasses that round-trip through JSON (a schema version, unknown keys refused with the
field named). Every time is a whole number of *sequence* frames: a clip's `source_in` is how
far into its media it starts, `duration` how long it stays on the track, markers sit at a
frame counted from the clip's first frame on the timeline (or the sequence's first frame for
sequence markers). Files are read into the same model, so an import can be written back.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from otio_export.catalog import ALL_COLOURS
from otio_export.errors import TimelineError

CUT_SCHEMA_VERSION = 4  # 2: entries carry `enabled`, audio clips, image sequences; 3: media
# start timecode and speed; 4: the board shot a clip is cut for (`shot`)
MARKER_COLOURS = ALL_COLOURS
MEDIA_KINDS = ("file", "still", "image_sequence", "generator", "nested", "missing")
MAX_MEDIA_RATE = 768_000  # audio entries give their sample rate (48000) as media_fps
MAX_FRAMES = 10**8  # about 46 days at 24 fps: anything longer is a broken or hostile number
# Media lengths are limited by time, not count: an 83-minute song is 239 million samples.
MAX_MEDIA_SECONDS = MAX_FRAMES // 24
MAX_SPEED = 100.0  # 10,000 %, Premiere's limit
MAX_ENTRIES = 20_000
MAX_TRACKS = 99
MAX_COLUMNS = 200  # extra columns of one shot-list row


@dataclass
class Marker:
    name: str = ""
    frame: int = 0
    duration: int = 0
    color: str = "RED"
    note: str = ""


@dataclass
class Column:
    """One cell of a shot list's column Promptcut has no field for ("camera": "35mm")."""

    name: str = ""
    value: str = ""


@dataclass
class ShotRef:
    """The board shot a clip was cut for: its id, label, the editor's notes and the shot
    list's extra columns, written as clip metadata."""

    id: str = ""
    label: str = ""
    notes: str = ""
    columns: list[Column] = field(default_factory=list)


@dataclass
class ImageSequence:
    """Numbered still frames played as a clip: `folder`/`prefix`0042`suffix`, as OTIO's
    ImageSequenceReference describes them (frame numbers start at `start_frame`)."""

    folder: str = ""
    prefix: str = ""
    suffix: str = ""
    start_frame: int = 1
    frame_step: int = 1
    padding: int = 0
    rate: float = 24.0


@dataclass
class Entry:
    """One item on a track: a clip of a take or any media file, or a gap.

    Audio entries (tracks A1..) give the sample rate as `media_fps` and the length in
    samples as `media_frames`; their `source_in` and `duration` are sequence frames, as
    everywhere else."""

    kind: str = "clip"  # clip | gap
    name: str | None = None
    media_path: str | None = None
    take_id: str | None = None
    take: dict[str, Any] | None = None  # the take as the library knows it, record included
    media_fps: float | None = None  # the media's own rate (16 for Wan, 8 for CogVideoX)
    media_frames: int | None = None  # its length in its own frames
    source_in: int = 0
    duration: int | None = None  # None: to the end of the media
    markers: list[Marker] = field(default_factory=list)
    track: str = "V1"  # V1, V2 ... A1, A2 ...
    start: int | None = None  # filled on build and import: first frame on the track
    media_kind: str = "file"  # one of MEDIA_KINDS (what an import found)
    enabled: bool = True  # False: switched off in the editor; left out when written
    image_sequence: ImageSequence | None = None  # media_kind "image_sequence"
    # The media's first frame as its timecode says (01:00:00:00 from a camera), in sequence
    # frames: `source_in` counts from it, source timecodes (EDL, FCP7 XML) add it.
    media_start: int = 0
    # Playback speed (0.5: half speed). `duration` is the time on the track; the clip plays
    # duration * speed frames of its media from `source_in` (OTIO's LinearTimeWarp).
    speed: float = 1.0
    shot: ShotRef | None = None  # the board shot it is cut for


@dataclass
class Cut:
    name: str = "Promptcut cut"
    fps: float = 24.0
    width: int = 1920
    height: int = 1080
    entries: list[Entry] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what an import could not keep
    drop_frame: bool | None = None  # None: the house rule (29.97 and 59.94 drop-frame)
    disabled_tracks: list[str] = field(default_factory=list)  # tracks switched off
    schema_version: int = CUT_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Cut:
        """A cut from JSON, every field checked, a TimelineError naming the first bad one."""
        return _cut_from_dict(data)


def track_kind(track: str) -> str:
    """'V' or 'A': which kind of track a name like V2 or A1 stands for."""
    return track[0]


def track_number(track: str) -> int:
    return int(track[1:])


# --- validation -------------------------------------------------------------------------

def _fail(message: str, where: str) -> TimelineError:
    return TimelineError(message, field=where)


def _known(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(f"Unknown field {unknown[0]!r} in {where or 'the cut'}.",
                    f"{where}.{unknown[0]}" if where else unknown[0])


def _given(data: dict, name: str, default: Any) -> Any:
    """The value sent for `name`; a null counts as not sent (its default), so a JSON client
    that writes every key does not fail on an optional one (a null colour once crashed)."""
    value = data.get(name)
    return default if value is None else value


def _int(data: dict, name: str, where: str, default: Any, lo: int = 0,
         hi: int = MAX_FRAMES) -> Any:
    value = _given(data, name, default)
    if value is None or value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"'{name}' must be a whole number of frames.", f"{where}{name}")
    if not lo <= value <= hi:
        raise _fail(f"'{name}' must be between {lo} and {hi}.", f"{where}{name}")
    return value


def _str(data: dict, name: str, where: str, default: Any, max_len: int = 10_000) -> Any:
    value = _given(data, name, default)
    if value is None or value is default:
        return value
    if not isinstance(value, str) or len(value) > max_len or "\x00" in value:
        raise _fail(f"'{name}' must be a string of at most {max_len} characters.",
                    f"{where}{name}")
    return value


def _number(data: dict, name: str, where: str, default: Any, hi: float = 1000) -> Any:
    value = _given(data, name, default)
    if value is None or value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and 0 < value <= hi):
        raise _fail(f"'{name}' must be a number between 0 and {hi:g}.", f"{where}{name}")
    return value


def _bool(data: dict, name: str, where: str, default: Any) -> Any:
    value = _given(data, name, default)
    if value is None or value is default:
        return value
    if not isinstance(value, bool):
        raise _fail(f"'{name}' must be true or false.", f"{where}{name}")
    return value


def _sequence_from_dict(data: Any, where: str) -> ImageSequence | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _fail("'image_sequence' must be an object.", where)
    _known(data, {f.name for f in dataclasses.fields(ImageSequence)}, where)
    w = f"{where}."
    return ImageSequence(
        folder=_str(data, "folder", w, "", 4096), prefix=_str(data, "prefix", w, "", 500),
        suffix=_str(data, "suffix", w, "", 100),
        start_frame=_int(data, "start_frame", w, 1), frame_step=_int(data, "frame_step", w, 1, 1),
        padding=_int(data, "padding", w, 0, 0, 32), rate=_number(data, "rate", w, 24.0))


def _shot_from_dict(data: Any, where: str) -> ShotRef | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _fail("'shot' must be an object.", where)
    _known(data, {f.name for f in dataclasses.fields(ShotRef)}, where)
    w = f"{where}."
    columns = data.get("columns") or []
    if not isinstance(columns, list) or len(columns) > MAX_COLUMNS:
        raise _fail(f"'columns' must be a list of at most {MAX_COLUMNS}.", f"{w}columns")
    cells = []
    for i, cell in enumerate(columns):
        at = f"{w}columns[{i}]"
        if not isinstance(cell, dict):
            raise _fail("A column must be an object.", at)
        _known(cell, {"name", "value"}, at)
        cells.append(Column(_str(cell, "name", f"{at}.", "", 200),
                            _str(cell, "value", f"{at}.", "", 2000)))
    return ShotRef(id=_str(data, "id", w, "", 200), label=_str(data, "label", w, "", 1000),
                   notes=_str(data, "notes", w, ""), columns=cells)


def _marker_from_dict(data: Any, where: str) -> Marker:
    if not isinstance(data, dict):
        raise _fail("A marker must be an object.", where)
    _known(data, {f.name for f in dataclasses.fields(Marker)}, where)
    w = f"{where}."
    color = _str(data, "color", w, "RED", 16).upper()
    if color not in MARKER_COLOURS:
        raise _fail(f"Marker colour must be one of {', '.join(MARKER_COLOURS)}.", f"{w}color")
    return Marker(name=_str(data, "name", w, ""), frame=_int(data, "frame", w, 0),
                  duration=_int(data, "duration", w, 0), color=color,
                  note=_str(data, "note", w, ""))


def _entry_from_dict(data: Any, where: str) -> Entry:
    if not isinstance(data, dict):
        raise _fail("An entry must be an object.", where)
    _known(data, {f.name for f in dataclasses.fields(Entry)}, where)
    w = f"{where}."
    kind = _str(data, "kind", w, "clip", 8)
    if kind not in ("clip", "gap"):
        raise _fail("'kind' must be 'clip' or 'gap'.", f"{w}kind")
    track = _str(data, "track", w, "V1", 3)
    if not _track_ok(track):
        raise _fail(f"'track' must be V1..V{MAX_TRACKS} or A1..A{MAX_TRACKS}.", f"{w}track")
    take = data.get("take")
    if take is not None and not isinstance(take, dict):
        raise _fail("'take' must be an object.", f"{w}take")
    markers = data.get("markers") or []
    if not isinstance(markers, list) or len(markers) > 1000:
        raise _fail("'markers' must be a list of at most 1000 markers.", f"{w}markers")
    entry = Entry(
        kind=kind, name=_str(data, "name", w, None, 1000),
        media_path=_str(data, "media_path", w, None, 4096),
        take_id=_str(data, "take_id", w, None, 200), take=take,
        media_fps=_number(data, "media_fps", w, None, MAX_MEDIA_RATE),
        media_frames=_int(data, "media_frames", w, None, 1, MAX_FRAMES * 32_000),
        source_in=_int(data, "source_in", w, 0),
        duration=_int(data, "duration", w, None, 1),
        markers=[_marker_from_dict(m, f"{w}markers[{i}]") for i, m in enumerate(markers)],
        track=track, start=_int(data, "start", w, None),
        media_kind=_str(data, "media_kind", w, "file", 16),
        enabled=_bool(data, "enabled", w, True),
        image_sequence=_sequence_from_dict(data.get("image_sequence"), f"{w}image_sequence"),
        media_start=_int(data, "media_start", w, 0),
        speed=_number(data, "speed", w, 1.0, MAX_SPEED),
        shot=_shot_from_dict(data.get("shot"), f"{w}shot"))
    if entry.media_kind not in MEDIA_KINDS:
        raise _fail(f"'media_kind' must be one of {', '.join(MEDIA_KINDS)}.", f"{w}media_kind")
    if kind == "gap" and entry.duration is None:
        raise _fail("A gap needs a 'duration' in frames.", f"{w}duration")
    if entry.media_frames and entry.media_fps and (
            entry.media_frames / entry.media_fps > MAX_MEDIA_SECONDS):
        raise _fail(f"'media_frames' at {entry.media_fps:g} per second is longer than "
                    f"{MAX_MEDIA_SECONDS // 86400} days.", f"{w}media_frames")
    return entry


def upgrade_cut(data: dict[str, Any]) -> dict[str, Any]:
    """A saved cut brought up to CUT_SCHEMA_VERSION, one step per version; a cut from a
    newer Promptcut is refused with a sentence rather than misread.

    1 -> 2: entries gained `enabled` (default true), audio clips on A tracks with the
    sample rate as their media rate, and `image_sequence`; a version-1 cut means the same
    with all of them at their defaults, so the step only restamps it.
    2 -> 3: entries gained `media_start` (0) and `speed` (1.0): the same, restamped.
    3 -> 4: entries gained `shot` (none): the same, restamped.
    """
    version = data.get("schema_version", CUT_SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(f"'schema_version' {version!r} is not a cut schema version.",
                    "schema_version")
    if version > CUT_SCHEMA_VERSION:
        raise _fail(f"This cut was written by a newer Promptcut (cut schema {version}; this "
                    f"one reads up to {CUT_SCHEMA_VERSION}). Update Promptcut to read it.",
                    "schema_version")
    out = dict(data)
    if version < CUT_SCHEMA_VERSION:
        out["schema_version"] = CUT_SCHEMA_VERSION
    return out


def _cut_from_dict(data: Any) -> Cut:
    if not isinstance(data, dict):
        raise _fail("A cut must be an object.", "cut")
    _known(data, {f.name for f in dataclasses.fields(Cut)}, "")
    data = upgrade_cut(data)
    entries = data.get("entries") or []
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise _fail(f"'entries' must be a list of at most {MAX_ENTRIES}.", "entries")
    markers = data.get("markers") or []
    if not isinstance(markers, list) or len(markers) > 10_000:
        raise _fail("'markers' must be a list of at most 10000 markers.", "markers")
    warnings = data.get("warnings") or []
    if not isinstance(warnings, list) or not all(isinstance(x, str) for x in warnings):
        raise _fail("'warnings' must be a list of strings.", "warnings")
    return Cut(
        name=_str(data, "name", "", "Promptcut cut", 500),
        fps=_number(data, "fps", "", 24.0),
        width=_int(data, "width", "", 1920, 16, 16384),
        height=_int(data, "height", "", 1080, 16, 16384),
        entries=[_entry_from_dict(e, f"entries[{i}]") for i, e in enumerate(entries)],
        markers=[_marker_from_dict(m, f"markers[{i}]") for i, m in enumerate(markers)],
        warnings=list(warnings), drop_frame=_bool(data, "drop_frame", "", None),
        disabled_tracks=_tracks(data.get("disabled_tracks")))


def _tracks(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 2 * MAX_TRACKS or not all(
            isinstance(t, str) and _track_ok(t) for t in value):
        raise _fail("'disabled_tracks' must list track names (V1, A2 ...).", "disabled_tracks")
    return list(value)


def _track_ok(track: str) -> bool:
    return (len(track) >= 2 and track[0] in "VA" and track[1:].isdigit()
            and 1 <= int(track[1:]) <= MAX_TRACKS)
