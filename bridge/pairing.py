"""One-time pairing codes, so the printed panel URL never carries the long-lived token.

`promptcut serve` prints `/panel/#pair=<code>`. The panel trades the code for the token once
(POST /api/v1/pair) and keeps the token; the code is then spent, and it expires anyway, so
a terminal log or shell history that holds it is worthless.

Wrong codes are rate-limited: after MAX_FAILURES within WINDOW_S, no code is tried at all
for WINDOW_S (a right one neither, or guessing could go on through the lock). Codes are 96
random bits, so this is defence in depth; it costs an editor who mistyped ten times a
minute's wait, and `promptcut token` works meanwhile. All callers share one counter: every
client is on loopback, so there is no address to tell them apart by.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CODE_TTL_S = 15 * 60
MAX_FAILURES = 10
WINDOW_S = 60.0


class PairingLocked(Exception):
    """Too many wrong codes lately; `retry_after_s` says when codes are tried again."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"pairing is locked for {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s


@dataclass
class Pairing:
    ttl_s: float = CODE_TTL_S
    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _codes: dict[str, float] = field(default_factory=dict)
    _failures: list[float] = field(default_factory=list)
    _locked_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_code(self) -> str:
        code = secrets.token_urlsafe(12)
        with self._lock:
            self._codes[code] = self.clock() + self.ttl_s
        return code

    def redeem(self, code: str) -> bool:
        """True once for a live code; constant-time compare against each live code.
        Raises PairingLocked while wrong codes are being refused without a look."""
        now = self.clock()
        with self._lock:
            if now < self._locked_until:
                raise PairingLocked(self._locked_until - now)
            self._codes = {c: exp for c, exp in self._codes.items() if exp > now}
            for known in list(self._codes):
                if hmac.compare_digest(known.encode(), code.encode()):
                    del self._codes[known]
                    return True
            self._failures = [t for t in self._failures if t > now - self.window_s]
            self._failures.append(now)
            if len(self._failures) >= self.max_failures:
                self._failures.clear()
                self._locked_until = now + self.window_s
        return False
