"""An invisible watermark in every take's pictures, so its Content Credentials can be found
again after the file lost them (a remux, a re-encode, a trim, a resize).

The mark is 48 bits derived from the take id plus a 16-bit check, the same in every frame.
The C2PA manifest names it in a `c2pa.soft-binding` assertion (sign.py), and `recover`
(recover.py) reads it from any copy and looks the take up in the library.

Why this is written here rather than taken from invisible-watermark: measured on 512x384
H.264 takes, its DWT-DCT method (the one that needs no model weights) lost 24% of the bits
in a plain encode at our settings and read at chance (~50% wrong bits) after a re-encode, a
0.75 resize or a trim: it marks the chroma planes, which yuv420p halves, and single DCT
coefficients, which x264 quantises away. What survives those edits is an old, simple
technique: spread spectrum in the luma on a coarse grid.

- Embedding: the frame is divided into a fixed GRID of cells (whatever its size, so a resize
  keeps the geometry); each cell belongs to one bit and carries a pseudo-random chip of +-1;
  the frame's brightness is raised or lowered by STRENGTH levels (of 255) per cell as
  chip * bit. Equal amounts on R, G and B change luma only. About 1.5% of full scale, in
  cells of 10-16 pixels at 512x384: a faint texture, not visible at viewing distance.
- Reading: each frame's luma is averaged down to the grid (any size maps to it), smooth
  content removed with a local quadratic fit (Savitzky-Golay, 5x5), the residual correlated
  with each bit's chips, and the sums added over frames. A bit's z-score grows with the
  square root of the frames read; a mark counts only when its check matches and its weakest
  bits stand clear of chance.

Adobe's TrustMark, a learned watermark on C2PA's soft-binding list, is used instead where its
models are already on disk (trustmark_marker); it is never downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from PIL import Image

log = logging.getLogger("promptcut.credentials")

ALG = "org.promptcut.luma-grid.1"  # not on C2PA's soft-binding list: our own, named so
GRID = (32, 48)  # rows, columns of cells
BITS = 64
STRENGTH = 4.0
MIN_SIDE = 128  # smaller frames have cells of a few pixels: no mark, and the record says so
MIN_Z = 3.0  # the median |z| of the bits a reading needs (chance gives about 0.67)
FLIPS = 4  # the weakest bits a reading may correct
READ_FRAMES = 48  # frames read per file at most, spread over its length
_SEED = 0x5052_4F4D  # the layout is fixed: every copy of Promptcut reads every other's marks
_CHECK = b"promptcut watermark"


@dataclass(frozen=True)
class Reading:
    mark: str  # 12 hex digits
    alg: str
    confidence: float  # the median |z| of the bits
    frames: int


def mark_for(take_id: str) -> str:
    """The 48-bit mark of a take, as 12 hex digits."""
    return hashlib.sha256(take_id.encode("utf-8")).digest()[:6].hex()


def can_mark(height: int, width: int) -> bool:
    return min(height, width) >= MIN_SIDE


def _payload_bits(mark: str) -> np.ndarray:
    ident = bytes.fromhex(mark)
    check = hashlib.sha256(_CHECK + ident).digest()[:2]
    return np.unpackbits(np.frombuffer(ident + check, np.uint8))


@lru_cache(maxsize=1)
def _layout() -> tuple[np.ndarray, np.ndarray]:
    """Which bit each cell carries (balanced: every bit the same number of cells), its chip."""
    rng = np.random.default_rng(_SEED)
    cells = GRID[0] * GRID[1]
    owner = rng.permutation(cells) % BITS
    chips = rng.choice(np.array([-1.0, 1.0]), size=cells)
    return owner, chips


@lru_cache(maxsize=8)
def _pattern(mark: str, height: int, width: int) -> np.ndarray:
    """The signed brightness change for a frame of this size (one array for all frames)."""
    owner, chips = _layout()
    signs = np.where(_payload_bits(mark)[owner] > 0, 1.0, -1.0) * chips
    grid = Image.fromarray((signs * STRENGTH).reshape(GRID).astype(np.float32))
    return np.asarray(grid.resize((width, height), Image.NEAREST), dtype=np.int16)


def embed(frames: np.ndarray, mark: str) -> np.ndarray:
    """The frames (N, H, W, 3 uint8) with the mark; frames too small come back unchanged."""
    _, height, width, _ = frames.shape
    if not can_mark(height, width):
        return frames
    delta = _pattern(mark, height, width)[None, :, :, None]
    out = np.empty_like(frames)
    for i in range(len(frames)):  # frame by frame: no int16 copy of the whole take
        np.clip(frames[i].astype(np.int16) + delta[0], 0, 255, out=out[i], casting="unsafe")
    return out


def _residual(rgb: np.ndarray) -> np.ndarray:
    luma = rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722
    grid = np.asarray(Image.fromarray(luma.astype(np.float32)).resize(
        (GRID[1], GRID[0]), Image.BOX), dtype=np.float64)
    # Smooth content is what a quadratic fits: subtract the 5x5 Savitzky-Golay smoothing.
    k = np.array([-3.0, 12.0, 17.0, 12.0, -3.0]) / 35.0
    padded = np.pad(grid, 2, mode="reflect")
    rows = sum(k[i] * padded[i:i + GRID[0], :] for i in range(5))
    smooth = sum(k[j] * rows[:, j:j + GRID[1]] for j in range(5))
    res = grid - smooth
    return (res / (res.std() + 1e-6)).ravel()


def read_frames(frames: list[np.ndarray]) -> Reading | None:
    """The mark in these RGB frames, or None when there is none (or too little of it)."""
    usable = [f for f in frames if can_mark(*f.shape[:2])]
    if not usable:
        return None
    owner, chips = _layout()
    acc = np.zeros(BITS)
    for frame in usable:
        acc += np.bincount(owner, weights=_residual(frame) * chips, minlength=BITS)
    per_bit = np.bincount(owner, minlength=BITS)
    z = acc / np.sqrt(per_bit * len(usable))
    confidence = float(np.median(np.abs(z)))
    if confidence < MIN_Z:  # chance gives about 0.67: no mark here
        return None
    ident = _decode_bits((acc > 0).astype(np.uint8), np.abs(z))
    return None if ident is None else Reading(ident.hex(), ALG, round(confidence, 2),
                                              len(usable))


def _decode_bits(bits: np.ndarray, strength: np.ndarray) -> bytes | None:
    """The mark whose check matches, trying the hard decision first and then flips of the
    FLIPS weakest bits (fewest flips first): content that happens to resemble a bit's chips
    can turn one or two bits, and the check tells which guess is right. Each extra guess
    adds one chance in 65,536 of a false match, on a reading already far above chance."""
    from itertools import combinations

    weakest = np.argsort(strength)[:FLIPS]
    for count in range(FLIPS + 1):
        for chosen in combinations(weakest, count):
            guess = bits.copy()
            guess[list(chosen)] ^= 1
            raw = np.packbits(guess).tobytes()
            if raw[6:8] == hashlib.sha256(_CHECK + raw[:6]).digest()[:2]:
                return raw[:6]
    return None


def sample_frames(path: Path, limit: int = READ_FRAMES) -> list[np.ndarray]:
    """Up to `limit` decoded frames spread over the file (every k-th; all of a short one)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            total = stream.frames or 0
            step = max(1, total // limit) if total else 1
            out = []
            for n, frame in enumerate(container.decode(stream)):
                if n % step == 0:
                    out.append(frame.to_ndarray(format="rgb24"))
                    if len(out) >= limit:
                        break
            return out
    except (av.FFmpegError, OSError, ValueError):
        return []


def read(path: Path) -> Reading | None:
    """The mark of a video file, by TrustMark where its models are here, else ours."""
    frames = sample_frames(path)
    if not frames:
        return None
    tm = trustmark_marker()
    if tm is not None:
        found = tm.read(frames)
        if found is not None:
            return found
    return read_frames(frames)


def decode_video(path: Path) -> tuple[np.ndarray, Fraction, str]:
    """Every frame (N, H, W, 3 RGB), the frame rate, and the file's comment (the record)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
        comment = container.metadata.get("comment", "")
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)])
    return frames, Fraction(rate), comment


def badge(frames: np.ndarray, text: str = "AI") -> np.ndarray:
    """A small visible label in the lower right corner, for those who want one too."""
    from PIL import ImageDraw

    _, height, width, _ = frames.shape
    size = max(8, min(height, width) // 12)
    out = frames.copy()
    box = (width - size * 2 - 6, height - size - 6, width - 4, height - 4)
    for i in range(len(out)):
        image = Image.fromarray(out[i])
        draw = ImageDraw.Draw(image)
        draw.rectangle(box, fill=(0, 0, 0))
        draw.text((box[0] + 3, box[1] + 1), text, fill=(255, 255, 255),
                  font_size=max(6, size - 2))
        out[i] = np.asarray(image)
    return out


def badge_video(src: Path, dst: Path) -> None:
    """Only the visible badge (the invisible mark turned off)."""
    from bridge.library import media

    frames, rate, comment = decode_video(src)
    media.encode_video(badge(frames), rate, comment, dst)


def watermark_video(src: Path, dst: Path, mark: str, *, visible_badge: bool = False) -> str | None:
    """Write `src` with the mark (and the badge, if asked) to `dst`, re-encoded with the take
    encoder's settings. Returns the algorithm used, or None when the frames are too small
    (nothing is written then)."""
    from bridge.library import media

    frames, rate, comment = decode_video(src)
    if not can_mark(frames.shape[1], frames.shape[2]):
        return None
    tm = trustmark_marker()
    if tm is not None:
        marked, alg = tm.embed(frames, mark), tm.alg
    else:
        marked, alg = embed(frames, mark), ALG
    if visible_badge:
        marked = badge(marked)
    media.encode_video(marked, rate, comment, dst)
    return alg


# --------------------------------------------------------------------------- TrustMark

class _TrustMarkMarker:
    """Adobe's TrustMark (variant Q) with its models from disk; never downloads them."""

    alg = "com.adobe.trustmark.Q"

    def __init__(self, model) -> None:
        self.model = model

    def embed(self, frames: np.ndarray, mark: str) -> np.ndarray:
        # Without its error correction TrustMark Q carries 100 bits: ours, then zeros.
        bits = "".join(str(b) for b in _payload_bits(mark)).ljust(100, "0")
        out = np.empty_like(frames)
        for i, frame in enumerate(frames):
            marked = self.model.encode(Image.fromarray(frame), bits, MODE="binary")
            out[i] = np.asarray(marked.convert("RGB").resize((frame.shape[1],
                                                              frame.shape[0])))
        return out

    def read(self, frames: list[np.ndarray]) -> Reading | None:
        votes: list[np.ndarray] = []
        for frame in frames[:: max(1, len(frames) // 8)]:
            secret, present, _ = self.model.decode(Image.fromarray(frame), MODE="binary")
            if present and len(secret) >= BITS:
                votes.append(np.array([int(c) for c in secret[:BITS]], np.uint8))
        if not votes:
            return None
        bits = (np.mean(votes, axis=0) > 0.5).astype(np.uint8)
        raw = np.packbits(bits).tobytes()
        if raw[6:8] != hashlib.sha256(_CHECK + raw[:6]).digest()[:2]:
            return None
        return Reading(raw[:6].hex(), self.alg, float(len(votes)), len(votes))


@lru_cache(maxsize=1)
def trustmark_marker() -> _TrustMarkMarker | None:
    """TrustMark when the `trustmark` package and its Q models are on disk, else None.

    The package fetches missing models on first use; here a missing file means "not
    installed" (PROMPTCUT_TRUSTMARK=0 turns it off even when present).
    """
    if os.environ.get("PROMPTCUT_TRUSTMARK", "1") == "0":
        return None
    try:
        import trustmark  # type: ignore[import-not-found]
    except ImportError:
        return None
    models = Path(trustmark.__file__).resolve().parent / "models"
    needed = ("encoder_Q.ckpt", "decoder_Q.ckpt", "trustmark_Q.yaml")
    if not all((models / name).is_file() for name in needed):
        log.info("TrustMark is installed but its Q models are not in %s: using %s", models,
                 ALG)
        return None
    try:
        model = trustmark.TrustMark(verbose=False, model_type="Q", use_ECC=False,
                                    device="cpu")
    except Exception as exc:  # a third-party loader: any failure means "not usable here"
        log.warning("TrustMark's models did not load (%s): using %s", exc, ALG)
        return None
    return _TrustMarkMarker(model)
