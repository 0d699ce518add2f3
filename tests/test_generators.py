"""The diffusers backend with the real tiny LTX pipeline: validation, takes, warmth, cancel.

One generator per module keeps the pipeline warm across tests, as the job engine does.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from bridge.config import Settings
from bridge.errors import Cancelled, GenerationFailed, InvalidRequest
from bridge.generators.base import Phase
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.generators.tiny import ensure_tiny
from bridge.request import GenerationRequest


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> DiffusersGenerator:
    root = tmp_path_factory.mktemp("Prompt cut é")
    return DiffusersGenerator(Settings(data_dir=root / "data ü", hf_cache=root / "hf cache"))


def tiny(**kw) -> GenerationRequest:
    return GenerationRequest(prompt=kw.pop("prompt", "a red car at night"), model="tiny", **kw)


def test_resolve_fills_every_field_from_the_preset(gen):
    r = gen.resolve(tiny(seed=3))
    assert (r.width, r.height, r.num_frames, r.steps, r.guidance, r.fps) == (
        32, 32, 17, 4, 1.0, 24.0)
    assert r.seed == 3
    assert gen.resolve(r) == r  # resolving twice changes nothing
    ltx = gen.resolve(GenerationRequest(prompt="x"))
    assert (ltx.model, ltx.steps, ltx.guidance, ltx.width % 32, (ltx.num_frames - 1) % 8) == (
        "ltx-video", 8, 1.0, 0, 0)


@pytest.mark.parametrize(("change", "field", "suggestion"), [
    ({"width": 50}, "width", 64),
    ({"height": 40}, "height", 32),
    ({"width": 0}, "width", 32),
    ({"num_frames": 20}, "num_frames", 17),
    ({"num_frames": 22}, "num_frames", 25),
    ({"num_frames": 0}, "num_frames", 1),
    ({"steps": 0}, "steps", None),
    ({"guidance": -1.0}, "guidance", None),
    ({"fps": 0.0}, "fps", None),
    ({"cache": "magic"}, "cache", None),
    ({"model": "nope"}, "model", None),
])
def test_resolve_names_the_field_and_the_nearest_value(gen, change, field, suggestion):
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(tiny(**change) if "model" not in change else
                    GenerationRequest(prompt="x", **change))
    assert err.value.field == field
    assert err.value.status == 400
    if suggestion is not None:
        assert err.value.details["suggestion"] == suggestion
        assert str(suggestion) in err.value.message


def test_num_frames_error_reports_both_neighbours(gen):
    with pytest.raises(InvalidRequest) as err:
        gen.resolve(tiny(num_frames=21))
    assert err.value.details["nearest"] == [17, 25]


def test_take_is_exact_warm_and_reproducible(gen, caplog):
    request = gen.resolve(tiny(seed=11, width=64, height=32, num_frames=9))
    seen = []
    with caplog.at_level(logging.INFO, logger="promptcut.generator"):
        first = gen.generate(request, seen.append, lambda: False)
        second = gen.generate(request, lambda p: None, lambda: False)
    assert first.frames.shape == (9, 32, 64, 3) and first.frames.dtype == np.uint8
    assert first.fps == 24.0 and first.request == request
    assert first.model_id == "promptcut/tiny-ltx" and first.revision
    assert np.array_equal(first.frames, second.frames)
    assert second.info["warm"] is True and second.info["load_s"] == 0.0
    assert "warm tiny" in caplog.text
    for key in ("device", "dtype", "memory_profile", "denoise_s", "decode_s", "load_s"):
        assert key in first.info
    assert first.info["test_model"] is True
    phases = [p.phase for p in seen]
    assert phases[0] is Phase.LOADING and phases[-1] is Phase.DECODING
    steps = [p for p in seen if p.phase is Phase.DENOISING and p.step > 0]
    assert [p.step for p in steps] == [1, 2, 3, 4] and all(p.steps == 4 for p in steps)
    assert steps[0].eta_s is not None and steps[-1].eta_s == 0.0
    other = gen.generate(request.replace(seed=12), lambda p: None, lambda: False)
    assert not np.array_equal(first.frames, other.frames)


def test_cancel_stops_within_a_step_and_the_pipeline_stays_usable(gen):
    request = gen.resolve(tiny(seed=1, steps=6))
    steps = []

    def progress(p):
        if p.phase is Phase.DENOISING and p.step:
            steps.append(p.step)

    with pytest.raises(Cancelled):
        gen.generate(request, progress, lambda: len(steps) >= 2)
    assert steps == [1, 2]
    video = gen.generate(request, lambda p: None, lambda: False)
    assert video.frames.shape[0] == 17 and video.info["warm"] is True


def test_missing_weights_fail_fast_and_keep_the_warm_model(gen):
    gen.generate(gen.resolve(tiny()), lambda p: None, lambda: False)
    start = time.monotonic()
    with pytest.raises(GenerationFailed) as err:
        gen.generate(gen.resolve(GenerationRequest(prompt="x")), lambda p: None, lambda: False)
    assert time.monotonic() - start < 5
    assert err.value.code == "model_unavailable"
    assert "promptcut models download ltx-video" in err.value.message
    assert gen.generate(gen.resolve(tiny()), lambda p: None, lambda: False).info["warm"]


def test_tiny_build_is_safe_when_threads_race(tmp_path):
    results, errors = [], []

    def build():
        try:
            results.append(ensure_tiny(tmp_path / "racé models", "ltx"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert (results[0] / "model_index.json").is_file()
    assert not [p for p in results[0].parent.iterdir() if p.name.startswith(".")]


def test_a_cancel_stops_inside_a_step_not_only_at_its_end(tmp_path):
    """Every transformer block checks for a cancel: a step of a large take can take minutes."""
    gen = DiffusersGenerator(Settings(data_dir=tmp_path / "data é"))
    req = gen.resolve(tiny(steps=4))
    calls, steps_done = [], []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1  # the pre-check passes; the first block's check cancels

    def progress(p) -> None:
        if p.phase.value == "denoising" and p.step:
            steps_done.append(p.step)

    with pytest.raises(Cancelled):
        gen.generate(req, progress, cancelled)
    assert steps_done == []  # stopped before the first step could end
    assert gen.generate(req, lambda p: None, lambda: False).frames.shape[0] == req.num_frames
