"""Model presets: what each model family can do and what it needs, in one small record each.

A preset is the only place that knows a model's rules (size multiple, frame rule, native fps)
and defaults; validation, the model manager and the API read them from here. Users add their
own presets for any diffusers video pipeline in `<data dir>/presets.json`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bridge.errors import InvalidRequest
from bridge.generators.details import ModelDetails

log = logging.getLogger("promptcut.generator")

# Cache levers diffusers offers per transformer family (hooks that fit the block layout).
ALL_CACHES = ("first_block_cache", "taylorseer", "faster_cache", "pyramid_attention_broadcast")
# FasterCache's unconditional-branch reuse expects 5-D hidden states; LTX packs its latents
# into tokens and Wan's blocks see (batch, tokens, dim), so it breaks there under guidance.
TOKEN_CACHES = ("first_block_cache", "taylorseer", "pyramid_attention_broadcast")
FAMILY_CACHES = {"ltx": TOKEN_CACHES, "wan": TOKEN_CACHES}


@dataclass(frozen=True)
class Licence:
    """What a model's weights may be used for, in one line, and where the full text is.

    Shown in GET /models and the panel before a download: a licence that charges above a
    revenue threshold must say so before anyone fetches 40 GB under it."""

    name: str
    summary: str
    url: str  # the licence text in the model's own repo
    commercial_use_note: str

    def public(self) -> dict[str, str]:
        return {"name": self.name, "summary": self.summary, "url": self.url,
                "commercial_use_note": self.commercial_use_note}


@dataclass(frozen=True)
class Preset:
    """One model a user can pick. `source` says where its weights come from.

    source: "hub" (model_id is a hub repo id, loaded from the HF cache), "local" (model_id is
    a folder), or "tiny" (a random-weight twin of `family` built under the data dir).
    frame_step: frames must be frame_step * k + 1 (the VAE's temporal compression).
    """

    name: str
    label: str
    family: str  # ltx | wan | cogvideox | hunyuan | custom
    model_id: str
    source: str = "hub"
    revision: str | None = None
    t2v_class: str = "DiffusionPipeline"
    i2v_class: str | None = None
    fps: float = 24.0
    size_multiple: int = 32
    frame_step: int = 8
    width: int = 704
    height: int = 480
    num_frames: int = 121
    steps: int = 30
    guidance: float = 3.0
    shift: float | None = None  # flow-matching shift set on the scheduler (None: the model's)
    min_size: int = 32
    max_size: int = 1920
    max_frames: int = 257
    max_steps: int = 200
    dtype: str = "bfloat16"
    vram_gb: float = 0.0  # peak for the `full` profile at default size, bf16
    min_vram_gb: float = 0.0  # with the leanest offload profile
    size_bytes: int | None = None  # download size, when known
    test_model: bool = False
    caches: tuple[str, ...] | None = None  # None: what fits the family (FAMILY_CACHES)
    call_kwargs: dict[str, Any] = field(default_factory=dict)  # extra pipeline arguments
    notes: str = ""
    # Steering in time (bridge.generators.conditioning): the pipeline that takes images and
    # video at chosen frames, and how far the image-to-video pipeline goes without it
    # (None: first frame when there is one; "first_last" where it takes `last_image`).
    condition_class: str | None = None
    image_conditioning: str | None = None
    continue_frames: int = 17  # the last frames a continuation is conditioned on
    # Timed prompts (bridge.generators.sections): the pipeline that makes one long take in
    # overlapping windows with a prompt per window, its largest window and the overlap
    # between windows (frames; the overlap must span 3 latent frames or more, or the
    # pipeline's seams add frames), and the longest take it makes that way.
    multi_prompt_class: str | None = None
    long_take_window: int = 80
    long_take_overlap: int = 24
    long_take_max_frames: int = 1025
    latent_frames: int = 0  # frames per latent frame of the VAE (0: frame_step)
    # Retakes without a condition pipeline: a video-to-video pipeline (Wan 2.1) that starts
    # from the take's own latents, noised to the retake's strength. Not for Wan 2.2 TI2V:
    # diffusers' WanVideoToVideoPipeline sizes its latents for the 8x VAE, not the 2.2
    # residual VAE (16x), and fails there.
    retake_class: str | None = None
    # Drafts and finals (bridge.generators.finish): the latent upsampler that doubles a
    # draft's width and height (a hub repo id, a folder, or "tiny" for the random twin),
    # its subfolder in that repo, and the refine pass after it (denoise strength, schedule).
    upsampler_id: str | None = None
    upsampler_subfolder: str | None = None
    refine_strength: float = 0.4
    refine_steps: int = 10
    licence: Licence | None = None
    default_for_gb: float | None = None  # the card memory this preset is the default for

    @property
    def takes_references(self) -> bool:
        """Reference images (bridge.looks.references) go to the pipeline: Wan VACE."""
        return self.t2v_class == "WanVACEPipeline"

    @property
    def conditioning(self) -> str:
        """none | first_frame | first_last | any_frames: where keyframes may land."""
        if self.condition_class:
            return "any_frames"
        if self.image_conditioning:
            return self.image_conditioning
        return "first_frame" if self.i2v_class else "none"

    def draft_settings(self) -> dict[str, int]:
        """Cheap settings for exploring. With a latent upsampler a draft is half the
        delivery size (its final is upsampled 2x); otherwise half the size and steps."""
        half_w = max(self.min_size, self.width // 2 // self.size_multiple * self.size_multiple)
        half_h = max(self.min_size,
                     self.height // 2 // self.size_multiple * self.size_multiple)
        steps = self.steps if self.upsampler_id else max(1, self.steps // 2)
        return {"width": half_w, "height": half_h, "steps": steps}

    @property
    def section_routes(self) -> tuple[str, ...]:
        """How this model makes timed prompts: long_take (one take, a prompt per window),
        chain (a take per section, each continuing the one before; it needs a model that
        starts a take from frames or an image)."""
        routes = ("long_take",) if self.multi_prompt_class else ()
        return routes + (("chain",) if self.i2v_class or self.condition_class else ())

    @property
    def can_retake(self) -> bool:
        return bool(self.condition_class or self.retake_class)

    @property
    def cache_names(self) -> tuple[str, ...]:
        if self.caches is not None:
            return self.caches
        return FAMILY_CACHES.get(self.family, ALL_CACHES)

    def public(self) -> ModelDetails:
        """The details the API shows: rules and defaults, nothing internal."""
        return {
            "fps": self.fps, "size_multiple": self.size_multiple,
            "sizes": {"multiple": self.size_multiple, "min": self.min_size, "max": self.max_size},
            "frames": {"rule": f"{self.frame_step}k+1", "step": self.frame_step,
                       "max": self.max_frames},
            "defaults": {"width": self.width, "height": self.height,
                         "num_frames": self.num_frames, "steps": self.steps,
                         "guidance": self.guidance, "fps": self.fps, "shift": self.shift},
            "image_to_video": self.i2v_class is not None,
            "conditioning": {
                "keyframes": self.conditioning,  # type: ignore[typeddict-item]
                "keyframe_stride": self.frame_step if self.condition_class else 1,
                "video": self.condition_class is not None,
                "retake": self.can_retake,
                "retake_route": ("condition" if self.condition_class else
                                 "video_to_video" if self.retake_class else None),
                "continue_frames": self.continue_frames if self.condition_class else 1,
                "references": self.takes_references,
                "timed_prompts": list(self.section_routes),  # type: ignore[typeddict-item]
                "long_take_window": (self.long_take_window if self.multi_prompt_class
                                     else None),
            },
            "draft": self.draft_settings(),
            "finish": ({"route": "latent_upsample", "scale": 2,
                        "refine_strength": self.refine_strength,
                        "refine_steps": self.refine_steps} if self.upsampler_id else
                       {"route": "full_render", "scale": 1, "refine_strength": None,
                        "refine_steps": None}),
            **({"licence": self.licence.public()} if self.licence else {}),
            "default_for_gb": self.default_for_gb,
            "caches": list(self.cache_names), "vram_gb": self.vram_gb,
            "min_vram_gb": self.min_vram_gb, "source": self.source, "revision": self.revision,
            "notes": self.notes,
        }


_TINY_NOTE = "Random weights for tests: it makes noise, not video."

# Licences, summarised in our words; the link is the licence text in the model's own repo.
LTXV_OPEN_WEIGHTS = Licence(
    "LTXV Open Weights License",
    "Lightricks' own licence for the LTX-Video 0.9.x weights: use, modify and share them "
    "under its use restrictions.",
    "https://huggingface.co/Lightricks/LTX-Video/blob/main/LICENSE",
    "Commercial use is allowed under the licence's conditions; read it before a paid job.")
# Checked against the licence in Lightricks' LTX-2 repository: the first text (5 January
# 2026) and the current "LTX-2.x" one (11 August 2026) both set the line at annual revenue
# of at least USD 10,000,000, counted with affiliates; the current one adds that such an
# entity may still use the weights for a non-commercial purpose without a paid licence.
LTX2_COMMUNITY = Licence(
    "LTX-2 Community License",
    "Lightricks' community licence for the LTX-2 weights (now covering LTX-2.x), with an "
    "acceptable-use policy; free to use, modify and share below its revenue threshold.",
    "https://huggingface.co/Lightricks/LTX-2/blob/main/LICENSE",
    "Free only below a revenue threshold: an entity with annual revenue of USD 10 million "
    "or more (its affiliates counted together) needs a paid commercial licence from "
    "Lightricks for any use but non-commercial testing, evaluation or research. Check "
    "before you download.")

BUILTIN: tuple[Preset, ...] = (
    Preset("ltx-video", "LTX-Video 0.9.7 distilled (fast, 8 steps)", "ltx",
           "Lightricks/LTX-Video-0.9.7-distilled", t2v_class="LTXPipeline",
           i2v_class="LTXImageToVideoPipeline",
           condition_class="LTXConditionPipeline", fps=24, size_multiple=32, frame_step=8,
           multi_prompt_class="LTXI2VLongMultiPromptPipeline",
           width=704, height=480, num_frames=121, steps=8, guidance=1.0, vram_gb=40,
           min_vram_gb=10, size_bytes=None,
           call_kwargs={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
           upsampler_id="Lightricks/ltxv-spatial-upscaler-0.9.7",
           upsampler_subfolder="latent_upsampler", licence=LTXV_OPEN_WEIGHTS,
           notes="Distilled: guidance 1 and 8 steps; larger guidance slows it down."),
    Preset("ltx-video-dev", "LTX-Video 0.9.7 dev (quality, 40 steps)", "ltx",
           "Lightricks/LTX-Video-0.9.7-dev", t2v_class="LTXPipeline",
           i2v_class="LTXImageToVideoPipeline",
           condition_class="LTXConditionPipeline", fps=24, width=704, height=480,
           multi_prompt_class="LTXI2VLongMultiPromptPipeline",
           num_frames=121, steps=40, guidance=3.0, vram_gb=40, min_vram_gb=10,
           upsampler_id="Lightricks/ltxv-spatial-upscaler-0.9.7",
           upsampler_subfolder="latent_upsampler", licence=LTXV_OPEN_WEIGHTS),
    # The default for 24 GB cards: the 13B distilled weights under model offload. Its
    # latent upsampler is the one diffusers' LTX docs load for 0.9.8.
    Preset("ltx-video-0.9.8-distilled", "LTX-Video 0.9.8 13B distilled (24 GB cards)", "ltx",
           "Lightricks/LTX-Video-0.9.8-13B-distilled", t2v_class="LTXConditionPipeline",
           i2v_class="LTXImageToVideoPipeline", condition_class="LTXConditionPipeline",
           multi_prompt_class="LTXI2VLongMultiPromptPipeline",
           fps=24, size_multiple=32, frame_step=8, width=704, height=480, num_frames=121,
           steps=8, guidance=1.0, vram_gb=48, min_vram_gb=12, default_for_gb=24,
           call_kwargs={"decode_timestep": 0.05, "decode_noise_scale": 0.025},
           upsampler_id="a-r-r-o-w/LTX-0.9.8-Latent-Upsampler", licence=LTXV_OPEN_WEIGHTS,
           notes="Distilled: guidance 1 and 8 steps. Runs on 24 GB under model offload; "
                 "Finish upsamples a draft 2x and refines it."),
    # LTX-2 for 80 GB cards. The pipeline also makes audio; a take keeps the video.
    # LTX2ConditionPipeline takes its own condition type, not wired here yet: keyframes
    # go through image-to-video (first frame), and Finish renders at the delivery size.
    Preset("ltx-2", "LTX-2 (80 GB cards; licence has a revenue threshold)", "ltx2",
           "Lightricks/LTX-2", t2v_class="LTX2Pipeline", i2v_class="LTX2ImageToVideoPipeline",
           fps=24, size_multiple=32, frame_step=8, width=768, height=512, num_frames=121,
           steps=30, guidance=3.0, vram_gb=80, min_vram_gb=32, default_for_gb=80,
           licence=LTX2_COMMUNITY,
           notes="Read the licence before downloading: free only below a revenue threshold."),
    Preset("wan2.1-t2v-1.3b", "Wan 2.1 text-to-video 1.3B (480p)", "wan",
           "Wan-AI/Wan2.1-T2V-1.3B-Diffusers", t2v_class="WanPipeline", i2v_class=None,
           retake_class="WanVideoToVideoPipeline",
           fps=16, size_multiple=16, frame_step=4, width=832, height=480, num_frames=81,
           steps=30, guidance=5.0, shift=3.0, max_frames=161, vram_gb=12, min_vram_gb=4,
           notes="Shift 3.0 suits 480p; use 5.0 for 720p."),
    Preset("wan2.2-ti2v-5b", "Wan 2.2 text/image-to-video 5B (720p)", "wan",
           "Wan-AI/Wan2.2-TI2V-5B-Diffusers", t2v_class="WanPipeline",
           i2v_class="WanImageToVideoPipeline", fps=24, size_multiple=32, frame_step=4,
           width=1280, height=704, num_frames=121,
           steps=40, guidance=5.0, shift=5.0,
           max_frames=161,
           vram_gb=24, min_vram_gb=8),
    # Wan 2.1 VACE: reference images ("ingredients") for a character, object or style.
    Preset("wan2.1-vace-1.3b", "Wan 2.1 VACE 1.3B (reference images, 480p)", "wan",
           "Wan-AI/Wan2.1-VACE-1.3B-diffusers", t2v_class="WanVACEPipeline", i2v_class=None,
           fps=16, size_multiple=16, frame_step=4, width=832, height=480, num_frames=81,
           steps=30, guidance=5.0, shift=3.0, max_frames=161, vram_gb=14, min_vram_gb=5,
           notes="Takes up to four reference images (a face, an object, a style) per take."),
    Preset("cogvideox-2b", "CogVideoX 2B", "cogvideox", "THUDM/CogVideoX-2b",
           t2v_class="CogVideoXPipeline", i2v_class=None, fps=8, size_multiple=16,
           frame_step=8, width=720, height=480, num_frames=49, steps=50, guidance=6.0,
           max_frames=49, dtype="float16", vram_gb=18, min_vram_gb=4),
    Preset("cogvideox-5b", "CogVideoX 5B", "cogvideox", "THUDM/CogVideoX-5b",
           t2v_class="CogVideoXPipeline", i2v_class=None, fps=8, size_multiple=16,
           frame_step=8, width=720, height=480, num_frames=49, steps=50, guidance=6.0,
           max_frames=49, vram_gb=26, min_vram_gb=5),
    Preset("hunyuanvideo", "HunyuanVideo 13B", "hunyuan", "hunyuanvideo-community/HunyuanVideo",
           t2v_class="HunyuanVideoPipeline", i2v_class=None, fps=24, size_multiple=16,
           frame_step=4, width=848, height=480, num_frames=61, steps=30, guidance=6.0,
           shift=7.0, max_frames=129, vram_gb=60, min_vram_gb=14),
    Preset("tiny", "Tiny LTX test model (random weights, makes noise)", "ltx", "tiny-ltx",
           source="tiny", t2v_class="LTXPipeline", i2v_class="LTXImageToVideoPipeline",
           condition_class="LTXConditionPipeline", continue_frames=9,
           multi_prompt_class="LTXI2VLongMultiPromptPipeline", long_take_window=32,
           long_take_overlap=16, latent_frames=4, fps=24, width=32, height=32, num_frames=17,
           steps=4, guidance=1.0, max_size=512,
           max_frames=257, dtype="float32", test_model=True, notes=_TINY_NOTE,
           upsampler_id="tiny", refine_strength=0.5, refine_steps=2,
           call_kwargs={"max_sequence_length": 16}),
    Preset("tiny-wan", "Tiny Wan test model (random weights, makes noise)", "wan", "tiny-wan",
           source="tiny", t2v_class="WanPipeline", i2v_class=None, fps=16, size_multiple=16,
           retake_class="WanVideoToVideoPipeline",
           frame_step=4, width=32, height=32, num_frames=17, steps=4, guidance=1.0,
           max_size=512, dtype="float32", test_model=True, notes=_TINY_NOTE,
           call_kwargs={"max_sequence_length": 16}),
    Preset("tiny-wan22", "Tiny Wan 2.2 TI2V test model (random weights, makes noise)", "wan",
           "tiny-wan22", source="tiny", t2v_class="WanPipeline",
           i2v_class="WanImageToVideoPipeline", fps=24, size_multiple=32, frame_step=4,
           width=32, height=32, num_frames=17, steps=4, guidance=1.0, max_size=512,
           dtype="float32", test_model=True, notes=_TINY_NOTE,
           call_kwargs={"max_sequence_length": 16}),
    Preset("tiny-vace", "Tiny Wan VACE test model (random weights, makes noise)", "wan",
           "tiny-wan-vace", source="tiny", t2v_class="WanVACEPipeline", i2v_class=None,
           fps=16, size_multiple=16, frame_step=4, width=32, height=32, num_frames=17,
           steps=4, guidance=1.0, max_size=512, dtype="float32", test_model=True,
           notes=_TINY_NOTE, call_kwargs={"max_sequence_length": 16}),
    Preset("tiny-cogvideox", "Tiny CogVideoX test model (random weights, makes noise)",
           "cogvideox", "tiny-cogvideox", source="tiny", t2v_class="CogVideoXPipeline",
           i2v_class=None, fps=8, size_multiple=16, frame_step=8, width=32, height=32,
           num_frames=17, steps=4, guidance=1.0, max_size=512, max_frames=49,
           dtype="float32", test_model=True, notes=_TINY_NOTE,
           call_kwargs={"max_sequence_length": 16}),
)


def user_presets_path(data_dir: Path) -> Path:
    return Path(data_dir) / "presets.json"


def load_user_presets(data_dir: Path) -> list[Preset]:
    """Presets from `<data dir>/presets.json`: `{"presets": [{"name", "model_id", ...}]}`.

    Unknown keys and broken entries are logged and skipped, so one typo does not take the
    built-in models down with it. `model_id` may be a hub repo id or a local folder.
    """
    path = user_presets_path(data_dir)
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return []
    entries = raw.get("presets", []) if isinstance(raw, dict) else raw
    known = {f.name for f in fields(Preset)}
    out: list[Preset] = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            kwargs = {k: v for k, v in entry.items() if k in known}
            kwargs.setdefault("label", kwargs.get("name", ""))
            kwargs.setdefault("family", "custom")
            if "source" not in kwargs:
                kwargs["source"] = "local" if Path(kwargs["model_id"]).expanduser().is_dir() \
                    else "hub"
            if "caches" in kwargs:
                kwargs["caches"] = tuple(kwargs["caches"])
            out.append(Preset(**kwargs))
        except (TypeError, KeyError, AttributeError) as exc:
            log.warning("ignoring a preset in %s: %s", path, exc)
    return out


def all_presets(data_dir: Path) -> dict[str, Preset]:
    """Built-ins first; a user preset with the same name replaces the built-in."""
    presets = {p.name: p for p in BUILTIN}
    for p in load_user_presets(data_dir):
        presets[p.name] = p
    return presets


def default_for(memory_gb: float, presets: dict[str, Preset]) -> Preset | None:
    """The preset that is the default for a card with this much memory: the one declared
    for the largest card that still fits (an 80 GB card gets LTX-2, a 24 GB card LTX-Video
    0.9.8 distilled); None below every declared tier."""
    fits = [p for p in presets.values()
            if p.default_for_gb is not None and p.default_for_gb <= memory_gb]
    return max(fits, key=lambda p: p.default_for_gb or 0.0, default=None)


def get_preset(presets: dict[str, Preset], name: str) -> Preset:
    try:
        return presets[name]
    except KeyError:
        raise InvalidRequest(f"Unknown model '{name}'. Choose one of: {', '.join(presets)}.",
                             field="model", code="unknown_model",
                             details={"choices": list(presets)}) from None
