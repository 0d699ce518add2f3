"""A full disk under the library (issue 8): 507 with a sentence, never 500, and no file left.

The library sits on a real, small filesystem: a tmpfs mounted over the data dir inside a
mount namespace of the server's own (`unshare -m`, Linux, as root). The test reaches the
server's files through /proc/<pid>/root and fills the disk to the last block with a
filler file, so every write the server then tries meets ENOSPC (or SQLITE_FULL) for real.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import Bridge, new_data_dir

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"),
    reason="needs Linux, root and unshare to mount a small tmpfs in a mount namespace")

DISK_MB = 48
STEP_S = 2  # each denoising step of this module's jobs lasts this long
MOUNT = 'mount -t tmpfs -o size={mb}m promptcut-test "$1" && {more}shift && exec "$@"'
TRASH = 'mkdir "$1/trash" && mount -t tmpfs -o size=8m promptcut-trash "$1/trash" && '


class SmallDiskBridge(Bridge):
    """A bridge whose data dir is a DISK_MB tmpfs only its own process sees."""

    def __init__(self, data_dir: Path, trash_disk: bool = False) -> None:
        script = MOUNT.format(mb=DISK_MB, more=TRASH if trash_disk else "")
        super().__init__(data_dir, launcher=(
            "unshare", "-m", "sh", "-c", script, "sh", str(data_dir)))

    def seen(self, path: str) -> Path:
        """A path the server named, as this process reaches it."""
        return Path(f"/proc/{self.proc.pid}/root") / Path(path).relative_to("/")

    @property
    def root(self) -> Path:
        assert self.proc is not None
        return Path(f"/proc/{self.proc.pid}/root") / self.data_dir.relative_to("/")

    @property
    def token(self) -> str:
        return (self.root / "token").read_text(encoding="ascii").strip()


def can_mount() -> bool:
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            "mount -t tmpfs -o size=1m t /mnt && umount /mnt"],
                           capture_output=True, timeout=20)
    return probe.returncode == 0


def fill(folder: Path) -> Path:
    """Write a filler file until the filesystem has no block left."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as f:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.name != "filler.bin"}


def noise_png(size: int = 256) -> bytes:
    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def assert_disk_full(resp, where: str) -> None:
    assert resp.status_code == 507, (where, resp.status_code, resp.text)
    err = resp.json()["error"]
    assert err["code"] == "disk_full", err
    assert err["message"].startswith("The disk holding the library is full: free space on ")
    assert "Promptcut data" in err["message"], err  # names the library's folder


def until_refused(call, tries: int = 40):
    """Repeat a write until the full disk refuses it (SQLite may first fill pages it had)."""
    for _ in range(tries):
        resp = call()
        assert resp.status_code != 500, resp.text
        if resp.status_code == 507:
            return resp
    pytest.fail(f"{tries} writes on a full disk never got 507; the last: {resp.text}")


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    """One server for the module: the library on a DISK_MB tmpfs, trash/ on another."""
    if not can_mount():
        pytest.skip("this sandbox may not mount a tmpfs in a mount namespace")
    server = SmallDiskBridge(new_data_dir(tmp_path_factory.mktemp("small-disk")),
                             trash_disk=True)
    server.env["PROMPTCUT_STALL"] = f"executor.step:{STEP_S}"  # time to fill the disk
    server.start()
    yield server
    server.stop()


def test_full_disk_answers_507_and_leaves_no_file(bridge):
    filler = None
    try:
        take = bridge.make_takes(1, prompt="disk take", width=32, height=32, num_frames=9,
                                 steps=1)[0]
        upload = noise_png()
        before = listing(bridge.root)
        filler = fill(bridge.root)

        r = bridge.api("POST", "/images", data=upload,
                       headers={"Content-Type": "application/octet-stream"})
        assert_disk_full(r, "POST /images")
        assert listing(bridge.root) == before  # no .partial.png left behind

        notes = "n" * 4000
        assert_disk_full(until_refused(lambda: bridge.api(
            "PATCH", f"/takes/{take['id']}", json={"notes": notes + os.urandom(4).hex()})),
            "PATCH /takes")
        assert_disk_full(until_refused(lambda: bridge.api("POST", "/jobs", json={
            "prompt": "on a full disk " + notes[:3900], "model": "tiny", "width": 32, "height": 32,
            "num_frames": 9, "steps": 1})), "POST /jobs")
        assert_disk_full(bridge.api("POST", "/timelines", json={"takes": [take["id"]]}),
                         "POST /timelines")
        left = {p for p in listing(bridge.root) - before
                if not p.endswith(("-wal", "-shm", "-journal"))}
        assert not any(".partial" in p or p.startswith("timelines/") for p in left), left

        # Space again: the same calls work, nothing needs a restart.
        filler.unlink()
        filler = None
        assert bridge.api("POST", "/images", data=upload).status_code == 201
        ok = bridge.api("PATCH", f"/takes/{take['id']}", json={"rating": 5})
        assert ok.status_code == 200 and ok.json()["rating"] == 5
    finally:
        if filler is not None:
            filler.unlink()


def test_trash_on_another_disk_is_no_500_and_loses_nothing(bridge):
    """DELETE moves a take's files to trash/; on another filesystem a rename fails with
    EXDEV, so each file is copied there (flushed, then renamed into place) and only then
    removed: the delete succeeds, and every file is in the trash, byte for byte."""
    take = bridge.make_takes(1, prompt="trash take", width=32, height=32, num_frames=9,
                             steps=1)[0]
    media = bridge.seen(take["media_path"])
    files = {p.name: p.read_bytes() for p in media.parent.glob(media.stem + "*")}
    assert len(files) >= 3  # the MP4, its poster, its filmstrip (and record)
    r = bridge.api("DELETE", f"/takes/{take['id']}")
    assert r.status_code == 204, r.text
    for name, data in files.items():
        kept = [p for p in bridge.root.rglob(name) if p.is_file()]
        assert [p.relative_to(bridge.root).parts[0] for p in kept] == ["trash"], (name, kept)
        assert kept[0].read_bytes() == data, name
    assert not list((bridge.root / "trash").rglob("*.moving"))  # no copy left half-made


def test_a_job_that_meets_a_full_disk_leaves_no_staging_folder(bridge):
    """The disk fills while a job denoises: registering its files fails (SQLite's first
    write of the finish meets the full disk), the job fails once space is back, and its
    staging folder is gone (before: the attempt was forgotten with the folder still there,
    so not even the next start removed it)."""
    import time

    filler = None
    try:
        job = bridge.submit(prompt="meets a full disk", width=32, height=32, num_frames=9,
                            steps=1)["jobs"][0]
        staging = bridge.root / "staging" / f"{job['id']}-1"
        deadline = time.monotonic() + 60
        while (bridge.api("GET", f"/jobs/{job['id']}").json().get("progress")
               or {}).get("step", 0) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert staging.is_dir()  # made for this attempt
        filler = fill(bridge.root)
        while bridge.api("GET", "/health").json()["worker"] != "retrying":
            assert time.monotonic() < deadline + STEP_S
            time.sleep(0.1)
        filler.unlink()
        filler = None
        done = bridge.wait_jobs([job["id"]], timeout=60)[0]
        assert done["status"] == "failed", done
        assert not staging.exists()
    finally:
        if filler is not None:
            filler.unlink()
