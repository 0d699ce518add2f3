"""Content Credentials (C2PA) for every take: who signed it, how it was made, is it intact.

- `identity`: the signing identity (a local CA made on first run, or a studio's own);
- `sign`: `sign_video`, called by the finisher beside encoding, never on the GPU thread;
- `verify`: `verify(path)`, one of valid / untrusted / tampered / none;
- `service`: what the service signs with, from its settings (or why it does not sign);
- `watermark`: the invisible mark in every take's pictures, bound as a C2PA soft binding;
- `recover`: the take and manifest a copy's watermark leads to, after the file lost them.
"""

from bridge.library.credentials.identity import Identity, IdentityError, load_identity
from bridge.library.credentials.recover import Recovery, recover
from bridge.library.credentials.service import (
    identity_for,
    ingredients_for,
    sign_marked,
    take_signer,
)
from bridge.library.credentials.sign import Ingredient, Unsigned, sign_video
from bridge.library.credentials.verify import CredentialState, Verification, verify

__all__ = [
    "CredentialState",
    "Identity",
    "IdentityError",
    "Ingredient",
    "Recovery",
    "Unsigned",
    "Verification",
    "identity_for",
    "ingredients_for",
    "load_identity",
    "recover",
    "sign_marked",
    "sign_video",
    "take_signer",
    "verify",
]
