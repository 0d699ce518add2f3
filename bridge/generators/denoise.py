"""One denoising run on a warm pipeline: progress and cancel in the step callback, frames out.

Reads like a diffusers pipeline's own steps: pick the text- or image-to-video pipeline,
set the cache lever, build the arguments the pipeline accepts, denoise with a callback that
reports each step and aborts on cancel (raising leaves the pipeline usable; setting
`_interrupt` would still decode a noisy video), then check the frames' shape.
"""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from bridge.errors import Cancelled, GenerationFailed
from bridge.generators import conditioning, levers, sections, vace
from bridge.generators.base import CancelledFn, Phase, Progress, ProgressFn
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.generator")


def run(warm: Any, request: GenerationRequest, on_progress: ProgressFn,
        is_cancelled: CancelledFn, images_dir: Path) -> tuple[np.ndarray, dict[str, Any]]:
    import torch

    pipe, kind = pipeline_for(warm, request)
    levers.set_cache(pipe, request.cache, float(request.guidance))
    steps = int(request.steps)
    marks: dict[str, float] = {}

    def on_step(p: Any, i: int, t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        if is_cancelled():
            raise Cancelled()
        now = time.perf_counter()
        marks["calls"] = marks.get("calls", 0) + 1
        if "total" in marks:  # a long take: its windows' steps in a row, counted as one run
            n, done = int(marks["total"]), int(marks["calls"])
        else:
            n, done = int(getattr(p, "num_timesteps", None) or steps), i + 1
        per_step = (now - marks["start"]) / done
        on_progress(Progress(Phase.DENOISING, done, n, per_step * (n - done)))
        if done >= n:
            marks["denoised"] = now
            on_progress(Progress(Phase.DECODING, n, n, None))
        return kwargs

    kwargs: dict[str, Any] = {
        "prompt": request.prompt, "negative_prompt": request.negative_prompt or None,
        "width": request.width, "height": request.height,
        "num_frames": request.num_frames, "num_inference_steps": steps,
        "guidance_scale": request.guidance, "frame_rate": request.fps,
        "generator": torch.Generator("cpu").manual_seed(int(request.seed)),
        "output_type": "np", "callback_on_step_end": on_step,
        **warm.preset.call_kwargs,
    }
    start = init_image(request, images_dir) if request.init_image is not None else None
    steer: dict[str, Any] = {}
    if kind == "long_take":
        extra, steer = sections.pipeline_kwargs(request, warm.preset, start)
        kwargs.update(extra)
        marks["total"] = len(steer["windows"]) * (steps - 1)  # it skips each last step
    elif kind == "retake" or kind == "condition" or request.keyframes:
        extra, steer = conditioning.pipeline_kwargs(kind, request, images_dir, start)
        kwargs.update(extra)
    elif kind == "i2v":
        kwargs["image"] = start
    refs, referenced = vace.pipeline_kwargs(request, images_dir)  # Wan VACE's references
    kwargs.update(refs)
    steer.update(referenced)
    accepted = _accepted(type(pipe))
    kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    on_progress(Progress(Phase.DENOISING, 0, steps, None))
    marks["start"] = time.perf_counter()
    hooks = cancel_hooks(pipe, is_cancelled)
    try:
        with torch.inference_mode():
            out = pipe(**kwargs)
    except (Cancelled, torch.OutOfMemoryError):
        _reset_after_abort(pipe)
        raise
    except Exception as exc:  # a pipeline error is a failed take, not a crashed worker
        _reset_after_abort(pipe)
        log.exception("pipeline failed for %s", warm.preset.name)
        raise GenerationFailed(f"{warm.preset.label} failed: {exc}",
                               code="generation_failed") from exc
    finally:
        for hook in hooks:
            hook.remove()
    end = time.perf_counter()
    frames = _to_uint8(out.frames)
    if kind == "long_take":  # see bridge.generators.sections: cut, and say so
        frames, cut = sections.trim(frames, int(request.num_frames))
        steer["made_frames"] = int(request.num_frames) + cut
        steer["trimmed_frames"] = cut
    want = (int(request.num_frames), int(request.height), int(request.width), 3)
    if frames.shape != want:  # the take record must describe the file exactly
        raise GenerationFailed(
            f"{warm.preset.label} returned frames of shape {frames.shape} instead of "
            f"{want}; the preset's size or frame rule does not match the model.",
            code="generation_failed")
    denoised = marks.get("denoised", end)
    timings: dict[str, Any] = {"denoise_s": denoised - marks["start"],
                               "decode_s": end - denoised, "pipeline": type(pipe).__name__}
    if steer:
        timings["conditioning"] = {"route": type(pipe).__name__, **steer}
    return frames, timings

def cancel_hooks(pipe: Any, is_cancelled: CancelledFn) -> list[Any]:
    """Check for a cancel before every transformer block and VAE decoder block, not only at
    the end of a step: one step of a large request can take minutes on a small device, and
    a cancelled job must let go of it at once. Raising from a forward pre-hook aborts like
    raising from the step callback does."""

    import torch

    def check(_module: Any, _args: Any) -> None:
        if is_cancelled():
            raise Cancelled()

    hooks = []
    for owner, names in ((getattr(pipe, "transformer", None), ("transformer_blocks", "blocks")),
                         (getattr(getattr(pipe, "vae", None), "decoder", None),
                          ("up_blocks", "mid_block"))):
        for name in names:
            blocks = getattr(owner, name, None) if owner is not None else None
            if blocks is None:
                continue
            for block in blocks if isinstance(blocks, torch.nn.ModuleList) else [blocks]:
                hooks.append(block.register_forward_pre_hook(check))
    return hooks


def pipeline_for(warm: Any, request: GenerationRequest) -> tuple[Any, str]:
    """The text-to-video pipeline, or its image-to-video or condition sibling sharing the
    weights (bridge.generators.conditioning.route says which)."""
    kind = conditioning.route(warm.preset, request)
    if kind == "t2v":
        return warm.pipe, "t2v"
    if kind == "condition":
        if getattr(warm, "cond", None) is None:
            import diffusers

            warm.cond = getattr(diffusers, warm.preset.condition_class).from_pipe(warm.pipe)
            warm.cond.set_progress_bar_config(disable=True)
        return warm.cond, "condition"
    if kind in ("long_take", "retake"):  # built on first use, sharing the weights
        cls_name = (warm.preset.multi_prompt_class if kind == "long_take"
                    else warm.preset.retake_class)
        siblings = warm.siblings
        if kind not in siblings:
            import diffusers

            siblings[kind] = getattr(diffusers, cls_name or "").from_pipe(warm.pipe)
            siblings[kind].set_progress_bar_config(disable=True)
        return siblings[kind], kind
    if warm.i2v is None:
        import diffusers

        cls = getattr(diffusers, warm.preset.i2v_class or "")
        warm.i2v = cls.from_pipe(warm.pipe)
        warm.i2v.set_progress_bar_config(disable=True)
    return warm.i2v, "i2v"

def init_image(request: GenerationRequest, images_dir: Path) -> Any:
    sha = request.init_image.sha256 if request.init_image else ""
    return conditioning.load_image(images_dir, sha, request.width, request.height,
                                   "start image")


def _reset_after_abort(pipe: Any) -> None:
    """An aborted call skips the pipeline's own cleanup: cache hooks would keep the last
    step's state and offloaded models would stay on the GPU. Run that cleanup here."""
    try:
        pipe.maybe_free_model_hooks()
    except Exception:  # cleanup must never hide the original error
        log.warning("cleanup after an aborted take failed", exc_info=True)


_ACCEPTED: dict[type, frozenset[str]] = {}


def _accepted(cls: type) -> frozenset[str]:
    """The keyword arguments a pipeline's __call__ takes (families differ: frame_rate...)."""
    if cls not in _ACCEPTED:
        _ACCEPTED[cls] = frozenset(inspect.signature(cls.__call__).parameters)
    return _ACCEPTED[cls]


def _to_uint8(frames: Any) -> np.ndarray:
    arr = np.asarray(frames)
    if arr.ndim == 5:
        arr = arr[0]
    if arr.dtype != np.uint8:
        arr = (np.clip(arr, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return np.ascontiguousarray(arr)
