"""Cut list -> `otio.schema.Timeline`, with every clip at an exact sequence frame.

All clip ranges are expressed at the *sequence* rate (a 16 fps take in a 24 fps sequence has a
24 fps source range), so every writer sees a single rate and a track's duration is a plain sum
of integers: nothing drifts, and OTIO's "the sum takes the larger rate" rule never applies.
The media's own rate and length (a take's 16 fps, a song's 48000 samples) stay on the media
reference's `available_range`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from otio_export import rates, skeleton, write_edl, write_fcp7
from otio_export.cutlist import Cut, Entry, track_kind, track_number
from otio_export.errors import TimelineError
from otio_export.metadata import META, clean_text, file_name, marker, safe, take_fields
from otio_export.urls import path_to_url


@dataclass(frozen=True)
class WriteOptions:
    """How a cut is written, beyond what the cut itself says."""

    include_disabled: bool = False  # write switched-off clips (marked disabled) instead of gaps
    drop_frame: bool = True  # drop-frame timecode at 29.97 and 59.94 unless the cut says


def entry_from_take(take: dict[str, Any], **overrides: Any) -> Entry:
    """A clip entry for a take from the library (the take shape of docs/api.md)."""
    entry = Entry(
        name=file_name(take["media_path"]), media_path=take["media_path"],
        take_id=take.get("id"), take=take, media_fps=take.get("fps"),
        media_frames=take.get("num_frames"))
    for key, value in overrides.items():
        setattr(entry, key, value)
    return entry


def media_length(entry: Entry, rate: Fraction) -> int | None:
    """Whole sequence frames the entry's media fills, or None when unknown (or a still)."""
    if entry.kind != "clip" or entry.media_kind == "still" or not (
            entry.media_fps and entry.media_frames):
        return None
    return rates.media_length_in_seq_frames(
        entry.media_frames, rates.exact_rate(entry.media_fps), rate)


def resolve_duration(entry: Entry, rate: Fraction, where: str = "entry",
                     warnings: list[str] | None = None) -> int:
    """The entry's length in sequence frames, checked against its media's length. A clip one
    frame longer than its media is kept with a warning: editors round clip lengths to the
    nearest frame where Promptcut rounds down."""
    length = media_length(entry, rate)
    if entry.duration is not None:
        duration = entry.duration
    elif length is not None:
        duration = length - entry.source_in
    else:
        raise TimelineError("Give the entry a 'duration' (or the media's fps and length).",
                            field=f"{where}.duration")
    if duration <= 0:
        raise TimelineError("'source_in' is at or past the end of the media.",
                            field=f"{where}.source_in")
    played = media_used(duration, entry.speed)
    if length is not None and entry.source_in + played > length:
        needed = entry.source_in + played
        if needed > length + 1 or warnings is None:
            raise TimelineError(
                f"The clip needs {needed} frames but its media holds {length} at "
                f"{rates.rate_label(rate)} fps.", field=f"{where}.duration")
        warnings.append(f"{where}: the clip runs one frame past its media ({length} frames at "
                        f"{rates.rate_label(rate)} fps), as an editor's rounding does; kept.")
    return duration


def media_used(duration: int, speed: float) -> int:
    """Media frames a clip `duration` frames long plays at `speed` (rounded up: a clip
    never claims less media than it shows)."""
    if speed == 1:
        return duration
    return math.ceil(Fraction(repr(float(speed))) * duration - Fraction(1, 10**6))


