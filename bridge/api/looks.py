"""/loras: the LoRA shelf. A thin door onto bridge.looks.loras (the CLI is the other)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.common import Query
from bridge.api.schemas.looks import LoraAnswer, LoraIn, LoraList, LoraPatch
from bridge.errors import InvalidRequest
from bridge.looks import loras

bp = Blueprint("looks", __name__)


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
