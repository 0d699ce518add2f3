"""POST /jobs's directing fields into the request: one call from `jobs.to_submission`."""

from __future__ import annotations

from typing import Any

from bridge.api.common import services
from bridge.boards import service as board_service
from bridge.errors import InvalidRequest
from bridge.library import direct
from bridge.request import GenerationRequest


def apply(body: Any, request: GenerationRequest, s: Any = None
          ) -> tuple[GenerationRequest, str | None, str | None]:
    """The request with keyframes, timed prompts, continuation or retake; and the take's
    shot and board.
    `body` is a JobSubmit (its DirectFields, `keyframes` and `shot_id`)."""
    s = s or services()
    conn = s.db()
    images_dir = s.settings.images_dir
    if body.continue_from and body.retake:
        raise InvalidRequest("Send 'continue_from' or 'retake', not both.", field="retake",
                             code="conflict")
    if body.shot_id is not None:
        shot = board_service.of(s).get_shot(body.shot_id)
        shot_id, board_id = shot.id, shot.board_id
    else:
        shot_id, board_id = direct.shot_of(
            conn, body.continue_from or (body.retake.take_id if body.retake else None)
            or (body.video.take_id if body.video else None) or request.parent_take_id)
    if body.keyframes:
        asks = [direct.KeyframeAsk(**k.model_dump()) for k in body.keyframes]
        request = request.replace(keyframes=direct.keyframes(conn, images_dir, asks, shot_id))
    asks = [direct.SectionAsk(**p.model_dump()) for p in body.prompts or ()]
    request = request.replace(prompts=direct.sections(conn, asks, shot_id))
    if body.video is not None:
        if body.continue_from or body.retake:
            raise InvalidRequest("Send 'video' (as a take record stores it) or "
                                 "'continue_from' / 'retake', not both.", field="video",
                                 code="conflict")
        request = request.replace(video=direct.stored_video(images_dir, body.video.model_dump()))
    else:
        request = request.replace(video=None)
    preset = _preset(request.model, s)
    if body.continue_from:
        frames = request.num_frames or (preset.num_frames if preset else 1)
        cont = direct.continue_from(conn, images_dir, body.continue_from, preset,
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


def _preset(model: str, s: Any) -> Any:
    presets = getattr(s.generator, "presets", None)
    return presets().get(model) if callable(presets) else None
