"""What signing a take with Content Credentials costs, against encoding it alone; what the
invisible watermark adds; and how often a take is found again after an editor's tools.

    .venv/bin/python bench/bench_credentials.py [--frames 97] [--width 768] [--height 512]
    .venv/bin/python bench/bench_credentials.py --recovery [--takes 8] (the watermark table)

Runs `write_take` (MP4, poster, filmstrip, sidecar) without and with `sign_video`, taking
turns so both see the same machine, and prints the medians and their ratio: the price of a
signed take in the encode pool. Then the same for a take continued from a signed parent (the
parent's file is hashed into the ingredient). The local identity is made once beforehand,
as the service does at start.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_media import frames_like_a_take
from bridge.library import credentials
from bridge.library.take_files import write_take

RECORD = {"schema_version": 1, "take_id": "t_bench", "model_id": "Lightricks/LTX-Video",
          "revision": "main", "request": {"prompt": "a lighthouse at dusk", "seed": 7}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=97)
    ap.add_argument("--width", type=int, default=768)
    ap.add_argument("--height", type=int, default=512)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--recovery", action="store_true",
                    help="measure the watermark: cost per take and recovery per edit")
    ap.add_argument("--takes", type=int, default=8, help="takes per edit (--recovery)")
    args = ap.parse_args()
    if args.recovery:
        return recovery(args)
    frames = frames_like_a_take(args.frames, args.height, args.width)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        identity = credentials.load_identity(root / "credentials")
        parent = write_take(frames, 24, RECORD, root / "parent", "parent",
                            sign=_signer(identity, [])).video
        ingredient = [credentials.Ingredient(parent, parent.name, "parent_take", "t_parent")]
        plain, signed, chained, sign_only = [], [], [], []
        for n in range(args.runs):
            plain.append(_timed(lambda n=n: write_take(frames, 24, RECORD, root / "a", f"p{n}")))
            signed.append(_timed(lambda n=n: write_take(
                frames, 24, RECORD, root / "b", f"s{n}", sign=_signer(identity, []))))
            chained.append(_timed(lambda n=n: write_take(
                frames, 24, RECORD, root / "c", f"c{n}", sign=_signer(identity, ingredient))))
            timing: list[float] = []
            write_take(frames, 24, RECORD, root / "d", f"d{n}", sign=_signer(identity, [], timing))
            sign_only.append(timing[0])
        size = parent.stat().st_size / 1e6
    p, s, c = (statistics.median(x) for x in (plain, signed, chained))
    print(f"take: {args.frames} frames {args.width}x{args.height}, {size:.1f} MB MP4, "
          f"median of {args.runs}")
    print(f"encode alone           {p * 1000:8.1f} ms")
    print(f"encode + sign          {s * 1000:8.1f} ms   ratio {s / p:.3f}")
    print(f"encode + sign (parent) {c * 1000:8.1f} ms   ratio {c / p:.3f}")
    print(f"signing itself         {statistics.median(sign_only) * 1000:8.1f} ms   "
          f"({statistics.median(sign_only) / p:.1%} of encoding)")
    return 0


EDITS = {"remux": {"copy": True}, "re-encode crf 30": {"crf": 30},
         "trim (second half)": {"start": -2}, "resize 0.75": {"scale": 0.75},
         "resize 0.5": {"scale": 0.5}, "re-encode crf 35": {"crf": 35}}


def recovery(args) -> int:
    """Sign `takes` takes without and with the watermark (taking turns), then put every
    marked one through each edit and count how many `recover` finds with the right take."""
    import numpy as np

    from tests.test_credentials import _edit

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        identity = credentials.load_identity(root / "credentials")
        plain, marked, made = [], [], []
        for n in range(args.takes):
            frames = _content(rng, n, args.frames, args.height, args.width)
            record = dict(RECORD, take_id=f"t_bench{n:03d}")

            def signer(mark, record=record):
                def sign(src, dst) -> bool:
                    out = credentials.sign_marked(src, dst, record, [], identity, mark=mark)
                    record["credentials"] = out
                    return bool(out["signed"])
                return sign

            plain.append(_timed(lambda n=n, frames=frames, record=record: write_take(
                frames, 24, record, root / "plain", f"p{n}", sign=signer(False))))
            start = time.perf_counter()
            files = write_take(frames, 24, record, root / "media" / "b", f"m{n}",
                               sign=signer(True))
            marked.append(time.perf_counter() - start)
            made.append((record["take_id"], files.video))
        p, m = statistics.median(plain), statistics.median(marked)
        print(f"take: {args.frames} frames {args.width}x{args.height}, {args.takes} takes "
              f"(smooth and grainy content)")
        print(f"encode + sign              {p * 1000:8.1f} ms")
        print(f"encode + watermark + sign  {m * 1000:8.1f} ms   ratio {m / p:.2f}")
        print(f"{'edit':<22} recovered   mean confidence")
        for name, how in EDITS.items():
            hits, conf = 0, []
            for n, (take_id, video) in enumerate(made):
                how = dict(how, start=args.frames // 2) if how.get("start") == -2 else how
                copy = _edit(video, root / f"edit-{n}.mp4", **how)
                found = credentials.recover(copy, [root / "media"])
                if found is not None and found.take_id == take_id:
                    hits += 1
                    conf.append(found.confidence)
                copy.unlink()
            mean = statistics.mean(conf) if conf else 0.0
            print(f"{name:<22} {hits:>3}/{len(made):<3}     {mean:6.1f}")
        false = sum(credentials.recover(root / "plain" / f"p{n}.mp4", [root / "media"])
                    is not None for n in range(args.takes))
        print(f"unmarked takes read as marked: {false}/{args.takes}")
    return 0


def _content(rng, n: int, count: int, height: int, width: int):
    """Smooth moving content at a random offset; every other take with film grain."""
    import numpy as np

    y0, x0 = rng.integers(0, 200, 2)
    big = frames_like_a_take(count, height + 200, width + 200)
    frames = big[:, y0:y0 + height, x0:x0 + width]
    if n % 2:
        grain = rng.normal(0, 6, frames.shape[1:3])[None, :, :, None]
        frames = np.clip(frames + grain, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(frames)


def _signer(identity, ingredients, timing=None):
    def sign(src, dst) -> bool:
        made = credentials.sign_video(src, dst, RECORD, ingredients, identity)
        assert made["signed"], made
        if timing is not None:
            timing.append(made["sign_s"])
        return True

    return sign


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
