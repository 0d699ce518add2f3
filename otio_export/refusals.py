"""Why a file cannot be read, as a sentence that says what to do.

The adapters fail on broken files with whatever Python raises deep inside them (an
AttributeError on a missing element, a KeyError, "unsupported schema version"). An editor
needs the reason in their terms and the way out; the exception's own text goes to `detail`
(shown as details, for a bug report), never as the message.
"""

from __future__ import annotations

import json
import re
import traceback

import opentimelineio as otio

from otio_export.catalog import FORMATS
from otio_export.errors import TimelineError

_FIND = re.compile(r"""find(?:text)?\(\s*['"]\.?/*([\w:-]+)['"]""")
_GET = re.compile(r"""\.get\(\s*['"]([\w:-]+)['"]""")


def refusal(fmt: str, err: BaseException, text: str | bytes | None = None) -> TimelineError:
    label = FORMATS[fmt].label if fmt in FORMATS else fmt
    detail = f"{type(err).__name__}: {err}"[:400]
    message = _sentence(fmt, label, err, text)
    return TimelineError(message, field="file", detail=detail)


def _sentence(fmt: str, label: str, err: BaseException, text: str | bytes | None) -> str:
    again = "Export it again from the editor, or export it as .otio or FCP7 XML."
    if isinstance(err, otio.exceptions.UnsupportedSchemaError) or "schema version" in str(err):
        newer = _newer_schemas(text)
        known = ", ".join(f"{n}.{v}" for n, v in newer.values())
        found = ", ".join(newer)
        if found:
            return (f"The {label} file was written by a newer OpenTimelineIO ({found}); this "
                    f"Promptcut reads up to {known}. Export it again for OpenTimelineIO 0.18 "
                    "(its writers take target schema versions, e.g. otiotool --downgrade).")
        return f"The {label} file uses a schema this OpenTimelineIO cannot read. {again}"
    unknown = _unknown_schemas(text) if fmt in ("otio", "otioz") else []
    if unknown:
        return (f"The {label} file holds objects this OpenTimelineIO does not know "
                f"({', '.join(unknown[:3])}), where a clip or track belongs, written by a "
                f"plugin or a newer version. {again}")
    if "Number too big" in str(err):
        return f"The {label} file holds a number too big for a timeline (beyond 1e308). {again}"
    if "JSON parse error" in str(err):
        return (f"The {label} file is not complete JSON (it breaks off or is damaged); was "
                f"it cut short while saving or downloading? {again}")
    if isinstance(err, KeyError):
        return f"The {label} file lacks a part the reader needs ({err}). {again}"
    if isinstance(err, ZeroDivisionError):
        return f"The {label} file gives a frame rate or timebase of zero. {again}"
    if isinstance(err, AttributeError | TypeError):
        missing = _missing_element(err)
        what = f"an element ({missing})" if missing else "an element"
        return (f"The {label} file lacks {what} the reader needs, for example a clip's "
                f"timing. {again}")
    if isinstance(err, ValueError) and ("invalid literal" in str(err)
                                        or "could not convert" in str(err)):
        return f"The {label} file holds text where a number belongs ({_quoted(err)}). {again}"
    if "type mismatch" in str(err):
        return f"The {label} file puts an object where another kind belongs. {again}"
    if fmt == "edl":
        return _edl_sentence(label, str(err))
    if isinstance(err, otio.exceptions.OTIOError):
        return f"The {label} file cannot be read: {_first_line(err)} {again}"
    return (f"The {label} file cannot be read: it is damaged or uses a part of the format the "
            f"reader does not handle. {again}")


