"""Answers of POST /shots/<id>/chain: a chain of takes that covers a shot longer than one
take (bridge.boards.chains), derived from its record, and the chain as the Board view shows
it. The chain's generation request, priority and memory class stay inside the bridge."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.api.schemas.common import Answer, answer_of
from bridge.api.schemas.jobs import JobOut, PromptSectionRecord
from bridge.boards.records import Chain

ChainOut = answer_of(
    Chain, "ChainOut", exclude=("request", "priority", "min_memory_gb", "force"),
    state=(Literal["running", "done", "failed", "cancelled"], ...),
    links=(list[int], Field(description="frame counts: the first take, then continuations")),
    jobs=(list[str], Field(description="the job of each link queued so far")),
    takes=(list[str], Field(description="the take of each link finished so far")),
    retries=(int, Field(description="links queued again after a failure that was not "
                        "theirs (Promptcut stopped while they ran)")))


class ChainStarted(Answer):
    chain: ChainOut  # type: ignore[valid-type]
    jobs: list[JobOut]  # type: ignore[valid-type]
    sections: list[PromptSectionRecord] = Field(  # type: ignore[valid-type]
        default_factory=list, description="timed prompts made as this chain: each "
        "section's prompt, the frame of the shot its link starts on and the frame asked")
