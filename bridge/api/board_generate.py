"""Generating a board (one batch per shot, through the same queue and checks as POST /jobs)
and assembling it into a timeline (written like POST /timelines)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bridge.api.common import services
from bridge.api.contract import validate
from bridge.api.jobs import job_json, to_submission
from bridge.api.schemas.boards import GenerateIn
from bridge.api.schemas.jobs import JobSubmit
from bridge.errors import InvalidRequest, PromptcutError
from bridge.library import board_edits, boards, timelines
from otio_export import TimelineError, check_formats

CONTROL = ("takes", "only_missing", "shot_ids")


def generate_board(board_id: str, body: GenerateIn) -> dict[str, Any]:
    """One batch per shot (each shot, those named, or those without a pick). Every shot's
    request is checked before any is queued: one bad shot must not leave half a board
    queued; the error names the shot (`shots[3].steps`). Shots without a prompt yet are
    skipped and listed (when they are all there is, that is the error)."""
    s = services()
    conn = s.db()
    board = boards.get(conn, board_id)
    defaults = body.model_dump(mode="json", include=body.model_fields_set - set(CONTROL))
    placed = boards.layout(conn, board)
    wanted = set(body.shot_ids) if body.shot_ids is not None else None
    unknown_ids = (wanted or set()) - {p.shot.id for p in placed}
    if unknown_ids:
        raise InvalidRequest(f"There is no shot {sorted(unknown_ids)[0]!r} on this board.",
                             field="shot_ids", code="not_found")
    chosen = [(i, p) for i, p in enumerate(placed)
              if (wanted is None or p.shot.id in wanted)
              and not (body.only_missing and p.shot.selected_take_id)]
    submissions, skipped = [], []
    for i, p in chosen:
        fields = board_edits.generation_fields(s.settings, board, p, defaults, body.takes)
        fields["shot_id"] = p.shot.id  # keyframes on a beat count from this shot's start
        if not str(fields.get("prompt") or "").strip() and len(chosen) > 1:
            # A placeholder shot (no prompt yet) does not hold back the rest of the board.
            skipped.append({"shot_id": p.shot.id, "index": i, "reason": "no prompt"})
            continue
        try:
            sub = to_submission(validate(JobSubmit, fields))
            sub = replace(sub, shot_id=p.shot.id, board_id=board.id)
            s.generator.resolve(sub.request)
        except PromptcutError as err:
            label = p.shot.label or f"Shot {i + 1}"
            raise type(err)(f"{label}: {err.message}", field=f"shots[{i}].{err.field}",
                            code=err.code, details=err.details) from None
        submissions.append((i, p, sub))
    jobs_out, shots_out = [], []
    for i, p, sub in submissions:
        batch_id, jobs, _ = s.queue.submit(sub)
        positions = s.queue.positions()
        jobs_out += [job_json(job, positions).model_dump(mode="json") for job in jobs]
        plan = boards.take_plan(s.settings, board, p.end - p.start, sub.request.model,
                                sub.request.fps)
        shots_out.append({"shot_id": p.shot.id, "index": i, "batch_id": batch_id,
                          "takes": len(jobs), "plan": plan.to_dict() if plan else None})
    boards.save_json(conn, s.settings, board.id)
    return {"jobs": jobs_out, "shots": shots_out, "skipped": skipped}


def assemble_board(board_id: str, formats: list[str] | None, unpicked: str = "gap"
                   ) -> dict[str, Any]:
    """The board's cut written in each format; the answer is POST /timelines's, plus notes
    on what the editor should know (gaps, short takes, rates Premiere will interpret)."""
    s = services()
    conn = s.db()
    board = boards.get(conn, board_id)
    try:  # a format we cannot write is the caller's first mistake to hear about
        check_formats(list(formats or timelines.DEFAULT_FORMATS))
    except TimelineError as err:
        raise timelines.invalid(err) from None
    cut = boards.assemble_board(conn, s.settings, board, unpicked)
    timelines.complete_cut(conn, s.settings, cut)
    meta = timelines.create(conn, s.settings, cut, formats)
    from bridge.api.timelines import public

    return public(meta) | {"notes": _notes(board, cut)}


def _notes(board, cut) -> list[str]:
    notes = []
    gaps = [m.name for m in cut.markers if m.color == "RED"]
    if gaps:
        notes.append("Gaps in the cut: " + "; ".join(gaps[:20]) + (" ..." if len(gaps) > 20
                                                                   else "") + ".")
    rates = sorted({e.media_fps for e in cut.entries
                    if e.kind == "clip" and e.track.startswith("V") and e.media_fps
                    and abs(float(e.media_fps) - float(board.fps)) > 0.01})
    if rates:
        shown = ", ".join(f"{r:g}" for r in rates)
        notes.append(f"Takes at {shown} fps sit in a {board.fps:g} fps sequence: they are "
                     "interpreted at their own rate (real-time speed), and Premiere repeats "
                     "or drops frames to fill the sequence; nothing is conformed.")
    return notes
