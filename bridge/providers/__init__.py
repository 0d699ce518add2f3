"""Cloud providers behind the same queue: fal, Replicate and Runway, each an executor.

Their presets are separate from the diffusers presets and say so (`provider`, "paid"): a
job names a provider preset on purpose, and nothing here ever sends a job for a local model
to a provider, with or without a key. `resolve` checks a request against the provider
preset's sizes and durations, like the diffusers presets do for theirs.
"""

from __future__ import annotations

import os
from pathlib import Path

from bridge.errors import InvalidRequest
from bridge.generators.base import ModelState
from bridge.providers import fal, keys, replicate, runway
from bridge.providers.base import ProviderPreset, ProviderSpec
from bridge.request import GenerationRequest, MemoryProfile

SPECS: dict[str, ProviderSpec] = {m.SPEC.name: m.SPEC for m in (fal, replicate, runway)}
PRESETS: dict[str, ProviderPreset] = {
    p.name: p for m in (fal, replicate, runway) for p in m.PRESETS}


def spec(name: str) -> ProviderSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise InvalidRequest(f"Unknown provider '{name}'. Choose one of: {', '.join(SPECS)}.",
                             field="name", code="unknown_provider",
                             details={"choices": list(SPECS)}) from None


def is_provider_model(name: str) -> bool:
    return name in PRESETS


def model_states(data_dir: Path) -> list[ModelState]:
    """Provider presets as GET /models lists them: `needs_key` until a key is stored."""
    out = []
    for preset in PRESETS.values():
        stored = keys.has(data_dir, preset.provider)
        details = preset.public(SPECS[preset.provider].key_help)
        out.append(ModelState(name=preset.name, label=preset.label, family="cloud",
                              model_id=f"{preset.provider}:{preset.model}",
                              state="ready" if stored else "needs_key", details=details,
                              provider=preset.provider))
    return out


def resolve(request: GenerationRequest, data_dir: Path) -> GenerationRequest:
    """Fill a provider preset's defaults and check what its API accepts (field, choices)."""
    preset = PRESETS[request.model]
    if not keys.has(data_dir, preset.provider):
        raise InvalidRequest(f"'{preset.name}' runs at {SPECS[preset.provider].label}, a paid "
                             f"service, and no key is stored for it. "
                             f"{SPECS[preset.provider].key_help}", field="model",
                             code="needs_key")
    if request.init_image is not None and preset.i2v is None:
        raise InvalidRequest(f"'{preset.name}' does not start from an image.",
                             field="init_image", code="not_supported")
    if request.keyframes or request.video is not None:
        field = "keyframes" if request.keyframes else "video"
        raise InvalidRequest(f"'{preset.name}' runs at a cloud service that takes no "
                             f"{'keyframes' if request.keyframes else 'conditioning video'}; "
                             "pick a local model with them in GET /models.", field=field,
                             code="unsupported", details={"model": preset.name})
    if request.init_image is None and preset.t2v is None:
        raise InvalidRequest(f"'{preset.name}' needs a start image (init_image).",
                             field="init_image", code="required")
    width = request.width or preset.sizes[0][0]
    height = request.height or preset.sizes[0][1]
    if (width, height) not in preset.sizes:
        field = "width" if width not in {w for w, _ in preset.sizes} else "height"
        raise InvalidRequest(f"'{preset.name}' makes only these sizes: "
                             f"{', '.join(f'{w}x{h}' for w, h in preset.sizes)}.", field=field,
                             code="invalid_size",
                             details={"choices": [list(s) for s in preset.sizes]})
    fps = request.fps or preset.fps
    if fps != preset.fps:
        raise InvalidRequest(f"'{preset.name}' delivers {preset.fps:g} fps.", field="fps",
                             code="invalid_fps", details={"choices": [preset.fps]})
    frames = request.num_frames or preset.frame_choices[0]
    if frames not in preset.frame_choices:
        seconds = ", ".join(f"{d} s ({round(d * fps)} frames)" for d in preset.durations_s)
        raise InvalidRequest(f"'{preset.name}' makes takes of {seconds}.", field="num_frames",
                             code="invalid_frames",
                             details={"choices": preset.frame_choices})
    # Steps, guidance and the memory levers are the provider's business: the record says
    # what was asked of it, nothing it ignored.
    return request.replace(width=width, height=height, fps=fps, num_frames=frames, steps=None,
                           guidance=None, memory_profile=MemoryProfile.AUTO, cache=None,
                           compile=False)


def concurrency() -> int:
    """Remote jobs per provider at once (PROMPTCUT_PROVIDER_CONCURRENCY, default 2)."""
    try:
        return max(1, int(os.environ.get("PROMPTCUT_PROVIDER_CONCURRENCY", "2")))
    except ValueError:
        return 2


def executors(data_dir: Path, images_dir: Path, existing: list | None = None) -> list:
    """The executors of every provider that has a key: those in `existing` are kept, new
    ones made for a provider whose key was just stored; none for a provider without one."""
    from bridge.providers.executor import ProviderExecutor

    kept = [ex for ex in existing or [] if ex.info.kind == "provider"]
    out = []
    for name, s in SPECS.items():
        if not keys.has(data_dir, name):
            continue
        mine = [ex for ex in kept if ex.spec.name == name]
        presets = {k: p for k, p in PRESETS.items() if p.provider == name}
        out += mine or [ProviderExecutor(s, presets, data_dir, images_dir, slot)
                        for slot in range(concurrency())]
    return out


def sync(worker: object, data_dir: Path, images_dir: Path) -> None:
    """After a key is stored or removed: give the worker exactly the provider executors
    that have keys (slots start or retire)."""
    worker.sync_executors(executors(data_dir, images_dir, worker.executors), "provider")
