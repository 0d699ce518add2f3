"""The model manager offline: a tiny pipeline placed in a Hugging Face cache layout under a
made-up repo id reads as ready and generates with the hub unreachable; an absent one reads
as needs_download and a download fails within seconds; the API and the CLI say the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from bridge.config import Settings
from bridge.errors import GenerationFailed
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.generators.tiny import ensure_tiny
from bridge.request import GenerationRequest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
USER_PRESETS = {"presets": [
    {"name": "my-ltx", "label": "My LTX", "family": "ltx", "model_id": "you/tiny-ltx",
     "t2v_class": "LTXPipeline", "width": 32, "height": 32, "num_frames": 9, "steps": 2,
     "guidance": 1.0, "call_kwargs": {"max_sequence_length": 16}},
    {"name": "absent", "model_id": "you/absent-model", "t2v_class": "LTXPipeline"},
]}


def place_in_hf_cache(src: Path, cache: Path, repo_id: str) -> Path:
    """The layout the hub client writes: blobs by hash, a snapshot of links, refs/main."""
    base = cache / ("models--" + repo_id.replace("/", "--"))
    snap = base / "snapshots" / COMMIT
    (base / "blobs").mkdir(parents=True)
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        blob = base / "blobs" / hashlib.sha256(f.read_bytes()).hexdigest()
        shutil.copyfile(f, blob)
        target = snap / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.symlink_to(os.path.relpath(blob, target.parent))
        except OSError:  # no symlinks allowed (Windows without developer mode)
            shutil.copyfile(blob, target)
    (base / "refs").mkdir()
    (base / "refs" / "main").write_text(COMMIT, encoding="ascii")
    return snap


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("Prompt cut é")
    settings = Settings(data_dir=root / "data ü", hf_cache=root / "hf cache")
    settings.ensure_dirs()
    tiny = ensure_tiny(root / "build", "ltx")
    place_in_hf_cache(tiny, settings.hf_cache, "you/tiny-ltx")
    folder_preset = {"name": "my-folder", "model_id": str(tiny), "t2v_class": "LTXPipeline",
                     "width": 32, "height": 32, "num_frames": 9, "steps": 2, "guidance": 1.0}
    presets = {"presets": [*USER_PRESETS["presets"], folder_preset]}
    (settings.data_dir / "presets.json").write_text(json.dumps(presets), encoding="utf-8")
    return settings


@pytest.fixture(scope="module")
def gen(settings) -> DiffusersGenerator:
    return DiffusersGenerator(settings)


def states(gen) -> dict[str, str]:
    return {m.name: m.state for m in gen.models()}


def test_states_are_read_from_the_cache_quickly(gen):
    start = time.monotonic()
    found = states(gen)
    assert time.monotonic() - start < 2
    assert found["my-ltx"] == "ready" and found["absent"] == "needs_download"
    assert found["tiny"] == "ready" and found["ltx-video"] == "needs_download"
    mine = next(m for m in gen.models() if m.name == "my-ltx")
    assert mine.size_bytes and mine.size_bytes > 10_000 and not mine.test_model
    assert mine.details["defaults"]["num_frames"] == 9
    assert next(m for m in gen.models() if m.name == "tiny").test_model


def test_a_download_in_progress_elsewhere_is_seen_in_the_cache(gen, settings):
    blobs = settings.hf_cache / "models--THUDM--CogVideoX-2b" / "blobs"
    blobs.mkdir(parents=True)
    part = blobs / ("ab" * 32 + ".incomplete")
    part.write_bytes(b"x" * 4096)
    cog = next(m for m in gen.models() if m.name == "cogvideox-2b")
    assert cog.state == "downloading" and cog.details["partial_bytes"] == 4096
    os.utime(part, (time.time() - 3600, time.time() - 3600))  # stalled: resumable later
    cog = next(m for m in gen.models() if m.name == "cogvideox-2b")
    assert cog.state == "needs_download" and cog.details["partial_bytes"] == 4096


def test_a_user_preset_in_the_cache_generates_offline(gen):
    request = gen.resolve(GenerationRequest(prompt="a city at night", model="my-ltx", seed=3))
    video = gen.generate(request, lambda p: None, lambda: False)
    assert video.frames.shape == (9, 32, 32, 3)
    assert video.model_id == "you/tiny-ltx" and video.revision == COMMIT
    assert states(gen)["my-folder"] == "ready"  # a plain folder (source inferred: local)
    local = gen.generate(gen.resolve(GenerationRequest(prompt="x", model="my-folder")),
                         lambda p: None, lambda: False)
    assert local.frames.shape == (9, 32, 32, 3) and local.revision is None


def test_an_absent_model_fails_fast_and_then_reads_unavailable(gen):
    start = time.monotonic()
    with pytest.raises(GenerationFailed) as err:
        gen.manager.download("absent")
    assert time.monotonic() - start < 5
    assert err.value.code == "model_unavailable"
    assert "promptcut models download absent" in err.value.message
    assert states(gen)["absent"] == "unavailable"
    with pytest.raises(GenerationFailed) as err:  # a job on it fails the same way, fast
        gen.generate(gen.resolve(GenerationRequest(prompt="x", model="absent")),
                     lambda p: None, lambda: False)
    assert err.value.code == "model_unavailable"
    assert time.monotonic() - start < 10


def test_api_lists_downloads_and_removes(settings, gen, tmp_path):
    from bridge.app import build_services, create_app

    services = build_services(settings, generator=gen)
    app = create_app(settings, services=services, start_worker=False)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {services.token}",
               "Host": f"127.0.0.1:{settings.port}"}
    listed = client.get("/api/v1/models", headers=headers)
    assert listed.status_code == 200
    by_name = {m["name"]: m for m in listed.get_json()["models"]}
    assert by_name["my-ltx"]["state"] == "ready" and by_name["tiny"]["test_model"] is True
    assert client.post("/api/v1/models/nope/download", headers=headers).status_code == 404
    assert client.post("/api/v1/models/my-ltx/download", headers=headers).status_code == 200
    local = client.post("/api/v1/models/my-folder/download", headers=headers)
    assert local.status_code == 400 and local.get_json()["error"]["field"] == "name"

    started = client.post("/api/v1/models/ltx-video/download", headers=headers)
    assert started.status_code == 202
    deadline = time.monotonic() + 10
    updated = []
    while not updated and time.monotonic() < deadline:
        poll = services.events.poll(0, timeout=1.0)
        updated = [e for e in poll.events if e["kind"] == "model.updated"]
    assert updated and updated[0]["name"] == "ltx-video"
    assert updated[0]["data"]["state"] == "unavailable"
    assert updated[0]["data"]["error"]["code"] == "model_unavailable"

    removed = client.delete("/api/v1/models/my-ltx", headers=headers)
    assert removed.status_code == 200
    assert removed.get_json()["freed_bytes"] > 10_000
    assert removed.get_json()["model"]["state"] == "needs_download"
    assert not (settings.hf_cache / "models--you--tiny-ltx").exists()


def test_cli_lists_and_reports_a_failed_download(settings, capsys):
    from bridge.cli import main

    common = ["--data-dir", str(settings.data_dir), "--hf-cache", str(settings.hf_cache)]
    assert main(["models", "list", *common]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "ready (test model)" in out and "needs_download" in out
    start = time.monotonic()
    assert main(["models", *common, "download", "absent"]) == 1
    assert time.monotonic() - start < 5
    assert "promptcut models download absent" in capsys.readouterr().err
