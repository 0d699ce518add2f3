"""Speed levers: cache acceleration hooks and regional compilation.

Caches reuse transformer outputs between nearby denoising steps: faster, and the output moves
a little (bench/bench_levers.py measures how much). They attach to the transformer and can
be switched per job on a warm pipeline; compilation cannot be undone, so a change of the
`compile` flag reloads the pipeline.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("promptcut.generator")


def cache_config(name: str, pipe: Any) -> Any:
    """The diffusers config for cache `name`, tuned to stay close to the plain output."""
    from diffusers import (
        FasterCacheConfig,
        FirstBlockCacheConfig,
        PyramidAttentionBroadcastConfig,
        TaylorSeerCacheConfig,
    )

    def now() -> Any:
        return pipe.current_timestep

    if name == "first_block_cache":
        return FirstBlockCacheConfig(threshold=0.05)
    if name == "taylorseer":
        return TaylorSeerCacheConfig(cache_interval=2, disable_cache_before_step=2, max_order=1)
    if name == "faster_cache":
        return FasterCacheConfig(
            spatial_attention_block_skip_range=2,
            spatial_attention_timestep_skip_range=(-1, 901),
            unconditional_batch_skip_range=2,
            unconditional_batch_timestep_skip_range=(-1, 901),
            current_timestep_callback=now, attention_weight_callback=lambda _: 0.5,
            tensor_format="BFCHW" if _family(pipe) != "ltx" else "BCFHW",
            is_guidance_distilled=True)
    if name == "pyramid_attention_broadcast":
        return PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=2,
            spatial_attention_timestep_skip_range=(100, 950),
            current_timestep_callback=now)
    raise ValueError(f"unknown cache {name!r}")


def _family(pipe: Any) -> str:
    name = type(pipe).__name__.lower()
    return "ltx" if name.startswith("ltx") else name


def set_cache(pipe: Any, name: str | None) -> str | None:
    """Switch the transformer's cache to `name` (None: off). Returns what is now active."""
    transformer = getattr(pipe, "transformer", None)
    if transformer is None or not hasattr(transformer, "enable_cache"):
        if name:
            raise ValueError(f"{type(pipe).__name__} has no cache support")
        return None
    active = getattr(pipe, "_promptcut_cache", None)
    if active == name:
        return name
    if active is not None and transformer.is_cache_enabled:
        transformer.disable_cache()
    pipe._promptcut_cache = None
    if name:
        transformer.enable_cache(cache_config(name, pipe))
        pipe._promptcut_cache = name
    return name


def compile_blocks(pipe: Any) -> bool:
    """Compile the transformer's repeated blocks once (cold start cost, faster steps)."""
    transformer = getattr(pipe, "transformer", None)
    if transformer is None or not getattr(transformer, "_repeated_blocks", None):
        log.warning("compile asked for %s but it has no repeated blocks", type(pipe).__name__)
        return False
    transformer.compile_repeated_blocks(fullgraph=True)
    return True
