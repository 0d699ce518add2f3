"""Reference images ("ingredients") on a take, checked against its model when queued.

A board or a shot holds reference images for a character, an object or a style (stored by
content hash, bridge.library.images); every take made with them names each hash in its
request, so the take can be made again exactly. The models that take references (Wan VACE,
`Preset.takes_references`) get them as their reference input on the worker
(bridge.generators.vace). Any other model refuses them with a sentence, unless the request
asks for the first reference as the start keyframe (`references_as: "start_keyframe"`),
which any model that starts from an image can honour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import images
from bridge.request import GenerationRequest, InitImage


def apply(request: GenerationRequest, preset: Any, images_dir: Path) -> GenerationRequest:
    """The request with its references checked and, where asked, the first one as the
    start image; a 4xx naming `references` (or `references_as`) and the model otherwise."""
    refs = request.references
    if not refs:
        return request
    for i, sha in enumerate(refs):
        if images.find_image(images_dir, sha) is None:
            raise NotFound("No uploaded image has that sha256; upload it with POST /images.",
                           field=f"references[{i}]")
    label = getattr(preset, "label", request.model)
    takes = bool(getattr(preset, "takes_references", False))
    if request.references_as == "references":
        if takes:
            return request
        raise InvalidRequest(
            f"{label} takes no reference images (model '{request.model}'); Wan VACE does. "
            "Send references_as 'start_keyframe' to start the take from the first one, or "
            "leave the references out.", field="references", code="unsupported",
            details={"model": request.model})
    # references_as == "start_keyframe"
    if getattr(preset, "conditioning", "none") == "none" or takes:
        raise InvalidRequest(
            f"{label} cannot start a take from an image (model '{request.model}'), so a "
            "reference cannot be its start keyframe.", field="references_as",
            code="unsupported", details={"model": request.model})
    if len(refs) > 1:
        raise InvalidRequest("Only one reference can be the start keyframe; send one.",
                             field="references", code="too_many")
    if request.init_image is not None and request.init_image.sha256 != refs[0]:
        raise Conflict("The take already has a start image; leave out 'init_image' or the "
                       "reference.", field="references_as", code="conflict")
    return request.replace(init_image=InitImage(sha256=refs[0], source="reference"))
