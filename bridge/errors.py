"""Errors that carry a code, a sentence a person can act on, and the field at fault.

They are plain exceptions so that services raise them without knowing about HTTP; the API
layer turns them into `{"error": {"code", "message", "field"}}` with `status`.
"""

from __future__ import annotations


class PromptcutError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 status: int | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        if code:
            self.code = code
        if status:
            self.status = status

    def to_json(self) -> dict:
        body = {"code": self.code, "message": self.message, "field": self.field}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class InvalidRequest(PromptcutError):
    """The caller sent something we cannot do; `details` may hold the nearest valid values."""

    status = 400
    code = "invalid"


class NotFound(PromptcutError):
    status = 404
    code = "not_found"


class Conflict(PromptcutError):
    """An illegal state transition (cancel a finished job, and so on)."""

    status = 409
    code = "conflict"


class GenerationFailed(PromptcutError):
    """A job failed; `code` is one of model_unavailable, out_of_memory, generation_failed."""

    status = 500
    code = "generation_failed"


class Cancelled(Exception):
    """Raised from the step callback to abort denoising; the pipeline stays usable."""


class CannotStart(Exception):
    """The service cannot start here (port taken, library in use); the message says why."""


class ExecutorLost(Exception):
    """The executor went away mid-job (a Ray node or actor died): nothing of the attempt was
    delivered, so the job goes back to the queue and runs elsewhere."""
