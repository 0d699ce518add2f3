"""What GET /models says of each preset (`ModelState.details`), as typed records.

Declared once here, filled by `Preset.public()` and the model manager, read by the API
schemas and, through the generated types, by the panel (its size and frame pickers).
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import NotRequired, TypedDict  # pydantic reads it on 3.10/3.11


class SizeRule(TypedDict):
    multiple: int
    min: int
    max: int


class FrameRule(TypedDict):
    rule: str  # "8k+1"
    step: int
    max: int


class PresetDefaults(TypedDict):
    width: int
    height: int
    num_frames: int
    steps: int | None  # None: the provider chooses (cloud presets)
    guidance: float | None
    fps: float
    shift: float | None


class CloudDetails(TypedDict):
    """A cloud provider's preset (bridge.providers): a paid service, chosen on purpose."""

    provider: str  # fal | replicate | runway
    remote_model: str  # the provider's model or endpoint id
    text_to_video: bool
    durations_s: list[int]
    paid: bool
    how: str  # where to get a key


class Conditioning(TypedDict):
    """What a model can be steered with besides its prompt (bridge.generators.conditioning).

    keyframes: none | first_frame | first_last | any_frames; a keyframe asked elsewhere is
    refused. keyframe_stride: keyframes land on multiples of it (LTX: 8), and the answer says
    where each one moved. video: continuations hold on the last `continue_frames` frames of
    the take before (else on its last frame). retake: video-to-video at a strength, through
    the condition pipeline (LTX) or a video-to-video pipeline (Wan): `retake_route`.
    timed_prompts: how prompts that change in time are made, long_take (one take in
    overlapping windows of at most `long_take_window` frames, a prompt per window) and/or
    chain (a take per section); empty: not at all.
    """

    keyframes: Literal["none", "first_frame", "first_last", "any_frames"]
    keyframe_stride: int
    video: bool
    retake: bool
    retake_route: Literal["condition", "video_to_video"] | None
    continue_frames: int
    references: bool  # reference images go to the model (Wan VACE: bridge.looks.references)
    timed_prompts: list[Literal["long_take", "chain"]]
    long_take_window: int | None


class DraftSettings(TypedDict):
    """Cheap settings for exploring with this model (bridge.generators.presets)."""

    width: int
    height: int
    steps: int


class FinishRoute(TypedDict):
    """How "Finish" makes a draft's final: latent_upsample (2x, then a refine pass at
    refine_strength) or full_render (the delivery size, same seed and request)."""

    route: Literal["latent_upsample", "full_render"]
    scale: int
    refine_strength: float | None
    refine_steps: int | None


class LicenceDetails(TypedDict):
    """The model's licence in one line, and what it says of commercial use."""

    name: str
    summary: str
    url: str
    commercial_use_note: str


class DownloadBytes(TypedDict):
    bytes_done: int
    bytes_total: int | None  # None until the hub has told the size


class StateDetails(TypedDict, total=False):
    """Present by state: why it is unavailable, how far a download is, where it lies."""

    reason: str  # unavailable
    progress: DownloadBytes  # downloading in this bridge
    path: str  # ready: the snapshot folder
    partial_bytes: int  # a download left halfway (it resumes from here)
    download: str  # needs_download: the command that fetches it
    cloud: CloudDetails  # cloud presets only


class ModelDetails(StateDetails):
    fps: float
    size_multiple: int
    sizes: SizeRule | list[list[int]]  # a rule, or the exact sizes a provider makes
    frames: FrameRule | list[int]  # a rule, or the exact frame counts a provider makes
    defaults: PresetDefaults
    image_to_video: bool
    conditioning: NotRequired[Conditioning]  # absent: the first frame at most (cloud presets)
    draft: NotRequired[DraftSettings]  # absent: cloud presets (no Finish)
    finish: NotRequired[FinishRoute]
    licence: NotRequired[LicenceDetails]  # shown before a download
    default_for_gb: NotRequired[float | None]  # the card memory it is the default for
    caches: list[str]
    vram_gb: float
    min_vram_gb: float
    source: str  # hub | local | tiny
    revision: str | None
    notes: str
