"""Timed prompts and Wan retakes through the real tiny pipelines the engine runs.

The generator is DiffusersGenerator on the tiny random-weight twins, loaded from disk;
forward pre-hooks on their modules show what reaches the model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from diffusers.pipelines.ltx.pipeline_ltx_i2v_long_multi_prompt import (
    split_into_temporal_windows,
)

from bridge.conditions import Keyframe, PromptSection, VideoCondition
from bridge.config import Settings
from bridge.errors import InvalidRequest
from bridge.generators import sections
from bridge.generators.base import Phase
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.generators.presets import BUILTIN
from bridge.library import images
from bridge.request import GenerationRequest

SIZE = {"width": 32, "height": 32, "steps": 2, "seed": 5}
CAT, DOG = "a cat on the sea", "a dog in the forest"
# The tiny LTX with an overlap of 2 latent frames (8 frames): the pipeline's seams add a
# latent frame per window after the first (a real preset file in the data dir).
SEAMS = {"name": "tiny-seams", "label": "Tiny, long take with a thin overlap", "family": "ltx",
         "model_id": "tiny-ltx", "source": "tiny", "t2v_class": "LTXPipeline",
         "i2v_class": "LTXImageToVideoPipeline",
         "multi_prompt_class": "LTXI2VLongMultiPromptPipeline", "long_take_window": 16,
         "long_take_overlap": 8, "latent_frames": 4, "fps": 24, "width": 32, "height": 32,
         "num_frames": 17, "steps": 2, "guidance": 1.0, "dtype": "float32",
         "test_model": True, "call_kwargs": {"max_sequence_length": 16}}


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> DiffusersGenerator:
    root = tmp_path_factory.mktemp("Sections é")
    settings = Settings(data_dir=root / "data ü", hf_cache=root / "hf")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "presets.json").write_text(json.dumps({"presets": [SEAMS]}), "utf-8")
    return DiffusersGenerator(settings)


def request(model: str = "tiny", **kw) -> GenerationRequest:
    return GenerationRequest(model=model, **{"prompt": CAT, **SIZE, **kw})


def run(gen: DiffusersGenerator, r: GenerationRequest):
    return gen.generate(gen.resolve(r), lambda p: None, lambda: False)


def test_two_sections_reach_the_pipeline_at_their_frames(gen):
    timed = request(num_frames=33, prompts=(PromptSection(DOG, place={"frame": 15}),))
    resolved = gen.resolve(timed)
    [section] = resolved.prompts
    assert resolved.sections_as == "long_take"
    assert (section.frame, section.asked, section.moved_by) == (16, 15, 1)
    assert gen.resolve(resolved) == resolved  # resolving twice moves nothing further
    run(gen, timed)  # warm: the long-take pipeline shares the text-to-video weights
    long_pipe = gen._warm.siblings["long_take"]
    with torch.no_grad():
        embeds = {p: long_pipe.encode_prompt(p, do_classifier_free_guidance=False,
                                             max_sequence_length=16, device="cpu")[0]
                  for p in (CAT, DOG)}
    seen: list = []
    hook = long_pipe.transformer.register_forward_pre_hook(
        lambda m, a, kw: seen.append((kw["hidden_states"].shape[1],
                                      kw["encoder_hidden_states"])), with_kwargs=True)
    progress: list = []
    try:
        take = gen.generate(resolved, lambda p: progress.append(p), lambda: False)
    finally:
        hook.remove()
    denoising = [(p.step, p.steps) for p in progress if p.phase is Phase.DENOISING][1:]
    assert denoising == [(k, len(seen)) for k in range(1, len(seen) + 1)]  # one count
    assert take.frames.shape == (33, 32, 32, 3)  # exactly the frames asked
    cond = take.info["conditioning"]
    assert take.info["pipeline"] == "LTXI2VLongMultiPromptPipeline"
    assert cond["made_frames"] == 33 and cond["trimmed_frames"] == 0
    # The windows the pipeline runs (its own splitter, in latent frames of 4 frames).
    windows = split_into_temporal_windows(9, cond["window"] // 4, cond["overlap"] // 4, 4)
    assert len(windows) == len(cond["windows"]) == 3
    assert len(seen) % len(windows) == 0
    per = len(seen) // len(windows)
    tokens_per_latent = 8 * 8  # 32x32 / 4
    for w, (a, b) in enumerate(windows):
        injected = 0 if w == 0 else cond["overlap"] // 4  # the tail of the window before
        for tokens, text in seen[w * per:(w + 1) * per]:
            assert tokens == (b - a + injected) * tokens_per_latent
            prompt, other = (CAT, DOG) if w == 0 else (DOG, CAT)
            assert _gap(text, embeds[prompt]) < 1e-4 < _gap(text, embeds[other]), w
        first = 0 if a == 0 else (a - 1) * 4 + 1
        assert cond["windows"][w] == {"frames": [first, (b - 1) * 4 + 1],
                                      "prompt": CAT if w == 0 else DOG}
    # The dog takes over at frame 16: inside the cross-fade of windows 0 and 1.
    assert cond["windows"][1]["frames"][0] < 16 < cond["windows"][0]["frames"][1]
    assert cond["sections"] == [{"prompt": DOG, "frames": [16, 33], "asked": 15,
                                 "moved_by": 1, "place": {"frame": 15}}]
    back = GenerationRequest.from_dict(resolved.to_dict())
    assert back.prompts == resolved.prompts and back.sections_as == "long_take"


def _gap(a: torch.Tensor, b: torch.Tensor) -> float:
    """How far apart two prompt embeddings are (padding tokens included)."""
    n = min(a.shape[1], b.shape[1])
    return float((a[:, :n] - b[:, :n]).abs().max())


def test_a_thin_overlap_adds_frames_and_the_take_is_cut_to_length(gen):
    """Why the presets' overlaps span 3+ latent frames: with 2 the pipeline returns 45
    frames for 33 (one more latent frame per seam); the take is cut and says so."""
    take = run(gen, request("tiny-seams", num_frames=33,
                            prompts=(PromptSection(DOG, place={"seconds": 0.5}),)))
    cond = take.info["conditioning"]
    assert take.frames.shape[0] == 33
    assert (cond["made_frames"], cond["trimmed_frames"]) == (45, 12)


def test_the_window_count_is_the_pipelines():
    for frames in (17, 33, 65, 121, 257):
        for window, overlap, ratio in ((32, 16, 4), (80, 24, 8), (24, 16, 4), (56, 24, 8)):
            ours = sections.window_count(frames, window, overlap, ratio)
            theirs = split_into_temporal_windows((frames - 1) // ratio + 1, window // ratio,
                                                 overlap // ratio, ratio)
            assert ours == len(theirs), (frames, window, overlap)
    for p in BUILTIN:  # every long take honours its length (the module's docstring)
        if p.multi_prompt_class:
            assert p.long_take_overlap // sections.latent_ratio(p) >= sections.MIN_OVERLAP_LATENTS


@pytest.mark.parametrize(("model", "extra", "field", "code"), [
    ("tiny-wan", {}, "prompts", "unsupported"),  # neither a long take nor a chain
    ("tiny-cogvideox", {}, "prompts", "unsupported"),
    ("tiny-wan22", {}, "sections_as", "unsupported"),  # a chain only
    ("tiny", {"sections_as": "chain"}, "sections_as", "needs_chain"),  # a shot's chain
    ("tiny", {"num_frames": 17}, "prompts[0].frame", "conflict"),  # one window only
    ("tiny", {"keyframes": (Keyframe("0" * 64, frame=8),)}, "keyframes", "conflict"),
])
def test_a_model_that_cannot_make_the_sections_refuses_them(gen, model, extra, field, code):
    r = request(model, **{"num_frames": 33, "prompts": (PromptSection(DOG, place={
        "frame": 16}),), **extra})
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(r)
    assert (err.value.field, err.value.code) == (field, code)
    assert model in err.value.message + str(err.value.details) or code == "needs_chain"


def test_models_say_which_routes_they_offer(gen):
    details = {m.name: m.details["conditioning"] for m in gen.models()}
    assert details["tiny"]["timed_prompts"] == ["long_take", "chain"]
    assert details["ltx-video"]["timed_prompts"] == ["long_take", "chain"]
    assert details["tiny-wan22"]["timed_prompts"] == ["chain"]
    assert details["tiny-wan"]["timed_prompts"] == []
    assert (details["tiny-wan"]["retake"], details["tiny-wan"]["retake_route"]) == (
        True, "video_to_video")
    assert details["wan2.1-t2v-1.3b"]["retake"] is True
    assert details["tiny"]["retake_route"] == "condition"
    assert details["tiny-wan22"]["retake"] is False  # see presets.retake_class
    assert details["tiny-cogvideox"]["retake"] is False


def test_a_wan_retake_stays_closer_to_its_take_at_a_lower_strength(gen):
    base = {"num_frames": 17, "steps": 4, "seed": 3}
    source = run(gen, request("tiny-wan", **base))
    decoded: list = []  # the latents each take decodes (after the last step)
    hook = gen._warm.pipe.vae.post_quant_conv.register_forward_pre_hook(
        lambda m, a: decoded.append(a[0].detach().clone()))
    try:
        again = run(gen, request("tiny-wan", **base))  # the source's latents, seen
        shas = tuple(images.save_array(gen.settings.images_dir, f) for f in source.frames)
        takes = {s: run(gen, request("tiny-wan", prompt=DOG, **{**base, "seed": 9}, video=(
            VideoCondition("tk_src", shas, 0, mode="retake", strength=s))))
            for s in (0.3, 0.9)}
    finally:
        hook.remove()
    assert np.array_equal(again.frames, source.frames)
    src, touched, reimagined = decoded
    near = (touched - src).abs().mean().item()
    far = (reimagined - src).abs().mean().item()
    assert near < 0.85 * far, (near, far)
    for s, take in takes.items():
        assert take.info["pipeline"] == "WanVideoToVideoPipeline"
        assert take.info["conditioning"]["video"] == {
            "mode": "retake", "take_id": "tk_src", "first": 0, "frames": 17, "strength": s}
        assert take.frames.shape == source.frames.shape
    with pytest.raises(InvalidRequest) as err:  # 2 steps x 0.3: no step would run
        gen.resolve(request("tiny-wan", num_frames=17, steps=2, video=VideoCondition(
            "tk_src", shas, 0, mode="retake", strength=0.3)))
    assert err.value.field == "steps" and err.value.details["suggestion"] == 4
    with pytest.raises(InvalidRequest) as err:  # a continuation needs the condition route
        gen.resolve(request("tiny-wan", num_frames=33, video=VideoCondition(
            "tk_src", shas[:9], 8)))
    assert err.value.field == "video"
