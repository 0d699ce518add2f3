"""What the running service signs with, from its settings, and what a take was made from.

`take_signer(settings, db)` is the finisher's signer factory (bridge.engine.finisher): for
each take's record it returns the `take_files.Signer` that signs the encoded temporary MP4
into the signed temporary one, in the encode pool, and notes the outcome in the record's
`credentials` before the sidecar is written.

Before signing, the take's pictures get the invisible watermark that names it (watermark.py),
bound to the manifest by a `c2pa.soft-binding` assertion, so a copy that lost its manifest
still leads back to it. PROMPTCUT_VISIBLE_BADGE=1 adds a visible "AI" label as well;
PROMPTCUT_WATERMARK=0 leaves the pictures untouched. The signer's name is
PROMPTCUT_SIGNER_NAME (default "Promptcut user"; never the host name).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from bridge.config import Settings
from bridge.library.credentials import watermark
from bridge.library.credentials.identity import Identity, IdentityError, load_identity
from bridge.library.credentials.sign import Ingredient, Unsigned, sign_video, soft_binding
from bridge.library.images import find_image
from bridge.library.names import take_stem
from bridge.request import GenerationRequest

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
                             key=settings.signing_key, tsa_url=settings.tsa_url,
                             signer_name=os.environ.get("PROMPTCUT_SIGNER_NAME") or None)
    except (IdentityError, OSError, ValueError) as exc:
        log.warning("takes will not be signed: %s", exc)
        return Unsigned(f"No usable signing identity: {exc}")


def ingredients_for(settings: Settings, request: GenerationRequest,
                    parent_media: Path | None = None) -> list[Ingredient]:
    """The start image and the parent take, as the files that are on disk now."""
    out: list[Ingredient] = []
    if request.init_image is not None:
        # Kept as uploaded (.png, .jpg or .webp); a start image no longer on disk is skipped.
        path = find_image(settings.images_dir, request.init_image.sha256)
        if path is not None:
            out.append(Ingredient(path, f"start image {request.init_image.sha256[:12]}"
                                  f"{path.suffix}", "start_image", request.init_image.take_id))
    for k in request.keyframes:  # every image that conditioned it, and where it landed
        path = find_image(settings.images_dir, k.sha256)
        if path is not None:
            out.append(Ingredient(path, f"keyframe at frame {k.frame} {k.sha256[:12]}"
                                  f"{path.suffix}", "keyframe", k.take_id))
    if request.references_as == "references":
        for sha in request.references:  # the reference images ("ingredients") it used
            path = find_image(settings.images_dir, sha)
            if path is not None:
                out.append(Ingredient(path, f"reference image {sha[:12]}{path.suffix}",
                                      "reference"))
    if request.parent_take_id and parent_media is not None:
        out.append(Ingredient(Path(parent_media), Path(parent_media).name, "parent_take",
                              request.parent_take_id))
    return out


def take_signer(settings: Settings, db) -> Callable[[dict], Callable[[Path, Path], bool]]:
    """The finisher's signer factory; the identity is loaded (or made) once, here."""
    from bridge.library import store

    identity = identity_for(settings)
    if isinstance(identity, Unsigned):
        log.info("takes are not signed: %s", identity.reason)
    else:
        log.info("signing takes with the %s certificate '%s' (%s)", identity.kind,
                 identity.subject, identity.cert_path)

    def for_record(record: dict) -> Callable[[Path, Path], bool]:
        request = GenerationRequest.from_dict(record["request"])
        parent = None
        if request.parent_take_id:
            found = store.get_take(db.conn(), request.parent_take_id)
            parent = Path(found.media_path) if found is not None else None
        ingredients = ingredients_for(settings, request, parent)
        title = f"{take_stem(request.prompt, request.seed, record['take_id'])}.mp4"
        signed_record = dict(record)  # the record as it stands before signing

        def sign(src: Path, dst: Path) -> bool:
            result = sign_marked(src, dst, signed_record, ingredients, identity, title=title)
            record["credentials"] = result
            return bool(result["signed"])

        return sign

    return for_record


def _on(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() not in ("0", "false", "no", "off")


def sign_marked(src: Path, dst: Path, record: dict, ingredients: list[Ingredient],
                identity: Identity | Unsigned, *, title: str | None = None,
                mark: bool | None = None, visible_badge: bool | None = None) -> dict:
    """Watermark `src` with the take's mark, then sign it into `dst` with the soft binding.

    The marked copy is a temporary file of this attempt beside `dst`, removed here; a take
    too small to mark (or a failure to mark) is signed as it is, and the record says why.
    """
    mark = _on("PROMPTCUT_WATERMARK", True) if mark is None else mark
    badge = _on("PROMPTCUT_VISIBLE_BADGE", False) if visible_badge is None else visible_badge
    if isinstance(identity, Unsigned) or not (mark or badge):
        return sign_video(src, dst, record, ingredients, identity, title=title)
    dst = Path(dst)
    marked = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.marked.mp4")
    code = watermark.mark_for(str(record.get("take_id", "")))
    alg: str | None = None
    note: str | None = None
    try:
        try:
            if mark:
                alg = watermark.watermark_video(Path(src), marked, code, visible_badge=badge)
                note = None if alg else "The frames are too small to carry a watermark."
            if alg is None and badge:
                watermark.badge_video(Path(src), marked)
        except (OSError, ValueError, IndexError) as exc:
            log.warning("could not watermark %s: %s", title or src, exc)
            alg, note = None, f"Watermarking failed: {exc}"
        source = marked if marked.exists() else Path(src)
        soft = soft_binding(alg, code) if alg else None
        result = sign_video(source, dst, record, ingredients, identity, title=title, soft=soft)
    finally:
        if marked.exists():
            marked.unlink()  # this attempt's own temporary file
    if result.get("signed"):
        result["watermark"] = ({"alg": alg, "mark": code, "visible_badge": badge} if alg
                               else {"alg": None, "reason": note or "turned off",
                                     "visible_badge": badge})
    return result
