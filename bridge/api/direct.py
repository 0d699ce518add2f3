"""POST /jobs's directing fields into the request: one call from `jobs.to_submission`."""

from __future__ import annotations

from typing import Any

from bridge.api.common import services
from bridge.errors import InvalidRequest
from bridge.library import boards, direct
from bridge.request import GenerationRequest


def apply(body: Any, request: GenerationRequest
          ) -> tuple[GenerationRequest, str | None, str | None]:
    """The request with keyframes, continuation or retake; and the take's shot and board.
    `body` is a JobSubmit (its DirectFields, `keyframes` and `shot_id`)."""
    s = services()
    conn = s.db()
    images_dir = s.settings.images_dir
    if body.continue_from and body.retake:
        raise InvalidRequest("Send 'continue_from' or 'retake', not both.", field="retake",
                             code="conflict")
    if body.shot_id is not None:
        shot = boards.get_shot(conn, body.shot_id)
        shot_id, board_id = shot.id, shot.board_id
    else:
        shot_id, board_id = direct.shot_of(
            conn, body.continue_from or (body.retake.take_id if body.retake else None)
            or request.parent_take_id)
    if body.keyframes:
        asks = [direct.KeyframeAsk(**k.model_dump()) for k in body.keyframes]
        request = request.replace(keyframes=direct.keyframes(conn, images_dir, asks, shot_id))
    preset = _preset(request.model)
    if body.continue_from:
        frames = request.num_frames or (preset.num_frames if preset else 1)
        cont = direct.continue_from(conn, images_dir, body.continue_from, preset or _NoVideo,
                                    int(frames))
        if request.init_image is not None:
            raise InvalidRequest("A continuation starts from its take; leave 'init_image' "
                                 "out.", field="init_image", code="conflict")
        request = request.replace(video=cont.video, init_image=cont.init_image,
                                  parent_take_id=body.continue_from)
    if body.retake:
        video, take = direct.retake(conn, images_dir, body.retake.take_id,
                                    body.retake.strength)
        request = request.replace(video=video, parent_take_id=take.id,
                                  num_frames=request.num_frames or take.num_frames,
                                  width=request.width or take.width,
                                  height=request.height or take.height)
    return request, shot_id, board_id


def _preset(model: str) -> Any:
    presets = getattr(services().generator, "presets", None)
    return presets().get(model) if callable(presets) else None


class _NoVideo:
    """A model this bridge does not run itself (a cloud preset): last frame only."""

    condition_class = None
    continue_frames = 1
    frame_step = 1
