"""Provider keys through the real bridge and the real CLI: stored 0600, never returned,
never logged; provider presets in GET /models as `needs_key` until a key is stored."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from tests.conftest import ROOT

SECRET = "sk-test-SECRET-do-not-echo-4242"


def packets(path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def _models(server) -> dict:
    return {m["name"]: m for m in server.api("GET", "/models").json()["models"]}


def test_keys_go_in_and_never_come_out(server):
    before = _models(server)
    fal = before["fal-ltx-video"]
    assert fal["provider"] == "fal" and fal["state"] == "needs_key"
    assert before["tiny"]["provider"] is None
    resp = server.api("PUT", "/providers/fal/key", json={"key": SECRET})
    assert resp.status_code == 200, resp.text
    assert SECRET not in resp.text
    assert resp.json()["provider"]["has_key"] is True
    assert resp.json()["provider"]["key_hint"] == "…4242"
    listing = server.api("GET", "/providers")
    assert SECRET not in listing.text
    assert {p["name"] for p in listing.json()["providers"]} == {"fal", "replicate", "runway"}
    assert _models(server)["fal-ltx-video"]["state"] == "ready"
    assert SECRET not in server.api("GET", "/models").text
    path = server.data_dir / "provider_keys.json"
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server.api("DELETE", "/providers/fal/key").json()["removed"] is True
    assert _models(server)["fal-ltx-video"]["state"] == "needs_key"
    assert SECRET not in server.log()


def test_bad_key_input_names_the_field(server):
    for body, field in (({}, "key"), ({"key": ""}, "key"), ({"key": "a b"}, "key"),
                        ({"key": 5}, "key")):
        resp = server.api("PUT", "/providers/fal/key", json=body)
        assert resp.status_code == 400 and resp.json()["error"]["field"] == field, resp.text
    resp = server.api("PUT", "/providers/nope/key", json={"key": "x"})
    assert resp.status_code == 404 and resp.json()["error"]["field"] == "name"
    assert server.api("PUT", "/providers/fal/key", json={"key": "x"}, auth=False
                      ).status_code == 401


def test_cli_sets_a_key_from_stdin_and_never_prints_it(tmp_path):
    data = tmp_path / "data é"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bridge", "providers", "--data-dir",
                               str(data), *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=60)

    out = cli("set", "replicate", stdin=SECRET + "\n")
    assert out.returncode == 0, out.stderr
    assert SECRET not in out.stdout + out.stderr and "…4242" in out.stdout
    listed = cli("list")
    assert "replicate  key …4242" in listed.stdout and SECRET not in listed.stdout
    assert cli("set", "nope", stdin="x\n").returncode == 2
    assert cli("set", "fal", stdin="\n").returncode == 2
    assert "removed" in cli("remove", "replicate").stdout


def test_a_provider_job_through_the_bridge_is_stored_as_delivered(fresh_server, monkeypatch,
                                                                    tmp_path):
    """A real bridge, a loopback STUB of fal: the job runs on the provider executor only
    once a key is stored, and the take is the provider's MP4 byte for byte."""
    import numpy as np

    from bridge.library import media
    from tests.provider_stubs import Stub

    path = tmp_path / "delivered.mp4"
    frames = np.random.default_rng(1).integers(0, 255, (9, 32, 32, 3), dtype=np.uint8)
    media.encode_video(frames, media.fps_fraction(24), "{}", path)
    stub = Stub("fal", path.read_bytes()).start()
    monkeypatch.setenv("PROMPTCUT_FAL_URL", stub.url)
    monkeypatch.setenv("PROMPTCUT_PROVIDER_POLL_S", "0.05")
    server = fresh_server.start()
    try:
        refused = server.api("POST", "/jobs", json={"prompt": "a harbour", "model":
                                                     "fal-ltx-video"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "needs_key"
        assert stub.calls == []  # nothing was sent to the paid service
        assert server.api("PUT", "/providers/fal/key", json={"key": stub.key}).ok
        job = server.submit(prompt="a harbour at dawn", model="fal-ltx-video")["jobs"][0]
        done = server.wait_jobs([job["id"]], timeout=60)[0]
        assert done["status"] == "done", done
        take = server.api("GET", f"/takes/{done['take_id']}").json()
        video = server.data_dir / "media" / take["folder"] / f"{take['stem']}.mp4"
        # As delivered: the same H.264 packets (signing may add a C2PA manifest, no more).
        assert packets(video) == packets(path)
        assert take["record"]["provider"]["provider"] == "fal"
        assert take["record"]["provider"]["job_id"] in stub.jobs
        assert take["record"]["executor"]["kind"] == "provider"
        assert (video.with_suffix(".jpg")).is_file()
        local = server.submit(prompt="a local take", model="tiny", steps=1, num_frames=9,
                              width=32, height=32)["jobs"][0]
        assert server.wait_jobs([local["id"]])[0]["status"] == "done"
        assert len([c for c in stub.calls if c["method"] == "POST"]) == 1  # tiny stayed home
    finally:
        server.stop()
        stub.stop()
