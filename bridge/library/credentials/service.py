"""What the running service signs with, from its settings, and what a take was made from."""

from __future__ import annotations

import logging
from pathlib import Path

from bridge.config import Settings
from bridge.engine.request import GenerationRequest
from bridge.library.credentials.identity import Identity, IdentityError, load_identity
from bridge.library.credentials.sign import Ingredient, Unsigned
from bridge.library.images import image_path

log = logging.getLogger("promptcut.credentials")

OFF = "Signing is turned off in this install (PROMPTCUT_SIGN=0 or `promptcut serve --no-sign`)."


def identity_for(settings: Settings) -> Identity | Unsigned:
    """The identity takes are signed with, or why they are not signed (never raises).

    A broken studio certificate must not stop generation: takes are then kept unsigned,
    their records say why, and `promptcut doctor` names the fix.
    """
    if not settings.sign_takes:
        return Unsigned(OFF)
    try:
        return load_identity(settings.credentials_dir, cert=settings.signing_cert,
                             key=settings.signing_key, tsa_url=settings.tsa_url)
    except (IdentityError, OSError, ValueError) as exc:
        log.warning("takes will not be signed: %s", exc)
        return Unsigned(f"No usable signing identity: {exc}")


def ingredients_for(settings: Settings, request: GenerationRequest,
                    parent_media: Path | None = None) -> list[Ingredient]:
    """The start image and the parent take, as the files that are on disk now."""
    out: list[Ingredient] = []
    if request.init_image is not None:
        path = image_path(settings.images_dir, request.init_image.sha256)
        out.append(Ingredient(path, f"start image {request.init_image.sha256[:12]}.png",
                              "start_image", request.init_image.take_id))
    if request.parent_take_id and parent_media is not None:
        out.append(Ingredient(Path(parent_media), Path(parent_media).name, "parent_take",
                              request.parent_take_id))
    return out
