"""Answers of GET /takes/<id>/credentials (bridge/api/credentials.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bridge.api.schemas.common import Answer

State = Literal["valid", "untrusted", "tampered", "none"]


class IngredientOut(Answer):
    title: str | None
    format: str | None
    relationship: str | None = Field(description="inputTo for a start image or parent take")
    signed: bool = Field(description="the ingredient carries Content Credentials of its own")


class MadeOut(Answer):
    """What the take record says happened when the take was made."""

    signed: bool
    reason: str | None = Field(None, description="why it was not signed")
    manifest: str | None = None
    signer: str | None = None
    issuer: str | None = None
    kind: Literal["local", "studio"] | None = None
    algorithm: str | None = None
    timestamped: bool | None = None
    sign_s: float | None = None
    ingredients: list[dict[str, Any]] = Field(default_factory=list)


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
    generator: list[dict[str, Any]] = Field(description="claim generator: Promptcut")
    actions: list[dict[str, Any]] = Field(description="c2pa.created, trainedAlgorithmicMedia")
    ingredients: list[IngredientOut]
    take: dict[str, Any] | None = Field(description="the take record in the manifest")
    manifest: str | None
    failures: list[str] = Field(description="validation failure codes")
    signed_when_made: MadeOut
    local_signer: bool = Field(description="signed by this install's local certificate")
    trust_list: Literal["default", "custom"] = Field(
        description="custom: PROMPTCUT_TRUST_ANCHORS added roots")
