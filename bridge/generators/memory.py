"""Devices and memory profiles: how much of a pipeline lives on the accelerator.

Profiles run from fastest to leanest. `auto` picks the fastest one the free memory allows;
on an out-of-memory error the backend retries once at the next leaner one. Offload only
means something with a discrete accelerator: on CPU (and on Apple's unified memory) every
profile runs as `full`, and the take record says the asked-for profile did not apply.
"""

from __future__ import annotations

import logging
from typing import Any

from bridge.generators.presets import Preset
from bridge.request import MemoryProfile

log = logging.getLogger("promptcut.generator")

ORDER = (MemoryProfile.FULL, MemoryProfile.MODEL_OFFLOAD, MemoryProfile.GROUP_OFFLOAD,
         MemoryProfile.SEQUENTIAL_OFFLOAD)
GIB = 1024 ** 3


def pick_device(setting: str = "auto") -> str:
    """cuda, then mps, then cpu, unless the settings name one."""
    import torch

    if setting and setting != "auto":
        return setting
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(preset: Preset, device: str) -> Any:
    """The preset's dtype on an accelerator; float32 on CPU, where bf16 kernels are slow."""
    import torch

    if device.startswith("cpu"):
        return torch.float32
    return getattr(torch, preset.dtype)


def offload_applies(device: str) -> bool:
    return device.startswith("cuda") or device.startswith("xpu")


def free_memory_gb(device: str) -> float | None:
    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return free / GIB
    return None


def choose_profile(asked: MemoryProfile, preset: Preset, device: str) -> MemoryProfile:
    """Resolve `auto` from the free memory and the preset's needs; keep an explicit choice."""
    if not offload_applies(device):
        return MemoryProfile.FULL
    if asked is not MemoryProfile.AUTO:
        return asked
    free = free_memory_gb(device)
    if free is None or preset.vram_gb <= 0:
        return MemoryProfile.FULL
    # Rough needs per profile: full holds everything; model offload one model at a time
    # (the transformer dominates); group offload with fp8 storage a few blocks.
    needs = {
        MemoryProfile.FULL: preset.vram_gb,
        MemoryProfile.MODEL_OFFLOAD: preset.vram_gb * 0.65,
        MemoryProfile.GROUP_OFFLOAD: max(preset.min_vram_gb * 1.3, 1.0),
    }
    for profile, need in needs.items():
        if free >= need * 1.05:
            return profile
    return MemoryProfile.SEQUENTIAL_OFFLOAD


def next_leaner(profile: MemoryProfile) -> MemoryProfile | None:
    idx = ORDER.index(profile)
    return ORDER[idx + 1] if idx + 1 < len(ORDER) else None


def apply_profile(pipe: Any, profile: MemoryProfile, device: str, dtype: Any,
                  *, big_output: bool = False) -> dict[str, Any]:
    """Place `pipe` on `device` under `profile`; returns what was done, for the take record."""
    import torch

    done: dict[str, Any] = {"memory_profile": profile.value}
    if profile is MemoryProfile.FULL or not offload_applies(device):
        pipe.to(device)
    elif profile is MemoryProfile.MODEL_OFFLOAD:
        pipe.enable_model_cpu_offload(device=device)
    elif profile is MemoryProfile.GROUP_OFFLOAD:
        transformer = getattr(pipe, "transformer", None)
        if transformer is not None and hasattr(transformer, "enable_layerwise_casting") \
                and dtype in (torch.bfloat16, torch.float16):
            # fp8 storage halves the transformer's weights; compute stays in bf16/fp16.
            transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn,
                                                 compute_dtype=dtype)
            done["fp8_storage"] = True
        pipe.enable_group_offload(onload_device=torch.device(device),
                                  offload_device=torch.device("cpu"), offload_type="leaf_level",
                                  use_stream=True)
    elif profile is MemoryProfile.SEQUENTIAL_OFFLOAD:
        pipe.enable_sequential_cpu_offload(device=device)
    vae = getattr(pipe, "vae", None)
    if vae is not None and hasattr(vae, "enable_tiling") and offload_applies(device) and (
            profile is not MemoryProfile.FULL or big_output):
        vae.enable_tiling()  # decoding a long clip at once is the usual peak
        done["vae_tiling"] = True
    return done


def free_accelerator() -> None:
    """Give cached blocks back after an OOM or an unload, so the next try starts clean."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
