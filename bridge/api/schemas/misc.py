"""Small bodies: health, pairing, image uploads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bridge.api.schemas.common import Answer, Body, text


class Health(Answer):
    status: Literal["ok"]
    app: Literal["promptcut"]
    version: str
    worker: Literal["ok", "retrying", "stopped"]
    worker_reason: str | None = Field(description="why it is retrying or stopped")
    set_aside: list[str] = Field(description="library files start-up could not read, "
                                 "left where they are (path in the data dir: why)")


class PairIn(Body):
    code: text(100, min_length=1, strip=True) = Field(  # type: ignore[valid-type]
        description="the one-time code `promptcut serve` prints")


class PairOut(Answer):
    token: str


class ImageUpload(BaseModel):
    file: bytes = Field(description="a PNG, JPEG or WebP image")


class ImageOut(Answer):
    sha256: str = Field(description="put it in a job's init_image.upload")
