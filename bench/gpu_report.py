"""Rows of bench/gpu_check.py: printed as they come, the JSON rewritten after each one,
each configuration guarded and skipped once the time budget is spent."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class Meter:
    """Wall time and peak accelerator memory around a block (zero memory on CPU)."""

    def __init__(self, device: str) -> None:
        import torch

        self.cuda = device.startswith("cuda") and torch.cuda.is_available()
        self.torch = torch

    def __enter__(self) -> Meter:
        if self.cuda:
            self.torch.cuda.synchronize()
            self.torch.cuda.reset_peak_memory_stats()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self.t0
        self.peak_gib = (self.torch.cuda.max_memory_allocated() / 2**30) if self.cuda else 0.0


class Report:
    """Rows as they come: printed at once, the JSON rewritten after each one."""

    def __init__(self, header: dict, budget_s: float) -> None:
        self.header, self.rows, self.budget_s = header, [], budget_s
        self.plain_frames: dict = {}  # the plain loop's takes, by seed, for drift
        self.start = time.monotonic()
        self.out = os.environ.get("OUT")

    def left(self) -> float:
        return self.budget_s - (time.monotonic() - self.start)

    def add(self, row: dict) -> dict:
        self.rows.append(row)
        _print(row)
        self.header["elapsed_s"] = round(time.monotonic() - self.start, 1)
        if self.out:
            Path(self.out).mkdir(parents=True, exist_ok=True)
            Path(self.out, "gpu_check.json").write_text(
                json.dumps({**self.header, "rows": self.rows}, indent=2), encoding="utf-8")
        return row

    def finish(self) -> None:
        """The summary line: best arrangement against plain, the measured offload order."""
        plain = next((r for r in self.rows if r.get("config") == "plain diffusers loop"
                      and r.get("takes_per_hour")), None)
        tph = [r["takes_per_hour"] for r in self.rows if r.get("takes_per_hour")]
        if plain and tph:
            best = max((r for r in self.rows if r.get("takes_per_hour")),
                       key=lambda r: r["takes_per_hour"])
            self.header["best"] = {"config": best["config"],
                                   "vs_plain": round(max(tph) / plain["takes_per_hour"], 3),
                                   "drift": best.get("drift")}
        self.header["total_s"] = round(time.monotonic() - self.start, 1)
        self.add({"config": "summary", "skipped": json.dumps(
            {k: self.header.get(k) for k in ("best", "best_batch", "offload_order_measured",
                                             "total_s")})})

    def step(self, label: str, need_s: float, fn, *args, **kw) -> dict | None:
        """Run one configuration unless the budget is spent; any error becomes its row."""
        if self.left() < need_s:
            self.add({"config": label, "skipped": f"time budget ({self.left():.0f} s left)"})
            return None
        try:
            row = fn(*args, **kw)
        except Exception as exc:  # one failing lever must not hide the others' figures
            row = {"config": label, "error": f"{type(exc).__name__}: {exc}"[:300]}
            free()
        row.setdefault("config", label)
        return self.add(row)


def free() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()




def _print(row: dict) -> None:
    label = str(row.get("config"))
    if "error" in row or "skipped" in row:
        print(f"{label:<48} {row.get('error') or row.get('skipped')}", flush=True)
        return
    if "takes_per_hour" in row:
        drift = row.get("drift") or {}
        print(f"{label:<48} {row['takes_per_hour']:8.1f} takes/h  x{row.get('vs_plain', 1):.2f}"
              f"  peak {row['peak_gib']:6.2f} GiB"
              + (f"  drift {drift['mean_abs']:.2f}/255, {drift['psnr_db']} dB" if drift else ""),
              flush=True)
        return
    retry = f"  (retried from {row['oom_retry_from']})" if row.get("oom_retry_from") else ""
    print(f"{label:<48} {row['take_s']:7.2f} s/take  peak {row['peak_gib']:6.2f} GiB  "
          f"load {row.get('load_s') or 0:.1f} s  [{row.get('profile')}]{retry}", flush=True)
