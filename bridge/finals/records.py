"""A final: a draft take made again at delivery quality, and how.

A typed record at the bottom of the stack (it imports nothing from Promptcut), held by the
generation request of a final and so saved with its take: the record says which draft it
finishes and by which route, so that the final can be made again exactly and read as
"final of <draft>" without a join.

Routes:
- `latent_upsample` (LTX): the draft's denoising is run again from its seed and conditions
  at the draft size, its latents are upsampled 2x by the model's latent upsampler, and a
  short refine pass at `refine_strength` (of `refine_steps`) restores texture at the
  delivery size: the multiscale recipe documented for LTX-Video 0.9.7/0.9.8.
- `full_render` (any other local model): one render at the delivery size and steps, same
  seed, same request otherwise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ROUTES = ("latent_upsample", "full_render")


@dataclass(frozen=True)
class Final:
    draft_take_id: str
    route: str  # latent_upsample | full_render
    draft_width: int
    draft_height: int
    draft_steps: int
    refine_strength: float | None = None  # latent_upsample: denoise strength of the refine
    refine_steps: int | None = None  # latent_upsample: the refine schedule's length
    upsampler: str | None = None  # latent_upsample: the upsampler's repo id or tiny twin

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Final:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
