"""The model manager: which presets are on disk, downloading them, and freeing the space.

Weights live in the standard Hugging Face cache (settings.hf_cache, else HF_HUB_CACHE /
HF_HOME), so every other app on the machine shares them. Listing never touches the network:
huggingface_hub's own cache functions (`try_to_load_from_cache`, `scan_cache_dir`) find the
snapshot and free it, so the cache layout is the library's business, not ours. Downloads are
resumable (the hub client keeps partial blobs) and report bytes done by watching the repo's
blob folder, which works whatever the transfer backend (the hub has no progress API for
another process's download).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import Conflict, GenerationFailed, InvalidRequest, NotFound
from bridge.generators.base import DownloadProgress, ModelState, Phase, Progress
from bridge.generators.hf_cache import (
    delete_cached_repo,
    folder_bytes,
    hub_cache_dir,
    is_complete_pipeline,
    local_snapshot,
    offline,
    partial_download,
    repo_folder,
)
from bridge.generators.presets import Preset, get_preset
from bridge.generators.tiny import ensure_tiny, tiny_kind

log = logging.getLogger("promptcut.generator")

# Only what a diffusers pipeline folder needs: repos such as Lightricks/LTX-Video also keep
# many single-file checkpoints at their root that we must not pull.
ALLOW = ["model_index.json", "*/*"]
UNREACHABLE_FOR_S = 600.0  # how long a failed attempt marks a preset `unavailable`
DownloadFn = Callable[[DownloadProgress], None]


class ModelManager:
    """States, downloads and removal for every preset; safe from any thread."""

    def __init__(self, settings: Settings, presets: Callable[[], dict[str, Preset]]) -> None:
        self.settings = settings
        self._presets = presets
        self._lock = threading.Lock()
        self._downloading: dict[str, dict[str, Any]] = {}
        self._failed: dict[str, tuple[float, str]] = {}
        self._sizes: dict[str, int] = self._read_sizes()

    @property
    def _sizes_path(self) -> Path:
        return Path(self.settings.data_dir) / "model_sizes.json"

    def _read_sizes(self) -> dict[str, int]:
        """Download sizes learnt from the hub earlier, so offline listings can show them."""
        try:
            data = json.loads(self._sizes_path.read_text(encoding="utf-8"))
            return {str(k): int(v) for k, v in data.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            return {}

    def _remember_size(self, repo_id: str, size: int | None) -> None:
        if not size:
            return
        with self._lock:
            self._sizes[repo_id] = size
            data = dict(self._sizes)
        try:
            self._sizes_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._sizes_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self._sizes_path)
        except OSError:
            log.warning("could not save %s", self._sizes_path, exc_info=True)

    @property
    def cache(self) -> Path:
        return hub_cache_dir(self.settings)

    def preset(self, name: str) -> Preset:
        try:
            return get_preset(self._presets(), name)
        except InvalidRequest as exc:
            raise NotFound(exc.message, field="name") from None

    # -- states -----------------------------------------------------------------------------

    def states(self) -> list[ModelState]:
        return [self.state(p) for p in self._presets().values()]

    def state(self, preset: Preset) -> ModelState:
        details = preset.public()
        size = preset.size_bytes or self._sizes.get(preset.model_id)
        if preset.source == "tiny":
            state = "ready"  # built from code on first use; nothing to download
        elif preset.source == "local":
            ok = is_complete_pipeline(Path(preset.model_id).expanduser())
            state = "ready" if ok else "unavailable"
            if not ok:
                details["reason"] = f"No diffusers pipeline in {preset.model_id}."
        else:
            with self._lock:
                progress = self._downloading.get(preset.name)
                failed = self._failed.get(preset.name)
            snap = local_snapshot(self.cache, preset.model_id, preset.revision)
            if progress is not None:
                state = "downloading"
                details["progress"] = dict(progress)
            elif snap is not None:
                state = "ready"
                size = folder_bytes(snap, follow=True) or size
                details["path"] = str(snap)
            elif failed and time.monotonic() - failed[0] < UNREACHABLE_FOR_S:
                state = "unavailable"
                details["reason"] = failed[1]
            else:
                partial = partial_download(repo_folder(self.cache, preset.model_id))
                # Another process (the CLI, another app) may be filling the cache right now.
                state = "downloading" if partial and partial[1] < 60 else "needs_download"
                if partial:
                    details["partial_bytes"] = partial[0]  # a new download resumes from here
                details["download"] = f"promptcut models download {preset.name}"
        return ModelState(name=preset.name, label=preset.label, family=preset.family,
                          model_id=preset.model_id, state=state,
                          test_model=preset.test_model, size_bytes=size, details=details)

    # -- download ---------------------------------------------------------------------------

    def download(self, name: str, on_progress: DownloadFn | None = None) -> Path:
        """Fetch `name` into the HF cache (resumable); returns its snapshot folder.

        Raises GenerationFailed(code="model_unavailable") within seconds when the hub cannot
        be reached, so neither a job nor the CLI ever hangs on a dead network.
        """
        preset = self.preset(name)
        if preset.source == "tiny":
            return ensure_tiny(self.settings.models_dir, tiny_kind(preset))
        if preset.source == "local":
            raise InvalidRequest(f"'{name}' is a local folder; there is nothing to download.",
                                 field="name", code="not_downloadable")
        with self._lock:
            if name in self._downloading:
                raise Conflict(f"'{name}' is already downloading.", field="name")
            self._downloading[name] = {"bytes_done": 0, "bytes_total": preset.size_bytes}
            self._failed.pop(name, None)
        try:
            return self._download(preset, on_progress)
        except GenerationFailed as exc:
            with self._lock:
                self._failed[name] = (time.monotonic(), exc.message)
            raise
        finally:
            with self._lock:
                self._downloading.pop(name, None)

    def _download(self, preset: Preset, on_progress: DownloadFn | None) -> Path:
        from huggingface_hub import snapshot_download

        how = (f"Connect to the internet and run `promptcut models download {preset.name}`, "
               f"or copy the '{preset.model_id}' diffusers folder into the Hugging Face "
               f"cache at {self.cache}.")
        if offline():
            raise GenerationFailed(f"'{preset.name}' is not downloaded and offline mode "
                                   f"(HF_HUB_OFFLINE) is on. {how}", code="model_unavailable")
        total = self._remote_size(preset, how)
        self._remember_size(preset.model_id, total)
        with self._lock:
            self._downloading[preset.name]["bytes_total"] = total
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, daemon=True,
                                   args=(preset, total, on_progress, stop))
        watcher.start()
        try:
            path = snapshot_download(preset.model_id, revision=preset.revision,
                                     cache_dir=str(self.cache), allow_patterns=ALLOW,
                                     etag_timeout=10)
        except Exception as exc:  # network, auth, disk: all end as one actionable sentence
            raise GenerationFailed(f"Downloading '{preset.name}' failed ({exc}). {how}",
                                   code="model_unavailable") from exc
        finally:
            stop.set()
            watcher.join(timeout=5)
        if on_progress:
            on_progress({"name": preset.name, "bytes_done": total, "bytes_total": total,
                         "done": True})
        return Path(path)

    def _remote_size(self, preset: Preset, how: str) -> int | None:
        from huggingface_hub import HfApi

        try:
            info = HfApi().model_info(preset.model_id, revision=preset.revision,
                                      files_metadata=True, timeout=10)
        except Exception as exc:
            raise GenerationFailed(f"The model hub cannot be reached for '{preset.name}' "
                                   f"({type(exc).__name__}: {exc}). {how}",
                                   code="model_unavailable") from exc
        sizes = [s.size or 0 for s in info.siblings or []
                 if s.rfilename == "model_index.json" or "/" in s.rfilename]
        return sum(sizes) or None

    def _watch(self, preset: Preset, total: int | None, on_progress: DownloadFn | None,
               stop: threading.Event) -> None:
        blobs = repo_folder(self.cache, preset.model_id) / "blobs"
        while not stop.wait(0.5):
            done = folder_bytes(blobs) if blobs.is_dir() else 0
            record = {"name": preset.name, "bytes_done": done, "bytes_total": total,
                      "done": False}
            with self._lock:
                if preset.name in self._downloading:
                    self._downloading[preset.name].update(record)
            if on_progress:
                on_progress(record)

    def ensure_local(self, preset: Preset, on_progress: Callable[[Progress], None]) -> Path:
        """The snapshot to load; downloads first (phase `downloading`) when it is missing."""
        snap = local_snapshot(self.cache, preset.model_id, preset.revision)
        if snap is not None:
            return snap

        def report(rec: dict[str, Any]) -> None:
            mib_total = (rec.get("bytes_total") or 0) // 2**20
            on_progress(Progress(Phase.DOWNLOADING, rec["bytes_done"] // 2**20, mib_total))

        on_progress(Progress(Phase.DOWNLOADING))
        return self.download(preset.name, report)

    # -- remove -----------------------------------------------------------------------------

    def remove(self, name: str) -> int:
        """Delete a preset's weights from the cache; returns the bytes freed."""
        preset = self.preset(name)
        if preset.source == "tiny":
            folder = Path(self.settings.models_dir) / f"tiny-{tiny_kind(preset)}"
        elif preset.source == "hub":
            folder = repo_folder(self.cache, preset.model_id)
        else:
            raise InvalidRequest(f"'{name}' is your own folder; Promptcut does not delete it.",
                                 field="name", code="not_removable")
        with self._lock:
            if name in self._downloading:
                raise Conflict(f"'{name}' is downloading; wait for it to finish.",
                               field="name")
        if not folder.exists():
            return 0
        if preset.source == "hub":
            freed = delete_cached_repo(self.cache, preset.model_id)
        else:  # the tiny twin Promptcut built itself under its own models folder
            freed = folder_bytes(folder)
            shutil.rmtree(folder)
        log.info("removed %s (%d bytes) from %s", name, freed, folder)
        return freed
