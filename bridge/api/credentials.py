"""GET /takes/<id>/credentials: the take's Content Credentials, read back from its file.

The answer is what a C2PA validator says about the file on disk now (valid, untrusted,
tampered, none), beside what the take record says happened when it was made.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from pydantic import TypeAdapter, ValidationError

from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.credentials import CredentialsOut, MadeOut
from bridge.api.schemas.takes import TakeRecordOut
from bridge.errors import NotFound
from bridge.library import credentials, store

bp = Blueprint("credentials", __name__)

BEFORE = "This take was made before Promptcut signed takes."


@route(bp, "GET", "/takes/<take_id>/credentials",
       summary="The take's Content Credentials: valid, untrusted, tampered or none",
       replies={200: CredentialsOut})
def take_credentials(take_id: str) -> CredentialsOut:
    s = services()
    take = store.get_take(s.db(), take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="take_id")
    made = MadeOut.model_validate(take.record.get("credentials")
                                  or {"signed": False, "reason": BEFORE})
    anchors = _anchors(s.settings.trust_anchors)
    found = credentials.verify(Path(take.media_path), trust_anchors=anchors)
    local = bool(made.signed and made.kind == "local" and found.signer == made.signer)
    seen = found.to_json()
    if seen["take"] is not None:
        try:  # a manifest is read from the file as anyone may have written it
            TAKE_RECORD.validate_python(seen["take"])
        except ValidationError:
            seen["take"] = None
            seen["failures"] = [*seen["failures"], "promptcut.take.unreadable"]
    return CredentialsOut(take_id=take_id, **seen, signed_when_made=made,
                          local_signer=local, trust_list="custom" if anchors else "default")


TAKE_RECORD = TypeAdapter(TakeRecordOut)


def _anchors(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
