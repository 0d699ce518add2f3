"""What signing a take with Content Credentials costs, against encoding it alone.

    .venv/bin/python bench/bench_credentials.py [--frames 97] [--width 768] [--height 512]

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
    args = ap.parse_args()
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
