"""Bodies of /loras: the LoRA shelf. Answers are derived from the shelf's record."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Answer, Body, Sha256, answer_of, text
from bridge.looks.camera import MAX_AMOUNT, Move
from bridge.looks.loras import MAX_WEIGHT, Lora

Family = Literal["ltx", "wan", "cogvideox", "hunyuan"]
Name = text(80, min_length=1, strip=True)
Word = text(80, min_length=1, strip=True)

LoraOut = answer_of(Lora, "LoraOut")
MAX_LORAS = 8  # adapters on one take; past a few they only fight each other
MAX_REFERENCES = 4  # reference images on one take (VACE stacks them as extra frames)


class LoraUseIn(Body):
    """A LoRA a take uses: its name or id on the shelf, and how strongly it applies. A
    take's stored request sends its LoRAs back as recorded (id, name, sha256, family), so a
    re-roll uses the same files; a file that changed since is refused."""

    lora: text(80, min_length=1, strip=True) | None = Field(  # type: ignore[valid-type]
        default=None, description="a LoRA's id or name from GET /loras")
    weight: Annotated[float, Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT)] = Field(
        default=1.0, description="how strongly it applies (1: as trained, 0: not at all)")
    id: text(80) | None = Field(  # type: ignore[valid-type]
        default=None, description="as a take record names it (instead of `lora`)")
    name: text(80) | None = None  # type: ignore[valid-type]
    sha256: Sha256 | None = Field(default=None, description="the file a take used; "
                                  "refused if the shelf's file is another")
    family: Family | None = None

    @model_validator(mode="after")
    def _named(self) -> LoraUseIn:
        if self.lora is None and self.id is None:
            raise PydanticCustomError("required", "needs 'lora' (a name or id)")
        return self


class LoraIn(Body):
    name: Name = Field(description="how the editor calls it")  # type: ignore[valid-type]
    path: text(4096) | None = Field(  # type: ignore[valid-type]
        default=None, description="absolute path of a .safetensors LoRA file (it stays "
        "where it is; the shelf only names it)")
    repo_id: text(200) | None = Field(  # type: ignore[valid-type]
        default=None, description="a repo already in the Hugging Face cache (never "
        "downloaded); instead of `path`")
    filename: text(500) | None = Field(  # type: ignore[valid-type]
        default=None, description="which .safetensors file of `repo_id`, when it has several")
    family: Family | None = Field(default=None, description="the model family it was "
                                  "trained for; guessed from its layers when left out")
    trigger_words: list[Word] = Field(default_factory=list,  # type: ignore[valid-type]
                                      max_length=20)
    preview: text(4096) | None = Field(  # type: ignore[valid-type]
        default=None, description="absolute path of an image shown beside it")


class LoraPatch(Body):
    name: Name | None = None  # type: ignore[valid-type]
    trigger_words: list[Word] | None = Field(default=None,  # type: ignore[valid-type]
                                             max_length=20)
    family: Family | None = None
    preview: text(4096) | None = None  # type: ignore[valid-type]


class LoraList(Answer):
    loras: list[LoraOut]  # type: ignore[valid-type]


class LoraAnswer(Answer):
    lora: LoraOut  # type: ignore[valid-type]


class CameraIn(Body):
    """A camera move for a take, a shot or a board. A take's stored request sends it back
    with its route and still (as recorded): the move is drawn again from that still."""

    move: Literal[tuple(m.value for m in Move)] = Field(  # type: ignore[valid-type]
        description="push_in, pull_out, pan_left/right, tilt_up/down, truck_left/right, "
        "static or infinite_zoom (a chain of push-ins)")
    amount: Annotated[float, Field(ge=0, le=MAX_AMOUNT)] = Field(
        default=0.25, description="how far: the end frame is 1 + amount times closer")
    route: Literal["keyframes", "camera_lora"] | None = Field(
        default=None, description="as a take record says it (the bridge chooses)")
    still: Sha256 | None = Field(default=None, description="as a take record names it: "
                                 "the image the move starts from")
    lora: text(200) | None = Field(default=None,  # type: ignore[valid-type]
                                   description="as a take record names it")
    link: Annotated[int, Field(ge=0, le=10_000)] = Field(
        default=0, description="which push-in of an infinite zoom")
