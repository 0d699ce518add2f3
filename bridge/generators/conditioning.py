"""Keyframes and conditioning video: what a model can honour, and the pipeline call for it.

Two halves, one per moment of a job:
- `check` runs when the job is queued (from validate.resolve_request): it refuses what the
  preset cannot do (a 4xx naming the field and the model, never a keyframe silently
  dropped), puts each keyframe on the model's temporal stride and keeps the frame that was
  asked beside the one used, so the answer and the record say how far it moved.
- `pipeline_kwargs` runs on the worker: it turns the request's keyframes, start image and
  conditioning video into the arguments of the pipeline that can take them (LTX:
  `LTXConditionPipeline` with one `LTXVideoCondition` each; image-to-video pipelines:
  `image`, and `last_image` where the weights take it).

A preset declares its reach in `Preset.conditioning` (none, first_frame, first_last,
any_frames) and, with a condition pipeline, video conditioning (continue, retake).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bridge.conditions import Keyframe, VideoCondition, place_frame
from bridge.errors import GenerationFailed, InvalidRequest
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest


def stride(preset: Preset) -> int:
    """Keyframes land on multiples of this: LTX conditions whole latent frames."""
    return preset.frame_step if preset.condition_class else 1


def allowed_frames(preset: Preset, num_frames: int) -> str:
    level = preset.conditioning
    return {"none": "no frame", "first_frame": "frame 0 only",
            "first_last": f"frame 0 and frame {num_frames - 1} only",
            "any_frames": f"multiples of {stride(preset)} from 0 to {num_frames - 1}"}[level]


def asked_frame(k: Keyframe, fps: float, num_frames: int) -> int:
    """The frame a keyframe was asked for, from how it was placed."""
    return place_frame(k.place, k.asked if k.asked is not None else k.frame, fps, num_frames)


def check(request: GenerationRequest, preset: Preset) -> GenerationRequest:
    """The request with every keyframe on a frame the model takes; 4xx for what it cannot."""
    n, fps = int(request.num_frames), float(request.fps)
    keyframes = request.keyframes
    if keyframes and preset.conditioning == "none":
        raise InvalidRequest(
            f"{preset.label} cannot take keyframes ('{preset.name}' makes takes from a prompt "
            "only); pick a model with keyframes in GET /models, or remove them.",
            field="keyframes", code="unsupported",
            details={"model": preset.name, "conditioning": preset.conditioning})
    placed: list[Keyframe] = []
    used: dict[int, int] = {}
    for i, k in enumerate(keyframes):
        field = f"keyframes[{i}]"
        if not 0.0 < float(k.strength) <= 1.0:
            raise InvalidRequest(f"'{field}.strength' must be above 0 and at most 1.",
                                 field=f"{field}.strength", code="out_of_range")
        asked = asked_frame(k, fps, n)
        if not 0 <= asked <= n - 1:
            raise InvalidRequest(
                f"'{field}' lands on frame {asked}, outside the take (frames 0 to {n - 1} at "
                f"{fps:g} fps).", field=f"{field}.frame", code="out_of_range",
                details={"frame": asked, "max": n - 1})
        frame = _snap(asked, n, preset)
        if frame is None:
            raise InvalidRequest(
                f"{preset.label} takes keyframes on {allowed_frames(preset, n)}; '{field}' "
                f"asks for frame {asked}. Pick a model with keyframes anywhere "
                "(any_frames in GET /models) or move it.", field=f"{field}.frame",
                code="unsupported", details={"model": preset.name, "frame": asked,
                                             "conditioning": preset.conditioning})
        if frame in used:
            raise InvalidRequest(
                f"'{field}' lands on frame {frame}, like keyframes[{used[frame]}] (keyframes "
                f"move to multiples of {stride(preset)} for {preset.label}); move one.",
                field=f"{field}.frame", code="conflict", details={"frame": frame})
        used[frame] = i
        placed.append(Keyframe(
            sha256=k.sha256, frame=frame, strength=float(k.strength),
            asked=asked if asked != frame else None, place=k.place, source=k.source,
            take_id=k.take_id, take_frame=k.take_frame))
    if request.init_image is not None and 0 in used:
        raise InvalidRequest(f"'init_image' and keyframes[{used[0]}] both hold frame 0; keep "
                             "one.", field=f"keyframes[{used[0]}].frame", code="conflict")
    if request.video is not None:
        _check_video(request.video, request, preset)
    return request.replace(keyframes=tuple(placed))


def _snap(asked: int, n: int, preset: Preset) -> int | None:
    level = preset.conditioning
    if level == "any_frames":
        s = stride(preset)
        below = asked // s * s
        above = min(below + s, (n - 1) // s * s)
        return below if asked - below <= above - asked else above  # ties go earlier
    if level == "first_last":
        return asked if asked in (0, n - 1) else None
    if level == "first_frame":
        return 0 if asked == 0 else None
    return None


def _check_video(video: VideoCondition, request: GenerationRequest, preset: Preset) -> None:
    n = int(request.num_frames)
    if video.mode == "retake" and not preset.condition_class and preset.retake_class:
        _check_v2v(video, request, preset)
        return
    if not preset.condition_class:
        what = "continue from a take's frames" if video.mode == "continue" else "retake a take"
        raise InvalidRequest(
            f"{preset.label} cannot {what} (no video conditioning for '{preset.name}'); "
            "continue from the last frame (init_image) or pick a model with video in "
            "GET /models.", field="video", code="unsupported", details={"model": preset.name})
    step = preset.frame_step
    if video.mode == "retake":
        if video.count != n:
            raise InvalidRequest(
                f"A retake has the take's length: 'num_frames' must be {video.count}.",
                field="num_frames", code="invalid_frames", details={"suggestion": video.count})
        if not 0.0 < float(video.strength) <= 1.0:
            raise InvalidRequest("'video.strength' must be above 0 (a touch-up) and at most 1 "
                                 "(reimagine).", field="video.strength", code="out_of_range")
    elif video.mode == "continue":
        if video.count < 1 or (video.count - 1) % step or video.count >= n:
            raise InvalidRequest(
                f"A continuation holds on {step}k+1 frames, fewer than the take's {n}; got "
                f"{video.count}.", field="video", code="invalid_frames")
    else:
        raise InvalidRequest("'video.mode' must be continue or retake.", field="video.mode",
                             code="invalid_choice")


def _check_v2v(video: VideoCondition, request: GenerationRequest, preset: Preset) -> None:
    """A video-to-video retake (Wan): the take's length, and a strength that leaves at
    least one denoising step (the pipeline runs `int(steps * strength)` of them)."""
    n, steps = int(request.num_frames), int(request.steps)
    if video.count != n:
        raise InvalidRequest(f"A retake has the take's length: 'num_frames' must be "
                             f"{video.count}.", field="num_frames", code="invalid_frames",
                             details={"suggestion": video.count})
    if not 0.0 < float(video.strength) <= 1.0:
        raise InvalidRequest("'video.strength' must be above 0 (a touch-up) and at most 1 "
                             "(reimagine).", field="video.strength", code="out_of_range")
    if int(steps * float(video.strength)) < 1:
        need = math.ceil(1 / float(video.strength))
        raise InvalidRequest(
            f"{preset.label} retakes run steps x strength denoising steps: at strength "
            f"{float(video.strength):g} that is none of {steps}; ask for {need} steps or "
            "more, or a higher strength.", field="steps", code="out_of_range",
            details={"model": preset.name, "suggestion": need})


# -- on the worker ---------------------------------------------------------------------------

def route(preset: Preset, request: GenerationRequest) -> str:
    """t2v, i2v, condition, long_take (timed prompts in one take) or retake (a
    video-to-video pipeline): which sibling pipeline runs this request."""
    if request.prompts and request.sections_as == "long_take":
        return "long_take"
    if request.video is not None and request.video.mode == "retake" \
            and not preset.condition_class and preset.retake_class:
        return "retake"
    if request.video is not None or (request.keyframes and preset.condition_class):
        return "condition"
    if request.keyframes or request.init_image is not None:
        return "i2v"
    return "t2v"


def load_image(images_dir: Path, sha: str, width: int, height: int, what: str) -> Any:
    from PIL import Image

    from bridge.library.images import find_image

    path = find_image(images_dir, sha)
    try:
        if path is None:
            raise FileNotFoundError(sha)
        with Image.open(path) as img:
            image = img.convert("RGB")
    except OSError as exc:
        raise GenerationFailed(f"The {what} {sha[:12]}... is missing or unreadable; upload "
                               "it again.", code="generation_failed") from exc
    return image.resize((int(width), int(height)), Image.LANCZOS)


def pipeline_kwargs(kind: str, request: GenerationRequest, images_dir: Path,
                    start_image: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pipeline arguments for keyframes and video, and what the record says of them."""
    w, h = int(request.width), int(request.height)
    info: dict[str, Any] = {}
    keyframes = [{"sha256": k.sha256, "frame": k.frame, "asked": k.asked,
                  "moved_by": k.moved_by, "strength": k.strength} for k in request.keyframes]
    if keyframes:
        info["keyframes"] = keyframes
    if kind == "retake":
        video = request.video
        assert video is not None
        frames = [load_image(images_dir, sha, w, h, f"frame {video.first + i} of take "
                             f"{video.take_id}") for i, sha in enumerate(video.frames)]
        info["video"] = {"mode": video.mode, "take_id": video.take_id, "first": video.first,
                         "frames": video.count, "strength": float(video.strength)}
        return {"video": frames, "strength": float(video.strength)}, info
    if kind == "i2v":
        kwargs: dict[str, Any] = {}
        for k in request.keyframes:
            image = load_image(images_dir, k.sha256, w, h, "keyframe")
            kwargs["image" if k.frame == 0 else "last_image"] = image
        if start_image is not None:
            kwargs["image"] = start_image
        return kwargs, info
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    conditions = []
    if start_image is not None:
        conditions.append(LTXVideoCondition(image=start_image, frame_index=0, strength=1.0))
    for k in request.keyframes:
        conditions.append(LTXVideoCondition(
            image=load_image(images_dir, k.sha256, w, h, "keyframe"), frame_index=k.frame,
            strength=k.strength))
    video = request.video
    if video is not None:
        frames = [load_image(images_dir, sha, w, h, f"frame {video.first + i} of take "
                             f"{video.take_id}") for i, sha in enumerate(video.frames)]
        # A retake starts every token from the take, partly noised: condition strength
        # 1 - s keeps those tokens fixed until the schedule comes down to s (like an
        # image-to-image strength), so s near 0 touches up and s = 1 reimagines.
        strength = 1.0 if video.mode == "continue" else 1.0 - float(video.strength)
        conditions.append(LTXVideoCondition(video=frames, frame_index=0, strength=strength))
        info["video"] = {"mode": video.mode, "take_id": video.take_id, "first": video.first,
                         "frames": video.count, "strength": float(video.strength)}
        if video.mode == "continue":
            info["overlap_frames"] = video.count
    return {"conditions": conditions}, info
