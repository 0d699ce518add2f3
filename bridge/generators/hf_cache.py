"""The Hugging Face cache as Promptcut reads it: where it is, whether a pipeline is complete.

What the hub library answers (which snapshot is cached, deleting a repo) comes from its own
cache functions; what it cannot know stays here: whether a diffusers pipeline folder holds
every component's weights, and how far another process's download has got.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bridge.config import Settings


def hub_cache_dir(settings: Settings) -> Path:
    if settings.hf_cache is not None:
        return Path(settings.hf_cache)
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def repo_folder(cache: Path, repo_id: str) -> Path:
    return cache / ("models--" + repo_id.replace("/", "--"))


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def local_snapshot(cache: Path, repo_id: str, revision: str | None) -> Path | None:
    """The complete snapshot folder for repo@revision in the cache, or None."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "model_index.json", cache_dir=cache,
                                   revision=revision)
    if not isinstance(found, str):  # None (not cached) or "cached as missing"
        return None
    snap = Path(found).parent
    return snap if is_complete_pipeline(snap) else None


def is_complete_pipeline(folder: Path) -> bool:
    """model_index.json, and every component it names has a config and its weight shards."""
    index = folder / "model_index.json"
    if not index.is_file():
        return False
    try:
        spec = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for name, value in spec.items():
        if name.startswith("_") or not isinstance(value, list) or value[0] is None:
            continue
        sub = folder / name
        if not sub.is_dir() or not any(sub.iterdir()):
            return False
        for shard_index in sub.glob("*.index.json"):
            try:
                shards = set(json.loads(shard_index.read_text(encoding="utf-8"))
                             ["weight_map"].values())
            except (OSError, ValueError, KeyError):
                return False
            if not all((sub / s).is_file() for s in shards):
                return False
    return True


def folder_bytes(folder: Path, *, follow: bool = False) -> int:
    """Bytes under `folder`; `follow` counts what snapshot symlinks point at."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and (follow or not path.is_symlink()):
                total += path.stat().st_size
        except OSError:
            continue
    return total


def partial_download(base: Path) -> tuple[int, float] | None:
    """Bytes in unfinished blobs and seconds since the last write, if there are any."""
    blobs = base / "blobs"
    if not blobs.is_dir():
        return None
    done, newest = 0, 0.0
    for path in blobs.glob("*.incomplete"):
        try:
            st = path.stat()
        except OSError:
            continue
        done += st.st_size
        newest = max(newest, st.st_mtime)
    return (done, time.time() - newest) if newest else None


def delete_cached_repo(cache: Path, repo_id: str) -> int:
    """Every cached revision of the repo, through the hub library's own delete strategy."""
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(cache)
    hashes = [rev.commit_hash for repo in info.repos if repo.repo_id == repo_id
              for rev in repo.revisions]
    if not hashes:
        return 0
    strategy = info.delete_revisions(*hashes)
    strategy.execute()
    return strategy.expected_freed_size
