"""Answers of GET /takes/<id>/credentials (bridge/api/credentials.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bridge.api.schemas.common import Answer, answer_of
from bridge.api.schemas.takes import TakeRecordOut
from bridge.library.records import SigningRecord

State = Literal["valid", "untrusted", "tampered", "none"]


class IngredientOut(Answer):
    title: str | None
    format: str | None
    relationship: str | None = Field(description="inputTo for a start image or parent take")
    signed: bool = Field(description="the ingredient carries Content Credentials of its own")


# What the take record says happened when the take was made.
MadeOut = answer_of(SigningRecord, "MadeOut")

# What a C2PA manifest says as it says it: any signer may add fields of its own to these
# (the C2PA specification allows it), so they stay open, unlike Promptcut's own take record.
C2PA_OWN = "free-form: as the file's C2PA manifest has it; other signers add fields of their own"


class CredentialsOut(Answer):
    """The take's file read back by the C2PA SDK, as any C2PA validator would read it."""

    take_id: str
    state: State = Field(description="valid: intact and the signer trusted; untrusted: "
                         "intact, signer not on the trust list (the local certificate); "
                         "tampered: changed after signing; none: no credentials")
    message: str
    signer: str | None
    issuer: str | None
    signed_at: str | None
    generator: list[dict[str, Any]] = Field(description="claim generator (Promptcut); "
                                            + C2PA_OWN)
    actions: list[dict[str, Any]] = Field(description="c2pa.created, "
                                          "trainedAlgorithmicMedia; " + C2PA_OWN)
    ingredients: list[IngredientOut]
    take: TakeRecordOut | None = Field(  # type: ignore[valid-type]
        description="the take record in the manifest (null also when it is not one this "
        "version reads: `failures` says so)")
    manifest: str | None
    failures: list[str] = Field(description="validation failure codes")
    signed_when_made: MadeOut  # type: ignore[valid-type]
    local_signer: bool = Field(description="signed by this install's local certificate")
    trust_list: Literal["default", "custom"] = Field(
        description="custom: PROMPTCUT_TRUST_ANCHORS added roots")
