"""Bodies and answers of /takes/<id>/finish and /boards/<id>/finish: a draft's final, or
the finals of every pick of a board, with an estimate first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.api.schemas.common import Answer, Body
from bridge.api.schemas.jobs import JobOut
from bridge.request import Submission, declared

Priority = declared(Submission)["priority"][0]


class FinishIn(Body):
    """Finish a take; `dry_run` answers the estimate without queueing anything."""

    dry_run: bool = Field(default=False, description="answer the estimate; queue nothing")
    priority: Priority = Field(default=0, description="higher runs sooner")  # type: ignore
    force: bool = Field(default=False, description="run it even when the estimate is over "
                        "the bridge's limit")


class DraftSize(Answer):
    width: int
    height: int
    steps: int


class DeliverySize(Answer):
    width: int
    height: int
    num_frames: int
    steps: int


class Refine(Answer):
    strength: float | None
    steps: int | None


class FinishEstimate(Answer):
    """What finishing would make, and about how long it would take on this machine."""

    take_id: str = Field(description="the draft")
    model: str
    route: Literal["latent_upsample", "full_render"] = Field(
        description="latent_upsample: 2x latents and a refine pass (LTX); full_render: the "
        "delivery size from the same seed")
    draft: DraftSize
    delivery: DeliverySize
    refine: Refine | None
    estimate_s: float | None = Field(description="None until this machine has timed the "
                                     "model on a large enough take")
    limit_s: float


class BoardFinishIn(Body):
    """Finish every pick of a board."""

    priority: Priority = Field(default=0, description="higher runs sooner")  # type: ignore
    force: bool = Field(default=False, description="run them even when a final's estimate "
                        "is over the bridge's limit")


class ShotFinish(FinishEstimate):
    shot_id: str
    index: int = Field(description="the shot's place on the board, from 0")


class FinishSkipped(Answer):
    shot_id: str
    index: int
    reason: str = Field(description="no pick, already final, or why it cannot be finished")


class BoardFinishEstimate(Answer):
    """What finishing every pick of the board would make, and about how long it takes."""

    board_id: str
    count: int = Field(description="how many finals")
    routes: dict[Literal["latent_upsample", "full_render"], int] = Field(
        description="how many finals take each route")
    estimate_s: float | None = Field(description="all of them, on this machine; None while "
                                     "one model has no figure yet")
    takes: list[ShotFinish]
    skipped: list[FinishSkipped]


class FinishQueued(Answer):
    shot_id: str
    index: int
    draft_take_id: str
    batch_id: str
    route: Literal["latent_upsample", "full_render"]


class BoardFinishOut(Answer):
    """The finals queued; each becomes its shot's pick when it is done (undoable)."""

    jobs: list[JobOut]  # type: ignore[valid-type]
    shots: list[FinishQueued]
    skipped: list[FinishSkipped]
