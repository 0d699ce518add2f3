"""A complete take on disk, or none of it: temporary names, flush, rename, sidecar last.

Each of a take's four files is written as `.<stem>.<token>.partial<suffix>` in its folder
and renamed into place only once all are complete, the sidecar (`<stem>.json`, the record)
last: a sidecar beside a video means the take is complete (docs/architecture.md, Files).

The caller chooses the token and journals `take_paths(...).all()` before calling, so that a
crash at any instant leaves only files the journal names (bridge.library.journal). Nothing
here replaces or deletes a file it did not create in the same call: an existing final name
is an error, never overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bridge.library import media
from bridge.library.media import SUFFIXES, TakeFiles, fps_fraction, probe, read_frames
from bridge.library.names import check_stem

# (unsigned MP4, signed temp MP4 to write) -> False when it wrote none (keep the unsigned).
# It runs before the sidecar is written, so it may note in the record how signing went.
Signer = Callable[[Path, Path], "bool | None"]
SIGNED = ".signed.mp4"


@dataclass(frozen=True)
class TakePaths:
    finals: dict[str, Path]
    temps: dict[str, Path]  # SUFFIXES plus SIGNED

    def all(self) -> list[tuple[Path, str]]:
        """(path, "temp" | "final") for the journal."""
        return [(p, "temp") for p in self.temps.values()] + [
            (p, "final") for p in self.finals.values()]


def new_token() -> str:
    return uuid.uuid4().hex[:8]


def take_paths(folder: Path, stem: str, token: str) -> TakePaths:
    check_stem(stem)
    folder = Path(folder)
    finals = {s: folder / f"{stem}{s}" for s in SUFFIXES}
    temps = {s: folder / f".{stem}.{token}.partial{s}" for s in (*SUFFIXES, SIGNED)}
    if len(temps[".strip.jpg"].name.encode("utf-8")) > 255:
        raise ValueError(f"stem is too long for a file name: {stem!r}")
    return TakePaths(finals, temps)


def write_take(frames: np.ndarray, fps: float, record: dict, folder: Path, stem: str, *,
               token: str | None = None, sign: Signer | None = None) -> TakeFiles:
    """Encode frames into a take's four files (see bridge.library.media for the formats).

    `frames` is uint8 (F, H, W, 3) RGB; odd sizes are padded to even. `record` is embedded
    in the MP4 (container tag `comment`) and written as the sidecar. The poster is the
    middle frame: in an image-to-video batch every first frame is the same init image.
    """
    media.check_frames(frames)
    rate = fps_fraction(fps)
    record_json = media.record_json(record)
    paths = take_paths(folder, stem, token or new_token())
    _refuse_existing(paths)
    Path(folder).mkdir(parents=True, exist_ok=True)
    try:
        media.encode_video(frames, rate, record_json, paths.temps[".mp4"])
        source = _sign(paths, sign, paths.temps[".mp4"])
        grid = _write_rest(frames, record, paths)
        return _commit(paths, grid, source)
    finally:
        _remove(paths.temps.values())


def store_encoded(video: Path, record: dict, folder: Path, stem: str, *,
                  token: str | None = None, sign: Signer | None = None) -> TakeFiles:
    """A take from an MP4 an executor delivered (a provider, a Ray node): the video is kept
    as delivered (no re-encode; only signing adds a manifest), poster and filmstrip are made
    from its frames. `video` is moved in only at the commit, so a failure leaves it where
    it was."""
    media.record_json(record)
    info = probe(video)
    count = max(1, info.frames)
    wanted = {count // 2, *media.tile_indices(count)}
    picked = read_frames(video, wanted)
    if not picked:
        raise ValueError(f"{video.name} holds no frames that can be decoded")
    frames = _Picked(picked, count)
    paths = take_paths(folder, stem, token or new_token())
    _refuse_existing(paths)
    Path(folder).mkdir(parents=True, exist_ok=True)
    try:
        source = _sign(paths, sign, video)
        grid = _write_rest(frames, record, paths)
        return _commit(paths, grid, source, video=video)
    finally:
        _remove(paths.temps.values())


class _Picked(Sequence):
    """The decoded frames a poster and filmstrip need, indexable like the whole take (a
    missing index reads its nearest decoded neighbour)."""

    def __init__(self, frames: dict[int, np.ndarray], count: int) -> None:
        self._frames, self._count = frames, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):  # type: ignore[override]
        if i in self._frames:
            return self._frames[i]
        return self._frames[min(self._frames, key=lambda k: abs(k - i))]


def _write_rest(frames: Sequence[np.ndarray], record: dict,
                paths: TakePaths) -> media.FilmstripGrid:
    """Poster, filmstrip and sidecar under their temporary names."""
    temps = paths.temps
    poster = media.even_frame(frames[len(frames) // 2])
    Image.fromarray(poster).save(temps[".jpg"], format="JPEG", quality=media.JPEG_QUALITY)
    grid = media.write_filmstrip(frames, temps[".strip.jpg"])
    pretty = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    temps[".json"].write_bytes(pretty.encode("utf-8"))
    return grid


def _sign(paths: TakePaths, sign: Signer | None, source: Path) -> Path:
    """The video to commit: the signed temporary copy, unless there is no signer or it
    wrote none (the take then stays unsigned; its record says why)."""
    if sign is None or sign(source, paths.temps[SIGNED]) is False:
        return source
    return paths.temps[SIGNED]


def _commit(paths: TakePaths, grid: media.FilmstripGrid, source: Path,
            video: Path | None = None) -> TakeFiles:
    temps, finals = paths.temps, paths.finals
    for path in (source, temps[".jpg"], temps[".strip.jpg"], temps[".json"]):
        media.fsync(path)
    moved: list[Path] = []
    try:
        for suffix, src in ((".mp4", source), (".jpg", temps[".jpg"]),
                            (".strip.jpg", temps[".strip.jpg"]), (".json", temps[".json"])):
            if finals[suffix].exists():  # appeared meanwhile: never overwrite it
                raise FileExistsError(f"{finals[suffix]} exists already")
            os.replace(src, finals[suffix])
            moved.append(finals[suffix])
    except BaseException:
        if video is not None and moved and moved[0] == finals[".mp4"] and source == video:
            os.replace(finals[".mp4"], video)  # give the delivered file back, untouched
            moved.pop(0)
        _remove(moved)  # only files this call renamed into place
        raise
    return TakeFiles(finals[".mp4"], finals[".jpg"], finals[".strip.jpg"], finals[".json"],
                     grid)


def _refuse_existing(paths: TakePaths) -> None:
    for path in paths.finals.values():
        if path.exists():
            raise FileExistsError(f"{path} exists already; a take never replaces a file")


def _remove(paths) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            Path(path).unlink(missing_ok=True)
