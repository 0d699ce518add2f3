"""The one rate rule: exact frame rates, the bounds of a rate, and frame arithmetic.

Every place that turns a rate into a fraction asks here: the MP4 writer (through
bridge.library.media.fps_fraction), the timelines, a board's sequence rate, and the API's
bounds; the panel's ticks.js mirrors `exact_rate` (tests hold the two to the same answers).
A rate written as a decimal that is n*1000/1001 to the precision people write (23.976,
29.97, 59.94, 14.985, 119.88) is that NTSC fraction for any whole n: 14.985 is 15000/1001,
as Premiere reads it, not 2997/200, which would drift a frame from the picture every day.

Every position and duration of a cut is an integer count of *sequence* frames, computed with
`fractions.Fraction`, so hundreds of clips never drift and no float sum decides where a clip
lands. NTSC rates are the exact 24000/1001, 30000/1001 and 60000/1001, never 29.97.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from otio_export.errors import TimelineError

# The sequence rates Premiere offers for a new sequence that Promptcut supports.
SEQUENCE_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}
MAX_RATE = 768_000  # audio sample rates included; bigger numbers are hostile input
# The one ceiling for a picture rate, on every route: a take's fps, a timeline's or a board's
# sequence rate, a video file the bridge writes. Premiere's sequences stop at 60; models
# generate at 8 to 30; 120 leaves room for high-frame-rate footage.
MAX_FPS = 120
# The rates where drop-frame timecode exists. 23.976 has none: its timecode counts 24 a second.
MAX_TIMELINE_FRAMES = 10**8  # about 46 days at 24 fps; longer is a broken or hostile number
DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))


@functools.lru_cache(maxsize=256)
def exact_rate(fps: float | int | str | Fraction) -> Fraction:
    """The exact rate meant by a rate as people and files write it (29.97 -> 30000/1001).
    Cached: a file of 1,000 clips asks about the same two or three rates thousands of times."""
    try:
        value = Fraction(fps) if not isinstance(fps, float) else Fraction(repr(fps))
    except (ValueError, ZeroDivisionError, TypeError):
        raise TimelineError(f"{fps!r} is not a frame rate.", field="fps") from None
    if not (0 < value <= MAX_RATE):
        raise TimelineError(f"{fps!r} is not a frame rate between 0 and {MAX_RATE}.",
                            field="fps")
    if value.denominator == 1 or value.denominator == 1001:
        return value
    # An NTSC rate written as a decimal: 23.976, 29.97, 59.94, 23.98 ...
    base = round(float(value) * 1.001)
    if abs(float(value) - base / 1.001) < 0.006 and abs(float(value) - base) > 0.01:
        return Fraction(base * 1000, 1001)
    return value.limit_denominator(1001)


def picture_rate(fps: float | int | str | Fraction) -> Fraction:
    """The exact rate of a picture (not audio): at most MAX_FPS, or a TimelineError."""
    rate = exact_rate(fps)
    if rate > MAX_FPS:
        raise TimelineError(f"{fps!r} fps is above the {MAX_FPS} fps a picture may run at.",
                            field="fps")
    return rate


def sequence_label(fps: float | int | str | Fraction) -> str:
    """The label of the sequence rate `fps` means (29.97 for 30000/1001), or a TimelineError
    listing the rates sequences run at."""
    rate = sequence_rate(fps)
    return next(label for label, value in SEQUENCE_RATES.items() if value == rate)


def sequence_rate(fps: float | int | str | Fraction) -> Fraction:
    """A rate Premiere offers for sequences, or a TimelineError listing those it does."""
    rate = exact_rate(fps)
    if rate not in SEQUENCE_RATES.values():
        raise TimelineError(
            f"Sequences run at {', '.join(SEQUENCE_RATES)} fps, not {fps}.", field="fps")
    return rate


def is_drop_frame(rate: Fraction, wanted: bool | None, default: bool = True) -> bool:
    """The one drop-frame rule, applied to every format: drop-frame only at 29.97 and 59.94,
    where it is the default (`default`, from the settings) unless the cut says otherwise."""
    if rate not in DROP_FRAME_RATES:
        return False
    return default if wanted is None else wanted


def nominal_rate(rate: Fraction) -> int:
    """The whole number a timecode counts to: 30 for 29.97, 24 for 23.976. Non-drop 29.97
    timecode is exactly 30 fps timecode of the same frame number."""
    return math.ceil(rate)


@functools.lru_cache(maxsize=256)
def rate_label(rate: Fraction) -> float:
    """The rate as a number for JSON and people: 30000/1001 -> 29.97."""
    for label, value in SEQUENCE_RATES.items():
        if value == rate:
            return float(label)
    return round(float(rate), 3)


def seq_frames(seconds: Fraction, rate: Fraction) -> int:
    """Whole sequence frames in a span of time, rounded down (a clip never runs past its media)."""
    return math.floor(seconds * rate + Fraction(1, 10**6))


def media_length_in_seq_frames(frames: int, media_fps: Fraction, rate: Fraction) -> int:
    """How many whole sequence frames a `frames`-long piece of media fills."""
    return seq_frames(Fraction(frames) / media_fps, rate)


def float_rate(rate: Fraction) -> float:
    """OTIO stores rates as doubles; give it the closest one to the exact rate."""
    return rate.numerator / rate.denominator