_EDL_CASES = (
    (re.compile(r"Source and record duration don't match: RationalTime\(([\d.]+), [\d.]+\) "
                r"!= RationalTime\(([\d.]+), [\d.]+\) for clip (.*)", re.S),
     lambda m: f"Event {m.group(3).strip()!r} runs {_whole(m.group(1))} frames of its source "
               f"but {_whole(m.group(2))} frames on the record side, and no M2 line gives it a "
               "speed. Check the event, or whether the list is at another frame rate (give "
               "its fps on import)."),
    (re.compile(r"Overlapping record in value: (\S+) for clip (.*)", re.S),
     lambda m: f"Event {m.group(2).strip()!r} starts at record {m.group(1)}, before the event "
               "above it ends: a track of an EDL holds one event at a time, in record order."),
    (re.compile(r"incorrect number of fields \[(\d+)\]", re.S),
     lambda m: f"A line of the list is not an event: it has {m.group(1)} fields, where an event "
               "has 8 (9 with a transition)."),
    (re.compile(r"incorrect edit type (\S+)", re.S),
     lambda m: f"An event has the edit type {m.group(1)!r}; CMX3600 cuts are 'C'."),
    (re.compile(r"Unknown event type", re.S),
     lambda m: "A line of the list is neither an event (a number first), a title, an FCM line "
               "nor a comment."),
    (re.compile(r"Transitions can't be at the very beginning", re.S),
     lambda m: "The list starts with a dissolve, which needs an event before it."),
    (re.compile(r"Invalid transition", re.S),
     lambda m: "An event has two transitions; an event holds at most one."),
    (re.compile(r"(?:audio|video) delay", re.S),
     lambda m: "A SPLIT line must give exactly one of an audio or a video delay."),
    (re.compile(r"[Tt]imecode|frames? beyond|[Ff]rame rate", re.S),
     lambda m: "A timecode in the list is not valid at the rate it is read at (frames past "
               "the last of a second, or malformed): give the list's fps on import."),
)


def _edl_sentence(label: str, text: str) -> str:
    """An EDL the cmx_3600 reader refuses, in a sentence naming the event; the reader's
    own text (RationalTime(84, 29.97) != ...) stays in `detail`."""
    for pattern, sentence in _EDL_CASES:
        match = pattern.search(text)
        if match:
            return f"The {label} file cannot be read. {sentence(match)}"
    return (f"The {label} file cannot be read: a line is not what a CMX3600 list holds. Export "
            "it again from the editor, or export it as .otio or FCP7 XML.")


def _whole(value: str) -> str:
    number = float(value)
    return f"{number:g}"


def _missing_element(err: BaseException) -> str | None:
    """The element name on the adapter's line that failed (`x.find("./start").text`)."""
    frames = traceback.extract_tb(err.__traceback__)
    for frame in reversed(frames):
        line = frame.line or ""
        match = _FIND.search(line) or _GET.search(line)
        if match:
            return f"<{match.group(1)}>"
    return None


def _quoted(err: BaseException) -> str:
    match = re.search(r"'([^']{0,40})'", str(err))
    return f"'{match.group(1)}'" if match else "a value"


def _first_line(err: BaseException) -> str:
    line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    line = line[:200].rstrip(".")
    return f"{line}."


def _schemas(text: str | bytes | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    stack = [value]
    while stack and len(found) < 10_000:
        item = stack.pop()
        if isinstance(item, dict):
            name = item.get("OTIO_SCHEMA")
            if isinstance(name, str):
                found.append(name)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _newer_schemas(text: str | bytes | None) -> dict[str, tuple[str, int]]:
    known = otio.core.type_version_map()
    newer: dict[str, tuple[str, int]] = {}
    for schema in _schemas(text):
        name, _, version = schema.partition(".")
        if name in known and version.isdigit() and int(version) > known[name]:
            newer[schema] = (name, known[name])
    return newer


_VALUES = {"RationalTime", "TimeRange", "TimeTransform", "V2d", "Box2d", "Color"}


def _unknown_schemas(text: str | bytes | None) -> list[str]:
    known = {**otio.core.type_version_map(), **dict.fromkeys(_VALUES, 1)}
    return sorted({s for s in _schemas(text) if s.partition(".")[0] not in known})
