"""Cloud providers as executors, against local STUB servers that follow each provider's
published API (tests/provider_stubs.py). Real HTTP on loopback, real retries and timeouts,
a real MP4 delivered and stored byte for byte."""

from __future__ import annotations

import logging
import stat
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bridge import providers
from bridge.engine.executors.base import Ticket
from bridge.errors import Cancelled, GenerationFailed, InvalidRequest
from bridge.generators.base import Phase
from bridge.library import media
from bridge.providers import keys
from bridge.providers.base import Limits
from bridge.providers.executor import ProviderExecutor
from bridge.request import GenerationRequest, InitImage
from tests.provider_stubs import Stub

NAMES = ["fal", "replicate", "runway"]
T2V = {"fal": "fal-ltx-video", "replicate": "replicate-minimax-video-01",
       "runway": "runway-gen4.5"}
I2V = {"fal": "fal-ltx-video", "replicate": "replicate-minimax-video-01",
       "runway": "runway-gen4-turbo"}
IMAGE_FIELD = {"fal": ("image_url",), "replicate": ("input", "first_frame_image"),
               "runway": ("promptImage",)}


@pytest.fixture(scope="module")
def mp4(tmp_path_factory) -> bytes:
    """A real H.264 file, as a provider would deliver it."""
    path = tmp_path_factory.mktemp("mp4") / "delivered.mp4"
    frames = np.random.default_rng(0).integers(0, 255, (9, 32, 32, 3), dtype=np.uint8)
    media.encode_video(frames, media.fps_fraction(24), "{}", path)
    return path.read_bytes()


@pytest.fixture
def env(tmp_path, monkeypatch, mp4):
    """Three stubs on loopback, a data dir with keys stored, short limits for the tests."""
    data = tmp_path / "data é"
    images = data / "media" / "images"
    images.mkdir(parents=True)
    stubs = {n: Stub(n, mp4).start() for n in NAMES}
    for name, stub in stubs.items():
        monkeypatch.setenv(f"PROMPTCUT_{name.upper()}_URL", stub.url)
        keys.store(data, name, stub.key)
    yield data, images, stubs
    for stub in stubs.values():
        stub.stop()


def executor(env, name: str, **limits) -> ProviderExecutor:
    data, images, _ = env
    mine = {k: p for k, p in providers.PRESETS.items() if p.provider == name}
    base = dict(deadline_s=20, poll_s=0.05, read_s=1.0, backoff_max_s=2)
    return ProviderExecutor(providers.SPECS[name], mine, data, images,
                            limits=Limits(**{**base, **limits}))


def request(env, model: str, prompt: str, image: bool = False) -> GenerationRequest:
    data, images, _ = env
    init = None
    if image:
        from PIL import Image

        Image.new("RGB", (16, 16), (200, 30, 30)).save(images / "ab12.png")
        init = InitImage(sha256="ab12")
    return providers.resolve(GenerationRequest(prompt=prompt, model=model, seed=7,
                                               init_image=init), data)


def run(ex: ProviderExecutor, req: GenerationRequest, tmp_path: Path, job: str = "j1"):
    execution = ex.submit(Ticket(job, 1, req, tmp_path / "staging" / job))
    return execution, execution.result(timeout=30)


@pytest.mark.parametrize("name", NAMES)
def test_text_and_image_to_video_are_stored_as_delivered(env, name, tmp_path, mp4, caplog):
    caplog.set_level(logging.DEBUG)
    stub = env[2][name]
    ex = executor(env, name)
    _, result = run(ex, request(env, T2V[name], "a lighthouse at dusk"), tmp_path)
    assert result.video.read_bytes() == mp4  # no re-encode
    assert result.video.parent == tmp_path / "staging" / "j1"
    assert [p.name for p in result.video.parent.iterdir()] == ["j1-1.mp4"]  # no partials
    assert result.provider["provider"] == name and result.provider["job_id"]
    assert result.provider["model"] == providers.PRESETS[T2V[name]].model
    assert "cost" in result.provider
    creates = [c for c in stub.calls if c["method"] == "POST" and "cancel" not in c["path"]]
    assert all(c["auth"] and stub.key in c["auth"] for c in creates)
    files = [c for c in stub.calls if c["path"].startswith("/files/")]
    assert files and files[0]["auth"] is not None  # same host as the API here
    _, result = run(ex, request(env, I2V[name], "the same, moving", image=True), tmp_path, "j2")
    assert result.video.read_bytes() == mp4
    body = [c for c in stub.calls if c["method"] == "POST"][-1]["body"]
    for part in IMAGE_FIELD[name]:
        body = body[part]
    assert body.startswith("data:image/png;base64,")
    assert stub.key not in caplog.text  # never logged


@pytest.mark.parametrize("name", NAMES)
def test_a_moderation_refusal_is_a_failed_job_not_a_retry_loop(env, name, tmp_path):
    stub = env[2][name]
    started = time.monotonic()
    with pytest.raises(GenerationFailed) as err:
        run(executor(env, name), request(env, T2V[name], "refuse this"), tmp_path)
    assert err.value.code == "moderation"
    assert "retrying will not help" in err.value.message
    assert time.monotonic() - started < 5
    creates = [c for c in stub.calls if c["method"] == "POST" and "cancel" not in c["path"]]
    assert len(creates) == 1


@pytest.mark.parametrize("name", NAMES)
def test_429_waits_what_retry_after_asks(env, name, tmp_path, mp4):
    stub = env[2][name]
    _, result = run(executor(env, name), request(env, T2V[name], "busy city"), tmp_path)
    assert result.video.read_bytes() == mp4
    creates = [c for c in stub.calls if c["method"] == "POST" and "cancel" not in c["path"]]
    assert len(creates) == 2
    assert creates[1]["t"] - creates[0]["t"] >= 0.95  # Retry-After: 1


