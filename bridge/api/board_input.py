"""Reading board and shot fields from request bodies: one small checker per field, each
raising InvalidRequest that names the field (`shots[2].duration` for the third shot)."""

from __future__ import annotations

from typing import Any

from bridge.api.common import check_range, get_float, get_int, get_str
from bridge.boards.records import DEFAULT_TAKES, Duration, GridAdjust
from bridge.boards.shotlist import ShotListError, ShotSpec, parse_duration
from bridge.engine.queue import MAX_TAKES, SEED_SPACE
from bridge.errors import InvalidRequest
from otio_export.rates import SEQUENCE_RATES

BOARD_FIELDS = {"name", "fps", "width", "height", "song_id", "default_duration", "grid",
                "defaults", "shots", "shot_list", "shot_list_format", "bars_per_shot"}
SHOT_FIELDS = {"label", "prompt", "negative_prompt", "model", "overrides", "start_image",
               "notes", "duration", "takes_target", "position", "selected_take_id"}
# POST /jobs fields a shot or a board may set as its own generation defaults.
OVERRIDE_FIELDS = {"negative_prompt", "model", "seed", "width", "height", "num_frames", "fps",
                   "steps", "guidance", "memory_profile", "cache", "compile", "priority",
                   "init_image"}
GRID_FIELDS = {"shift_beats", "tempo_factor", "tempo", "first_downbeat_s", "beats_per_bar"}


def unknown(data: dict, allowed: set[str], prefix: str = "") -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise InvalidRequest(f"Unknown field '{extra[0]}'.", field=prefix + extra[0],
                             code="unknown_field")


def fps(data: dict) -> float | None:
    value = get_float(data, "fps")
    if value is None:
        return None
    labels = {float(k): k for k in SEQUENCE_RATES}
    match = next((v for v in labels if abs(v - value) < 0.006), None)
    if match is None:
        raise InvalidRequest(f"'fps' must be a sequence rate: {', '.join(SEQUENCE_RATES)}.",
                             field="fps", code="invalid_choice",
                             details={"choices": [float(k) for k in SEQUENCE_RATES]})
    return match


def size(data: dict, name: str) -> int | None:
    value = get_int(data, name, lo=16, hi=16384)
    if value is not None and value % 2:
        raise InvalidRequest(f"'{name}' must be even (H.264 refuses odd sizes).", field=name)
    return value


def duration(value: Any, field: str, allow_none: bool = True) -> Duration | None:
    """A duration as {"value", "unit"}, a number of seconds, or text like "2 bars"."""
    if value is None:
        if allow_none:
            return None
        raise InvalidRequest(f"'{field}' is required.", field=field, code="required")
    try:
        return parse_duration(value)
    except ShotListError as err:
        message = err.message.split(": ", 1)[-1]
        raise InvalidRequest(message, field=field) from None


def grid(value: Any, current: GridAdjust) -> GridAdjust:
    if not isinstance(value, dict):
        raise InvalidRequest("'grid' must be an object.", field="grid", code="wrong_type")
    unknown(value, GRID_FIELDS, "grid.")
    out = current.to_dict()
    if "shift_beats" in value:
        out["shift_beats"] = _int_in(value, "shift_beats", -64, 64, "grid.")
    if "tempo_factor" in value:
        factor = value["tempo_factor"]
        if isinstance(factor, bool) or factor not in (0.5, 1, 2):
            raise InvalidRequest("'grid.tempo_factor' must be 0.5 (halve), 1 or 2 (double).",
                                 field="grid.tempo_factor")
        out["tempo_factor"] = float(factor)
    if "tempo" in value:
        out["tempo"] = _float_in(value, "tempo", 20, 400, "grid.")
    if "first_downbeat_s" in value:
        out["first_downbeat_s"] = _float_in(value, "first_downbeat_s", 0, 36_000, "grid.")
    if "beats_per_bar" in value:
        out["beats_per_bar"] = _int_in(value, "beats_per_bar", 1, 16, "grid.")
    return GridAdjust.from_dict(out)


def _int_in(data: dict, name: str, lo: int, hi: int, prefix: str) -> Any:
    value = data.get(name)
    if value is None:
        return 0 if name == "shift_beats" else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"'{prefix}{name}' must be a whole number.", field=prefix + name,
                             code="wrong_type")
    return check_range(prefix + name, value, lo, hi)


def _float_in(data: dict, name: str, lo: float, hi: float, prefix: str) -> Any:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidRequest(f"'{prefix}{name}' must be a number.", field=prefix + name,
                             code="wrong_type")
    return float(check_range(prefix + name, value, lo, hi))


def overrides(value: Any, field: str) -> dict[str, Any]:
    """Generation fields of POST /jobs a shot (or board) sets for itself; their values are
    checked by POST /jobs's own rules when the shot is generated."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"'{field}' must be an object.", field=field, code="wrong_type")
    unknown(value, OVERRIDE_FIELDS, f"{field}.")
    if "seed" in value:
        _int_in(value, "seed", 0, SEED_SPACE - 1, f"{field}.")
    return dict(value)


def shot_fields(data: Any, prefix: str = "") -> dict[str, Any]:
    """The shot fields present in `data`, each checked (PATCH sends only some)."""
    if not isinstance(data, dict):
        raise InvalidRequest("A shot must be an object.", field=prefix.rstrip(".") or "body",
                             code="wrong_type")
    unknown(data, SHOT_FIELDS, prefix)
    out: dict[str, Any] = {}
    for name, max_len in (("label", 200), ("prompt", 4000), ("negative_prompt", 4000),
                          ("notes", 10_000)):
        if name in data:
            out[name] = _str(data, name, prefix, max_len) or ""
    if "model" in data:
        out["model"] = _str(data, "model", prefix, 200) or None
    if "overrides" in data:
        out["overrides"] = overrides(data["overrides"], f"{prefix}overrides")
    if "start_image" in data:
        image = data["start_image"]
        if image is not None and not isinstance(image, dict):
            raise InvalidRequest("'start_image' must be an object like POST /jobs init_image.",
                                 field=f"{prefix}start_image", code="wrong_type")
        out["start_image"] = image
    if "duration" in data:
        out["duration"] = duration(data["duration"], f"{prefix}duration")
    if "takes_target" in data:
        out["takes_target"] = _int_in(data, "takes_target", 1, MAX_TAKES, prefix) \
            or DEFAULT_TAKES
    if "position" in data:
        out["position"] = _int_in(data, "position", 0, 100_000, prefix)
    if "selected_take_id" in data:
        out["selected_take_id"] = _str(data, "selected_take_id", prefix, 64) or None
    return out


def _str(data: dict, name: str, prefix: str, max_len: int) -> Any:
    try:
        return get_str(data, name, max_len=max_len)
    except InvalidRequest as err:
        raise InvalidRequest(err.message.replace(f"'{name}'", f"'{prefix}{name}'"),
                             field=prefix + name, code=err.code) from None


def spec_fields(spec: ShotSpec) -> dict[str, Any]:
    """A shot-list row as shot fields."""
    out: dict[str, Any] = {"label": spec.label, "prompt": spec.prompt,
                           "negative_prompt": spec.negative_prompt, "notes": spec.notes,
                           "duration": spec.duration, "model": spec.model}
    if spec.seed is not None:
        out["overrides"] = {"seed": spec.seed}
    if spec.takes is not None:
        out["takes_target"] = spec.takes
    return out


def takes_count(data: dict) -> int | None:
    return get_int(data, "takes", lo=1, hi=MAX_TAKES)
