"""GET /takes latency with 60 long-polls and 20 event streams open, against none (issue 8).

    python bench/bench_events.py [--rounds 3] [--requests 100]

A real bridge on loopback. Each round measures `--requests` sequential GET /takes with no
waiting client, then the same with 60 long-polls (timeout=60) and 20 SSE streams open, the
two alternated round by round. Printed: median and p95 of each side and their ratios
(loaded / idle; 1.0 means the waiting clients cost the other routes nothing). Requests that
time out (10 s) are counted, not timed: on a server whose request threads are all taken
by waiting clients, that is every one of them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import Bridge, new_data_dir  # noqa: E402
from tests.waiting_clients import WaitingClients  # noqa: E402

POLLS, STREAMS = 60, 20


def latencies(bridge: Bridge, n: int) -> tuple[list[float], int]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {bridge.token}"}
    out, timeouts = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            session.get(f"{bridge.url}/api/v1/takes?limit=50", headers=headers,
                        timeout=10).raise_for_status()
        except requests.Timeout:
            timeouts += 1
            continue
        out.append(time.perf_counter() - t0)
    session.close()
    return out, timeouts


def loaded(bridge: Bridge, n: int) -> tuple[list[float], int]:
    clients = WaitingClients(bridge.port, bridge.token)
    try:
        seq = bridge.api("GET", "/events?after=0&timeout=0").json()["last_seq"]
        clients.open(f"/events?after={seq}&timeout=60", POLLS)
        streams = clients.open(f"/events/stream?after={seq}", STREAMS)
        opened = len(clients.read_until(streams, b"retry: 2000", 10))
        if opened < STREAMS:
            print(f"  only {opened} of {STREAMS} streams were answered", flush=True)
        return latencies(bridge, n)
    finally:
        clients.close()


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bridge = Bridge(new_data_dir(Path(tmp))).start()
        try:
            bridge.make_takes(2, prompt="bench take", width=32, height=32, num_frames=9,
                              steps=1)
            idle: list[float] = []
            busy: list[float] = []
            lost = {"idle": 0, "busy": 0}
            latencies(bridge, 10)  # warm the connection and the query
            for r in range(args.rounds):
                xs, t = latencies(bridge, args.requests)
                idle += xs
                lost["idle"] += t
                ys, u = loaded(bridge, args.requests)
                busy += ys
                lost["busy"] += u
                print(f"round {r + 1}: idle median {statistics.median(xs) * 1e3:.2f} ms, "
                      f"with {POLLS}+{STREAMS} waiting "
                      f"{statistics.median(ys) * 1e3 if ys else float('nan'):.2f} ms"
                      f" ({u} timed out)", flush=True)
        finally:
            bridge.stop()
    if not busy:
        print(f"every GET /takes timed out with {POLLS} long-polls and {STREAMS} streams open")
        return 1
    mi, mb = statistics.median(idle), statistics.median(busy)
    pi, pb = p95(idle), p95(busy)
    print(f"GET /takes, {len(idle)} idle and {len(busy)} loaded requests "
          f"({lost['busy']} loaded ones timed out):")
    print(f"  median: idle {mi * 1e3:.2f} ms, loaded {mb * 1e3:.2f} ms, ratio {mb / mi:.2f}")
    print(f"  p95:    idle {pi * 1e3:.2f} ms, loaded {pb * 1e3:.2f} ms, ratio {pb / pi:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
