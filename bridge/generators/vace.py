"""Wan VACE: reference images on the worker, and the tiny random-weight VACE twin.

`WanVACEPipeline` takes `reference_images`: each is encoded as an extra latent frame in
front of the video, which the VACE blocks attend to and which is cut off before decoding,
so the take keeps its length. The request names each reference by sha256
(bridge.looks.references checked them when the job was queued); here they are loaded at
the take's size and passed on, and the record lists them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.generators.conditioning import load_image
from bridge.request import GenerationRequest


def pipeline_kwargs(request: GenerationRequest, images_dir: Path
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """`reference_images` for the pipeline, and what the take's record says of them."""
    if not request.references or request.references_as != "references":
        return {}, {}
    w, h = int(request.width), int(request.height)
    loaded = [load_image(images_dir, sha, w, h, "reference image")
              for sha in request.references]
    return {"reference_images": loaded}, {"references": list(request.references)}


def build_tiny() -> Any:
    """A VACE twin of the tiny Wan 2.1 (same VAE, text encoder and sizes) with three
    transformer layers and VACE blocks on layers 0 and 2. Its control input is the tiny
    VAE's 16 latent channels twice (inactive and reactive video) and 8 x 8 mask channels.

    Training starts VACE's control projections at zero so that a fresh adapter changes
    nothing; a twin built that way would ignore every reference, so a projection found all
    zero (diffusers 0.42 draws them at random, another version may not) is drawn again."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanVACEPipeline,
        WanVACETransformer3DModel,
    )

    from bridge.generators.tiny import _t5, build_tokenizer

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
        out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=3,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
        vace_layers=[0, 2], vace_in_channels=96)
    with torch.no_grad():
        for block in transformer.vace_blocks:
            proj = getattr(block, "proj_out", None)
            if proj is not None and not proj.weight.any():
                torch.nn.init.normal_(proj.weight, std=0.2)
    torch.manual_seed(0)
    text_encoder = _t5(32, umt5=True)
    return WanVACEPipeline(transformer=transformer, vae=vae, text_encoder=text_encoder,
                           tokenizer=build_tokenizer(),
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))
