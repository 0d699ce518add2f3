"""Tiny random-weight twins of the real model families, built offline from configs.

They exist so that tests and benchmarks run the real loading and generation path
(`DiffusionPipeline.from_pretrained` on a folder, the real pipeline `__call__`) without a GPU
or the model hub. Their dims follow diffusers' own fast tests. They make noise: every preset
built on them is labelled as a test model.

A twin is built once into a temporary folder beside its destination and renamed into place,
so two threads or processes racing to build it never see half a model.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

log = logging.getLogger("promptcut.generator")

TINY_VERSION = 2  # bump when a builder changes, so stale folders are rebuilt
_MARKER = "promptcut-tiny.txt"
_WORDS = (
    "a", "the", "of", "and", "in", "on", "with", "at", "to", "from", "by", "cat", "dog",
    "city", "night", "day", "sun", "moon", "sea", "sky", "forest", "street", "car", "man",
    "woman", "light", "dark", "red", "blue", "green", "slow", "fast", "zoom", "camera", "shot",
    "close", "wide", "dance", "monkey", "walk", "run", "fly", "rain", "snow", "fire", "water",
)


def build_tokenizer(vocab_size: int = 64) -> Any:
    """A T5-style tokenizer made in memory: <pad>, </s>, <unk> at ids 0, 1, 2, then words.

    Real T5 tokenizers are SentencePiece files from the hub; the pipelines only need the
    call signature (padding to max_length, attention mask, an end-of-sequence token).
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for word in _WORDS:
        if len(vocab) >= vocab_size:
            break
        vocab.setdefault(word, len(vocab))
    n = len(vocab)
    for i in range(n, vocab_size):  # pad to the encoder's vocab so ids cover the embedding
        vocab[f"tok{i}"] = i
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=4096)


def _t5(d_model: int, *, umt5: bool = False, vocab_size: int = 64, layers: int = 1,
        heads: int = 4, d_ff: int = 37) -> Any:
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    kwargs = dict(vocab_size=vocab_size, d_model=d_model, d_kv=d_model // heads, d_ff=d_ff,
                  num_layers=layers, num_heads=heads, relative_attention_num_buckets=8,
                  dropout_rate=0.0, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    if umt5:
        return UMT5EncoderModel(UMT5Config(**kwargs)).eval()
    return T5EncoderModel(T5Config(**kwargs)).eval()


def build_ltx(num_layers: int = 2, heads: int = 4, head_dim: int = 8) -> Any:
    """LTX-Video, dims as in diffusers' tests/pipelines/ltx/test_ltx.py.

    Two transformer blocks instead of one: First Block Cache needs a head and a tail block.
    The benches build wider and deeper twins with the same code (`num_layers`, `heads`,
    `head_dim`); the tests' twin keeps the defaults.
    """
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
        num_attention_heads=heads, attention_head_dim=head_dim,
        cross_attention_dim=heads * head_dim, num_layers=num_layers, caption_channels=32)
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False)
    torch.manual_seed(0)
    text_encoder = _t5(32)
    return LTXPipeline(transformer=transformer, vae=vae,
                       scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=text_encoder,
                       tokenizer=build_tokenizer())


def build_wan() -> Any:
    """Wan 2.1, dims as in diffusers' tests/pipelines/wan/test_wan.py."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
        out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    torch.manual_seed(0)
    text_encoder = _t5(32, umt5=True)
    return WanPipeline(transformer=transformer, vae=vae, text_encoder=text_encoder,
                       tokenizer=build_tokenizer(),
                       scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0))


def build_wan22() -> Any:
    """Wan 2.2 TI2V: the 48-channel residual VAE (16x spatial) and per-token timesteps,
    dims as in diffusers' tests/pipelines/wan/test_wan_22_image_to_video.py (the 5B case)."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        UniPCMultistepScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )

    torch.manual_seed(0)
    vae = AutoencoderKLWan(
        base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
        latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1],
        num_res_blocks=1, scale_factor_spatial=16, scale_factor_temporal=4,
        temperal_downsample=[False, True, True])
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=48,
        out_channels=48, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    torch.manual_seed(0)
    text_encoder = _t5(32, umt5=True)
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True,
                                        flow_shift=5.0)
    return WanPipeline(transformer=transformer, vae=vae, text_encoder=text_encoder,
                       tokenizer=build_tokenizer(), scheduler=scheduler, transformer_2=None,
                       boundary_ratio=None, expand_timesteps=True)