def build_timeline(cut: Cut, options: WriteOptions | None = None,
                   warnings: list[str] | None = None) -> otio.schema.Timeline:
    """The OTIO timeline for a cut. Lays the cut out as it goes: each entry's `start` and
    `duration` are filled in (a clip left to run to its media's end gets its length), so the
    caller can show the cut exactly as written. What had to be left out or adjusted is
    appended to `warnings`. The objects are assembled as OTIO JSON and deserialized once
    (see `skeleton`)."""
    options = options or WriteOptions()
    notes = warnings if warnings is not None else []
    rate = rates.sequence_rate(cut.fps)
    fr = rates.float_rate(rate)
    if not any(e.kind == "clip" and track_kind(e.track) == "V" for e in cut.entries):
        # Every writer assumes a picture: the EDL writer fails on an empty track, FCPXML on
        # an audio-only spine, and a sequence of gaps reads back as nothing.
        raise TimelineError("The cut needs at least one clip on a video track.",
                            field="entries")
    drop_frame = rates.is_drop_frame(rate, cut.drop_frame, options.drop_frame)
    metadata = {META: {"schema_version": cut.schema_version, "fps": rates.rate_label(rate),
                       "width": cut.width, "height": cut.height, "drop_frame": drop_frame,
                       "fcp7_hints": True, "edl_hints": True},
                # FCP7 XML: the sequence's frame size lives in its format; the writer copies
                # this dict.
                "fcp_xml": {"media": {"video": {"format": {"samplecharacteristics": {
                    "width": str(cut.width), "height": str(cut.height)}}}}}}
    disabled_tracks = set(cut.disabled_tracks)
    tracks: dict[str, dict] = {}
    cursors: dict[str, int] = {}
    left_out: list[str] = []
    records: dict[int, Any] = {}  # one cleaned copy of each take record, however often cut in
    context = _Context(rate, drop_frame, records)
    for i, entry in enumerate(cut.entries):
        where = f"entries[{i}]"
        track = tracks.get(entry.track)
        if track is None:
            track = tracks[entry.track] = _track(entry.track, entry.track in disabled_tracks
                                                 and options.include_disabled)
            cursors[entry.track] = 0
        duration = entry.duration = resolve_duration(entry, rate, where, notes)
        entry.start = cursors[entry.track]
        cursors[entry.track] += duration
        if cursors[entry.track] > rates.MAX_TIMELINE_FRAMES:
            raise TimelineError("The cut is longer than any editor accepts.", field=where)
        off = entry.kind == "clip" and not (entry.enabled and entry.track not in disabled_tracks)
        if entry.kind == "gap" or (off and not options.include_disabled):
            if off:
                left_out.append(f"{entry.track} at frame {entry.start}")
            track["children"].append(skeleton.node(
                "Gap", source_range=skeleton.span(0, duration, fr),
                markers=[marker(m, 0, fr) for m in entry.markers]))
        else:
            context.clips += 1  # written switched off when asked: its own flag, its track's
            track["children"].append(_clip(entry, duration, where, context, entry.enabled))
    # EDL reels: unique per media file across the cut (see write_edl.reel_hints).
    made = [c for t in tracks.values() for c in t["children"] if "media_references" in c]
    hints = write_edl.reel_hints([(_media_key(c), str(c["metadata"][META]["take_id"] or ""),
                                   c["name"]) for c in made])
    for clip, hint in zip(made, hints, strict=True):
        clip["metadata"]["cmx_3600"] = hint
    if left_out:
        notes.append(f"{len(left_out)} disabled clip(s) left out ({', '.join(left_out[:5])}"
                     f"{' ...' if len(left_out) > 5 else ''}); ask for include_disabled to "
                     "write them switched off.")
    stack = []
    for kind in ("V", "A"):
        # Every track up to the highest one used, so a clip cut to V3 stays on V3.
        top = max((track_number(t) for t in tracks if track_kind(t) == kind), default=0)
        stack += [tracks.get(f"{kind}{n}") or _track(f"{kind}{n}", False)
                  for n in range(1, top + 1)]
    tree = skeleton.node("Timeline", name=clean_text(cut.name), metadata=metadata,
                         global_start_time=skeleton.time(0, fr))
    tree["tracks"] = skeleton.node("Stack", name="tracks", children=stack,
                                   markers=[marker(m, 0, fr) for m in cut.markers])
    return skeleton.load(tree)


@dataclass
class _Context:
    rate: Fraction
    drop_frame: bool
    records: dict[int, Any]
    clips: int = 0

    @property
    def fr(self) -> float:
        return rates.float_rate(self.rate)


def _track(name: str, disabled: bool) -> dict:
    kind = "Video" if track_kind(name) == "V" else "Audio"
    metadata = {"fcp_xml": {"enabled": "FALSE"}} if disabled else {}
    return skeleton.node("Track", name=name, kind=kind, enabled=not disabled,
                         metadata=metadata)


def _clip(entry: Entry, duration: int, where: str, context: _Context, enabled: bool) -> dict:
    fr = context.fr
    take = entry.take or {}
    record = context.records.get(id(take))
    if record is None and take:
        record = context.records[id(take)] = safe(take)
    metadata: dict[str, Any] = {META: {
        "take_id": clean_text(entry.take_id or "") or None, "take": record,
        "media_path": clean_text(entry.media_path or "") or None,
        "media_kind": entry.media_kind, **_cut_facts(entry, duration, context.rate)}}
    fcp = metadata["fcp_xml"] = write_fcp7.clip_hints(context.clips, enabled)
    if entry.speed != 1:
        fcp["filter"] = write_fcp7.speed_filter(entry.speed)
    if take:
        prompt, seed, model = take_fields(take)
        # Premiere shows logginginfo as Description/Scene/Shot/Log Note and comments as the
        # Comment columns: prompt, model and seed where an editor can see them.
        fcp["logginginfo"] = {"description": prompt, "scene": model, "shottake": f"seed {seed}",
                              "lognote": f"promptcut take {entry.take_id or ''}".strip()}
        fcp["comments"] = {"mastercomment1": prompt, "mastercomment2": f"seed {seed}",
                           "mastercomment3": model}
    if entry.shot is not None and entry.shot.notes:
        # Premiere's fourth Comment column: the shot's notes (and the shot list's columns).
        fcp.setdefault("comments", {})["mastercomment4"] = clean_text(entry.shot.notes)
    name = clean_text(entry.name or file_name(entry.media_path or "") or "clip")
    first = entry.media_start + entry.source_in  # the source timecode of its first frame
    effects = [] if entry.speed == 1 else [skeleton.node(
        "LinearTimeWarp", name="Speed", time_scalar=float(entry.speed))]
    return skeleton.clip(name, skeleton.span(first, duration, fr),
                         _media_reference(entry, where, context), metadata=metadata,
                         enabled=enabled, effects=effects,
                         markers=[marker(m, first, fr, entry.speed) for m in entry.markers])


