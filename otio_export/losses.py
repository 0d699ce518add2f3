"""What a cut loses in a format, as sentences for the answer's `warnings`.

Read from the format record (`catalog.Carries`), so a format's limits are stated once: the
writers do what the record says and these sentences say it to the editor.
"""

from __future__ import annotations

from otio_export.catalog import FORMATS
from otio_export.colours import NEAREST
from otio_export.cutlist import Cut, track_kind

# Formats without sequence markers that write each on the item under it, so a board's
# shot names survive: EDL locators on events (a gap's on a black event), FCPXML markers on
# the spine's clips and gaps.
ON_ITEMS = {"edl": "events (locators at their record timecode)",
            "fcpxml": "clips and gaps of the spine"}


def losses(cut: Cut, fmt: str, *, include_disabled: bool = False) -> list[str]:
    """Sentences, each starting with the format's label, for what `cut` loses in `fmt`."""
    record = FORMATS[fmt]
    can = record.carries
    label = record.label
    clips = [e for e in cut.entries if e.kind == "clip"]
    out: list[str] = []
    audio = sorted({e.track for e in clips if track_kind(e.track) == "A"})
    if audio and not can.audio:
        out.append(f"{label} holds no audio: {', '.join(audio)} left out.")
    on_items = ON_ITEMS.get(fmt)
    if cut.markers and not can.sequence_markers:
        where = f"written as markers on the {on_items} under them" if on_items else "left out"
        out.append(f"{label} has no sequence markers: {len(cut.markers)} {where}.")
    on_gaps = sum(len(e.markers) for e in cut.entries if e.kind == "gap")
    if on_gaps and not can.gap_markers:
        where = ("written as sequence markers at the same frames" if can.sequence_markers
                 else "written on the gaps, read back as sequence markers" if on_items
                 else "left out")
        out.append(f"{label} has no markers on gaps: {on_gaps} {where}.")
    written = can.sequence_markers or bool(on_items)
    kept = [m for e in clips for m in e.markers] + (
        [m for e in cut.entries if e.kind == "gap" for m in e.markers] if can.gap_markers
        or written else []) + (cut.markers if written else [])
    if kept:
        colours = sorted({m.color for m in kept} - set(can.marker_colours))
        if colours:
            if fmt == "fcp7xml":
                becomes = ", ".join(f"{c} as {NEAREST.get(c, 'RED')}" for c in colours)
                out.append(f"{label} (Premiere's marker colours) writes {becomes}.")
            else:
                out.append(f"{label} keeps only {', '.join(can.marker_colours)} markers: "
                           f"{', '.join(colours)} read back as "
                           f"{'PURPLE' if fmt == 'fcpxml' else 'RED'}.")
        if not can.marker_notes and any(m.note for m in kept):
            if fmt == "edl":
                out.append(f"{label} keeps no marker notes: each is written as comment lines "
                           "(* NOTE: marker: text) under the event it falls on, which "
                           "Promptcut's import reads back.")
            else:
                out.append(f"{label} keeps no marker notes.")
        if not can.marker_durations and any(m.duration for m in kept):
            out.append(f"{label} keeps no marker durations (markers become points).")
        if fmt == "edl" and any(m.name != m.name.upper() for m in kept):
            out.append(f"{label} marker names are upper-cased.")
    disabled = [e for e in clips if not e.enabled or e.track in cut.disabled_tracks]
    if disabled and include_disabled and not can.disabled_items:
        out.append(f"{label} cannot mark clips switched off: {len(disabled)} left out.")
    sequences = sum(e.media_kind == "image_sequence" for e in clips)
    if sequences and not can.image_sequences:
        how = "as a frame range of one file name" if fmt == "edl" else "by their first frame"
        out.append(f"{label} names image sequences {how} ({sequences} clip(s)); they read "
                   "back as files.")
    if not can.frame_rate:
        out.append(f"{label} carries no frame rate or size: import it at {cut.fps:g} fps.")
    return out
