"""One-time pairing codes, so the printed panel URL never carries the long-lived token.

`promptcut serve` prints `/panel/#pair=<code>`. The panel trades the code for the token once
(POST /api/v1/pair) and keeps the token; the code is then spent, and it expires anyway, so
a terminal log or shell history that holds it is worthless.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

CODE_TTL_S = 15 * 60


@dataclass
class Pairing:
    ttl_s: float = CODE_TTL_S
    _codes: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_code(self) -> str:
        code = secrets.token_urlsafe(12)
        with self._lock:
            self._codes[code] = time.monotonic() + self.ttl_s
        return code

    def redeem(self, code: str) -> bool:
        """True once for a live code; constant-time compare against each live code."""
        now = time.monotonic()
        with self._lock:
            self._codes = {c: exp for c, exp in self._codes.items() if exp > now}
            for known in list(self._codes):
                if hmac.compare_digest(known.encode(), code.encode()):
                    del self._codes[known]
                    return True
        return False
