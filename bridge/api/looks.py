"""/loras: the LoRA shelf. A thin door onto bridge.looks.loras (the CLI is the other)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.common import Query
from bridge.api.schemas.looks import LoraAnswer, LoraIn, LoraList, LoraPatch
from bridge.errors import Conflict, InvalidRequest
from bridge.looks import lora_check, loras
from bridge.looks.records import AppliedLora

bp = Blueprint("looks", __name__)


def resolve_for_job(uses: list | None, model: str, s=None) -> tuple[AppliedLora, ...]:
    """A submission's LoRAs, checked against its model before anything is queued: a LoRA
    trained for another family, or whose layers the model lacks or has at other sizes,
    is a 400 naming it and saying why (never a crash inside a job)."""
    if not uses:
        return ()
    s = s or services()
    applied = loras.resolve(s.settings.data_dir, [(u.lora or u.id, u.weight) for u in uses])
    for i, (use, lo) in enumerate(zip(uses, applied, strict=True)):
        if use.sha256 and use.sha256 != lo.sha256:
            raise Conflict(f"LoRA '{lo.name}' on the shelf is another file than the one this "
                           "take used (its sha256 differs); add that file again to make the "
                           "take exactly.", field=f"loras[{i}].sha256", code="lora_changed")
    preset = s.generator.presets().get(model) if hasattr(s.generator, "presets") else None
    if preset is None or getattr(preset, "provider", None):
        raise InvalidRequest(f"Model '{model}' cannot take LoRAs here (only the models "
                             "this bridge runs itself can).", field="loras")
    folder = model_folder(s.settings, preset)
    files = loras.files_for(s.settings.data_dir, applied)
    for i, (lo, file) in enumerate(zip(applied, files, strict=True)):
        where = f"loras[{i}].lora"
        if lo.family and preset.family in lora_check.FAMILIES and lo.family != preset.family:
            raise InvalidRequest(
                f"LoRA '{lo.name}' was trained for {lora_check.FAMILY_LABELS[lo.family]}; "
                f"model '{model}' is {lora_check.FAMILY_LABELS[preset.family]}.", field=where,
                code="lora_incompatible")
        if folder is not None:
            problems = lora_check.check_fits(preset.t2v_class, folder, file)
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise InvalidRequest(f"LoRA '{lo.name}' does not fit model '{model}': "
                                     f"{problems[0]}{more}.", field=where,
                                     code="lora_incompatible")
    return tuple(applied)


def model_folder(settings, preset) -> Path | None:
    """The model's folder when its weights are on disk (never downloads): the layer check
    needs its transformer config; without it the check waits for the job."""
    from bridge.generators.hf_cache import hub_cache_dir, local_snapshot
    from bridge.generators.tiny import ensure_tiny, tiny_kind

    if preset.source == "tiny":
        return ensure_tiny(settings.models_dir, tiny_kind(preset))
    if preset.source == "local":
        folder = Path(preset.model_id).expanduser()
        return folder if (folder / "model_index.json").is_file() else None
    return local_snapshot(hub_cache_dir(settings), preset.model_id, preset.revision)


class ShelfQuery(Query):
    trashed: bool = False


def _data():
    return services().settings.data_dir


def _answer(lora: loras.Lora) -> LoraAnswer:
    return LoraAnswer(lora=asdict(lora))


@route(bp, "GET", "/loras", summary="The LoRA shelf (or its trash)", query=ShelfQuery,
       replies={200: LoraList})
def list_loras(query: ShelfQuery):
    return LoraList(loras=[asdict(lo) for lo in loras.list_loras(_data(),
                                                                 trashed=query.trashed)])


@route(bp, "POST", "/loras", summary="Put a LoRA file on the shelf",
       description="Reads the file's layers (header only) and its sha256; the file stays "
       "where it is.", body=LoraIn, replies={201: LoraAnswer}, errors=(409,))
def add_lora(body: LoraIn):
    s = services()
    lora = loras.add(s.settings.data_dir, name=body.name, path=body.path,
                     repo_id=body.repo_id, filename=body.filename, family=body.family,
                     trigger_words=body.trigger_words, preview=body.preview,
                     hf_cache=s.settings.hf_cache)
    return _answer(lora), 201


@route(bp, "GET", "/loras/<lora_id>", summary="One LoRA", replies={200: LoraAnswer})
def get_lora(lora_id: str):
    return _answer(loras.get(_data(), lora_id, field_name="lora_id"))


@route(bp, "PATCH", "/loras/<lora_id>", summary="Rename a LoRA or change its details",
       body=LoraPatch, replies={200: LoraAnswer}, errors=(409,))
def patch_lora(lora_id: str, body: LoraPatch):
    if not body.model_fields_set:
        raise InvalidRequest("Send at least one field to change.", field="body")
    return _answer(loras.update(_data(), lora_id, name=body.name,
                                trigger_words=body.trigger_words, family=body.family,
                                preview=body.preview))


@route(bp, "DELETE", "/loras/<lora_id>", summary="Move a LoRA to the shelf's trash",
       description="The LoRA file itself is never touched.", replies={200: LoraAnswer})
def delete_lora(lora_id: str):
    return _answer(loras.remove(_data(), lora_id))


@route(bp, "POST", "/loras/<lora_id>/restore", summary="Bring a LoRA back from the trash",
       replies={200: LoraAnswer}, errors=(409,))
def restore_lora(lora_id: str):
    return _answer(loras.restore(_data(), lora_id))
