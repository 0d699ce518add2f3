"""Fault points for the crash tests: the process dies at a named point, as by kill -9.

A crash between two particular statements (a trash move half done, a take's files renamed
but not yet registered) is what recovery must survive, and killing a process from outside
cannot land there reliably. So the code names those points; when PROMPTCUT_FAULT names one,
the process exits there at once, skipping every cleanup. Off (one environment lookup)
otherwise.
"""

from __future__ import annotations

import os


def point(name: str) -> None:
    if os.environ.get("PROMPTCUT_FAULT") == name:
        os._exit(137)
