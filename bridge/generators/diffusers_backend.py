"""The diffusers backend: one warm pipeline, one take at a time, on one device.

`generate` reads top to bottom like a diffusers pipeline: find the preset, get a warm
pipeline (loading it if needed), place it under a memory profile, set the speed levers, run
the denoising loop with progress and cancellation in the step callback, check the frames.
Only the worker thread calls `generate`; `resolve` and `models` are safe from any thread.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import Cancelled, GenerationFailed
from bridge.generators import adapters, camera_loras, denoise, finish, levers, memory
from bridge.generators.base import (
    CancelledFn,
    GeneratedVideo,
    ModelState,
    Phase,
    Progress,
    ProgressFn,
)
from bridge.generators.presets import Preset, all_presets, get_preset, user_presets_path
from bridge.generators.tiny import ensure_tiny, quiet_loading, tiny_kind
from bridge.generators.validate import resolve_request
from bridge.request import GenerationRequest, MemoryProfile

log = logging.getLogger("promptcut.generator")

# Loading builds models under accelerate's init_empty_weights, which patches torch.nn.Module
# for the whole process: two devices loading at once leave each other meta tensors. Loads
# are disk-bound anyway, so one at a time.
_LOAD_LOCK = threading.Lock()


@dataclass
class _Warm:
    """The loaded pipeline and how it was placed; reused while the key matches."""

    key: tuple
    preset: Preset
    pipe: Any
    device: str
    dtype: Any
    profile: MemoryProfile
    placement: dict[str, Any]
    load_s: float
    model_id: str
    revision: str | None
    i2v: Any = None
    cond: Any = None  # the condition pipeline (keyframes, video), built on first use
    upsample: Any = None  # the latent upsampler a final uses, loaded on first use
    siblings: dict = field(default_factory=dict)  # long_take, retake pipelines (denoise)
    compiled: bool = False
    location: str | None = None  # the weights' folder (the LoRA layer check reads it)
    adapters: adapters.Adapters = field(default_factory=adapters.Adapters)
    loras: list = field(default_factory=list)  # what the last take used, for its record


class DiffusersGenerator:
    """Generator (bridge.generators.base) for every diffusers video pipeline we ship."""

    def __init__(self, settings: Settings, device: str | None = None,
                 manager: Any = None) -> None:
        """`device` pins this generator to one device (one per local executor); None picks
        one from the settings. `manager` shares one model manager (and its download state)
        between the generators of several devices."""
        self.settings = settings
        self.device = device
        self._lock = threading.Lock()
        self._presets: dict[str, Preset] = {}
        self._presets_mtime: float | None = -1.0
        self._warm: _Warm | None = None
        self._manager = manager

    # -- presets, validation, model states (any thread) -------------------------------------

    def presets(self) -> dict[str, Preset]:
        """Built-in plus user presets; presets.json is re-read when it changes."""
        path = user_presets_path(self.settings.data_dir)
        try:
            mtime: float | None = path.stat().st_mtime
        except OSError:
            mtime = None
        with self._lock:
            if mtime != self._presets_mtime:
                self._presets = all_presets(self.settings.data_dir)
                self._presets_mtime = mtime
            return self._presets

    def resolve(self, request: GenerationRequest) -> GenerationRequest:
        return resolve_request(request, self.presets())

    @property
    def manager(self) -> Any:
        from bridge.generators.manager import ModelManager

        with self._lock:
            if self._manager is None:
                self._manager = ModelManager(self.settings, self.presets)
            return self._manager

    def models(self) -> list[ModelState]:
        return self.manager.states()

    def warm_model(self) -> str | None:
        warm = self._warm
        return warm.preset.name if warm is not None else None

    # -- one take (worker thread) -----------------------------------------------------------

    def generate(self, request: GenerationRequest, on_progress: ProgressFn,
                 is_cancelled: CancelledFn) -> GeneratedVideo:
        preset = get_preset(self.presets(), request.model)
        if is_cancelled():
            raise Cancelled()
        on_progress(Progress(Phase.LOADING))
        device = self.device or memory.pick_device(self.settings.device)
        asked = request.memory_profile
        current = self._warm
        if asked is MemoryProfile.AUTO and current is not None and current.key[:2] == (
                preset, device) and current.key[3] == request.compile:
            profile = current.profile  # the warm model itself uses the memory auto would see
        else:
            profile = memory.choose_profile(asked, preset, device)
        (frames, timings), warm, was_warm, retried_from = self._load_and_run(
            preset, device, profile, request, on_progress, is_cancelled)
        info = {
            "device": warm.device, "dtype": str(warm.dtype).replace("torch.", ""),
            "memory_profile": warm.profile.value, "memory_profile_asked": asked.value,
            "warm": was_warm,
            "load_s": 0.0 if was_warm else round(warm.load_s, 4),
            "cache": request.cache, "compile": warm.compiled,
            "test_model": preset.test_model, "pipeline": timings.pop("pipeline"),
            **({"conditioning": timings.pop("conditioning")} if "conditioning" in timings
               else {}),
            **({"finish": timings.pop("finish")} if "finish" in timings else {}),
            "preset": _contributions(preset),
            **({"loras": warm.loras} if warm.loras else {}),
            **{k: round(v, 4) for k, v in timings.items()}, **warm.placement,
        }
        if not memory.offload_applies(warm.device) and asked not in (
                MemoryProfile.AUTO, MemoryProfile.FULL):
            info["memory_profile_note"] = f"'{asked.value}' does not apply on {warm.device}"
        if retried_from:
            info["oom_retry_from"] = retried_from
        return GeneratedVideo(frames=frames, fps=float(request.fps), request=request,
                              model_id=warm.model_id, revision=warm.revision, info=info)

    # -- loading ----------------------------------------------------------------------------

    def _warm_pipeline(self, preset: Preset, device: str, profile: MemoryProfile,
                       compile_: bool, on_progress: ProgressFn) -> tuple[_Warm, bool]:
        key = (preset, device, profile, compile_)
        if self._warm is not None and self._warm.key == key:
            log.info("warm %s (%s, %s)", preset.name, device, profile.value)
            return self._warm, True
        t0 = time.perf_counter()
        location, model_id, revision = self._locate(preset, on_progress)
        if preset.source == "hub":
            on_progress(Progress(Phase.LOADING))  # after a download, if there was one
        self.unload()  # only once the new weights are known to be there
        dtype = memory.pick_dtype(preset, device)
        pipe = self._load(preset, location, revision, dtype)
        placement = memory.apply_profile(pipe, profile, device, dtype)
        compiled = levers.compile_blocks(pipe) if compile_ else False
        pipe.set_progress_bar_config(disable=True)
        load_s = time.perf_counter() - t0
        log.info("loaded %s from %s in %.2fs (%s, %s, %s)", preset.name, location, load_s,
                 device, str(dtype).replace("torch.", ""), profile.value)
        self._warm = _Warm(key, preset, pipe, device, dtype, profile, placement, load_s,
                           model_id, revision, compiled=compiled, location=location)
        return self._warm, False

    def _locate(self, preset: Preset, on_progress: ProgressFn) -> tuple[str, str, str | None]:
        """Where the weights are on disk: (folder or repo id, model id, revision)."""
        if preset.source == "tiny":
            folder = ensure_tiny(self.settings.models_dir, tiny_kind(preset))
            return str(folder), f"promptcut/{preset.model_id}", "random-weights"
        if preset.source == "local":
            folder = Path(preset.model_id).expanduser()
            if not (folder / "model_index.json").is_file():
                raise GenerationFailed(
                    f"The folder for '{preset.name}' ({folder}) holds no diffusers pipeline "
                    "(model_index.json is missing). Fix presets.json or the folder.",
                    code="model_unavailable")
            return str(folder), preset.model_id, None
        snapshot = self.manager.ensure_local(preset, on_progress)
        return str(snapshot), preset.model_id, Path(snapshot).name

    def _load(self, preset: Preset, location: str, revision: str | None, dtype: Any) -> Any:
        import diffusers

        cls = getattr(diffusers, preset.t2v_class, None) or diffusers.DiffusionPipeline
        quiet_loading()
        try:
            with _LOAD_LOCK:
                pipe = cls.from_pretrained(location, dtype=dtype, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise GenerationFailed(
                f"Could not load '{preset.name}' from {location}: {exc}. Download it again "
                f"with `promptcut models download {preset.name}`.",
                code="model_unavailable") from exc
        if preset.shift is not None:
            _set_shift(pipe, preset.shift)
        return pipe

    def unload(self) -> None:
        """Drop the warm pipeline and give its memory back."""
        if self._warm is None:
            return
        log.info("unloading %s", self._warm.preset.name)
        # Callers may still hold this _Warm (the OOM retry does); cut its links to the
        # weights so that the memory really comes back before the next load.
        self._warm.pipe = None
        self._warm.i2v = None
        self._warm.cond = None
        self._warm.upsample = None
        self._warm.siblings = {}
        self._warm = None
        memory.free_accelerator()

    # -- denoising --------------------------------------------------------------------------

    def _run(self, warm: _Warm, request: GenerationRequest, on_progress: ProgressFn,
             is_cancelled: CancelledFn) -> Any:
        """The request's LoRAs made active on the warm pipeline (loaded once, then only
        switched), then the denoising loop."""
        folder = Path(warm.location) if warm.location else None
        warm.loras = adapters.apply(warm.pipe, warm.adapters, list(request.loras),
                                    self.settings.data_dir, model_folder=folder)
        warm.loras = camera_loras.apply(warm.pipe, warm.adapters, request.camera, warm.loras)
        if request.final is not None and request.final.route == "latent_upsample":
            return finish.run(warm, request, on_progress, is_cancelled,
                              self.settings.images_dir, self.settings.models_dir)
        return denoise.run(warm, request, on_progress, is_cancelled, self.settings.images_dir)

    def _load_and_run(self, preset: Preset, device: str, profile: MemoryProfile,
                      request: GenerationRequest, on_progress: ProgressFn,
                      is_cancelled: CancelledFn) -> tuple[Any, _Warm, bool, str | None]:
        """Load (or reuse) and run; on out-of-memory, once more under the next leaner
        profile. Placing a model on the GPU can run out of memory as well as denoising."""
        import torch

        try:
            warm, was_warm = self._warm_pipeline(preset, device, profile, request.compile,
                                                 on_progress)
            frames = self._run(warm, request, on_progress, is_cancelled)
            return frames, warm, was_warm, None
        except torch.OutOfMemoryError:
            pass  # leave the except block so the traceback's tensors are freed
        self.unload()
        leaner = memory.next_leaner(profile) if memory.offload_applies(device) else None
        if leaner is None:
            raise GenerationFailed(_oom_advice(request, profile, None), code="out_of_memory")
        log.warning("out of memory under %s; retrying once under %s", profile.value,
                    leaner.value)
        try:
            warm, _ = self._warm_pipeline(preset, device, leaner, request.compile, on_progress)
            result = self._run(warm, request, on_progress, is_cancelled)
        except torch.OutOfMemoryError:
            pass
        else:
            return result, warm, False, profile.value
        self.unload()
        raise GenerationFailed(_oom_advice(request, profile, leaner), code="out_of_memory")

def _contributions(preset: Preset) -> dict[str, Any]:
    """What the preset added to the request, so the record reproduces the take even after
    the preset changes (a new default shift, other pipeline arguments, another dtype)."""
    return {"name": preset.name, "family": preset.family, "model_id": preset.model_id,
            "revision": preset.revision, "source": preset.source,
            "pipeline_class": preset.t2v_class, "i2v_class": preset.i2v_class,
            "condition_class": preset.condition_class,
            "shift": preset.shift, "dtype": preset.dtype, "call_kwargs": preset.call_kwargs}


def _set_shift(pipe: Any, shift: float) -> None:
    """Flow-matching schedulers call it `flow_shift` (UniPC) or `shift` (Euler)."""
    scheduler = getattr(pipe, "scheduler", None)
    config = getattr(scheduler, "config", {})
    for key in ("flow_shift", "shift"):
        if key in config:
            pipe.scheduler = type(scheduler).from_config(config, **{key: shift})
            return


def _oom_advice(request: GenerationRequest, first: MemoryProfile,
                second: MemoryProfile | None) -> str:
    tried = first.value if second is None else f"{first.value} and {second.value}"
    smaller_w = max(32, (int(request.width) * 3 // 4) // 32 * 32)
    smaller_h = max(32, (int(request.height) * 3 // 4) // 32 * 32)
    leaner = "sequential_offload" if second is not MemoryProfile.SEQUENTIAL_OFFLOAD else None
    parts = [f"The GPU ran out of memory under {tried}.",
             f"Try a smaller size (e.g. {smaller_w}x{smaller_h}) or fewer frames "
             f"(e.g. {max(9, int(request.num_frames) // 2)})"]
    if leaner and second is not None:
        parts[-1] += f", or memory profile '{leaner}'"
    return " ".join(parts) + "."
