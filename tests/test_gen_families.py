"""Every tiny family through the same generate path; image-to-video; speed and memory levers.

The tiny Wan and CogVideoX twins are built offline like the LTX one, so these tests show that
one code path serves every family. Levers run on CPU, where offload profiles do not apply:
the take record must say so instead of failing.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import torch
from PIL import Image

from bridge.config import Settings
from bridge.errors import GenerationFailed, InvalidRequest
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.request import GenerationRequest, InitImage, MemoryProfile


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> DiffusersGenerator:
    root = tmp_path_factory.mktemp("Prompt cut é")
    settings = Settings(data_dir=root / "data 東京", hf_cache=root / "hf")
    settings.ensure_dirs()
    return DiffusersGenerator(settings)


def run(gen, **kw):
    request = gen.resolve(GenerationRequest(prompt=kw.pop("prompt", "a dog in the rain"), **kw))
    return gen.generate(request, lambda p: None, lambda: False)


@pytest.mark.parametrize(("model", "size", "frames", "fps", "pipeline"), [
    ("tiny-wan", (48, 32), 13, 16.0, "WanPipeline"),
    ("tiny-cogvideox", (32, 48), 17, 8.0, "CogVideoXPipeline"),
    ("tiny-wan22", (64, 32), 13, 24.0, "WanPipeline"),
])
def test_every_tiny_family_runs_the_same_path(gen, model, size, frames, fps, pipeline):
    video = run(gen, model=model, width=size[0], height=size[1], num_frames=frames, seed=4)
    assert video.frames.shape == (frames, size[1], size[0], 3)
    assert video.fps == fps and video.info["pipeline"] == pipeline
    assert video.info["test_model"] is True and video.model_id == f"promptcut/{model}"
    again = run(gen, model=model, width=size[0], height=size[1], num_frames=frames, seed=4)
    assert np.array_equal(video.frames, again.frames) and again.info["warm"]


def test_family_rules_differ(gen):
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model="tiny-wan", num_frames=15))
    assert err.value.details["nearest"] == [13, 17]
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(GenerationRequest(prompt="x", model="tiny", width=48))
    assert err.value.details["nearest"] == [32, 64]
    assert gen.resolve(GenerationRequest(prompt="x", model="tiny-wan", width=48)).width == 48
    with pytest.raises(InvalidRequest) as err:  # no image-to-video twin for CogVideoX
        gen.resolve(GenerationRequest(prompt="x", model="tiny-cogvideox",
                                      init_image=InitImage("0" * 64)))
    assert err.value.field == "init_image"


def _store_image(settings: Settings) -> str:
    rng = np.random.default_rng(7)
    buf = io.BytesIO()
    Image.fromarray((rng.random((40, 56, 3)) * 255).astype(np.uint8)).save(buf, format="PNG")
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    (settings.images_dir / f"{sha}.png").write_bytes(buf.getvalue())
    return sha


def test_image_to_video_uses_the_sibling_pipeline_on_the_warm_weights(gen):
    sha = _store_image(gen.settings)
    plain = run(gen, model="tiny", seed=9)
    start = run(gen, model="tiny", seed=9, init_image=InitImage(sha))
    assert start.info["pipeline"] == "LTXImageToVideoPipeline" and start.info["warm"]
    assert start.frames.shape == plain.frames.shape
    assert not np.array_equal(start.frames, plain.frames)
    again = run(gen, model="tiny", seed=9, init_image=InitImage(sha))
    assert np.array_equal(start.frames, again.frames)
    with pytest.raises(GenerationFailed) as err:
        run(gen, model="tiny", seed=9, init_image=InitImage("f" * 64))
    assert "upload it again" in err.value.message
    wan = run(gen, model="tiny-wan22", seed=9, width=64, height=32, num_frames=9,
              init_image=InitImage(sha))  # Wan 2.2 TI2V: same weights, image branch
    assert wan.info["pipeline"] == "WanImageToVideoPipeline"
    assert wan.frames.shape == (9, 32, 64, 3)


def test_cache_levers_are_recorded_and_switch_off_cleanly(gen):
    plain = run(gen, model="tiny", seed=2, steps=6, guidance=3.0)
    for cache in ("first_block_cache", "taylorseer", "pyramid_attention_broadcast"):
        cached = run(gen, model="tiny", seed=2, steps=6, guidance=3.0, cache=cache)
        assert cached.info["cache"] == cache and cached.info["warm"]
        assert cached.frames.shape == plain.frames.shape
        assert np.abs(cached.frames.astype(int) - plain.frames).mean() < 40
    after = run(gen, model="tiny", seed=2, steps=6, guidance=3.0)
    assert np.array_equal(after.frames, plain.frames)  # the hooks are really gone
    with pytest.raises(InvalidRequest) as err:  # does not fit LTX's packed tokens
        run(gen, model="tiny", cache="faster_cache")
    assert err.value.field == "cache"
    faster = run(gen, model="tiny-cogvideox", seed=2, steps=6, guidance=3.0,
                 cache="faster_cache")
    assert faster.info["cache"] == "faster_cache"


def test_offload_profiles_are_reported_as_not_applicable_on_cpu(gen):
    video = run(gen, model="tiny", memory_profile=MemoryProfile.SEQUENTIAL_OFFLOAD)
    assert video.info["device"] == "cpu" and video.info["memory_profile"] == "full"
    assert video.info["memory_profile_asked"] == "sequential_offload"
    assert "does not apply" in video.info["memory_profile_note"]


def test_out_of_memory_becomes_advice(gen):
    run(gen, model="tiny")
    transformer = gen._warm.pipe.transformer  # the real module; torch raises as a GPU would

    def exhaust(*_args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB")

    transformer.register_forward_pre_hook(exhaust)
    with pytest.raises(GenerationFailed) as err:
        run(gen, model="tiny", width=64, height=64)
    assert err.value.code == "out_of_memory"
    assert "smaller size" in err.value.message and "fewer frames" in err.value.message
    video = run(gen, model="tiny")  # the poisoned pipeline was dropped and reloaded
    assert video.info["warm"] is False and video.frames.shape[0] == 17
