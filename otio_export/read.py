"""Editor files -> `otio.schema.Timeline`, safely.

Every file is vetted by `safety` before the OTIO adapter parses it, and anything the adapter
raises on a broken file (KeyError, ZeroDivisionError on a zero timebase, ...) becomes a
TimelineError: an upload must never turn into a 500.
"""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio

from otio_export import rates, safety
from otio_export.errors import TimelineError
from otio_export.formats import ADAPTERS

_BY_SUFFIX = {".otio": "otio", ".edl": "edl", ".fcpxml": "fcpxml", ".xml": None}


def detect_format(data: bytes, filename: str = "") -> str:
    """otio, fcp7xml, fcpxml or edl, from the name and, for XML, the root element."""
    suffix = Path(filename).suffix.lower()
    head = data.lstrip()[:1]
    fmt = _BY_SUFFIX.get(suffix)
    if fmt:
        return fmt
    if head == b"{":
        return "otio"
    if head == b"<" or data.startswith(b"\xef\xbb\xbf<"):
        return "xml"  # decided by the root element once it has been parsed safely
    if suffix in _BY_SUFFIX or not suffix:
        raise TimelineError("This is neither XML nor OTIO JSON.", field="file")
    raise TimelineError(f"Cannot read {suffix} files; send .otio, .xml, .fcpxml or .edl.",
                        field="file")


def read_timeline(data: bytes, filename: str = "", *, edl_rate: float = 24.0
                  ) -> tuple[otio.schema.Timeline, list[str]]:
    """The first timeline in an editor file, and warnings about what was left out."""
    fmt = detect_format(data, filename)
    warnings: list[str] = []
    if fmt in ("xml", "fcp7xml", "fcpxml"):
        root = safety.check_xml(data)
        fmt = {"xmeml": "fcp7xml", "fcpxml": "fcpxml"}.get(root)
        if fmt is None:
            raise TimelineError(f"An XML file with root <{root}> is neither FCP7 XML (xmeml) "
                                "nor FCPXML.", field="file")
        text = _text(data)
    elif fmt == "otio":
        text = safety.check_json(data)
    else:
        safety.check_edl(data)
        text = _loc_non_drop(_text(data), edl_rate)
    # EDLs carry no rate; OTIO's timecode wants the exact NTSC double (29.97 is refused).
    kwargs = {"rate": rates.float_rate(rates.exact_rate(edl_rate))} if fmt == "edl" else {}
    try:
        result = otio.adapters.read_from_string(text, adapter_name=ADAPTERS[fmt], **kwargs)
    except TimelineError:
        raise
    except RecursionError:
        raise TimelineError("The file's sequences refer to each other in a loop or nest too "
                            "deeply.", field="file") from None
    except Exception as err:  # any adapter failure on a bad file is the file's fault: 4xx
        raise TimelineError(f"Not a readable {fmt} file: {type(err).__name__}: {err}"[:500],
                            field="file") from None
    return _first_timeline(result, warnings), warnings


_LOC_DF = re.compile(r"^(\*\s*LOC:\s*)(\d\d:\d\d:\d\d;\d\d)", re.MULTILINE)


def _loc_non_drop(text: str, edl_rate: float) -> str:
    """The cmx_3600 reader matches LOC timecode as dd:dd:dd:dd only, silently dropping every
    drop-frame (";") marker of a 29.97 EDL, its own included. Rewrite those as the
    non-drop timecode of the same frame, which it reads to the same position."""
    rate = rates.float_rate(rates.exact_rate(edl_rate))

    def swap(match: re.Match[str]) -> str:
        try:
            time = otio.opentime.from_timecode(match.group(2), rate)
            return match.group(1) + otio.opentime.to_timecode(time, rate, False)
        except ValueError:
            return match.group(0)

    return _LOC_DF.sub(swap, text)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TimelineError("The file is not UTF-8 text.", field="file") from None


def _first_timeline(result: object, warnings: list[str]) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result if isinstance(t, otio.schema.Timeline)]
        if timelines:
            if len(timelines) > 1:
                warnings.append(f"The file holds {len(timelines)} sequences; read the first, "
                                f"{timelines[0].name!r}.")
            return timelines[0]
    raise TimelineError("The file holds no sequence.", field="file")
