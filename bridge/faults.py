"""Fault points for the crash tests: the process dies (or stalls) at a named point.

A crash between two particular statements (a trash move half done, a take's files renamed
but not yet registered) is what recovery must survive, and killing a process from outside
cannot land there reliably. So the code names those points; when PROMPTCUT_FAULT names one,
the process exits there at once, skipping every cleanup. When PROMPTCUT_STALL is
`<point>:<seconds>`, the thread reaching that point sleeps that long without looking at
anything, as a denoising step of a large model on a slow device does (a clean stop must not
wait for it). Off (one environment lookup) otherwise.
"""

from __future__ import annotations

import os
import time


def point(name: str) -> None:
    if os.environ.get("PROMPTCUT_FAULT") == name:
        os._exit(137)


def stall(name: str) -> None:
    where, _, seconds = os.environ.get("PROMPTCUT_STALL", "").partition(":")
    if where == name and seconds:
        time.sleep(float(seconds))
