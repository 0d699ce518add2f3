"""Reading Content Credentials back: one of four states a person can act on.

- `valid`: intact, and signed by a certificate on the trust list in use;
- `untrusted`: intact, but the signer is not on that trust list. Every take signed with the
  local identity reads so everywhere except where its authority (`ca.pem`) was added;
- `tampered`: the file changed after signing, or its manifest is damaged;
- `none`: no Content Credentials in the file (or not a format that carries them).

The state comes from the SDK's own validation state (Trusted / Valid / Invalid), so it means
what any C2PA validator would say with the same trust list; the codes are kept for detail.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from bridge.library.credentials.sign import FORMATS, TAKE_ASSERTION, sdk_settings


class CredentialState(str, enum.Enum):
    VALID = "valid"
    UNTRUSTED = "untrusted"
    TAMPERED = "tampered"
    NONE = "none"


MESSAGES = {
    CredentialState.VALID: "Content Credentials are intact and the signer is trusted.",
    CredentialState.UNTRUSTED: (
        "Content Credentials are intact, but the signer is not on the trust list in use. "
        "Takes signed by this install's local certificate read so in every validator until "
        "its authority is added to a trust list (see `promptcut docs credentials`)."),
    CredentialState.TAMPERED: ("The file changed after it was signed, or its Content "
                               "Credentials are damaged: do not rely on them."),
    CredentialState.NONE: "This file carries no Content Credentials.",
}


@dataclass(frozen=True)
class Verification:
    state: CredentialState
    message: str
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    generator: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    ingredients: list[dict] = field(default_factory=list)
    take: dict | None = None  # the Promptcut take record, when Promptcut signed it
    manifest: str | None = None
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["state"] = self.state.value
        return out


def verify(path: Path, *, trust_anchors: str | None = None) -> Verification:
    """Read and validate the manifest of `path`; `trust_anchors` adds PEM roots to trust."""
    settings = sdk_settings()
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}
    context = c2pa.Context.from_dict(settings)
    try:
        with open(path, "rb") as f:
            reader = c2pa.Reader.try_create(_format(Path(path)), f, None, context)
            if reader is None:
                return Verification(CredentialState.NONE, MESSAGES[CredentialState.NONE])
            with reader:
                return _verdict(reader)
    except c2pa.C2paError.NotSupported:
        return Verification(CredentialState.NONE, "This kind of file cannot carry Content "
                                                  "Credentials.")
    except c2pa.C2paError as exc:
        return Verification(CredentialState.TAMPERED,
                            f"The file's Content Credentials cannot be read: {exc}")


def _verdict(reader: c2pa.Reader) -> Verification:
    state = {"Trusted": CredentialState.VALID, "Valid": CredentialState.UNTRUSTED}.get(
        reader.get_validation_state() or "", CredentialState.TAMPERED)
    results = reader.get_validation_results() or {}
    failures = [f.get("code", "") for f in results.get("activeManifest", {}).get("failure", [])]
    manifest = reader.get_active_manifest() or {}
    info = manifest.get("signature_info") or {}
    assertions = manifest.get("assertions") or []
    actions = [a for x in assertions if x.get("label", "").startswith("c2pa.actions")
               for a in x.get("data", {}).get("actions", [])]
    take = next((x.get("data") for x in assertions if x.get("label") == TAKE_ASSERTION), None)
    ingredients = [{"title": i.get("title"), "format": i.get("format"),
                    "relationship": i.get("relationship"),
                    "signed": bool(i.get("active_manifest"))}
                   for i in manifest.get("ingredients") or []]
    return Verification(
        state, MESSAGES[state], signer=info.get("common_name"), issuer=info.get("issuer"),
        signed_at=info.get("time"), generator=manifest.get("claim_generator_info") or [],
        actions=actions, ingredients=ingredients, take=take, manifest=manifest.get("label"),
        failures=failures)


def _format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())
