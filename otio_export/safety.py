"""Checks that run on an editor file before any OTIO adapter sees it.

The adapters parse with the standard library's ElementTree and OTIO's JSON reader, which are
not meant for hostile input: entity expansion ("billion laughs"), external entities, nesting
deep enough to exhaust a recursive reader, numbers too big for a double. Everything here fails
fast with a TimelineError saying what was wrong; nothing is ever fetched or expanded.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from otio_export.errors import TimelineError

MAX_FILE_BYTES = 16 * 1024 * 1024  # a 1,000-clip FCP7 XML is about 3 MiB
MAX_DEPTH = 64  # Premiere's XML nests about 15 deep, OTIO JSON about 25
MAX_NUMBER = 2.0**64  # seeds are 64-bit; no time or rate comes near this
# Reading costs about a millisecond per item in the adapters: the size cap alone would let a
# 16 MiB file of tiny clips run for minutes. Real cuts hold hundreds to a few thousand.
MAX_ITEMS = 10_000
_XML_ITEMS = {"clipitem", "generatoritem", "transitionitem", "asset-clip", "clip", "ref-clip",
              "gap", "title", "sync-clip", "mc-clip", "marker"}


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise TimelineError(f"The file is {len(data)} bytes; timelines are at most "
                            f"{MAX_FILE_BYTES} bytes.", field="file")
    if not data.strip():
        raise TimelineError("The file is empty.", field="file")


def check_xml(data: bytes) -> str:
    """Parse once with defusedxml, bounding depth; returns the root element's tag."""
    check_size(data)
    depth, root, items = 0, "", 0
    try:
        for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end"),
                                               forbid_dtd=False, forbid_entities=True,
                                               forbid_external=True):
            if event == "start":
                depth += 1
                root = root or element.tag
                if depth > MAX_DEPTH:
                    raise TimelineError(f"The XML nests deeper than {MAX_DEPTH} levels.",
                                        field="file")
                items += element.tag in _XML_ITEMS
                if items > MAX_ITEMS:
                    raise _too_many()
            else:
                depth -= 1
                element.clear()  # keep memory flat on big files
    except defusedxml.DefusedXmlException as err:
        raise TimelineError(f"The XML declares entities or external references, which "
                            f"timeline files never need ({type(err).__name__}).",
                            field="file") from None
    except ParseError as err:
        raise TimelineError(f"The XML is malformed or truncated: {err}.", field="file") from None
    return root


def check_json(data: bytes) -> str:
    """Parse with the standard library first: bounded depth, finite numbers, UTF-8."""
    check_size(data)
    try:
        text = data.decode("utf-8-sig")
        value = json.loads(text, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise TimelineError("The file is not UTF-8 text.", field="file") from None
    except RecursionError:
        raise TimelineError(f"The JSON nests deeper than {MAX_DEPTH} levels.",
                            field="file") from None
    except ValueError as err:
        raise TimelineError(f"The JSON is malformed or truncated: {err}.", field="file") from None
    _walk_json(value)
    return text


def check_edl(data: bytes) -> None:
    check_size(data)
    events = sum(1 for line in data.splitlines() if line[:3].isdigit())
    if events > MAX_ITEMS:
        raise _too_many()


def _too_many() -> TimelineError:
    return TimelineError(f"The file holds more than {MAX_ITEMS} clips, transitions and "
                         "markers; split the sequence.", field="file")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a timeline can hold")


def _walk_json(value: Any) -> None:
    """Depth and number bounds, iteratively (a recursive walk is what we guard against)."""
    stack = [(value, 1)]
    items = 0
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TimelineError(f"The JSON nests deeper than {MAX_DEPTH} levels.", field="file")
        if isinstance(item, dict):
            items += "OTIO_SCHEMA" in item and str(item["OTIO_SCHEMA"]).startswith(
                ("Clip.", "Gap.", "Transition.", "Marker.", "Stack.", "Track."))
            if items > MAX_ITEMS:
                raise _too_many()
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, int | float) and not isinstance(item, bool) and (
                not math.isfinite(item) or abs(item) > MAX_NUMBER):
            raise TimelineError(f"The file holds the number {item!r}, too big for a timeline.",
                                field="file")