def _cut_facts(entry: Entry, duration: int, rate: Fraction) -> dict[str, Any]:
    """What the cut did with a clip's media, for the clip's metadata: the frames of handle
    left before its in-point and after its out-point (sequence frames; the tail None when
    the media's length is unknown), how a take at another rate was conformed, and the
    board shot it is cut for."""
    length = media_length(entry, rate)
    tail = None if length is None else max(
        0, length - entry.source_in - media_used(duration, entry.speed))
    out: dict[str, Any] = {"handles": {"head": entry.source_in, "tail": tail}}
    if entry.media_fps and track_kind(entry.track) == "V" and entry.media_kind != "still":
        media_rate = rates.exact_rate(entry.media_fps)
        if media_rate != rate:
            out["conform"] = {"method": "retime", "media_fps": rates.rate_label(media_rate),
                              "sequence_fps": rates.rate_label(rate),
                              "said": assemble_conform(media_rate, rate)}
    if entry.shot is not None:
        out["shot"] = {"id": clean_text(entry.shot.id), "label": clean_text(entry.shot.label),
                       "notes": clean_text(entry.shot.notes),
                       "columns": {clean_text(c.name): clean_text(c.value)
                                   for c in entry.shot.columns}}
    return out


def assemble_conform(media_rate: Fraction, rate: Fraction) -> str:
    """The one sentence for a take retimed by the cut (otio_export.assemble says the same)."""
    return (f"retimed {rates.rate_label(media_rate):g} -> {rates.rate_label(rate):g} fps by "
            "the cut")


def _media_key(clip: dict) -> str:
    ref = next(iter(clip["media_references"].values()))
    return ref.get("target_url") or ref.get("target_url_base") or clip["name"] or ""


def _fcp_media(entry: Entry, context: _Context) -> dict[str, Any]:
    audio = track_kind(entry.track) == "A"
    media_rate = rates.exact_rate(entry.media_fps) if entry.media_fps else context.rate
    hints = write_fcp7.media_hints(media_rate, context.rate, audio, context.drop_frame)
    if audio and entry.media_fps:
        hints.update(write_fcp7.audio_hints(float(entry.media_fps)))
    return hints


def _media_reference(entry: Entry, where: str, context: _Context) -> dict:
    seq = entry.image_sequence
    if entry.media_kind == "image_sequence" and seq is not None:
        return skeleton.node(
            "ImageSequenceReference",
            target_url_base=_url(seq.folder.rstrip("/\\") or "/", where) + "/",
            name_prefix=clean_text(seq.prefix), name_suffix=clean_text(seq.suffix),
            start_frame=seq.start_frame, frame_step=seq.frame_step,
            rate=rates.float_rate(rates.exact_rate(seq.rate)),
            frame_zero_padding=seq.padding, available_range=_available(entry),
            metadata={"fcp_xml": _fcp_media(entry, context)})
    if not entry.media_path:
        return skeleton.node("MissingReference", name=clean_text(entry.name or ""))
    metadata: dict[str, Any] = {"fcp_xml": _fcp_media(entry, context)}
    take = entry.take or {}
    if take:
        prompt, seed, model = take_fields(take)
        # FCPXML keeps a note and <md> key/values on the asset-clip it makes for a reference.
        metadata["fcpx"] = {"note": prompt, "metadata": [
            {"promptcut.take_id": clean_text(str(entry.take_id or ""))},
            {"promptcut.seed": str(seed)}, {"promptcut.model": model}]}
    return skeleton.node(
        "ExternalReference", target_url=_url(entry.media_path, where),
        name=clean_text(file_name(entry.media_path)), metadata=metadata,
        available_range=None if entry.media_kind == "still" else _available(
            entry, context.rate))


def _available(entry: Entry, rate: Fraction | None = None) -> dict | None:
    """The media's range at its own rate, starting at its start timecode (given in
    sequence frames, so converted when the rates differ)."""
    if not (entry.media_fps and entry.media_frames):
        return None
    media_rate = rates.exact_rate(entry.media_fps)
    start: float = entry.media_start
    if start and rate is not None and media_rate != rate:
        start = float(Fraction(start) * media_rate / rate)
    return skeleton.span(start, entry.media_frames, rates.float_rate(media_rate))


def _url(path: str, where: str) -> str:
    try:
        return path_to_url(path)
    except TimelineError as err:
        raise TimelineError(err.message, field=f"{where}.media_path") from None
