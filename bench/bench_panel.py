"""Benchmark: the panel at 2,000 takes and 100 shots against a small library (20 takes,
4 shots), in Debian's Chromium against real bridges whose libraries are seeded with take
records (tests/test_panel_support.seed_library: no model runs but for one real take).

Run: `.venv/bin/python bench/bench_panel.py [--repeats 3]`. Prints, for each library, the
median of: first card (page load to the first take card on screen), all loaded (Load more
until the whole library is in the panel), DOM size (elements, gallery with every take
loaded, and with the board shown), By shot (the longest task while grouping), board shown
(the Board tab to every shot card), pick shown (a Board pick to its card marked), and the
large library's figures as ratios to the small one's. Not a test: figures depend on the
machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import Bridge, new_data_dir  # noqa: E402
from test_panel_support import CHROMIUM_ARGS, chromium_path, seed_library  # noqa: E402

TINY = {"model": "tiny", "width": 32, "height": 32, "num_frames": 9, "steps": 1}
LONG_TASKS = """() => { window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push(e.duration); })
    .observe({ type: 'longtask', buffered: false }); }"""
ELEMENTS = "() => document.getElementsByTagName('*').length"


def measure(ctx, bridge: Bridge, shots: int) -> dict[str, float]:
    page = ctx.new_page()
    page.set_viewport_size({"width": 1280, "height": 820})
    out: dict[str, float] = {}
    started = time.perf_counter()
    page.goto(f"{bridge.url}/panel/#token={bridge.token}")
    page.locator("#gallery .take").first.wait_for()
    out["first card ms"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    while page.is_visible("#load-more"):
        n = page.evaluate("() => document.getElementById('take-count').textContent")
        page.click("#load-more")
        page.wait_for_function("(n) => document.getElementById('take-count').textContent !== n",
                               arg=n)
    out["all loaded ms"] = (time.perf_counter() - started) * 1000
    out["DOM elements (takes)"] = page.evaluate(ELEMENTS)
    page.evaluate(LONG_TASKS)
    page.click("#group-by-shot")
    page.wait_for_function("(n) => document.querySelectorAll('#gallery .take-group').length >= n",
                           arg=shots)
    page.wait_for_timeout(300)
    out["By shot longest task ms"] = max(page.evaluate("window.__long") or [0])
    page.click("#group-by-shot")
    page.wait_for_function("() => !document.querySelector('#gallery .take-group')")
    started = time.perf_counter()
    page.click("#tab-board")
    page.wait_for_function("(n) => document.querySelectorAll('#board-shots .shot').length === n",
                           arg=shots)
    out["board shown ms"] = (time.perf_counter() - started) * 1000
    out["DOM elements (board)"] = page.evaluate(ELEMENTS)
    first = page.locator("#board-shots .shot").first
    first.locator(".shot-takes-toggle").click()
    first.locator(".take-pick").first.wait_for()
    page.wait_for_timeout(200)
    pick = page.locator("#board-shots .shot").first.locator(".shot-take").nth(1)
    take_id = pick.get_attribute("data-take-id")
    started = time.perf_counter()
    pick.locator(".take-pick").click()
    page.wait_for_function("(id) => { const t = document.querySelector("
                           "`.shot-take[data-take-id='${id}']`); return t && "
                           "t.classList.contains('chosen'); }", arg=take_id)
    out["pick shown ms"] = (time.perf_counter() - started) * 1000
    page.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--takes", type=int, default=2000)
    parser.add_argument("--shots", type=int, default=100)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if not exe:
        sys.exit("No Chromium: install Debian's chromium or set PROMPTCUT_CHROMIUM.")
    sizes = {"small": (4, 20), "large": (args.shots, args.takes)}
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(Path(tmp) / "profile"), executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        for name, (shots, takes) in sizes.items():
            bridge = Bridge(new_data_dir(Path(tmp) / name)).start()
            try:
                real = bridge.make_takes(1, prompt="a bike at dusk", **TINY)[0]
                seeded = time.perf_counter()
                seed_library(bridge, shots=shots, takes=takes, word=name, like=real)
                print(f"{name}: seeded {takes} takes on {shots} shots in "
                      f"{time.perf_counter() - seeded:.1f} s")
                runs = [measure(ctx, bridge, shots) for _ in range(args.repeats)]
                results[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            finally:
                bridge.stop()
        ctx.close()
    small, large = results["small"], results["large"]
    print(f"{'':28}{'small':>10}{'large':>10}{'ratio':>8}")
    for key in small:
        ratio = large[key] / small[key] if small[key] else float("nan")
        print(f"{key:28}{small[key]:10.0f}{large[key]:10.0f}{ratio:8.2f}")


if __name__ == "__main__":
    main()
