"""The cells of a shot list: text, numbers and durations, read one at a time.

Each reader names the row and column of a bad cell in its ShotListError, so the editor can
fix that cell. A duration is written the way editors write them ('4', '4.5s', '96f',
'2 bars', '8 beats', '0:04'); `format_duration` writes one back the same way.
"""

from __future__ import annotations

import re
from typing import Any

from bridge.boards.records import Duration


class ShotListError(ValueError):
    """A shot list that cannot be read; `row` is 1-based under the header (0: the file)."""

    def __init__(self, message: str, row: int = 0, column: str | None = None) -> None:
        where = f"Row {row}, column '{column}': " if row and column else (
            f"Row {row}: " if row else "")
        super().__init__(where + message)
        self.message = where + message
        self.row, self.column = row, column

    @property
    def field(self) -> str:
        if not self.row:
            return "file"
        return f"rows[{self.row}]" + (f".{self.column}" if self.column else "")


def read_text(raw: Any, number: int, column: str, max_len: int) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ShotListError("It must be text.", number, column)
    text = str(raw).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # a formula cell our CSV export escaped (shotlist.escape_cell)
    if len(text) > max_len:
        raise ShotListError(f"It is longer than {max_len} characters.", number, column)
    return text


def read_number(raw: Any, number: int, column: str) -> float:
    if isinstance(raw, bool):
        raise ShotListError("It must be a number.", number, column)
    try:
        value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ShotListError(f"{raw!r} is not a number.", number, column) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ShotListError(f"{raw!r} is not a number.", number, column)
    return value


def read_positive(raw: Any, number: int, column: str) -> float:
    value = read_number(raw, number, column)
    if not 0 < value <= 100_000:
        raise ShotListError("It must be more than 0.", number, column)
    return value


def read_whole(raw: Any, number: int, column: str, lo: int, hi: int) -> int:
    value = read_number(raw, number, column)
    if not value.is_integer() or not lo <= value <= hi:
        raise ShotListError(f"It must be a whole number from {lo} to {hi}.", number, column)
    return int(value)


_DURATION = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*([a-z]*)$")
_UNIT_WORDS = {"": "s", "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
               "f": "frames", "fr": "frames", "frame": "frames", "frames": "frames",
               "b": "beats", "beat": "beats", "beats": "beats",
               "bar": "bars", "bars": "bars", "measure": "bars",
               "measures": "bars"}
_CLOCK = re.compile(r"^(?:([0-9]+):)?([0-9]{1,2}):([0-9]{1,2}(?:[.,][0-9]+)?)$")


def parse_duration(raw: Any, number: int = 0, column: str = "duration") -> Duration:
    """'4', '4.5s', '96f', '2 bars', '8 beats', '0:04' or '1:02:03.5' as a Duration."""
    if isinstance(raw, dict):
        unit = raw.get("unit", "s")
        if unit not in _UNIT_WORDS.values():
            raise ShotListError("The unit must be s, frames, beats or bars.", number, column)
        value = read_positive(raw.get("value"), number, column)
        if unit == "frames" and not value.is_integer():
            raise ShotListError("Frames are whole numbers.", number, column)
        return Duration(value, unit)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Duration(read_positive(raw, number, column), "s")
    text = str(raw).strip().lower()
    clock = _CLOCK.match(text)
    if clock:
        hours = int(clock.group(1)) if clock.group(1) else 0
        minutes, seconds = int(clock.group(2)), float(clock.group(3).replace(",", "."))
        value = hours * 3600 + minutes * 60 + seconds
        return Duration(read_positive(value, number, column), "s")
    match = _DURATION.match(text)
    unit = _UNIT_WORDS.get(match.group(2)) if match else None
    if not match or unit is None:
        raise ShotListError(f"{raw!r} is not a duration; write 4, 4.5s, 96f, 2 bars or "
                            "8 beats.", number, column)
    value = read_positive(match.group(1), number, column)
    if unit == "frames" and not value.is_integer():
        raise ShotListError("Frames are whole numbers.", number, column)
    return Duration(value, unit)


def format_duration(d: Duration | None) -> str:
    if d is None:
        return ""
    value = int(d.value) if float(d.value).is_integer() else d.value
    return {"s": f"{value}s", "frames": f"{value}f", "beats": f"{value} beats",
            "bars": f"{value} bars"}[d.unit]
