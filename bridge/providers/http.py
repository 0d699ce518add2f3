"""HTTP to a provider: retries with backoff (tenacity), a total deadline, plain failures.

What is retried: 429 (waiting what Retry-After asks, seconds or an HTTP date), 500/502/503/
504, connection errors and timeouts. What is not: every other 4xx, and above all a
moderation refusal, which becomes a failed job at once (code `moderation`). No retry ever
outlives the job's deadline: the wait before an attempt is cut to the time that is left.

The key travels only in the headers of requests to the provider's own host; it is never
put in a message, a log line or a record.
"""

from __future__ import annotations

import email.utils
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from bridge.errors import Cancelled, GenerationFailed
from bridge.providers.base import Call, Limits, ProviderSpec

log = logging.getLogger("promptcut.providers")

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class Transient(Exception):
    """Worth another try; `retry_after` is what the provider asked us to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Client:
    """One job's view of one provider: its key, its deadline, its cancel flag."""

    def __init__(self, spec: ProviderSpec, key: str, limits: Limits, deadline: float,
                 cancelled: threading.Event) -> None:
        self.spec = spec
        self._key = key
        self.limits = limits
        self.deadline = deadline  # time.monotonic() by which the whole job must be over
        self.cancelled = cancelled
        self.base = spec.url()
        self.session = requests.Session()
        self.attempts = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _headers(self, url: str) -> dict[str, str]:
        if urlsplit(url).netloc != urlsplit(self.base).netloc:
            return {}  # a CDN or storage host: never send it the key
        return {**self.spec.auth(self._key), **self.spec.headers}

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        backoff = min(self.limits.backoff_max_s, 0.5 * 2 ** (state.attempt_number - 1))
        return max(0.0, min(asked if asked is not None else backoff, self.remaining()))

    def _sleep(self, seconds: float) -> None:
        if self.cancelled.wait(seconds):
            raise Cancelled()

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Transient), wait=self._wait,
            stop=lambda state: self.remaining() <= 0.05, sleep=self._sleep, reraise=True)

    def send(self, call: Call) -> Any:
        """The JSON body of a successful response, after retries; raises GenerationFailed."""
        try:
            return self._retrying()(self._once, call)
        except Transient as exc:
            raise GenerationFailed(
                f"{self.spec.label} did not answer in time ({exc}); the job's deadline of "
                f"{self.limits.deadline_s:.0f} s has passed.", code="provider_timeout") from None

    def _once(self, call: Call) -> Any:
        if self.cancelled.is_set():
            raise Cancelled()
        self.attempts += 1
        timeout = (self.limits.connect_s, max(0.1, min(self.limits.read_s, self.remaining())))
        try:
            resp = self.session.request(call.method, call.url, json=call.json, timeout=timeout,
                                        headers=self._headers(call.url))
        except requests.Timeout:
            raise Transient(f"no answer within {timeout[1]:.0f} s") from None
        except requests.ConnectionError as exc:
            raise Transient(f"connection failed: {type(exc).__name__}") from None
        body = _body(resp)
        if resp.status_code in RETRY_STATUS:
            wait = retry_after_s(resp.headers.get("Retry-After"))
            log.info("%s answered %d; retrying%s", self.spec.name, resp.status_code,
                     f" after {wait:.1f} s" if wait is not None else "")
            raise Transient(f"HTTP {resp.status_code}", wait)
        if resp.status_code >= 400:
            raise self._failure(resp.status_code, body)
        return body

    def _failure(self, status: int, body: Any) -> GenerationFailed:
        if refused := self.spec.refusal(status, body):
            return GenerationFailed(f"{self.spec.label} refused the prompt or image: {refused}"
                                    " Change the prompt or image; retrying will not help.",
                                    code="moderation")
        if status in (401, 403):
            return GenerationFailed(
                f"{self.spec.label} refused the API key (HTTP {status}). Store a valid one with "
                f"`promptcut providers set {self.spec.name}` or in the panel.",
                code="provider_auth")
        if status == 402:
            return GenerationFailed(f"{self.spec.label} says the account has no credit left "
                                    "(HTTP 402).", code="provider_payment")
        return GenerationFailed(f"{self.spec.label} rejected the request (HTTP {status}): "
                                f"{_detail(body)}", code="provider_rejected")

    def try_once(self, call: Call) -> str:
        """One attempt, no retries, whatever the cancel flag says (cancel calls use it)."""
        try:
            resp = self.session.request(call.method, call.url, json=call.json, timeout=(5, 10),
                                        headers=self._headers(call.url))
        except requests.RequestException as exc:
            return type(exc).__name__
        return f"HTTP {resp.status_code}"

    def download(self, url: str, dest: Path) -> int:
        """Stream the delivered video to `dest` (temporary name, fsync, rename)."""
        return self._retrying()(self._download_once, url, dest)

    def _download_once(self, url: str, dest: Path) -> int:
        temp = dest.with_name(f".{dest.name}.partial")
        timeout = (self.limits.connect_s, max(0.1, min(self.limits.read_s, self.remaining())))
        try:
            with self.session.get(url, stream=True, timeout=timeout,
                                  headers=self._headers(url)) as resp:
                if resp.status_code in RETRY_STATUS:
                    raise Transient(f"HTTP {resp.status_code}",
                                    retry_after_s(resp.headers.get("Retry-After")))
                if resp.status_code >= 400:
                    raise GenerationFailed(f"Downloading the video from {self.spec.label} "
                                           f"failed (HTTP {resp.status_code}).",
                                           code="provider_download")
                size = 0
                with open(temp, "wb") as f:
                    for chunk in resp.iter_content(1 << 20):
                        if self.cancelled.is_set():
                            raise Cancelled()
                        f.write(chunk)
                        size += len(chunk)
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(temp, dest)
            return size
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise Transient(f"download interrupted: {type(exc).__name__}") from None
        finally:
            temp.unlink(missing_ok=True)


def _body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return resp.text[:500]


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "error", "message", "title"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]
