"""Keyframes through the real tiny LTX condition pipeline, and models that refuse them.

The generator is the one the engine runs (DiffusersGenerator on the tiny random-weight LTX
twin, loaded from disk); a forward pre-hook on its transformer shows what reaches the model.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridge.conditions import Keyframe, VideoCondition
from bridge.config import Settings
from bridge.errors import InvalidRequest
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.library import images
from bridge.request import GenerationRequest

SIZE = {"width": 32, "height": 32, "num_frames": 17, "steps": 2, "seed": 5}


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> DiffusersGenerator:
    root = tmp_path_factory.mktemp("Direct é")
    return DiffusersGenerator(Settings(data_dir=root / "data ü", hf_cache=root / "hf"))


def stored(gen: DiffusersGenerator, seed: int) -> str:
    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    return images.save_array(gen.settings.images_dir, pixels)


def run(gen: DiffusersGenerator, **kw):
    request = gen.resolve(GenerationRequest(prompt="a cat on the sea", model="tiny",
                                            **SIZE, **kw))
    return gen.generate(request, lambda p: None, lambda: False)


def test_a_keyframe_moves_to_the_stride_and_the_record_says_by_how_much(gen):
    sha = stored(gen, 1)
    r = gen.resolve(GenerationRequest(prompt="x", model="tiny", **SIZE, keyframes=(
        Keyframe(sha, frame=11), Keyframe(sha, frame=0, place={"seconds": 0.6}))))
    assert [(k.frame, k.asked, k.moved_by) for k in r.keyframes] == [(8, 11, -3), (16, 14, 2)]
    assert gen.resolve(r) == r  # resolving twice moves nothing further
    back = GenerationRequest.from_dict(r.to_dict())
    assert back.keyframes == r.keyframes
    with pytest.raises(InvalidRequest) as err:  # 6 and 8 both land on 8
        gen.resolve(GenerationRequest(prompt="x", model="tiny", **SIZE, keyframes=(
            Keyframe(sha, frame=6), Keyframe(sha, frame=8))))
    assert err.value.field == "keyframes[1].frame"
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model="tiny", **SIZE,
                                      keyframes=(Keyframe(sha, frame=17),)))
    assert err.value.field == "keyframes[0].frame" and err.value.code == "out_of_range"


def test_a_keyframe_reaches_the_transformer_at_its_frame(gen):
    sha = stored(gen, 2)
    seen: list = []
    run(gen)  # warm
    hook = gen._warm.pipe.transformer.register_forward_pre_hook(
        lambda m, a, kw: seen.append((kw["hidden_states"].shape[1],
                                      kw.get("video_coords"))), with_kwargs=True)
    try:
        plain = run(gen)
        plain_tokens = seen[-1][0]
        take = run(gen, keyframes=(Keyframe(sha, frame=10),))
    finally:
        hook.remove()
    tokens, coords = seen[-1]
    times = coords[0, 0]  # (batch, [t, y, x], tokens)
    extra = tokens - plain_tokens
    assert extra == 8 * 8  # one latent frame of 32x32 / 4 (the tiny VAE) appended
    # The appended tokens sit at frame 8 of the take (10 moved to the stride of 8), in
    # seconds on the transformer's time axis.
    assert np.allclose(times[:extra].numpy(), 8 / 24.0, atol=1e-5)
    assert take.info["pipeline"] == "LTXConditionPipeline"
    cond = take.info["conditioning"]
    assert cond["keyframes"] == [{"sha256": sha, "frame": 8, "asked": 10, "moved_by": -2,
                                  "strength": 1.0}]
    assert not np.array_equal(take.frames, plain.frames)
    assert plain.info["pipeline"] == "LTXPipeline"


def test_the_keyframe_shapes_the_take_where_it_lands(gen):
    """Two runs alike but for the keyframe's image differ most at the keyframe's frames."""
    a = run(gen, keyframes=(Keyframe(stored(gen, 3), frame=0),)).frames.astype(float)
    b = run(gen, keyframes=(Keyframe(stored(gen, 4), frame=0),)).frames.astype(float)
    per_frame = np.abs(a - b).mean(axis=(1, 2, 3))
    assert per_frame[:4].mean() > 2 * per_frame[-4:].mean()
    assert per_frame.argmax() < 4


def test_continuation_hands_over_frames_not_one(gen):
    parent = run(gen)
    shas = tuple(images.save_array(gen.settings.images_dir, f) for f in parent.frames[-9:])
    video = VideoCondition(take_id="tk_parent", frames=shas, first=8)
    take = run(gen, video=video)
    cond = take.info["conditioning"]
    assert cond["video"]["frames"] == 9 and cond["overlap_frames"] == 9
    assert take.info["pipeline"] == "LTXConditionPipeline"
    # The continuation's first frames follow the handed-over ones more closely than a take
    # of the same seed without them.
    free = run(gen)
    tail = parent.frames[-9:].astype(float)
    held = np.abs(take.frames[:9].astype(float) - tail).mean()
    loose = np.abs(free.frames[:9].astype(float) - tail).mean()
    assert held < loose


def test_a_retake_follows_its_take_by_strength(gen):
    """Retakes of two different takes with one seed: a touch-up keeps each take's own look
    (they stay apart); at full strength the takes no longer matter (they meet)."""
    sources = [gen.generate(gen.resolve(GenerationRequest(
        prompt="a cat on the sea", model="tiny", **{**SIZE, "seed": seed, "num_frames": 9})),
        lambda p: None, lambda: False).frames for seed in (11, 12)]
    shas = [tuple(images.save_array(gen.settings.images_dir, f) for f in frames)
            for frames in sources]
    apart = {}
    for s in (0.3, 1.0):
        a, b = (gen.generate(gen.resolve(GenerationRequest(
            prompt="a cat on the sea", model="tiny", **{**SIZE, "num_frames": 9},
            video=VideoCondition(f"tk_{i}", shas[i], 0, mode="retake", strength=s))),
            lambda p: None, lambda: False) for i in (0, 1))
        apart[s] = np.abs(a.frames.astype(float) - b.frames.astype(float)).mean()
        assert a.info["conditioning"]["video"]["mode"] == "retake"
    assert apart[0.3] > 5 * max(apart[1.0], 0.01)
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model="tiny", **{**SIZE, "num_frames": 17},
                                      video=VideoCondition("tk", shas[0], 0, mode="retake")))
    assert err.value.field == "num_frames"


@pytest.mark.parametrize(("model", "frame", "field"), [
    ("tiny-wan", 0, "keyframes"),  # text-to-video only
    ("tiny-cogvideox", 0, "keyframes"),
    ("tiny-wan22", 16, "keyframes[0].frame"),  # first frame only: TI2V ignores last_image
])
def test_a_model_that_cannot_take_the_keyframe_refuses_it(gen, model, frame, field):
    sha = stored(gen, 5)
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model=model, width=32, height=32,
                                      num_frames=17, keyframes=(Keyframe(sha, frame=frame),)))
    assert err.value.field == field and model in str(err.value.details) + err.value.message
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model=model, width=32, height=32,
                                      num_frames=17,
                                      video=VideoCondition("tk", (sha,) * 9, 0)))
    assert err.value.field == "video"


def test_models_declare_what_they_can_take(gen):
    details = {m.name: m.details for m in gen.models()}
    assert details["tiny"]["conditioning"]["keyframes"] == "any_frames"
    assert details["tiny"]["conditioning"]["keyframe_stride"] == 8
    assert details["ltx-video"]["conditioning"]["video"] is True
    assert details["tiny-wan"]["conditioning"]["keyframes"] == "none"
    assert details["tiny-wan22"]["conditioning"]["keyframes"] == "first_frame"
