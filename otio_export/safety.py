"""Checks that run on an editor file before any OTIO adapter sees it.

The adapters parse with the standard library's ElementTree and OTIO's JSON reader, which are
not meant for hostile input: entity expansion ("billion laughs"), external entities, nesting
deep enough to exhaust a recursive reader, numbers too big for a double. Everything here fails
fast with a TimelineError saying what was wrong; nothing is ever fetched or expanded.
"""

from __future__ import annotations

import io
import itertools
import re
from array import array
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from otio_export.errors import TimelineError

MAX_FILE_BYTES = 16 * 1024 * 1024  # a 1,000-clip FCP7 XML is about 3 MiB
MAX_DEPTH = 64  # Premiere's XML nests about 15 deep, OTIO JSON about 25
# Reading costs about a millisecond per item in the adapters: the size cap alone would let a
# 16 MiB file of tiny clips run for minutes. Real cuts hold hundreds to a few thousand.
MAX_ITEMS = 10_000
MAX_EDL_LINES = 40_000  # a 10,000-event EDL with clip names and sources is about 30,000
_XML_ITEMS = {"clipitem", "generatoritem", "transitionitem", "asset-clip", "clip", "ref-clip",
              "gap", "title", "sync-clip", "mc-clip", "marker"}


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise TimelineError(f"The file is {len(data)} bytes; timelines are at most "
                            f"{MAX_FILE_BYTES} bytes.", field="file")
    if not data.strip():
        raise TimelineError("The file is empty.", field="file")


def check_xml(data: bytes) -> tuple[str, Any]:
    """Parse once with defusedxml, bounding depth: the root element's tag, and for FCPXML
    (which Promptcut rewrites before the adapter reads it) the parsed tree, so it is not
    parsed twice; other trees are cleared as they go, to keep memory flat."""
    check_size(data)
    depth, root, items = 0, "", 0
    tree = None
    try:
        for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end"),
                                               forbid_dtd=False, forbid_entities=True,
                                               forbid_external=True):
            if event == "start":
                depth += 1
                if not root:
                    root = element.tag
                    tree = element if root == "fcpxml" else None
                if depth > MAX_DEPTH:
                    raise TimelineError(f"The XML nests deeper than {MAX_DEPTH} levels.",
                                        field="file")
                items += element.tag in _XML_ITEMS
                if items > MAX_ITEMS:
                    raise _too_many()
            else:
                depth -= 1
                if tree is None:
                    element.clear()
    except defusedxml.DefusedXmlException as err:
        raise TimelineError(f"The XML declares entities or external references, which "
                            f"timeline files never need ({type(err).__name__}).",
                            field="file") from None
    except ParseError as err:
        raise TimelineError(f"The XML is malformed or truncated: {err}.", field="file") from None
    return root, tree


def check_json(data: bytes) -> str:
    """UTF-8, nesting at most MAX_DEPTH deep, at most MAX_ITEMS items. OTIO's own reader is
    fast but recursive (a file nested 100,000 deep crashes the process), so depth is
    measured first, on the brackets outside strings; numbers are left to OTIO, which reads
    what a double holds (NaN and Infinity in metadata included) and refuses the rest."""
    check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TimelineError("The file is not UTF-8 text; save it as UTF-8 and send it again.",
                            field="file") from None
    if _json_depth(data) > MAX_DEPTH:
        raise TimelineError(f"The JSON nests deeper than {MAX_DEPTH} levels; no timeline "
                            "does.", field="file")
    if data.count(b'"OTIO_SCHEMA"') > MAX_ITEMS and sum(
            1 for _ in _OTIO_ITEM.finditer(data)) > MAX_ITEMS:
        raise _too_many()  # counted by kind only when the count of all objects is high
    return text


def check_edl(data: bytes) -> None:
    """Every line counts, markers and comments too: the reader spends its time per line,
    and a file of one event and 100,000 marker lines is as slow as 100,000 events."""
    check_size(data)
    lines = max(data.count(b"\n"), data.count(b"\r")) + 1
    if lines > MAX_EDL_LINES:
        raise TimelineError(f"The EDL has {lines} lines; Promptcut reads at most "
                            f"{MAX_EDL_LINES} (events, comments and markers together). "
                            "Split the sequence.", field="file")


_NOT_MARK = bytes(b for b in range(256) if b not in b'[]{}"')
_STEP = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")
_OTIO_ITEM = re.compile(rb'"OTIO_SCHEMA"\s*:\s*"(?:Clip|Gap|Transition|Marker|Stack|Track)\.')


def _json_depth(data: bytes) -> int:
    """The deepest nesting of [ and { outside strings, in linear time at C speed (a regex
    for strings backtracks quadratically on a hostile run of escaped quotes).

    With escaped backslashes and then escaped quotes removed, every quote left delimits a
    string. Keeping only quotes and brackets, and dropping adjacent pairs of quotes (which
    changes no bracket's inside-or-outside), leaves the brackets and the few quotes around
    strings that hold brackets; every other piece between those is outside strings. A file
    whose quotes do not pair is invalid JSON, and a reader stops at the first invalid
    character, before any bracket whose place this could misjudge."""
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _NOT_MARK).replace(b'""', b"")
    if b'"' in marks:
        marks = b"".join(marks.split(b'"')[::2])
    return max(itertools.accumulate(array("b", marks.translate(_STEP))), default=0)


def _too_many() -> TimelineError:
    return TimelineError(f"The file holds more than {MAX_ITEMS} clips, transitions and "
                         "markers; split the sequence.", field="file")