def test_a_read_timeout_is_retried_and_a_passed_deadline_fails_and_cancels(env, tmp_path, mp4):
    stub = env[2]["fal"]
    _, result = run(executor(env, "fal", read_s=1.0), request(env, "fal-ltx-video",
                                                              "stall once"), tmp_path)
    assert result.video.read_bytes() == mp4
    assert result.info["http_attempts"] > 4  # create, the timed-out poll, its retry, ...
    with pytest.raises(GenerationFailed) as err:
        run(executor(env, "fal", deadline_s=1.5), request(env, "fal-ltx-video", "forever"),
            tmp_path, "j2")
    assert err.value.code == "provider_timeout"
    assert "fal job" in err.value.message  # the remote id, for the provider's support
    assert len(stub.cancels()) == 1  # stop paying for what nobody waits for


@pytest.mark.parametrize("name", NAMES)
def test_cancel_reaches_the_remote_job(env, name, tmp_path):
    stub = env[2][name]
    ex = executor(env, name)
    execution = ex.submit(Ticket("j1", 1, request(env, T2V[name], "forever and ever"),
                                 tmp_path / "staging" / "j1"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and execution.changed.wait(1):
        execution.changed.clear()
        if any(p.phase is Phase.DENOISING for p in execution.updates()):
            break
    execution.cancel()
    with pytest.raises(Cancelled):
        execution.result(timeout=10)
    assert len(stub.cancels()) == 1
    assert execution.remote_cancel in ("HTTP 202", "HTTP 200", "HTTP 204")
    assert next(iter(stub.jobs.values())).cancelled
    assert not (tmp_path / "staging" / "j1").exists() or not any(
        (tmp_path / "staging" / "j1").iterdir())


def test_progress_is_pushed_at_each_change_not_polled(env, tmp_path):
    """The executor polls the provider (its protocol) and tells of each change: `changed`
    wakes a waiter, `updates` gives every change once, in order; the provider saying the
    same again and again (a job that runs on) is not a change."""
    ex = executor(env, "runway")
    execution = ex.submit(Ticket("j1", 1, request(env, T2V["runway"], "a quay at noon"),
                                 tmp_path / "staging" / "j1"))
    seen = []
    while execution.result(0) is None:
        assert execution.changed.wait(10), "no push within 10 s"
        execution.changed.clear()
        seen += execution.updates()
    seen += execution.updates()
    assert [(p.phase, p.step, p.steps) for p in seen] == [
        (Phase.LOADING, 0, 0), (Phase.DENOISING, 40, 100), (Phase.DOWNLOADING, 0, 0)]
    stub = env[2]["runway"]
    running = ex.submit(Ticket("j2", 1, request(env, T2V["runway"], "forever a quay"),
                               tmp_path / "staging" / "j2"))
    changes: list = []
    while not any(p.phase is Phase.DENOISING for p in changes):
        assert running.changed.wait(10), "no push within 10 s"
        running.changed.clear()
        changes += running.updates()
    forever = next(j for j in stub.jobs.values() if "forever" in j.prompt)
    polls = forever.polls
    deadline = time.monotonic() + 10
    while forever.polls < polls + 4 and time.monotonic() < deadline:
        time.sleep(0.02)  # the executor asks the provider again and again ...
    assert forever.polls >= polls + 4
    assert running.updates() == []  # ... which says the same: nothing to tell
    assert [p.phase for p in changes] == [Phase.LOADING, Phase.DENOISING]
    running.cancel()
    with pytest.raises(Cancelled):
        running.result(timeout=10)


def test_keys_are_0600_and_without_one_nothing_is_sent(env, tmp_path):
    data, _, stubs = env
    path = keys.keys_path(data)
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.hint(data, "fal") == "…6789"
    states = {s.name: s for s in providers.model_states(data)}
    assert states["fal-ltx-video"].state == "ready" and states["fal-ltx-video"].provider == "fal"
    assert keys.remove(data, "fal")
    states = {s.name: s for s in providers.model_states(data)}
    assert states["fal-ltx-video"].state == "needs_key"
    assert "providers set fal" in states["fal-ltx-video"].details["cloud"]["how"]
    req = GenerationRequest(prompt="x", model="fal-ltx-video", width=768, height=512,
                            num_frames=120, fps=24)
    assert "No fal API key" in executor(env, "fal").refuses(req, None)
    with pytest.raises(InvalidRequest) as err:
        providers.resolve(req, data)
    assert err.value.code == "needs_key" and err.value.field == "model"
    assert stubs["fal"].calls == []
    assert executor(env, "replicate").refuses(req, None)  # another provider's preset


def test_requests_are_checked_against_what_the_api_accepts(env):
    data = env[0]
    with pytest.raises(InvalidRequest) as err:
        providers.resolve(GenerationRequest(prompt="x", model="runway-gen4.5", width=640,
                                            height=480), data)
    assert err.value.field == "width" and [1280, 720] in err.value.details["choices"]
    with pytest.raises(InvalidRequest) as err:
        providers.resolve(GenerationRequest(prompt="x", model="runway-gen4.5",
                                            num_frames=100), data)
    assert err.value.field == "num_frames" and err.value.details["choices"] == [120, 240]
    with pytest.raises(InvalidRequest) as err:
        providers.resolve(GenerationRequest(prompt="x", model="runway-gen4-turbo"), data)
    assert err.value.field == "init_image"
    ok = providers.resolve(GenerationRequest(prompt="x", model="runway-gen4.5", steps=30,
                                             num_frames=240), data)
    assert (ok.width, ok.height, ok.num_frames, ok.fps, ok.steps) == (1280, 720, 240, 24, None)