def build_cogvideox() -> Any:
    """CogVideoX, dims as in diffusers' tests/pipelines/cogvideo/test_cogvideox.py."""
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4,
        time_embed_dim=2, text_embed_dim=32, num_layers=2, sample_width=2, sample_height=2,
        sample_frames=9, patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16)
    torch.manual_seed(0)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
        latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    torch.manual_seed(0)
    text_encoder = _t5(32)
    return CogVideoXPipeline(tokenizer=build_tokenizer(), text_encoder=text_encoder, vae=vae,
                             transformer=transformer, scheduler=CogVideoXDDIMScheduler())


def build_ltx_upsampler() -> Any:
    """LTX's latent upsampler (2x width and height) for the tiny LTX twin's 8-channel
    latents. GroupNorm uses 32 groups, so the middle width is 32; one block per stage."""
    import torch
    from diffusers.pipelines.ltx.modeling_latent_upsampler import LTXLatentUpsamplerModel

    torch.manual_seed(0)
    return LTXLatentUpsamplerModel(in_channels=8, mid_channels=32, num_blocks_per_stage=1,
                                   dims=3, spatial_upsample=True, temporal_upsample=False)


def build_wan_vace() -> Any:
    from bridge.generators.vace import build_tiny  # the VACE twin lives with the VACE code

    return build_tiny()


BUILDERS: dict[str, Callable[[], Any]] = {
    "ltx": build_ltx,
    "wan": build_wan,
    "wan22": build_wan22,
    "cogvideox": build_cogvideox,
    "ltx-upsampler": build_ltx_upsampler,
    "wan-vace": build_wan_vace,
}


def tiny_kind(preset: Any) -> str:
    """Which builder a tiny preset uses: its model id without the `tiny-` prefix."""
    return str(preset.model_id).removeprefix("tiny-")


def ensure_tiny(models_dir: Path, kind: str) -> Path:
    """The folder of tiny twin `kind` (ltx, wan, wan22, cogvideox, ltx-upsampler), built on
    first use."""
    folder = Path(models_dir) / f"tiny-{kind}"
    marker = folder / _MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == str(TINY_VERSION):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Two devices' executors may ask at once: one builds, the other waits and reuses it.
    with FileLock(folder.parent / f"tiny-{kind}.build.lock"):
        if marker.is_file() and marker.read_text(encoding="utf-8").strip() == str(
                TINY_VERSION):
            return folder
        return _build(folder, kind)


def _build(folder: Path, kind: str) -> Path:
    builder = BUILDERS[kind]
    quiet_loading()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tiny-{kind}-", dir=folder.parent))
    try:
        pipe = builder()
        pipe.save_pretrained(tmp)
        (tmp / _MARKER).write_text(str(TINY_VERSION), encoding="utf-8")
        _swap_into_place(tmp, folder)
        log.info("built tiny %s test model in %s", kind, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def quiet_loading() -> None:
    """Loading bars from diffusers and transformers would flood the bridge's log."""
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    dlog.disable_progress_bar()
    tlog.disable_progress_bar()


def _swap_into_place(tmp: Path, folder: Path) -> None:
    """Rename the finished build over `folder`; a complete twin from a racer also wins."""
    try:
        os.replace(tmp, folder)  # atomic when folder is absent (or an empty dir on POSIX)
        return
    except OSError:
        pass
    marker = folder / _MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == str(TINY_VERSION):
        return  # another builder finished first; its copy is identical
    stale = folder.with_name(f".stale-{folder.name}-{os.getpid()}")
    os.replace(folder, stale)
    os.replace(tmp, folder)
    shutil.rmtree(stale, ignore_errors=True)
