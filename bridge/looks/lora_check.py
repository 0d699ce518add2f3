"""Does this LoRA fit this model? Answered from the files, before any job runs.

A LoRA for another family or another size of the same family (Wan 2.1 1.3B against Wan 2.2
5B) either fails deep inside `load_lora_weights` or, worse, loads a few matching layers and
silently ignores the rest. So the check compares every adapted layer with the model's own
layers: the model is built on the `meta` device from its transformer config (no weights, no
memory), and the LoRA's keys go through diffusers' own converter for that pipeline class
(`lora_state_dict`), which knows the community key formats (kohya, original Wan/LTX names).
Every layer must exist in the model as a linear layer whose sizes match the LoRA's A and B
matrices.

`read_file` only reads the safetensors header, so adding a LoRA to the shelf costs nothing
however large the file.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Families a LoRA can be declared for; the same names as the presets' `family`.
FAMILIES = ("ltx", "wan", "cogvideox", "hunyuan")
FAMILY_LABELS = {"ltx": "LTX-Video", "wan": "Wan", "cogvideox": "CogVideoX",
                 "hunyuan": "HunyuanVideo"}

_PAIR = re.compile(r"^(?P<module>.+)\.(?P<part>lora_A|lora_B|lora_down|lora_up)"
                   r"(?:\.[^.]+)?\.weight$")
_PREFIXES = ("base_model.model.", "model.diffusion_model.", "diffusion_model.",
             "transformer.", "transformer_2.")


class NotALora(ValueError):
    """The file is not a safetensors LoRA (unreadable, or no A/B matrix pairs)."""


@dataclass(frozen=True)
class Layer:
    """One adapted layer: its rank and the sizes it expects of the model's linear layer."""

    rank: int
    in_features: int
    out_features: int


def module_name(key: str) -> tuple[str, str] | None:
    """(layer, 'A' | 'B') for a LoRA matrix key in any common format; None for other keys
    (alphas, biases, metadata)."""
    m = _PAIR.match(key)
    if not m:
        return None
    name = m.group("module")
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    return name, "A" if m.group("part") in ("lora_A", "lora_down") else "B"


def layers_from_shapes(shapes: dict[str, list[int]]) -> dict[str, Layer]:
    """Pair the A (rank x in) and B (out x rank) matrices of each adapted layer."""
    halves: dict[str, dict[str, list[int]]] = {}
    for key, shape in shapes.items():
        named = module_name(key)
        if named is None or len(shape) != 2:
            continue
        halves.setdefault(named[0], {})[named[1]] = shape
    out = {}
    for name, pair in halves.items():
        if "A" in pair and "B" in pair:
            out[name] = Layer(rank=pair["A"][0], in_features=pair["A"][1],
                              out_features=pair["B"][0])
    return out


def read_file(path: Path) -> dict[str, Layer]:
    """The adapted layers named in a LoRA file's header (no tensor is read)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            shapes = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except Exception as exc:  # safetensors raises its own error types for a bad header
        raise NotALora(f"{Path(path).name} is not a readable .safetensors file ({exc}).") \
            from exc
    layers = layers_from_shapes(shapes)
    if not layers:
        raise NotALora(f"{Path(path).name} holds no LoRA matrices (no lora_A/lora_B or "
                       "lora_down/lora_up pairs).")
    return layers


def guess_family(names: list[str]) -> str | None:
    """A hint from the layer names when the user does not say; None when unsure.

    Wan's blocks are `blocks.N` (diffusers) or `blocks.N.self_attn` (original); Hunyuan has
    `single_transformer_blocks`/`double_blocks`; LTX and CogVideoX both use
    `transformer_blocks.N.attn1`, so the shape check decides between them, not the name."""
    joined = "\n".join(names)
    if re.search(r"(^|\n)blocks\.\d+\.", joined):
        return "wan"
    if "single_transformer_blocks" in joined or "double_blocks" in joined:
        return "hunyuan"
    return None


@functools.lru_cache(maxsize=16)
def model_layers(folder: str, subfolder: str = "transformer") -> dict[str, tuple[int, int]]:
    """name -> (in, out) of every linear layer of the model in `folder`, built on the meta
    device from its config alone (no weights are read)."""
    import diffusers
    import torch

    config_path = Path(folder) / subfolder / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    cls = getattr(diffusers, str(config.get("_class_name")), None)
    if cls is None:
        raise FileNotFoundError(f"unknown transformer class in {config_path}")
    with torch.device("meta"):
        model = cls.from_config(config)
    return {name: (mod.in_features, mod.out_features)
            for name, mod in model.named_modules() if isinstance(mod, torch.nn.Linear)}


def converted_layers(pipeline_class: Any, path: Path) -> dict[str, Layer]:
    """The LoRA's layers as the pipeline will see them, after diffusers' key conversion."""
    state = pipeline_class.lora_state_dict(str(path))
    if isinstance(state, tuple):  # some mixins also return alphas or metadata
        state = state[0]
    shapes = {k: list(v.shape) for k, v in state.items() if k.startswith("transformer.")}
    return layers_from_shapes(shapes)


def mismatches(lora: dict[str, Layer], model: dict[str, tuple[int, int]]) -> list[str]:
    """Sentences for every adapted layer the model lacks or has at another size."""
    problems = []
    for name, layer in sorted(lora.items()):
        sizes = model.get(name)
        if sizes is None:
            problems.append(f"the model has no layer '{name}'")
        elif sizes != (layer.in_features, layer.out_features):
            problems.append(f"layer '{name}' is {sizes[0]}->{sizes[1]} in the model but "
                            f"{layer.in_features}->{layer.out_features} in the LoRA")
    return problems


def check_fits(pipeline_class_name: str, model_folder: Path, lora_path: Path,
               subfolders: tuple[str, ...] = ("transformer",)) -> list[str]:
    """Every reason this LoRA does not fit the model on disk (empty: it fits)."""
    import diffusers

    cls = getattr(diffusers, pipeline_class_name, None)
    if cls is None or not hasattr(cls, "lora_state_dict"):
        return [f"{pipeline_class_name} cannot load LoRAs"]
    lora = converted_layers(cls, lora_path)
    if not lora:
        return ["none of its layers is for the transformer"]
    problems: list[str] = []
    for sub in subfolders:
        problems = mismatches(lora, model_layers(str(model_folder), sub))
        if not problems:
            return []
    return problems
