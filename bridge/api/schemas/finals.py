"""Bodies and answers of /takes/<id>/finish: a draft's final, with an estimate first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridge.api.schemas.common import Answer, Body
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
