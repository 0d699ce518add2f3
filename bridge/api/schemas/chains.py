"""Bodies of POST /shots/<id>/chain: a chain of takes that covers a shot longer than one
take (bridge.library.chains), and the chain as the Board view shows it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.api.schemas.common import Answer
from bridge.api.schemas.jobs import JobOut


class ChainOut(Answer):
    id: str
    shot_id: str
    board_id: str
    state: Literal["running", "done", "failed", "cancelled"]
    links: list[int] = Field(description="frame counts: the first take, then continuations")
    jobs: list[str] = Field(description="the job of each link queued so far")
    takes: list[str] = Field(description="the take of each link finished so far")
    message: str
    created_at: float
    updated_at: float


class ChainStarted(Answer):
    chain: ChainOut
    jobs: list[JobOut]  # type: ignore[valid-type]
