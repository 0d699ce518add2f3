"""The catalog the queue and the API see: the diffusers presets plus the providers' own.

A request for a provider preset is checked by bridge.providers.resolve (its sizes, its
durations, a stored key); every other request by the diffusers generator, as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge import providers
from bridge.generators.base import ModelState
from bridge.request import GenerationRequest


class Catalog:
    def __init__(self, generator: Any, data_dir: Path) -> None:
        self.generator = generator
        self.data_dir = Path(data_dir)

    def resolve(self, request: GenerationRequest) -> GenerationRequest:
        if providers.is_provider_model(request.model):
            return providers.resolve(request, self.data_dir)
        return self.generator.resolve(request)

    def models(self) -> list[ModelState]:
        return [*self.generator.models(), *providers.model_states(self.data_dir)]

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        return self.generator.generate(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # manager, presets, warm_model, unload
        return getattr(self.generator, name)
