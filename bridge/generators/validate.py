"""Fill a request from its preset and check it against the preset's rules, before queueing.

A job that cannot run must fail at submit time, naming the field and the nearest values the
model can do; we never round silently, because the take record must say what was asked.
"""

from __future__ import annotations

import re

from bridge.errors import InvalidRequest
from bridge.generators import conditioning, sections
from bridge.generators.presets import Preset, get_preset

# Limits of any model are declared with the request; each preset narrows them.
from bridge.request import MAX_FPS, MAX_GUIDANCE, MAX_SIZE, MAX_STEPS, GenerationRequest  # noqa: F401

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def nearest_multiple(value: int, multiple: int, lo: int, hi: int) -> list[int]:
    """The valid values on either side of `value` (one value if it sits on the grid edge)."""
    below = max(lo, (value // multiple) * multiple)
    above = min(hi, below + multiple) if below < value else below
    below = min(below, hi)
    return sorted({below, above})


def nearest_frames(value: int, step: int, hi: int) -> list[int]:
    """Valid frame counts (step*k + 1) on either side of `value`."""
    k = max(0, (value - 1) // step)
    below = min(step * k + 1, _max_frames(step, hi))
    above = min(step * (k + 1) + 1, _max_frames(step, hi))
    return sorted({below, above}) if below != value else [below]


def _max_frames(step: int, hi: int) -> int:
    return ((hi - 1) // step) * step + 1


def _closest(value: int, options: list[int]) -> int:
    return min(options, key=lambda o: (abs(o - value), o))


def check_size(name: str, value: int, preset: Preset) -> None:
    m = preset.size_multiple
    lo = max(m, (preset.min_size + m - 1) // m * m)
    hi = preset.max_size // m * m
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"'{name}' must be a whole number.", field=name, code="wrong_type")
    if value % m == 0 and lo <= value <= hi:
        return
    options = nearest_multiple(min(max(value, lo), hi), m, lo, hi)
    suggestion = _closest(value, options)
    raise InvalidRequest(
        f"'{name}' must be a multiple of {m} between {lo} and {hi} for {preset.label}; "
        f"the nearest valid value is {suggestion}.", field=name, code="invalid_size",
        details={"suggestion": suggestion, "nearest": options, "multiple": m, "min": lo,
                 "max": hi})


def check_frames(value: int, preset: Preset, longest: int | None = None) -> None:
    """`longest`: the most frames this request may have (a long take goes past the
    preset's `max_frames`)."""
    step = preset.frame_step
    hi = _max_frames(step, preset.max_frames if longest is None else longest)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest("'num_frames' must be a whole number.", field="num_frames",
                             code="wrong_type")
    if value >= 1 and (value - 1) % step == 0 and value <= hi:
        return
    options = nearest_frames(min(max(value, 1), hi), step, hi)
    suggestion = _closest(value, options)
    raise InvalidRequest(
        f"'num_frames' must be {step}k+1 (1, {step + 1}, {2 * step + 1}, ... up to {hi}) for "
        f"{preset.label}; the nearest valid counts are {' or '.join(map(str, options))}.",
        field="num_frames", code="invalid_frames",
        details={"suggestion": suggestion, "nearest": options, "rule": f"{step}k+1",
                 "max": hi})


def _check_number(name: str, value, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidRequest(f"'{name}' must be a number.", field=name, code="wrong_type")
    if not lo <= value <= hi:
        raise InvalidRequest(f"'{name}' must be between {lo:g} and {hi:g}.", field=name,
                             code="out_of_range")


def resolve_request(request: GenerationRequest, presets: dict[str, Preset]) -> GenerationRequest:
    """The complete request: every None filled from the preset, every field checked."""
    preset = get_preset(presets, request.model)
    filled = request.replace(
        width=preset.width if request.width is None else request.width,
        height=preset.height if request.height is None else request.height,
        num_frames=preset.num_frames if request.num_frames is None else request.num_frames,
        steps=preset.steps if request.steps is None else request.steps,
        guidance=preset.guidance if request.guidance is None else request.guidance,
        fps=preset.fps if request.fps is None else request.fps,
    )
    check_size("width", filled.width, preset)
    check_size("height", filled.height, preset)
    check_frames(filled.num_frames, preset, sections.longest(filled, preset))
    if isinstance(filled.steps, bool) or not isinstance(filled.steps, int):
        raise InvalidRequest("'steps' must be a whole number.", field="steps", code="wrong_type")
    _check_number("steps", filled.steps, 1, preset.max_steps)
    _check_number("guidance", filled.guidance, 0.0, MAX_GUIDANCE)
    _check_number("fps", filled.fps, 1.0, MAX_FPS)
    if filled.cache is not None and filled.cache not in preset.cache_names:
        raise InvalidRequest(
            f"'cache' must be one of {', '.join(preset.cache_names) or 'nothing'} for "
            f"{preset.label}.", field="cache", code="invalid_choice",
            details={"choices": list(preset.cache_names)})
    if filled.init_image is not None:
        if preset.i2v_class is None:
            raise InvalidRequest(f"{preset.label} cannot start from an image; pick a model "
                                 "with image-to-video.", field="init_image",
                                 code="unsupported")
        if not _SHA256.match(filled.init_image.sha256 or ""):
            raise InvalidRequest("'init_image' must name an uploaded image by its sha256.",
                                 field="init_image")
    filled = conditioning.check(filled, preset)
    filled = sections.check(filled, preset)
    return filled.replace(guidance=float(filled.guidance), fps=float(filled.fps))
