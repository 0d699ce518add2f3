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
    if isinstance(err, otio.exceptions.OTIOError) or fmt == "edl":
        return f"The {label} file cannot be read: {_first_line(err)} {again}"
    return (f"The {label} file cannot be read: it is damaged or uses a part of the format the "
            f"reader does not handle. {again}")


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
