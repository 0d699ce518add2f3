"""Finishing a draft: what its final is (at queue time) and how it is made (on the worker).

- `plan` turns a draft's request into its final's: the same prompt, seed, conditions and
  LoRAs, at the delivery size, with a `Final` record saying which draft and which route.
  LTX presets with a latent upsampler double the draft's width and height; any other local
  model renders at its own default size (scaled to the draft's shape) and steps.
- `run` makes a `latent_upsample` final: the draft's denoising again, from its seed, on the
  pipeline the draft used (so the final is the take the editor picked, not a cousin of
  it), kept as latents; `LTXLatentUpsamplePipeline` doubles them; `LTXConditionPipeline`
  refines them at a low denoise strength with the draft's conditions at the delivery size.
  This is the multiscale recipe of diffusers' LTX-Video 0.9.7/0.9.8 docs.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from bridge.errors import Cancelled, Conflict, GenerationFailed, InvalidRequest
from bridge.finals.records import Final
from bridge.generators import conditioning, denoise
from bridge.generators.base import CancelledFn, Phase, Progress, ProgressFn
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.generator")

UPSCALE = 2  # LTX's spatial latent upsamplers double width and height


# -- at queue time --------------------------------------------------------------------------

def plan(draft: GenerationRequest, draft_take_id: str, preset: Preset) -> GenerationRequest:
    """The final's request for a draft made with `preset`; 4xx naming the field when the
    draft cannot be finished (it is a final already, or the delivery size is too large)."""
    if draft.final is not None:
        raise Conflict(f"Take '{draft_take_id}' is already a final (of draft "
                       f"'{draft.final.draft_take_id}'); finish the draft instead.",
                       field="take_id", code="already_final",
                       details={"draft_take_id": draft.final.draft_take_id})
    w, h, steps = int(draft.width or preset.width), int(draft.height or preset.height), int(
        draft.steps or preset.steps)
    if preset.upsampler_id:
        width, height = w * UPSCALE, h * UPSCALE
        final = Final(draft_take_id=draft_take_id, route="latent_upsample", draft_width=w,
                      draft_height=h, draft_steps=steps,
                      refine_strength=preset.refine_strength,
                      refine_steps=preset.refine_steps, upsampler=preset.upsampler_id)
        delivery_steps = steps
    else:
        width, height = _delivery_size(w, h, preset)
        delivery_steps = max(steps, preset.steps)
        final = Final(draft_take_id=draft_take_id, route="full_render", draft_width=w,
                      draft_height=h, draft_steps=steps)
    for name, value in (("width", width), ("height", height)):
        if value > preset.max_size:
            raise InvalidRequest(
                f"The final of '{draft_take_id}' would be {width}x{height}, over "
                f"{preset.label}'s largest {preset.max_size}; finish a smaller draft.",
                field=name, code="out_of_range", details={"max": preset.max_size})
    return draft.replace(width=width, height=height, steps=delivery_steps,
                         parent_take_id=draft_take_id, final=final)


def _delivery_size(w: int, h: int, preset: Preset) -> tuple[int, int]:
    """The preset's default area in the draft's shape, on the preset's size multiple, never
    smaller than the draft."""
    scale = max(1.0, math.sqrt(preset.width * preset.height / max(1, w * h)))
    m = preset.size_multiple
    return (max(w, round(w * scale / m) * m), max(h, round(h * scale / m) * m))


def work_units(final: GenerationRequest) -> float:
    """Pixel-frame-steps of a final, the unit bridge.engine.estimate prices: the draft pass
    at the draft size plus the refine steps that run at the delivery size."""
    f = final.final
    n = float(final.num_frames or 0)
    if f is None or f.route != "latent_upsample":
        return float(final.width or 0) * float(final.height or 0) * n * float(final.steps or 0)
    refine = int((f.refine_steps or 0) * (f.refine_strength or 0.0)) or 1
    return n * (f.draft_width * f.draft_height * f.draft_steps
                + float(final.width) * float(final.height) * refine)


# -- on the worker ---------------------------------------------------------------------------

def run(warm: Any, request: GenerationRequest, on_progress: ProgressFn,
        is_cancelled: CancelledFn, images_dir: Path, models_dir: Path
        ) -> tuple[np.ndarray, dict[str, Any]]:
    """Draft pass (latents), 2x latent upsample, refine pass: the final's frames."""
    import torch

    f = request.final
    assert f is not None and f.route == "latent_upsample"
    draft = request.replace(width=f.draft_width, height=f.draft_height, steps=f.draft_steps,
                            final=None)
    first, kind = denoise.pipeline_for(warm, draft)
    refine = _condition_pipe(warm)
    upsample = _upsample_pipe(warm, models_dir)
    total = f.draft_steps + max(1, int((f.refine_steps or 1) * (f.refine_strength or 1.0)))
    marks = {"start": time.perf_counter(), "done": 0}

    def on_step(p: Any, i: int, t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        if is_cancelled():
            raise Cancelled()
        marks["done"] += 1
        done = min(marks["done"], total)
        per = (time.perf_counter() - marks["start"]) / done
        on_progress(Progress(Phase.DENOISING, done, total, per * (total - done)))
        return kwargs

    def call(pipe: Any, req: GenerationRequest, pipe_kind: str, **extra: Any) -> Any:
        kwargs: dict[str, Any] = {
            "prompt": req.prompt, "negative_prompt": req.negative_prompt or None,
            "width": req.width, "height": req.height, "num_frames": req.num_frames,
            "guidance_scale": req.guidance, "frame_rate": req.fps,
            "generator": torch.Generator("cpu").manual_seed(int(req.seed)),
            "callback_on_step_end": on_step, **warm.preset.call_kwargs, **extra}
        start = denoise.init_image(req, images_dir) if req.init_image is not None else None
        if pipe_kind == "condition" or req.keyframes:
            steer = conditioning.pipeline_kwargs(pipe_kind, req, images_dir, start)[0]
            # An empty list reads as "conditioned" to LTXConditionPipeline and fails.
            kwargs.update({k: v for k, v in steer.items() if v})
        elif pipe_kind == "i2v":
            kwargs["image"] = start
        accepted = denoise._accepted(type(pipe))
        return pipe(**{k: v for k, v in kwargs.items() if k in accepted})

    on_progress(Progress(Phase.DENOISING, 0, total, None))
    hooks = denoise.cancel_hooks(first, is_cancelled) + (
        denoise.cancel_hooks(refine, is_cancelled) if refine is not first else [])
    t0 = time.perf_counter()
    try:
        with torch.inference_mode():
            latents = call(first, draft, kind, num_inference_steps=f.draft_steps,
                           output_type="latent").frames
            latents = _unpacked(first, latents, draft)
            t1 = time.perf_counter()
            if is_cancelled():
                raise Cancelled()
            up = upsample(latents=latents, output_type="latent").frames
            t2 = time.perf_counter()
            out = call(refine, request, "condition", latents=up,
                       num_inference_steps=int(f.refine_steps or 1),
                       denoise_strength=float(f.refine_strength or 1.0),
                       image_cond_noise_scale=0.0, output_type="np")
    except (Cancelled, torch.OutOfMemoryError):
        denoise._reset_after_abort(refine)
        raise
    except Exception as exc:  # a pipeline error is a failed take, not a crashed worker
        denoise._reset_after_abort(refine)
        log.exception("finishing failed for %s", warm.preset.name)
        raise GenerationFailed(f"{warm.preset.label} could not finish the draft: {exc}",
                               code="generation_failed") from exc
    finally:
        for hook in hooks:
            hook.remove()
    end = time.perf_counter()
    on_progress(Progress(Phase.DECODING, total, total, None))
    frames = denoise._to_uint8(out.frames)
    want = (int(request.num_frames), int(request.height), int(request.width), 3)
    if frames.shape != want:
        raise GenerationFailed(f"{warm.preset.label} returned frames of shape {frames.shape} "
                               f"instead of {want} when finishing.", code="generation_failed")
    return frames, {
        "denoise_s": (t1 - t0) + (end - t2), "decode_s": 0.0,
        "pipeline": type(refine).__name__,
        "finish": {"route": "latent_upsample", "draft_pipeline": type(first).__name__,
                   "upsample_pipeline": type(upsample).__name__,
                   "refine_pipeline": type(refine).__name__,
                   "draft_pass_s": round(t1 - t0, 4), "upsample_s": round(t2 - t1, 4),
                   "refine_s": round(end - t2, 4),
                   "draft_size": [f.draft_width, f.draft_height],
                   "delivery_size": [int(request.width), int(request.height)]}}


def _unpacked(pipe: Any, latents: Any, req: GenerationRequest) -> Any:
    """LTXPipeline and its image-to-video sibling answer latents packed into tokens; the
    upsampler takes them as (batch, channels, frames, height, width)."""
    if latents.ndim == 5:
        return latents
    frames = (int(req.num_frames) - 1) // pipe.vae_temporal_compression_ratio + 1
    return pipe._unpack_latents(
        latents, frames, int(req.height) // pipe.vae_spatial_compression_ratio,
        int(req.width) // pipe.vae_spatial_compression_ratio,
        pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size)


def _condition_pipe(warm: Any) -> Any:
    if getattr(warm, "cond", None) is None:
        import diffusers

        cls = getattr(diffusers, warm.preset.condition_class or "LTXConditionPipeline")
        warm.cond = warm.pipe if isinstance(warm.pipe, cls) else cls.from_pipe(warm.pipe)
        warm.cond.set_progress_bar_config(disable=True)
    return warm.cond


def _upsample_pipe(warm: Any, models_dir: Path) -> Any:
    """The latent upsampler beside the warm model (loaded once, sharing its VAE)."""
    if getattr(warm, "upsample", None) is not None:
        return warm.upsample
    from diffusers import LTXLatentUpsamplePipeline
    from diffusers.pipelines.ltx.modeling_latent_upsampler import LTXLatentUpsamplerModel

    from bridge.generators.tiny import ensure_tiny, quiet_loading

    preset = warm.preset
    quiet_loading()
    if preset.upsampler_id == "tiny":
        location, subfolder = str(ensure_tiny(models_dir, "ltx-upsampler")), None
    else:
        location, subfolder = str(preset.upsampler_id), preset.upsampler_subfolder
    try:
        model = LTXLatentUpsamplerModel.from_pretrained(
            location, subfolder=subfolder, torch_dtype=warm.dtype, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise GenerationFailed(
            f"The latent upsampler for '{preset.name}' ({location}) is not on this machine: "
            f"{exc}. Fetch it into the Hugging Face cache, then finish again.",
            code="model_unavailable") from exc
    device = getattr(warm.pipe, "_execution_device", None) or warm.device
    warm.upsample = LTXLatentUpsamplePipeline(vae=warm.pipe.vae,
                                              latent_upsampler=model.to(device))
    warm.upsample.set_progress_bar_config(disable=True)
    return warm.upsample
