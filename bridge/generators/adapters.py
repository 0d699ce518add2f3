"""LoRA adapters on a warm pipeline: load each once, then only switch and weigh them.

Reloading a base model costs seconds to minutes; loading a LoRA into it costs a fraction of
a second and switching between loaded ones costs nothing. So a warm pipeline keeps every
adapter it has loaded (named by the file's sha256, which is also what the take records) and
each job only sets which are active and at what weight (`set_adapters`); a job with none
disables them, which gives the base model's output exactly. Wan 2.2's two experts both take
the adapter (`load_into_transformer_2`).

The fit of a LoRA to the model is checked from the files (bridge.looks.lora_check) before
diffusers touches the weights, so a wrong one fails the job with a sentence, never inside
`load_lora_weights`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import GenerationFailed
from bridge.looks import lora_check
from bridge.looks.loras import files_for
from bridge.looks.records import AppliedLora

log = logging.getLogger("promptcut.generator")


@dataclass
class Adapters:
    """What one warm pipeline holds: adapter name by sha256, and how many loads it took."""

    loaded: dict[str, str] = field(default_factory=dict)
    loads: int = 0
    enabled: bool = True


def adapter_name(sha256: str) -> str:
    return "lora_" + sha256[:16]


def subfolders(pipe: Any) -> tuple[str, ...]:
    """The transformer folders a LoRA may target (Wan 2.2 A14B has a second expert)."""
    return ("transformer", "transformer_2") if getattr(pipe, "transformer_2", None) \
        is not None else ("transformer",)


def apply(pipe: Any, state: Adapters, applied: list[AppliedLora], data_dir: Path, *,
          model_folder: Path | None = None) -> list[dict]:
    """Make exactly `applied` active on `pipe`, loading only the ones it lacks.

    Returns what the take records: name, sha256, weight and the adapter's layer count."""
    if not applied:
        if state.loaded and state.enabled:
            pipe.disable_lora()
            state.enabled = False
        return []
    files = files_for(data_dir, applied)
    for lo, file in zip(applied, files, strict=True):
        if lo.sha256 in state.loaded:
            continue
        if model_folder is not None:
            problems = lora_check.check_fits(type(pipe).__name__, model_folder,
                                             file, subfolders(pipe))
            if problems:
                raise GenerationFailed(
                    f"LoRA '{lo.name}' does not fit this model: {problems[0]}"
                    + (f" (and {len(problems) - 1} more layers)." if len(problems) > 1
                       else "."), code="lora_incompatible")
        name = adapter_name(lo.sha256)
        kwargs = {"load_into_transformer_2": True} if len(subfolders(pipe)) > 1 else {}
        try:
            pipe.load_lora_weights(str(file), adapter_name=name, **kwargs)
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            raise GenerationFailed(f"LoRA '{lo.name}' could not be loaded: {exc}",
                                   code="lora_incompatible") from exc
        state.loaded[lo.sha256] = name
        state.loads += 1
        log.info("loaded LoRA %s as %s", lo.name, name)
    if not state.enabled:
        pipe.enable_lora()
        state.enabled = True
    pipe.set_adapters([state.loaded[lo.sha256] for lo in applied],
                      [lo.weight for lo in applied])
    return [{"id": lo.id, "name": lo.name, "sha256": lo.sha256, "weight": lo.weight}
            for lo in applied]
