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


def cache_config(name: str, pipe: Any, guidance: float = 1.0) -> Any:
    """The diffusers config for cache `name`, tuned to stay close to the plain output.

    FasterCache also skips the unconditional branch of classifier-free guidance, so it must
    know whether the request runs one (guidance > 1) or not.
    """
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
        # The default patterns expect modules named exactly `attn`; video transformers
        # name theirs attn1/attn2, so name them here or nothing is cached.
        return TaylorSeerCacheConfig(
            cache_interval=2, disable_cache_before_step=2, max_order=1,
            taylor_factors_dtype=None,
            cache_identifiers=[r"^(transformer_blocks|blocks)\.\d+\.attn\d?$"])
    if name == "faster_cache":
        # Ranges as in the FasterCache paper and diffusers' docs; wider ones leave the
        # attention cache empty on the first skipped step.
        return FasterCacheConfig(
            spatial_attention_block_skip_range=2,
            spatial_attention_timestep_skip_range=(-1, 681),
            unconditional_batch_skip_range=5,
            unconditional_batch_timestep_skip_range=(-1, 781),
            current_timestep_callback=now, attention_weight_callback=lambda _: 0.3,
            tensor_format="BFCHW", is_guidance_distilled=guidance <= 1.0)
    if name == "pyramid_attention_broadcast":
        return PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=2,
            spatial_attention_timestep_skip_range=(100, 950),
            current_timestep_callback=now)
    raise ValueError(f"unknown cache {name!r}")


def set_cache(pipe: Any, name: str | None, guidance: float = 1.0) -> str | None:
    """Switch the transformer's cache to `name` (None: off). Returns what is now active."""
    transformer = getattr(pipe, "transformer", None)
    if transformer is None or not hasattr(transformer, "enable_cache"):
        if name:
            raise ValueError(f"{type(pipe).__name__} has no cache support")
        return None
    # The marker lives on the transformer because text- and image-to-video pipelines share
    # it (from_pipe); the pipe's id is in it because the hooks read that pipe's timestep.
    wanted = (name, guidance <= 1.0, id(pipe)) if name else None
    active = getattr(transformer, "_promptcut_cache", None)
    if active == wanted:
        return name
    if active is not None and transformer.is_cache_enabled:
        transformer.disable_cache()
    transformer._promptcut_cache = None
    if name:
        transformer.enable_cache(cache_config(name, pipe, guidance))
        transformer._promptcut_cache = wanted
    return name


def compile_blocks(pipe: Any) -> bool:
    """Compile the transformer's repeated blocks once (a short cold start: one block is
    compiled and reused); a transformer that declares no repeated blocks is compiled whole."""
    transformer = getattr(pipe, "transformer", None)
    if transformer is None:
        log.warning("compile asked for %s but it has no transformer", type(pipe).__name__)
        return False
    if getattr(transformer, "_repeated_blocks", None):
        transformer.compile_repeated_blocks(fullgraph=True)
    else:
        transformer.compile()
    return True
