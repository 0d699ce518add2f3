"""The one error otio_export raises for anything a caller or a file got wrong.

It names the field (or the part of the file) at fault, so that the bridge can answer a 4xx
with that field, and so that nothing from inside an adapter (a KeyError, a ZeroDivisionError
on a zero timebase) ever reaches a user as a crash.
"""

from __future__ import annotations


class TimelineError(ValueError):
    """A cut list, timeline or editor file that cannot be built, written or read."""

    def __init__(self, message: str, *, field: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = detail  # the technical cause (an adapter's exception), for a bug report
